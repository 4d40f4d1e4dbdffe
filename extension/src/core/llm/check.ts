/**
 * The LLM's three roles in a check, on top of the embedded pipeline: the critic rates the top suspect lines
 * (one more piece of evidence for the scorer), the repairer proposes edits that are validated like the
 * template candidates, and the judge rates the task description for the input bouncer.
 *
 * One rule for every failure (dead endpoint, timeout, rejected key, unreadable reply, spent budget, even a
 * bug here): it becomes a one-line problem in the report and the check goes on without the model. A failure
 * that would only repeat (no connection, no key, no budget) ends the model's part in this check, so a dead
 * endpoint costs one timeout, not one per role. Only cancellation stops the check.
 */
import * as path from 'node:path';
import { ReviseError } from '../errors';
import type { CriticOpinion } from '../localize/features';
import type { ExtraCandidate } from '../patch/types';
import type { Logger, SourceReader } from '../ports';
import { languageForFile } from '../syntax/treeSitter';
import type { CaptureProblem, LineScore, SourceLanguage, TaskAssessment, TestRun } from '../types';
import { createBudgetedClient, type BudgetedLlmClient, type LlmBudget } from './budget';
import { critiqueLines } from './critic';
import { isLlmError, redactSecrets, type LlmErrorKind } from './errors';
import { judgeTask, type TaskJudgement } from './judge';
import { clip, splitLines, type LlmFailure } from './prompt';
import { proposeLlmPatches, type LlmEdit } from './repair';
import type { LlmClient } from './types';

/** What the model may be used for in a check. */
export type LlmRole = 'critic' | 'patches' | 'judge';

/** Every role, in the order a check uses them. */
export const LLM_ROLES: readonly LlmRole[] = ['critic', 'judge', 'patches'];

/**
 * The LLM seam of a check request. The adapters build the client (from settings, SecretStorage, flags or
 * the environment); the core never reads any of those itself.
 */
export interface CheckLlmOptions {
  client: LlmClient;
  /** The model's name: shown in evidence and messages, and in LLM patches' origin `llm:<model>`. */
  model: string;
  /** The endpoint as users may see it (no key, no query string), for messages. */
  endpoint?: string;
  /** Roles switched on; a role left out is on. */
  roles?: Partial<Record<LlmRole, boolean>>;
  /** Limits for the whole check (default `DEFAULT_LLM_BUDGET`). */
  budget?: Partial<LlmBudget>;
  /** The critic sees at most this many of the top suspects (default 10). */
  criticLines?: number;
  /** Edits asked for per file (default 3). */
  patchesPerFile?: number;
  /** Files, by their best suspect, that get edits (default 2). */
  patchFiles?: number;
}

/** Calls and tokens one check may spend when the adapter sets no budget. */
export const DEFAULT_LLM_BUDGET: LlmBudget = { maxCalls: 8, maxTokens: 60_000 };

/** Files the critic is asked about, at most (one request each). */
const MAX_CRITIC_FILES = 3;

/**
 * Ranking weight of the model's first edit, relative to a template's prior (templates share a total of 1,
 * the largest about 0.15): LLM edits are validated first, in the model's order.
 */
const LLM_EDIT_PRIOR = 0.5;

/** Failures after which another request in this check would fail the same way. */
const FINAL_KINDS: ReadonlySet<LlmErrorKind> = new Set<LlmErrorKind>(['unreachable', 'auth', 'timeout', 'rate-limit', 'bad-request', 'budget']);

/** True when a failure would only repeat: a final kind, or a server error (5xx) that outlived the retry. */
function isFinal(kind: LlmErrorKind, error: unknown): boolean {
  return FINAL_KINDS.has(kind) || (isLlmError(error, 'bad-reply') && error.status !== undefined && error.status >= 500);
}

/** One failure cause of the endpoint, with the role that met it first. */
export interface LlmCheckFailure {
  role: LlmRole;
  /** Every role that failed this way (one problem per cause, not one per role). */
  roles: LlmRole[];
  kind: LlmErrorKind;
  /** One line, key-free, as it appears in the report. */
  message: string;
}

/** What the model did in one check (for the adapters: status bar, notifications, logs). */
export interface LlmCheckSummary {
  model: string;
  endpoint?: string;
  /** Roles that were switched on. */
  roles: LlmRole[];
  calls: number;
  tokens: number;
  failures: LlmCheckFailure[];
  /** Lines the critic rated. */
  criticVerdicts: number;
  /** Edits handed to validation. */
  patchCandidates: number;
  /** The judge's verdict on the task, when it gave one. */
  judgement?: TaskJudgement;
}

/** The failing tests as the prompts show them. */
function failuresOf(run: TestRun): LlmFailure[] {
  return run.tests.filter((test) => test.outcome === 'failed').map((test) => ({ id: test.id, message: test.message, frames: test.frames }));
}

/** Path shown to the model: relative to the root, with forward slashes. */
function shownPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return (relative && !relative.startsWith('..') ? relative : file).split(path.sep).join('/');
}

const ROLE_WORDS: Record<LlmRole, string> = { critic: 'critic', patches: 'patch proposals', judge: 'task judge' };

/**
 * The model's part in one check: a budgeted client, the roles still allowed, and the failures so far.
 * Create one per check.
 */
export class LlmSession {
  private readonly client: BudgetedLlmClient;
  private readonly failures: LlmCheckFailure[] = [];
  /** The first failure's words per cause, kept when later roles join its problem. */
  private readonly firstReasons = new Map<LlmErrorKind, string>();
  private stopped = false;
  private criticVerdicts = 0;
  private patchCandidates = 0;
  private judgement?: TaskJudgement;

  constructor(
    private readonly options: CheckLlmOptions,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
  ) {
    this.client = createBudgetedClient(options.client, { ...DEFAULT_LLM_BUDGET, ...options.budget });
  }

  /** True when `role` is switched on and no earlier failure ended the model's part in this check. */
  uses(role: LlmRole): boolean {
    return this.roleOn(role) && !this.stopped;
  }

  /** The failures as report problems. */
  problems(): CaptureProblem[] {
    return this.failures.map((failure) => ({ kind: 'llm', message: failure.message }));
  }

  /** What the model did so far. */
  summary(): LlmCheckSummary {
    const spent = this.client.spent();
    return {
      model: this.options.model,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      roles: LLM_ROLES.filter((role) => this.roleOn(role)),
      calls: spent.calls,
      tokens: spent.tokens,
      failures: [...this.failures],
      criticVerdicts: this.criticVerdicts,
      patchCandidates: this.patchCandidates,
      ...(this.judgement ? { judgement: this.judgement } : {}),
    };
  }

  /**
   * Asks the critic about the top suspects, one request per file (at most three files). Returns opinions
   * keyed `${absolute file}:${line}` for `localizeFaults`, or undefined when it gave none.
   */
  async critique(input: { run: TestRun; scores: LineScore[]; sources: SourceReader; task?: string }): Promise<Map<string, CriticOpinion> | undefined> {
    if (!this.uses('critic')) return undefined;
    const top = input.scores.filter((score) => languageForFile(score.file)).slice(0, Math.max(1, this.options.criticLines ?? 10));
    const byFile = groupByFile(top).slice(0, MAX_CRITIC_FILES);
    const failures = failuresOf(input.run);
    const opinions = new Map<string, CriticOpinion>();
    const source = `the LLM reviewer (${this.options.model})`;
    for (const [file, suspects] of byFile) {
      if (!this.uses('critic')) break;
      const text = await input.sources.read(file);
      this.checkCancelled();
      if (text === undefined) continue;
      const verdicts = await this.attempt('critic', (client) =>
        critiqueLines(client, {
          file: shownPath(input.run.root, file),
          language: languageForFile(file) as SourceLanguage,
          source: text,
          candidateLines: suspects.map((suspect) => ({ line: suspect.line, text: suspect.text ?? '', score: suspect.score })),
          failures,
          ...(input.task ? { task: input.task } : {}),
          signal: this.signal,
        }),
      );
      for (const [line, verdict] of verdicts ?? []) opinions.set(`${file}:${line}`, { ...verdict, source });
    }
    this.criticVerdicts += opinions.size;
    if (opinions.size > 0) this.logger.info(`LLM critic (${this.options.model}) rated ${opinions.size} lines.`);
    return opinions.size > 0 ? opinions : undefined;
  }

  /**
   * Asks for edits near the top suspects of the files with the best suspects (test files and files outside
   * the root excluded) and returns them as whole-file candidates with origin `llm:<model>`, for the patch
   * stage to check and validate like the templates' candidates.
   */
  async proposeCandidates(input: {
    root: string;
    run: TestRun;
    scores: LineScore[];
    sources: SourceReader;
    isTestFile(file: string): boolean;
    task?: string;
  }): Promise<ExtraCandidate[]> {
    if (!this.uses('patches')) return [];
    const testFiles = new Set(input.run.testFiles.map((file) => path.resolve(file)));
    const root = path.resolve(input.root);
    const eligible = input.scores.filter((score) => {
      const file = path.resolve(score.file);
      const relative = path.relative(root, file);
      const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
      return inside && score.score > 0 && languageForFile(file) !== undefined && !testFiles.has(file) && !input.isTestFile(file);
    });
    const byFile = groupByFile(eligible.slice(0, 10)).slice(0, Math.max(1, this.options.patchFiles ?? 2));
    const failures = failuresOf(input.run);
    const origin = `llm:${this.options.model}`;
    const candidates: ExtraCandidate[] = [];
    for (const [file, suspects] of byFile) {
      if (!this.uses('patches')) break;
      const text = await input.sources.read(file);
      this.checkCancelled();
      if (text === undefined) continue;
      const edits = await this.attempt('patches', (client) =>
        proposeLlmPatches(client, {
          file: shownPath(root, file),
          language: languageForFile(file) as SourceLanguage,
          source: text,
          suspects: suspects.map((suspect) => ({ line: suspect.line, score: suspect.score, evidence: suspect.evidence.map((item) => item.detail) })),
          failures,
          ...(input.task ? { task: input.task } : {}),
          maxPatches: Math.max(1, this.options.patchesPerFile ?? 3),
          signal: this.signal,
          logger: this.logger,
        }),
      );
      (edits ?? []).forEach((edit, index) => {
        const target = suspectFor(edit, suspects);
        candidates.push({
          file,
          line: target.line,
          origin,
          title: titleOf(text, edit),
          newText: applyLineEdit(text, edit),
          score: target.score * LLM_EDIT_PRIOR * Math.pow(0.9, index),
        });
      });
    }
    this.patchCandidates += candidates.length;
    if (candidates.length > 0) this.logger.info(`LLM (${this.options.model}) proposed ${candidates.length} edits to validate.`);
    return candidates;
  }

  /** Asks the judge about the task description; undefined when it is off or failed. */
  async judge(task: TaskAssessment, signature?: string): Promise<TaskJudgement | undefined> {
    if (!this.uses('judge')) return undefined;
    const judgement = await this.attempt('judge', (client) => judgeTask(client, { text: task.text, ...(signature ? { signature } : {}), signal: this.signal }));
    if (judgement) {
      this.judgement = judgement;
      this.logger.info(`LLM judge (${this.options.model}): ${judgement.label}, vague with probability ${judgement.vagueProbability.toFixed(2)}`);
    }
    return judgement;
  }

  private roleOn(role: LlmRole): boolean {
    return this.options.roles?.[role] ?? true;
  }

  private checkCancelled(): void {
    if (this.signal?.aborted) throw new ReviseError('cancelled', 'The check was cancelled.');
  }

  /** Runs one model request; a failure is recorded (and may end the model's part) and yields undefined. */
  private async attempt<T>(role: LlmRole, action: (client: LlmClient) => Promise<T>): Promise<T | undefined> {
    this.checkCancelled();
    try {
      const result = await action(this.client);
      this.checkCancelled();
      return result;
    } catch (error) {
      this.checkCancelled();
      if (error instanceof ReviseError) throw error;
      if (isLlmError(error, 'cancelled')) throw new ReviseError('cancelled', 'The check was cancelled.');
      const kind: LlmErrorKind = isLlmError(error) ? error.kind : 'bad-reply';
      if (!isLlmError(error)) this.logger.debug(`LLM ${role} failed unexpectedly: ${redactSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
      const final = isFinal(kind, error);
      const reason = redactSecrets(error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
      const said = `${clip(reason, 400)}${/[.!?]$/.test(reason) ? '' : '.'}`;
      // One problem per cause: a second role failing the same way joins the first one's problem.
      const same = this.failures.find((failure) => failure.kind === kind);
      const roles = same ? [...new Set([...same.roles, role])] : [role];
      const first = this.firstReasons.get(kind) ?? said;
      this.firstReasons.set(kind, first);
      const message = `LLM ${joinWords(roles.map((item) => ROLE_WORDS[item]))} (${this.options.model}) failed: ${first} Revise went on without ${final ? 'the model' : roles.length > 1 ? 'them' : 'it'}.`;
      if (same) Object.assign(same, { roles, message });
      else this.failures.push({ role, roles, kind, message });
      this.logger.warn(`LLM ${ROLE_WORDS[role]} (${this.options.model}) failed: ${said}`);
      if (final) this.stopped = true;
      return undefined;
    }
  }
}

/** Suspects grouped by file, files in the order of their best suspect, suspects best first. */
function groupByFile(scores: readonly LineScore[]): Array<[string, LineScore[]]> {
  const groups = new Map<string, LineScore[]>();
  for (const score of scores) {
    const list = groups.get(score.file);
    if (list) list.push(score);
    else groups.set(score.file, [score]);
  }
  return [...groups];
}

/** The suspect an edit addresses: the best one inside its range, else the nearest. */
function suspectFor(edit: LlmEdit, suspects: readonly LineScore[]): LineScore {
  const inside = suspects.filter((suspect) => suspect.line >= edit.startLine && suspect.line <= edit.endLine);
  if (inside.length > 0) return inside.reduce((best, suspect) => (suspect.score > best.score ? suspect : best));
  const distance = (suspect: LineScore) => Math.min(Math.abs(suspect.line - edit.startLine), Math.abs(suspect.line - edit.endLine));
  return suspects.reduce((best, suspect) => (distance(suspect) < distance(best) ? suspect : best));
}

/** The file's text with lines `startLine`..`endLine` replaced, keeping the file's line endings. */
export function applyLineEdit(source: string, edit: Pick<LlmEdit, 'startLine' | 'endLine' | 'replacement'>): string {
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const lines = splitLines(source);
  const replacement = edit.replacement === '' ? [] : edit.replacement.split(/\r?\n/);
  return [...lines.slice(0, edit.startLine - 1), ...replacement, ...lines.slice(edit.endLine)].join(eol);
}

/** "`return a * b` → `return a / b`" for a one-line change, otherwise a short description. */
function titleOf(source: string, edit: LlmEdit): string {
  const before = splitLines(source).slice(edit.startLine - 1, edit.endLine);
  const after = edit.replacement === '' ? [] : edit.replacement.split('\n');
  if (before.length === 1 && after.length === 1) return `\`${clip(before[0].trim(), 60)}\` → \`${clip(after[0].trim(), 60)}\``;
  const where = edit.startLine === edit.endLine ? `line ${edit.startLine}` : `lines ${edit.startLine}–${edit.endLine}`;
  const what = after.length === 0 ? `delete ${where}` : `rewrite ${where}`;
  return edit.rationale ? `${what}: ${clip(edit.rationale, 80)}` : what;
}

/** "a", "a and b", "a, b and c" */
function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
