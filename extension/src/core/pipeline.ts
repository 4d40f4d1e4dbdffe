import { captureTests, isTestFile } from './capture/index';
import type { Assets } from './capture/types';
import { throwIfCancelled } from './errors';
import { changedLinesSinceHead } from './git';
import { localizeFaults } from './localize/index';
import type { Logger, ProcessRunner } from './ports';
import { NodeProcessRunner } from './process';
import { toCheckReport, type CheckOutcome } from './report';
import { DiskSourceReader } from './sources';
import { SyntaxService } from './syntax/treeSitter';
import type { CheckReport, Decision, LineScore, ProgressUpdate, Stage, TestRun } from './types';

/** User-facing settings that shape one check (the adapters read them from `revise.*` or CLI flags). */
export interface CheckSettings {
  pythonPath?: string;
  testCommand?: string[];
  perTestTimeoutMs: number;
  totalTimeoutMs: number;
}

/** Defaults shared by the CLI and the extension's `package.json` settings. */
export const DEFAULT_SETTINGS: CheckSettings = {
  perTestTimeoutMs: 30_000,
  totalTimeoutMs: 300_000,
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
  onProgress?(update: ProgressUpdate): void;
}

/** The result of a check: the report contract plus the absolute-path values the editor needs. */
export interface CheckResult {
  report: CheckReport;
  outcome: CheckOutcome;
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
  const scores = await localizeFaults({ run, sources, syntax, recentEdits, signal });
  timings.localize = Date.now() - stageStart;
  for (const [file, reason] of sources.skipped) {
    run.problems.push({ kind: 'skipped-file', message: `Skipped ${file}: ${reason}.`, file });
  }
  throwIfCancelled(signal);

  const decision = decide(run, scores);
  const outcome: CheckOutcome = {
    root: request.root,
    run,
    scores,
    patches: [],
    decision,
    timingsMs: { ...timings, total: Date.now() - started },
  };
  void isTestFile;
  return { report: toCheckReport(outcome), outcome };
}

/** "7 passed, 2 failed" */
export function summarizeRun(run: TestRun): string {
  const passed = run.tests.filter((test) => test.outcome === 'passed').length;
  const failed = run.tests.filter((test) => test.outcome === 'failed').length;
  const skipped = run.tests.filter((test) => test.outcome === 'skipped').length;
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${run.complete ? '' : ' (run cut short)'}`;
}

function decide(run: TestRun, scores: LineScore[]): Decision {
  const failed = run.tests.filter((test) => test.outcome === 'failed').length;
  if (failed === 0) {
    return { action: 'nothing-to-fix', confidence: 1, reasons: ['all tests pass'] };
  }
  const reasons = [`${failed} failing test${failed === 1 ? '' : 's'}`];
  if (scores.length === 0) reasons.push('no line of non-test code was run by a failing test');
  return { action: 'abstain', confidence: 0, reasons: [...reasons, 'localization only: no patch was requested'] };
}

function mergeLines(a: Record<string, number[]>, b: Record<string, number[]>): Record<string, number[]> {
  const merged: Record<string, number[]> = { ...a };
  for (const [file, lines] of Object.entries(b)) {
    merged[file] = [...new Set([...(merged[file] ?? []), ...lines])].sort((x, y) => x - y);
  }
  return merged;
}
