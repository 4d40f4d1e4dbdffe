/**
 * The first-run walkthrough's steps and the events that complete them, without the editor API (plain
 * Node tests cover which check results complete which step; `walkthrough.ts` sets the context keys).
 */
import type { LlmCheckSummary } from '../core/llm/check';
import type { Decision } from '../core/types';

/**
 * The context key each step's `completionEvents` waits for (`onContext:<key>` in package.json). Each is
 * set once the user has really done the step in this window.
 */
export const WalkthroughKeys = {
  /** A check finished on the open folder. */
  checked: 'revise.walkthrough.checked',
  /** A suspect line's hover was shown, or the report was opened. */
  scoreRead: 'revise.walkthrough.scoreRead',
  /** A patch was applied (from a quick fix's preview or the report). */
  patchApplied: 'revise.walkthrough.patchApplied',
  /** A check abstained, or warned that the task is too vague to act on. */
  abstentionRead: 'revise.walkthrough.abstentionRead',
  /** A check used the language model and it answered without failing. */
  llmConnected: 'revise.walkthrough.llmConnected',
} as const;

export type WalkthroughKey = (typeof WalkthroughKeys)[keyof typeof WalkthroughKeys];

/** What of a finished check the walkthrough looks at. */
export interface FinishedCheck {
  decision?: Pick<Decision, 'action'>;
  task?: { verdict: 'actionable' | 'vague' };
  llm?: Pick<LlmCheckSummary, 'calls' | 'failures'>;
}

/** The steps a finished check completes. */
export function stepsCompletedBy(check: FinishedCheck): WalkthroughKey[] {
  const keys: WalkthroughKey[] = [WalkthroughKeys.checked];
  if (check.decision?.action === 'abstain' || check.task?.verdict === 'vague') keys.push(WalkthroughKeys.abstentionRead);
  if (check.llm && check.llm.calls > 0 && check.llm.failures.length === 0) keys.push(WalkthroughKeys.llmConnected);
  return keys;
}
