/**
 * The optional LLM layer. Everything here works through the `LlmClient` port; the `openai` SDK is loaded
 * only when `createOpenAiClient`'s client makes its first request, so importing this module is cheap.
 */
export type { LlmClient, LlmReply, LlmRequest, LlmUsage } from './types';
export { displayUrl, isLlmError, LlmError, redactSecrets, type LlmErrorKind } from './errors';
export { createOpenAiClient, OPENAI_BASE_URL, PLACEHOLDER_API_KEY, type OpenAiClientConfig } from './openai';
export { createBudgetedClient, type BudgetedLlmClient, type LlmBudget, type LlmSpending } from './budget';
export { parseJsonReply } from './json';
export type { LlmFailure } from './prompt';
export { critiqueLines, type CriticCandidate, type CriticVerdict, type CritiqueInput } from './critic';
export { editableRanges, proposeLlmPatches, type LlmEdit, type RepairInput, type RepairSuspect } from './repair';
export { judgeTask, TASK_LABELS, type JudgeInput, type TaskJudgement, type TaskLabel } from './judge';
export {
  applyLineEdit,
  DEFAULT_LLM_BUDGET,
  LLM_ROLES,
  LlmSession,
  type CheckLlmOptions,
  type LlmCheckFailure,
  type LlmCheckSummary,
  type LlmRole,
} from './check';
