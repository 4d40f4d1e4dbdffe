/**
 * The LLM critic: shows a model the code around the suspect lines and the failing tests, and asks how
 * likely each line is to be the fault. Its answer becomes one more piece of evidence for the localizer
 * (clamped there, so one reply cannot swamp the test evidence).
 */
import { LlmError } from './errors';
import { parseJsonReply, readLineNumber, readProbability, readReason } from './json';
import { clip, formatFailures, formatTask, numberedListing, splitLines, type LlmFailure } from './prompt';
import type { LlmClient } from './types';

/** A line the localizer already suspects. */
export interface CriticCandidate {
  /** 1-based line. */
  line: number;
  /** The line's text (informational; the listing is built from `source`). */
  text: string;
  /** The localizer's fault probability so far. */
  score: number;
}

/** What the critic sees. */
export interface CritiqueInput {
  /** Path shown to the model (relative to the project root reads best). */
  file: string;
  /** Language name for the model, e.g. `python`. */
  language: string;
  /** The file's full text. */
  source: string;
  candidateLines: CriticCandidate[];
  failures: LlmFailure[];
  /** What the user was trying to do, when known. */
  task?: string;
  signal?: AbortSignal;
  /** At most this many candidates (highest scores first) are shown (default 25). */
  maxCandidates?: number;
  /** Lines of code shown around each candidate when the file is too long to show whole (default 25). */
  contextLines?: number;
  /** Reply length limit in tokens (default sized to the request; raise it for models that think aloud). */
  maxTokens?: number;
}

/** The critic's view of one line. */
export interface CriticVerdict {
  /** Probability in [0, 1] that the line is faulty. */
  probability: number;
  /** The model's one-sentence reason (may be empty). */
  reason: string;
}

const SYSTEM_PROMPT = [
  'You are a careful code reviewer helping to find the line that causes failing tests.',
  'You get one source file with numbered lines, the failing tests, and candidate lines that test coverage already suspects.',
  'For each candidate line, estimate the probability (0 to 1) that the line is faulty, meaning that changing it is part of the correct fix.',
  'Judge each line on its own; most lines are not faulty, so most probabilities should be low. You may add other lines of this file that you find more suspicious.',
  'Answer with JSON only, no prose and no code fences, in exactly this form:',
  '{"lines":[{"line":12,"probability":0.8,"reason":"compares with < where the test expects <="}]}',
  'Keep each reason under 20 words.',
].join('\n');

/**
 * Asks the model to rate the candidate lines of one file. Returns verdicts keyed by 1-based line, for
 * lines that exist and are not blank (the model may add lines beyond the candidates). Throws `LlmError`
 * (`bad-reply` when the answer cannot be read, or whatever the client threw).
 */
export async function critiqueLines(client: LlmClient, input: CritiqueInput): Promise<Map<number, CriticVerdict>> {
  const lines = splitLines(input.source);
  const candidates = [...input.candidateLines]
    .filter((candidate) => candidate.line >= 1 && candidate.line <= lines.length)
    .sort((left, right) => right.score - left.score || left.line - right.line)
    .slice(0, input.maxCandidates ?? 25);
  if (candidates.length === 0) return new Map();

  const focus = candidates.map((candidate) => candidate.line);
  const sections = [
    `File: ${input.file} (${input.language})`,
    formatTask(input.task) ? `The change the developer was making:\n${formatTask(input.task)}` : undefined,
    `Failing tests:\n${formatFailures(input.failures)}`,
    'Candidate lines (line number, suspiciousness from test coverage, code):\n' +
      candidates.map((candidate) => `${candidate.line} (${candidate.score.toFixed(2)}): ${clip(lines[candidate.line - 1].trim(), 160)}`).join('\n'),
    `Source:\n${numberedListing(lines, focus, input.contextLines ?? 25)}`,
    `Rate the ${candidates.length} candidate lines as JSON.`,
  ];
  const reply = await client.complete({
    system: SYSTEM_PROMPT,
    user: sections.filter((section) => section !== undefined).join('\n\n'),
    json: true,
    temperature: 0,
    maxTokens: input.maxTokens ?? 120 + 60 * candidates.length,
    signal: input.signal,
  });
  return readVerdicts(parseJsonReply(reply.text), lines);
}

/** Reads `{"lines":[…]}`, a bare array, or a `{"12": 0.8}` map; drops entries that name no real line. */
function readVerdicts(value: unknown, lines: readonly string[]): Map<number, CriticVerdict> {
  const entries = verdictEntries(value);
  if (!entries) throw new LlmError('bad-reply', 'The critic\'s reply did not list any lines (expected {"lines":[...]}).');
  const verdicts = new Map<number, CriticVerdict>();
  for (const entry of entries) {
    const line = readLineNumber(entry.line);
    const probability = readProbability(entry.probability);
    if (line === undefined || probability === undefined) continue;
    if (line < 1 || line > lines.length || !lines[line - 1].trim()) continue;
    if (!verdicts.has(line)) verdicts.set(line, { probability, reason: readReason(entry.reason) });
  }
  return verdicts;
}

interface RawVerdict {
  line: unknown;
  probability: unknown;
  reason: unknown;
}

function verdictEntries(value: unknown): RawVerdict[] | undefined {
  const fromItem = (item: unknown): RawVerdict | undefined => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
    const record = item as Record<string, unknown>;
    return {
      line: record.line ?? record.lineNumber ?? record.line_number,
      probability: record.probability ?? record.score ?? record.p,
      reason: record.reason ?? record.explanation,
    };
  };
  const fromArray = (array: unknown[]): RawVerdict[] => array.map(fromItem).filter((entry): entry is RawVerdict => entry !== undefined);
  if (Array.isArray(value)) return fromArray(value);
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const list = record.lines ?? Object.values(record).find(Array.isArray);
  if (Array.isArray(list)) return fromArray(list);
  // A map from line numbers to probabilities or to {probability, reason}.
  const mapped = Object.entries(list && typeof list === 'object' ? list : record)
    .filter(([key]) => /^\d+$/.test(key))
    .map(([key, item]): RawVerdict => {
      const inner = item && typeof item === 'object' ? fromItem(item) : undefined;
      return { line: key, probability: inner ? inner.probability : item, reason: inner?.reason };
    });
  return mapped.length > 0 ? mapped : undefined;
}
