/**
 * The LLM judge of task vagueness: rates a task description on the four-level scale BouncerBench takes
 * from SWE-bench Verified's annotation (well-specified, reasonably specified, vague, impossible), so the
 * input bouncer can warn or stop before spending a check on a request nobody could fulfil reliably.
 */
import { LlmError } from './errors';
import { parseJsonReply, readProbability, readReason } from './json';
import { clip, formatTask } from './prompt';
import type { LlmClient } from './types';

/** BouncerBench's labels, from clearest to least clear. */
export type TaskLabel = 'well-specified' | 'reasonably-specified' | 'vague' | 'impossible';

/** The labels in order; index `i` is SWE-bench Verified's underspecification score `i`. */
export const TASK_LABELS: readonly TaskLabel[] = ['well-specified', 'reasonably-specified', 'vague', 'impossible'];

/** What the judge reads. */
export interface JudgeInput {
  /** The task description, e.g. an issue or a commit message in the making. */
  text: string;
  /** The code the task is about, when known (a function signature, a class outline). */
  signature?: string;
  signal?: AbortSignal;
  /** Reply length limit in tokens (default sized to the request; raise it for models that think aloud). */
  maxTokens?: number;
}

/** The judge's verdict. */
export interface TaskJudgement {
  label: TaskLabel;
  /** Probability in [0, 1] that the task is too unclear to act on (label `vague` or `impossible`). */
  vagueProbability: number;
  /** What a developer would have to ask for, in short phrases (at most five). */
  missing: string[];
}

/** Used when a reply has a label but no usable probability. */
const DEFAULT_PROBABILITY: Record<TaskLabel, number> = {
  'well-specified': 0.05,
  'reasonably-specified': 0.25,
  vague: 0.75,
  impossible: 0.95,
};

const SYSTEM_PROMPT = [
  'You judge whether a software task description is clear enough for an experienced engineer who is new to the code to write a correct solution without asking questions.',
  'Use exactly one of these labels:',
  '- "well-specified": it is clear what is needed for a successful solution.',
  '- "reasonably-specified": some blanks to fill in, but there is a sensible interpretation of what a successful solution looks like.',
  '- "vague": there is room for ambiguity; it is unclear what a successful solution would look like.',
  '- "impossible": it is almost impossible to understand what is being asked without further information.',
  'Also give vagueProbability, the probability (0 to 1) that the task is vague or impossible, and list what is missing (short phrases; empty when nothing is).',
  'Judge only the description; do not try to solve the task. Answer with JSON only, no prose and no code fences, in exactly this form:',
  '{"label":"vague","vagueProbability":0.7,"missing":["the expected output format"]}',
].join('\n');

/**
 * Rates how clearly `input.text` states what is wanted. An empty text is `impossible` without asking the
 * model. Throws `LlmError` (`bad-reply` when the answer has no recognizable label, or whatever the client
 * threw).
 */
export async function judgeTask(client: LlmClient, input: JudgeInput): Promise<TaskJudgement> {
  const task = formatTask(input.text, 6000);
  if (!task) return { label: 'impossible', vagueProbability: 1, missing: ['a description of the task'] };
  const signature = input.signature?.trim();
  const sections = [
    `Task description:\n${task}`,
    signature ? `The code it concerns:\n<code>\n${clip(signature, 3000)}\n</code>` : undefined,
    'Judge the task description as JSON.',
  ];
  const reply = await client.complete({
    system: SYSTEM_PROMPT,
    user: sections.filter((section) => section !== undefined).join('\n\n'),
    json: true,
    temperature: 0,
    maxTokens: input.maxTokens ?? 300,
    signal: input.signal,
  });
  return readJudgement(parseJsonReply(reply.text));
}

function readJudgement(value: unknown): TaskJudgement {
  const record = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const probability = readProbability(record.vagueProbability ?? record.vague_probability ?? record.probability);
  const label = readLabel(record.label ?? record.verdict ?? record.rating) ?? (probability !== undefined ? labelFor(probability) : undefined);
  if (!label) {
    throw new LlmError('bad-reply', 'The judge\'s reply had no recognizable label (expected {"label":"well-specified"|"reasonably-specified"|"vague"|"impossible",...}).');
  }
  const rawMissing = record.missing ?? record.missingInformation ?? record.questions;
  const missing = (Array.isArray(rawMissing) ? rawMissing : typeof rawMissing === 'string' ? [rawMissing] : [])
    .map((item) => readReason(item, 160))
    .filter((item) => item.length > 0)
    .slice(0, 5);
  return { label, vagueProbability: probability ?? DEFAULT_PROBABILITY[label], missing };
}

/** Accepts the labels as written by models: any case, spaces or underscores, or the 0–3 score. */
function readLabel(value: unknown): TaskLabel | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? TASK_LABELS[value] : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  if (/^[0-3]$/.test(text)) return TASK_LABELS[Number(text)];
  if (/\bimpossible\b/.test(text)) return 'impossible';
  if (/\b(vague|ambiguous|underspecified|under specified|unclear)\b/.test(text)) return 'vague';
  if (/\breasonabl[ey]\b/.test(text)) return 'reasonably-specified';
  if (/\b(well|fully specified)\b/.test(text)) return 'well-specified';
  return undefined;
}

function labelFor(probability: number): TaskLabel {
  if (probability >= 0.85) return 'impossible';
  if (probability >= 0.5) return 'vague';
  if (probability >= 0.15) return 'reasonably-specified';
  return 'well-specified';
}
