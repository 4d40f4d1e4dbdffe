/**
 * A spending limit around any `LlmClient`, so one check cannot run up an unbounded bill or tie up a local
 * server: at most `maxCalls` requests and about `maxTokens` tokens.
 */
import { LlmError } from './errors';
import type { LlmClient, LlmReply, LlmRequest } from './types';

/** Limits for one check; either may be `Infinity`. */
export interface LlmBudget {
  /** Requests allowed, failed ones included. */
  maxCalls: number;
  /**
   * Tokens allowed (prompt plus reply). Checked before each call, so the last call may overshoot by its own
   * size. Servers that report no usage are charged an estimate of four characters per token.
   */
  maxTokens: number;
}

/** What a budgeted client has used so far. */
export interface LlmSpending {
  calls: number;
  tokens: number;
}

/** An `LlmClient` that refuses, with `LlmError('budget')`, once its budget is spent. */
export interface BudgetedLlmClient extends LlmClient {
  /** Calls and tokens used so far. */
  spent(): LlmSpending;
}

/** Wraps `client` so that it makes at most `budget.maxCalls` calls and stops once `budget.maxTokens` are used. */
export function createBudgetedClient(client: LlmClient, budget: LlmBudget): BudgetedLlmClient {
  const spending: LlmSpending = { calls: 0, tokens: 0 };
  return {
    spent: () => ({ ...spending }),
    async complete(request: LlmRequest): Promise<LlmReply> {
      if (spending.calls >= budget.maxCalls) {
        throw new LlmError(
          'budget',
          `The LLM call budget for this check is spent (${spending.calls} of ${budget.maxCalls} calls); Revise goes on without the model. Raise the call budget to allow more.`,
        );
      }
      if (spending.tokens >= budget.maxTokens) {
        throw new LlmError(
          'budget',
          `The LLM token budget for this check is spent (${spending.tokens} of ${budget.maxTokens} tokens); Revise goes on without the model. Raise the token budget to allow more.`,
        );
      }
      // The call is counted before it starts, so concurrent callers cannot all slip under the limit.
      spending.calls++;
      const reply = await client.complete(request);
      spending.tokens += reply.usage?.totalTokens ?? Math.ceil((request.system.length + request.user.length + reply.text.length) / 4);
      return reply;
    },
  };
}
