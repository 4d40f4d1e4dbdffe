import * as os from 'node:os';
import { captureTests, isTestFile } from './capture/index';
import type { Assets } from './capture/types';
import { throwIfCancelled } from './errors';
import { changedLinesSinceHead } from './git';
import { localizeFaults } from './localize/index';
import { proposePatches, type PatchStats } from './patch/index';
import { assessTask } from './bounce/input/index';
import { taskOfFunctionAt } from './bounce/task';
import type { Logger, ProcessRunner, SourceReader } from './ports';
import { NodeProcessRunner } from './process';
import { toCheckReport, type CheckOutcome } from './report';
import { DiskSourceReader } from './sources';
import { SyntaxService } from './syntax/treeSitter';
import type { CheckReport, Decision, LineScore, Patch, ProgressUpdate, Stage, TaskAssessment, TestRun } from './types';

/** User-facing settings that shape one check (the adapters read them from `revise.*` or CLI flags). */
export interface CheckSettings {
  pythonPath?: string;
  testCommand?: string[];
  perTestTimeoutMs: number;
  totalTimeoutMs: number;
  patch: {
    /** At most this many candidates are validated. */
    maxCandidates: number;
    /** Wall-clock budget of the patch search. */
    timeMs: number;
    /** Parallel validation workers (isolated copies). */
    workers: number;
    /** Candidates are generated for at most this many suspect lines. */
    maxLines: number;
  };
}

/** Defaults shared by the CLI and the extension's `package.json` settings. */
export const DEFAULT_SETTINGS: CheckSettings = {
  perTestTimeoutMs: 30_000,
  totalTimeoutMs: 300_000,
  patch: { maxCandidates: 60, timeMs: 60_000, workers: Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)), maxLines: 6 },
};

/** One request to check a project. */
export interface CheckRequest {
  /** Absolute path of the project (workspace folder). */
  root: string;
  /** `check` localizes only; `fix` also proposes and validates patches. */
  mode: 'check' | 'fix';
  assets: Assets;
  settings: CheckSettings;
  logger: Logger;
  runner?: ProcessRunner;
  /** Reuse one service across checks so grammars load once. */
  syntax?: SyntaxService;
  signal?: AbortSignal;
  /** Lines edited in the editor but not yet saved, keyed by absolute path. */
  unsavedEdits?: Record<string, number[]>;
  /** A task description from the user; without one, the docstring of the function under test is used. */
  task?: string;
  /** Where the user is (the cursor): names the function under test when no test fails. */
  focus?: { file: string; line: number };
  onProgress?(update: ProgressUpdate): void;
}

/** The result of a check: the report contract plus the absolute-path values the editor needs. */
export interface CheckResult {
  report: CheckReport;
  outcome: CheckOutcome;
  /** What the patch search saw (fix mode only): for abstention and benchmarks. */
  patchStats?: PatchStats;
  /** SHA-256 of the text each patched file had when its patches were computed, keyed by absolute path. */
  baseHashes: Record<string, string>;
}

/**
 * Runs the pipeline: capture → localize (→ patch → bounce in `fix` mode). Throws `ReviseError` when the
 * check cannot run at all; everything else lands in the report's problems.
 */
export async function runCheck(request: CheckRequest): Promise<CheckResult> {
  const started = Date.now();
  const timings: Partial<Record<Stage, number>> = {};
  const runner = request.runner ?? new NodeProcessRunner();
  const syntax = request.syntax ?? new SyntaxService(request.assets.grammarsDir);
  const { logger, signal } = request;
  const progress = (stage: Stage, message: string, fraction?: number) => {
    logger.debug(`[${stage}] ${message}`);
    request.onProgress?.({ stage, message, ...(fraction !== undefined ? { fraction } : {}) });
  };

  throwIfCancelled(signal);
  progress('capture', 'Running tests…', 0);
  let stageStart = Date.now();
  const [run, changed] = await Promise.all([
    captureTests({
      root: request.root,
      runner,
      logger,
      signal,
      assets: request.assets,
      pythonPath: request.settings.pythonPath,
      command: request.settings.testCommand,
      perTestTimeoutMs: request.settings.perTestTimeoutMs,
      totalTimeoutMs: request.settings.totalTimeoutMs,
      onProgress: (message) => progress('capture', message, 0.1),
    }),
    changedLinesSinceHead(request.root, runner, signal).catch(() => ({}) as Record<string, number[]>),
  ]);
  timings.capture = Date.now() - stageStart;
  throwIfCancelled(signal);
  logger.info(`${run.framework}: ${summarizeRun(run)} in ${run.durationMs} ms (coverage: ${run.coverageMethod})`);

  progress('localize', 'Scoring lines…', 0.6);
  stageStart = Date.now();
  const sources = new DiskSourceReader();
  const recentEdits = mergeLines(changed, request.unsavedEdits ?? {});
  let scores = await localizeFaults({ run, sources, syntax, recentEdits, signal });
  timings.localize = Date.now() - stageStart;
  throwIfCancelled(signal);

  const failing = run.tests.some((test) => test.outcome === 'failed');
  const task = await assessTheTask(request, scores, failing, sources, syntax);
  if (task) logger.info(`task (${task.source}): ${task.verdict}, vagueness ${task.vagueness.toFixed(2)}${task.missing?.length ? ` — ${task.missing.join('; ')}` : ''}`);
  throwIfCancelled(signal);
  let patches: Patch[] = [];
  let patchStats: PatchStats | undefined;
  let baseHashes: Record<string, string> = {};
  if (request.mode === 'fix' && failing && scores.length > 0) {
    progress('patch', 'Trying repair templates on the most suspicious lines…', 0.65);
    stageStart = Date.now();
    const result = await proposePatches({
      root: request.root,
      run,
      suspects: scores,
      sources,
      syntax,
      isTestFile,
      budget: request.settings.patch,
      logger,
      signal,
      onProgress: (message) => progress('patch', message, 0.75),
      runTests: ({ root, testIds, signal: runSignal }) =>
        captureTests({
          root,
          runner,
          logger,
          signal: runSignal,
          assets: request.assets,
          pythonPath: request.settings.pythonPath,
          command: request.settings.testCommand,
          perTestTimeoutMs: request.settings.perTestTimeoutMs,
          totalTimeoutMs: request.settings.totalTimeoutMs,
          testIds,
          coverage: false,
        }),
    });
    patches = result.patches;
    patchStats = result.stats;
    baseHashes = result.baseHashes;
    if (result.stats.message) run.problems.push({ kind: 'unparsable-output', message: result.stats.message });
    // Repair outcomes are evidence too: a line whose candidate turns failing tests into passing ones moves up.
    if (result.outcomes.length > 0) {
      scores = await localizeFaults({ run, sources, syntax, recentEdits, repairOutcomes: result.outcomes, signal });
    }
    timings.patch = Date.now() - stageStart;
    logger.info(`patch: ${result.stats.candidatesTried} candidates tried, ${result.stats.validated} validated in ${result.stats.elapsedMs} ms (${result.stats.stoppedBy})`);
  }
  for (const [file, reason] of sources.skipped) {
    run.problems.push({ kind: 'skipped-file', message: `Skipped ${file}: ${reason}.`, file });
  }
  throwIfCancelled(signal);

  const decision = decide(run, scores, patches, request.mode, patchStats, task);
  const outcome: CheckOutcome = {
    root: request.root,
    run,
    scores,
    patches,
    decision,
    ...(task ? { task } : {}),
    timingsMs: { ...timings, total: Date.now() - started },
  };
  return { report: toCheckReport(outcome), outcome, patchStats, baseHashes };
}

/**
 * The task to judge: the user's description, else the docstring of the function that holds the most
 * suspicious line, else (no failing test) the docstring of the function at the cursor.
 */
async function assessTheTask(
  request: CheckRequest,
  scores: LineScore[],
  failing: boolean,
  sources: SourceReader,
  syntax: SyntaxService,
): Promise<TaskAssessment | undefined> {
  if (request.task !== undefined) return { ...(await assessTask(request.task)), source: 'user' };
  const place = scores[0] ?? (!failing ? request.focus : undefined);
  if (!place) return undefined;
  const source = await sources.read(place.file);
  if (source === undefined) return undefined;
  const found = await taskOfFunctionAt(syntax, place.file, source, place.line).catch(() => undefined);
  if (!found) return undefined;
  const assessment = await assessTask(found.text, { signature: found.signature });
  return { ...assessment, source: 'docstring', location: { file: found.file, line: found.line, endLine: found.endLine } };
}

/** "7 passed, 2 failed" */
export function summarizeRun(run: TestRun): string {
  const passed = run.tests.filter((test) => test.outcome === 'passed').length;
  const failed = run.tests.filter((test) => test.outcome === 'failed').length;
  const skipped = run.tests.filter((test) => test.outcome === 'skipped').length;
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${run.complete ? '' : ' (run cut short)'}`;
}

function decide(
  run: TestRun,
  scores: LineScore[],
  patches: Patch[],
  mode: 'check' | 'fix',
  stats: PatchStats | undefined,
  task: TaskAssessment | undefined,
): Decision | undefined {
  const failed = run.tests.filter((test) => test.outcome === 'failed').length;
  if (failed === 0) {
    const reasons = [`all ${run.tests.length} tests pass`];
    if (task?.verdict === 'vague') reasons.push(`the task description is too vague to act on: ${task.missing?.join('; ') || 'it does not say what to do'}`);
    return { action: 'nothing-to-fix', confidence: 1, reasons };
  }
  const reasons = [`${failed} failing test${failed === 1 ? '' : 's'}`];
  if (scores.length === 0) reasons.push('no line of non-test code was run by a failing test');
  // Localize-only checks make no decision about patches.
  if (mode === 'check') return undefined;
  const best = patches.find((patch) => patch.validated);
  if (!best) {
    const tried = stats ? `${stats.candidatesTried} candidate patch${stats.candidatesTried === 1 ? '' : 'es'} tried, none passes every test` : 'no candidate patch';
    return { action: 'abstain', confidence: 0, reasons: [...reasons, tried] };
  }
  return { action: 'propose', patch: best.id, confidence: best.trust ?? 0.5, reasons: [`${best.title} passes ${best.testsPassed}/${best.testsPassed + best.testsFailed} tests`] };
}

function mergeLines(a: Record<string, number[]>, b: Record<string, number[]>): Record<string, number[]> {
  const merged: Record<string, number[]> = { ...a };
  for (const [file, lines] of Object.entries(b)) {
    merged[file] = [...new Set([...(merged[file] ?? []), ...lines])].sort((x, y) => x - y);
  }
  return merged;
}
