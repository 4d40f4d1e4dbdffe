import * as os from 'node:os';
import * as path from 'node:path';
import { captureTests, isTestFile } from './capture/index';
import { readManifest } from './capture/javascript/detect';
import { nodeTestWorkerCommand, runnerWorkerCommand } from './capture/javascript/invocation';
import { parseTestId } from './capture/javascript/capture';
import { isFileLevelId, loadFailuresAsTests } from './capture/loadFailures';
import type { Assets, CaptureOptions } from './capture/types';
import { pytestInvocation } from './capture/python/index';
import { ReviseError, throwIfCancelled } from './errors';
import { excludeFlakyTests, findFlakyTests } from './flaky';
import { focusOnTest, type TestPlace } from './focus';
import { changedLinesSinceHead, ignoredByGit } from './git';
import { localizeFaults, type CriticOpinion } from './localize/index';
import { repairMemory } from './localize/repairMemory';
import { confirmPatch, proposePatches, ValidationLanes, type ExtraCandidate, type PatchStats, type TestRunRequest } from './patch/index';
import { verifyReplay } from './exec/jsWorker';
import { startJestWorker } from './exec/jestWorker';
import { startMochaWorker } from './exec/mochaWorker';
import { startVitestWorker } from './exec/vitestWorker';
import { startNodeTestWorker } from './exec/nodeTestWorker';
import { startPytestWorker } from './exec/pytestWorker';
import { WorkerUnavailable, type TestWorker, type WorkerFactory } from './exec/types';
import { brokenDocExamples, findExampleTarget, runDocExamples, runExamples, type ExampleTarget } from './bounce/examples';
import { assertedCalls, assessDocstring, assessTask, checkTaskExamples, examplesToRun, fuseTaskJudgement, type AssertedCall, type ExampleRunner } from './bounce/input/index';
import { assessPatches, DEFAULT_TARGET_PRECISION, exampleObjection } from './bounce/output/index';
import { taskOfFunctionAt } from './bounce/task';
import { LlmSession, type CheckLlmOptions, type LlmCheckSummary } from './llm/check';
import type { Logger, ProcessRunner, SourceReader } from './ports';
import { NodeProcessRunner, killOrphanedRuns } from './process';
import { detectSandbox, sandboxCommand, sandboxedRunner, type SandboxKind } from './sandbox/index';
import { screenModelEdit } from './sandbox/screen';
import { DEFAULT_ISOLATION_LIMITS, WorkspaceCopy, planCopy } from './patch/isolation';
import { removeStaleTempDirs, withTempDir } from './tempfiles';
import { codeList } from './text';
import { toCheckReport, type CheckOutcome } from './report';
import { DiskSourceReader } from './sources';
import { SyntaxService } from './syntax/treeSitter';
import type { CheckReport, Decision, Framework, LineScore, Patch, ProgressUpdate, Stage, TaskAssessment, TestRun } from './types';

/** User-facing settings that shape one check (the adapters read them from `revise.*` or CLI flags). */
export interface CheckSettings {
  pythonPath?: string;
  testCommand?: string[];
  perTestTimeoutMs: number;
  totalTimeoutMs: number;
  /**
   * Whole-suite runs (the capture, the confirmation of a patch) of a big pytest or node:test suite split
   * over at most this many processes side by side; 1 or unset: one process.
   */
  parallelRuns?: number;
  patch: {
    /** At most this many candidates are validated. */
    maxCandidates: number;
    /** Wall-clock budget of the patch search. */
    timeMs: number;
    /** Parallel validation workers (isolated copies). */
    workers: number;
    /** Candidates are generated for at most this many suspect lines. */
    maxLines: number;
    /** Validate in warm test workers where the runner allows it (default true); false runs every candidate cold. */
    warmWorkers?: boolean;
  };
  /** The output bouncer proposes a patch only at a trust threshold calibrated for this precision (0–1). */
  targetPrecision: number;
  /**
   * Run the task's worked examples against the code (default true): when every test passes, and against a
   * patch about to be proposed (`revise.task.runExamples`, `--no-task-examples`). In the sandbox when there is one.
   */
  runTaskExamples?: boolean;
  /**
   * What confirms the patch to propose, cold (`revise.patch.confirm`, `--confirm`): `suite` (default) the
   * whole suite; `affected` only the tests whose coverage reaches the patched file (faster on a big suite,
   * blind to code a test runs in a subprocess).
   */
  confirm?: 'suite' | 'affected';
  sandbox?: {
    /**
     * Where no sandbox works (no bubblewrap or sandbox-exec), run model-written patches anyway
     * (`revise.sandbox.allowUnsandboxedModelCode`, `--allow-unsandboxed-model-code`). Off: they are not run.
     */
    allowUnsandboxedModelCode: boolean;
  };
}

/** Processes a big pytest or node:test suite is split over by default: one per core, at most 4. */
export function defaultParallelRuns(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/** Defaults shared by the CLI and the extension's `package.json` settings. */
export const DEFAULT_SETTINGS: CheckSettings = {
  perTestTimeoutMs: 30_000,
  totalTimeoutMs: 300_000,
  parallelRuns: defaultParallelRuns(),
  patch: { maxCandidates: 60, timeMs: 300_000, workers: Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)), maxLines: 6 },
  targetPrecision: DEFAULT_TARGET_PRECISION,
  sandbox: { allowUnsandboxedModelCode: false },
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
  /**
   * A check from one test (the Testing view's "Check and Fix from This Test"): where that test is
   * defined. It becomes the only failing test of the check; the others are left out and said so.
   */
  focusTest?: TestPlace;
  /** Where the user is (the cursor): names the function under test when no test fails. */
  focus?: { file: string; line: number };
  /**
   * An optional language model (any OpenAI-compatible endpoint) as critic, patch proposer and task judge.
   * Absent: the embedded pipeline alone, with no network. Its failures become report problems, never errors.
   */
  llm?: CheckLlmOptions;
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
  /** What the language model did, when the request had one. */
  llm?: LlmCheckSummary;
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

  // Candidate code (template and model patches under test) runs sandboxed; see core/sandbox. Set in fix mode.
  let candidateRunner: ((writable: string[], tempDir?: string) => ProcessRunner) | undefined;
  let sandbox: SandboxKind | undefined;
  // The baseline's load failures are files, not tests: a whole-suite run must still answer for them.
  let fileLevelIds: string[] = [];
  /** A cold run of the tests in an isolated copy, without coverage: the fallback and the confirmation. */
  // The capture's runner, once known: only pytest applies a candidate's tighter limits in a cold run, as
  // its warm worker does (a JavaScript worker cannot stop one test, so there both keep the setting).
  let capturedFramework: Framework | undefined;
  const coldRun = ({ root, testIds, signal: runSignal, perTestTimeoutMs, stopAfterTimeout }: TestRunRequest) =>
    withTempDir('run', (tempDir) => {
      const settings = captureSettings(request);
      const candidateLimits = capturedFramework === 'pytest';
      return captureTests({
        ...settings,
        ...(candidateLimits && perTestTimeoutMs !== undefined && perTestTimeoutMs > 0
          ? { perTestTimeoutMs: settings.perTestTimeoutMs > 0 ? Math.min(settings.perTestTimeoutMs, perTestTimeoutMs) : perTestTimeoutMs }
          : {}),
        ...(candidateLimits && stopAfterTimeout ? { stopAfterTimeout: true } : {}),
        root,
        runner: candidateRunner ? candidateRunner(root === request.root ? [] : [root], tempDir) : runner,
        tempDir,
        signal: runSignal,
        testIds,
        coverage: false,
        fileLevelIds,
      });
    });

  throwIfCancelled(signal);
  // What an earlier Revise that was killed left behind: its runs' processes and temporary folders.
  killOrphanedRuns();
  await removeStaleTempDirs().catch(() => 0);

  // Fix mode: the copies that validate candidates are made while the tests run, and their warm workers
  // start as soon as the test runner does (the capture keeps about one core busy): pytest loads the suite;
  // node:test, Mocha, Jest and Vitest start their process and replay the capture's outcomes once it has
  // ended. The re-run of the failing tests (for flakiness) is then served by the first warm worker.
  // `finally` removes them all, whatever happens.
  let lanes: Promise<ValidationLanes> | undefined;
  let openWorker: WorkerFactory | undefined;
  let workersOpening: Promise<void> | undefined;
  // A configured command runs cold, except `python -m pytest …`, whose arguments a warm pytest worker takes.
  const configured = (request.settings.testCommand?.length ?? 0) > 0;
  const warm = request.mode === 'fix' && request.settings.patch.warmWorkers !== false && (!configured || pytestInvocation(request.settings.testCommand) !== undefined);
  if (request.mode === 'fix') {
    lanes = detectSandbox().then((found) => {
      sandbox = found;
      candidateRunner = (writable, tempDir) => sandboxedRunner(runner, found, { writable, ...(tempDir ? { tempDir } : {}), network: false });
      return ValidationLanes.make({ root: request.root, count: request.settings.patch.workers, ...(signal ? { signal } : {}), logger });
    });
    lanes.catch(() => undefined); // awaited by the patch stage and in `finally`
  }
  // The capture's run, for the JavaScript workers' replay (undefined when the capture failed).
  const captureEnded = deferred<TestRun | undefined>();
  /** Opens the other lanes' workers once the capture has ended (see `startWorkers`); resolves when they have started opening. */
  let openOtherWorkers: ((captureMs: number) => Promise<void>) | undefined;
  /**
   * Starts loading warm workers in the copies, once; `factory` runs after the sandbox is known. Beside the
   * capture only as many load as leave it a core of its own (`workersBesideCapture`); the others start
   * when it ends and join the patch search once loaded.
   */
  const startWorkers = (factory: () => WorkerFactory | undefined, timeoutMs: number) => {
    if (!lanes || workersOpening) return;
    const started = lanes.then((opened) => {
      openWorker = factory();
      return opened;
    });
    workersOpening = started.then((opened) => opened.openWorkers(openWorker, timeoutMs, logger, signal, workersBesideCapture()));
    workersOpening.catch(() => undefined);
    openOtherWorkers = (captureMs: number) =>
      started.then(
        (opened) => {
          // A suite that loads quickly pays for more workers at once; one slow to load gets more only when
          // the search asks for them (`widen`), since each load costs what a good part of the search would.
          // Until the first worker has loaded, the capture's own duration says how big the suite is.
          const loaded = opened.lanes.find((lane) => lane.worker && lane.loadMs !== undefined);
          if ((loaded?.loadMs ?? captureMs) <= QUICK_WORKER_LOAD_MS) opened.openWorkers(openWorker, timeoutMs, logger, signal).catch(() => undefined);
          else widenLanes = opened.openWorkersOnDemand(openWorker, timeoutMs, logger, signal);
        },
        () => undefined,
      );
  };
  /** Opens the lanes that wait to be asked (see `openOtherWorkers`). */
  let widenLanes: (() => void) | undefined;
  /** The interpreter of a pytest capture split over several processes (see `onStart` below). */
  let splitSuitePython: string | undefined;
  try {
    return await check();
  } finally {
    await lanes?.then(
      (opened) => opened.dispose(logger),
      () => undefined,
    );
  }

  async function check(): Promise<CheckResult> {
    progress('capture', 'Running tests…', 0);
    let stageStart = Date.now();
    const [captured, changed] = await Promise.all([
      captureTests({
        ...captureSettings(request),
        root: request.root,
        runner,
        signal,
        onProgress: (message) => progress('capture', message, 0.1),
        ...(warm
          ? {
              onStart: ({ framework, command, processes }: { framework: Framework; command: string[]; processes?: number }) => {
                // A suite big enough to split: its workers load after the capture, only the test files
                // validation will ask for, rather than the whole suite beside a capture that uses every core.
                if (framework === 'pytest' && (processes ?? 1) > 1) splitSuitePython = command[0];
                else if (framework === 'pytest' || !configured)
                  startWorkers(
                    () =>
                      framework === 'pytest'
                        ? pytestWorkerFor(request, command[0]!, request.settings.totalTimeoutMs, sandbox, coldRun)
                        : jsWorkerFor(request, framework, captureEnded.promise, sandbox, coldRun),
                    request.settings.totalTimeoutMs,
                  );
              },
            }
          : {}),
      }),
      changedLinesSinceHead(request.root, runner, signal).catch(() => ({}) as Record<string, number[]>),
    ]).catch((error: unknown) => {
      captureEnded.resolve(undefined);
      throw error;
    });
    timings.capture = Date.now() - stageStart;
    let run = request.focusTest ? focusOnTest(captured, request.focusTest) : captured;
    throwIfCancelled(signal);
    logger.info(`${run.framework}: ${summarizeRun(run)} in ${run.durationMs} ms (coverage: ${run.coverageMethod})`);
    capturedFramework = run.framework;
    fileLevelIds = run.tests.filter((test) => test.loadError).map((test) => test.id);
    captureEnded.resolve(run);

    let ready: Promise<ValidationLanes> | undefined;
    if (lanes && splitSuitePython && run.tests.some((test) => test.outcome === 'failed')) {
      const python = splitSuitePython;
      const files = [...replayFiles(run)].sort();
      const modules = new Set(run.tests.map((test) => test.id.split('::')[0])).size;
      logger.debug(`pytest workers load the ${files.length} of ${modules} test modules that validation will ask for`);
      // Only load failures failed: each of those runs cold anyway.
      if (files.length > 0) startWorkers(() => pytestWorkerFor(request, python, request.settings.totalTimeoutMs, sandbox, coldRun, files), request.settings.totalTimeoutMs);
    }
    if (lanes && run.tests.some((test) => test.outcome === 'failed')) {
      if (workersOpening) {
        // Loading the suite (and replaying a JavaScript runner's files twice) takes about what capturing
        // it did: a load still going on long after is given up, and that lane validates cold.
        const limitMs = Math.max(10_000, 2 * run.durationMs);
        void lanes.then((opened) => opened.limitOpening(limitMs, logger), () => undefined);
      }
      const opened = lanes;
      // The first workers serve the flaky re-run; the others load now and join the search when ready.
      const othersStarted = openOtherWorkers?.(run.durationMs) ?? Promise.resolve();
      ready = workersOpening ? Promise.all([workersOpening, othersStarted]).then(() => opened, () => opened) : opened;
    } else if (lanes) {
      // Nothing to fix: the copies (and workers still loading) go now, not after the report.
      const unused = lanes;
      lanes = undefined;
      await unused.then((opened) => opened.dispose(logger), () => undefined);
    }

    const rerun = request.mode === 'fix' ? withoutFlakyTests(run, request, runner, signal, workersOpening ? ready : undefined) : undefined;
    rerun?.catch(() => undefined); // awaited right after the first scoring

    progress('localize', 'Scoring lines…', 0.6);
    stageStart = Date.now();
    const sources = new DiskSourceReader();
    const recentEdits = mergeLines(changed, request.unsavedEdits ?? {});
    let scores = await localizeFaults({ run, sources, syntax, recentEdits, signal });
    throwIfCancelled(signal);
    let localizeMs = Date.now() - stageStart;
    if (rerun) {
      const checked = await rerun;
      throwIfCancelled(signal);
      if (checked !== run) {
        // Flaky tests found: the lines are scored again without them.
        run = checked;
        stageStart = Date.now();
        scores = await localizeFaults({ run, sources, syntax, recentEdits, signal });
        localizeMs += Date.now() - stageStart;
      }
    }
    stageStart = Date.now() - localizeMs;
    const failing = run.tests.some((test) => test.outcome === 'failed');
    const llm = request.llm ? new LlmSession(request.llm, logger, signal) : undefined;
    // The critic's opinions are one more piece of evidence: the scores are recomputed with them.
    let critic: Map<string, CriticOpinion> | undefined;
    if (llm?.uses('critic') && failing && scores.length > 0) {
      progress('localize', `Asking ${request.llm?.model} about the top suspects…`, 0.6);
      critic = await llm.critique({ run, scores, sources, task: request.task });
      if (critic) scores = await localizeFaults({ run, sources, syntax, recentEdits, critic, signal });
    }
    // Check (Localize Only) of code that Check and Fix has just searched: the same repair evidence, so the
    // two commands blame the same line. Only when every test outcome and every file the tests ran is unchanged.
    if (request.mode !== 'fix' && failing && scores.length > 0) {
      const recalled = await repairMemory.recall(request.root, run).catch(() => undefined);
      if (recalled) {
        scores = await localizeFaults({ run, sources, syntax, recentEdits, repairOutcomes: recalled, ...(critic ? { critic } : {}), signal });
        logger.info(`localize: reused the repair evidence of the last Check and Fix of this code (${recalled.length} candidates; the tests' results and files are unchanged)`);
      }
    }
    timings.localize = Date.now() - stageStart;
    throwIfCancelled(signal);

    // The task's worked examples run against the code only when no test fails: failing tests say the code is
    // wrong somewhere, so an example it contradicts would say nothing about the task.
    const codeRunner = async (): Promise<(writable: string[]) => ProcessRunner> => {
      const found = (sandbox ??= await detectSandbox(runner));
      return (writable) => sandboxedRunner(runner, found, { writable, network: false });
    };
    const runTaskExamples = request.settings.runTaskExamples !== false;
    // The task is advice about the check, not the check: a description Revise fails to read costs the
    // warning, never the suspects and patches.
    let assessed: Awaited<ReturnType<typeof assessTheTask>>;
    try {
      assessed = await assessTheTask(request, run, scores, failing, sources, syntax, llm, runTaskExamples && !failing ? codeRunner : undefined);
    } catch (error) {
      if (error instanceof ReviseError && error.code === 'cancelled') throw error;
      logger.warn(`The task description could not be read (${error instanceof Error ? error.message : String(error)}); the check goes on without it.`);
    }
    const task = assessed?.assessment;
    const taskExamples = runTaskExamples ? assessed?.examples : undefined;
    if (task) logger.info(`task (${task.source}): ${task.verdict}, vagueness ${task.vagueness.toFixed(2)}${task.missing?.length ? ` — ${task.missing.join('; ')}` : ''}`);
    throwIfCancelled(signal);
    let patches: Patch[] = [];
    let patchStats: PatchStats | undefined;
    let baseHashes: Record<string, string> = {};
    if (request.mode === 'fix' && failing && scores.length > 0) {
      stageStart = Date.now();
      sandbox ??= await detectSandbox();
      const allowUnsandboxed = request.settings.sandbox?.allowUnsandboxedModelCode === true;
      if (sandbox.kind === 'none') run.problems.push({ kind: 'sandbox', message: unsandboxedMessage(sandbox, allowUnsandboxed && llm?.uses('patches') === true) });
      else logger.info(`candidate code runs in a ${sandbox.kind} sandbox (writes only to its copy, no network)`);
      let extraCandidates: ExtraCandidate[] = [];
      if (llm?.uses('patches') && (sandbox.kind !== 'none' || allowUnsandboxed)) {
        progress('patch', `Asking ${request.llm?.model} for patches…`, 0.65);
        extraCandidates = await llm.proposeCandidates({ root: request.root, run, scores, sources, isTestFile, task: request.task ?? task?.text });
        throwIfCancelled(signal);
        extraCandidates = await screenModelCandidates(extraCandidates, sources, request.root, run);
      }
      progress('patch', 'Trying repair templates on the most suspicious lines…', 0.65);
      // Suspects in build output (no source maps back to the source): a build would overwrite a patch there.
      const generated = await ignoredByGit(request.root, [...new Set(scores.slice(0, GENERATED_CHECK_LINES).map((score) => path.resolve(request.root, score.file)))], runner, signal).catch(() => new Set<string>());
      const opened = await ready?.catch(() => undefined);
      const result = await proposePatches({
        root: request.root,
        run,
        suspects: scores,
        sources,
        syntax,
        isTestFile,
        isGenerated: (file) => generated.has(file),
        budget: request.settings.patch,
        extraCandidates,
        logger,
        signal,
        onProgress: (message) => progress('patch', message, 0.75),
        runTests: coldRun,
        ...(openWorker ? { openWorker } : {}),
        ...(opened ? { lanes: opened, ...(widenLanes ? { widen: widenLanes } : {}) } : {}),
      });
      // Workers still loading have no search left to join; they would only slow the confirmation.
      opened?.stopOpening();
      patches = result.patches;
      patchStats = result.stats;
      baseHashes = result.baseHashes;
      if (result.stats.message) run.problems.push({ kind: 'unparsable-output', message: result.stats.message });
      // Repair outcomes are evidence too: a line whose candidate turns failing tests into passing ones moves up.
      if (result.outcomes.length > 0) {
        scores = await localizeFaults({ run, sources, syntax, recentEdits, repairOutcomes: result.outcomes, critic, signal });
      }
      await repairMemory.remember(request.root, run, result.outcomes).catch(() => undefined);
      timings.patch = Date.now() - stageStart;
      logger.info(`patch: ${result.stats.candidatesTried} candidates tried, ${result.stats.validated} validated in ${result.stats.elapsedMs} ms (${result.stats.stoppedBy})`);
    }
    if (llm) run.problems.push(...llm.problems());
    for (const [file, reason] of sources.skipped) {
      run.problems.push({ kind: 'skipped-file', message: `Skipped ${file}: ${reason}.`, file });
    }
    throwIfCancelled(signal);

    stageStart = Date.now();
    let decision = await decide({ request, run, scores, patches, stats: patchStats, task, runner, sources, candidateRunner });
    // The patch to propose is confirmed by one cold run of the whole suite; one that fails it is dropped
    // and the decision taken again among the rest.
    for (let attempt = 0; decision?.action === 'propose' && attempt < MAX_CONFIRMATIONS; attempt++) {
      const proposed = patches.find((patch) => patch.id === decision?.patch);
      if (!proposed || proposed.checked?.fullSuite === 'confirmed') break;
      // The task's worked examples and the patched function's doctest examples run against the patched
      // code (in a copy of their own) while the whole suite confirms it: a patch they speak against is not
      // offered (the output bouncer says why), whatever the suite showed.
      const examined =
        runTaskExamples && !proposed.examples && !proposed.documented
          ? examplesAgainstPatch({ request, run, sources, patch: proposed, ...(taskExamples ? { examples: taskExamples } : {}), codeRunner })
          : Promise.resolve();
      // A cold pytest run of selected ids loads only their modules; a JavaScript runner given test names
      // still loads every test file (and loses its shards), so there `affected` would cost more, not less.
      const scope = request.settings.confirm === 'affected' && run.framework === 'pytest' ? 'affected' : 'suite';
      if (request.settings.confirm === 'affected' && scope === 'suite' && attempt === 0) {
        logger.debug(`confirmation: the whole suite (revise.patch.confirm: affected applies to pytest only; ${run.framework} loads every test file for any selection)`);
      }
      progress('bounce', `Confirming ${proposed.title} with ${scope === 'affected' ? 'the tests that run its file' : 'the whole suite'}…`, 0.9);
      const [confirmation] = await Promise.all([confirmPatch({ root: request.root, run, patch: proposed, runTests: coldRun, scope, signal }), examined]);
      throwIfCancelled(signal);
      const objection = exampleObjection(proposed);
      if (objection) {
        logger.info(`${proposed.title}: ${objection}; not proposed.`);
        decision = await decide({ request, run, scores, patches, stats: patchStats, task, runner, sources, candidateRunner });
        continue;
      }
      proposed.checked = {
        failing: proposed.checked?.failing ?? 0,
        covering: proposed.checked?.covering ?? 0,
        fullSuite: confirmation.confirmed ? 'confirmed' : 'failed',
        ...(confirmation.affected ? { affected: confirmation.affected } : {}),
      };
      if (confirmation.affected) logger.info(`confirmation: ${confirmation.affected.ran} tests run ${path.relative(request.root, proposed.file)}; the other ${confirmation.affected.notRun} not run again (revise.patch.confirm: affected)`);
      if (confirmation.confirmed) {
        proposed.testsPassed = confirmation.passed;
        proposed.testsFailed = 0;
        // Taken again so that its reasons say what the whole suite showed (trust does not depend on it).
        decision = await decide({ request, run, scores, patches, stats: patchStats, task, runner, sources, candidateRunner });
        continue;
      }
      logger.info(`${proposed.title}: ${confirmation.affected ? 'the tests that run its file' : 'the whole suite'} ${confirmation.complete ? `failed ${confirmation.failed.length} tests` : 'did not complete'} with it; not proposed.`);
      proposed.validated = false;
      proposed.trust = undefined;
      proposed.testsFailed = confirmation.failed.length;
      if (patchStats) markUnconfirmed(patchStats, proposed.id);
      decision = await decide({ request, run, scores, patches, stats: patchStats, task, runner, sources, candidateRunner });
    }
    if (request.mode === 'fix') timings.bounce = Date.now() - stageStart;
    const outcome: CheckOutcome = {
      root: request.root,
      run,
      scores,
      patches,
      decision,
      ...(task ? { task } : {}),
      timingsMs: { ...timings, total: Date.now() - started },
    };
    return { report: toCheckReport(outcome), outcome, patchStats, baseHashes, ...(llm ? { llm: llm.summary() } : {}) };
  }
}

/**
 * The task to judge: the user's description, else the docstring of the function that holds the most
 * suspicious line, else (no failing test) the docstring of the function at the cursor. With an LLM judge,
 * its verdict is fused into the embedded model's. With `codeRunner` (every test passes) its worked
 * examples also run against the code; `examples` is where they come from, when it has any that can run,
 * for the patch about to be proposed to be checked against them.
 */
async function assessTheTask(
  request: CheckRequest,
  run: TestRun,
  scores: LineScore[],
  failing: boolean,
  sources: SourceReader,
  syntax: SyntaxService,
  llm: LlmSession | undefined,
  codeRunner?: () => Promise<(writable: string[]) => ProcessRunner>,
): Promise<{ assessment: TaskAssessment; examples?: TaskExamplesSource } | undefined> {
  const judged = async (assessment: TaskAssessment, signature?: string): Promise<TaskAssessment> => {
    const judgement = await llm?.judge(assessment, signature);
    return judgement ? fuseTaskJudgement(assessment, judgement) : assessment;
  };
  const examples = (source: TaskExamplesSource) => (codeRunner ? examplesAgainstCode({ request, run, sources, source, codeRunner }) : Promise.resolve(undefined));
  /** The task's examples, for a patch to be checked against later; only those that can run. */
  const runnable = (source: TaskExamplesSource) => (examplesOf(source).examples.length > 0 ? { examples: source } : {});
  if (request.task !== undefined) {
    const source = { text: request.task };
    const runExample = await examples(source);
    const testAssertions = await assertionsInTests(request, run, exampleNames(examplesOf(source)), sources);
    return { assessment: await judged({ ...(await assessTask(request.task, { testAssertions, ...(runExample ? { runExample } : {}) })), source: 'user' }), ...runnable(source) };
  }
  const place = scores[0] ?? (!failing ? request.focus : undefined);
  if (!place) return undefined;
  const code = await sources.read(place.file);
  if (code === undefined) return undefined;
  const found = await taskOfFunctionAt(syntax, place.file, code, place.line).catch(() => undefined);
  if (!found) return undefined;
  const name = functionName(found.signature);
  const testInputs = await callsInTests(run, name, sources);
  const source: TaskExamplesSource = { text: found.text, signature: found.signature, ...(name ? { target: { file: found.file, functionName: name } } : {}) };
  const runExample = name ? await examples(source) : undefined;
  const testAssertions = await assertionsInTests(request, run, exampleNames(examplesOf(source)), sources);
  const assessment = await assessDocstring(found.text, { signature: found.signature, testInputs, testAssertions, ...(runExample ? { runExample } : {}) });
  const location = { file: found.file, line: found.line, endLine: found.endLine };
  return { assessment: await judged({ ...assessment, source: 'docstring', ...(name ? { function: name } : {}), location }, found.signature), ...(name ? runnable(source) : {}) };
}

/** Where a task's worked examples come from: its text, the signature it documents, and that function when known. */
interface TaskExamplesSource {
  text: string;
  signature?: string;
  target?: ExampleTarget;
}

/**
 * Runs the task's worked examples against the code under `root` (the project, or a copy with a patch) in
 * one harness process (see `bounce/examples`): the function documented, else the one the task's signature
 * or examples name, looked up in the source files the tests ran. Undefined when no example could be
 * compared; `--verbose` says why.
 */
async function examplesAgainstCode(context: {
  request: CheckRequest;
  run: TestRun;
  sources: SourceReader;
  source: TaskExamplesSource;
  codeRunner: () => Promise<(writable: string[]) => ProcessRunner>;
  /** Where the code is run from (default: the project); the target's path is mapped into it. */
  root?: string;
  /** How the log names the code (default: "which passes every test"). */
  what?: string;
}): Promise<ExampleRunner | undefined> {
  const { request, run, source } = context;
  const planned = examplesOf(source);
  const { signature, examples } = planned;
  if (examples.length === 0) return undefined;
  const names = exampleNames(planned);
  const target = source.target ?? (await findExampleTarget(names, sourceFilesRun(run), context.sources, request.signal));
  if (!target) {
    request.logger.debug(`task examples: no function named ${codeList(names)} in the files the tests ran; not run against the code`);
    return undefined;
  }
  const root = context.root ?? request.root;
  const runs = await runExamples({
    root,
    target: { ...target, file: path.join(root, path.relative(request.root, target.file)) },
    examples,
    ...(signature ? { aliases: [signature.name] } : {}),
    runner: await context.codeRunner(),
    pythonPath: request.settings.pythonPath,
    logger: request.logger,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  request.logger.info(
    runs.compared > 0
      ? `task examples: ${runs.compared} of ${examples.length} run against \`${target.functionName}\` (${path.relative(request.root, target.file)}), ${context.what ?? 'which passes every test'}`
      : `task examples: not compared with the code: ${runs.note ?? 'none gave a value'}`,
  );
  return runs.compared > 0 ? runs.runExample : undefined;
}

/**
 * Examples against a patch about to be proposed, set on the patch: the task's worked examples (`examples`)
 * and, for Python, the doctest examples of the function the patch changes, run on the code before it and
 * after. Both run in an isolated copy of the project (never the user's files), before and after the patch
 * is written into it. Nothing is set where nothing could be compared (no example the code can run, a
 * project too large to copy).
 */
async function examplesAgainstPatch(context: {
  request: CheckRequest;
  run: TestRun;
  sources: SourceReader;
  patch: Patch;
  examples?: TaskExamplesSource;
  codeRunner: () => Promise<(writable: string[]) => ProcessRunner>;
}): Promise<void> {
  const { request, patch } = context;
  const original = await context.sources.read(patch.file);
  const line = patch.lines[0];
  const hasDoctests = patch.file.endsWith('.py') && original?.includes('>>>') === true && line !== undefined;
  if (!context.examples && !hasDoctests) return;
  const plan = await planCopy(request.root, DEFAULT_ISOLATION_LIMITS, request.signal);
  if ('refused' in plan) {
    request.logger.debug(`examples: not run against ${patch.title}: ${plan.refused}`);
    return;
  }
  const copy = await WorkspaceCopy.create(plan, request.signal);
  try {
    const relative = path.relative(request.root, patch.file);
    const file = path.join(copy.root, relative);
    const common = { runner: await context.codeRunner(), pythonPath: request.settings.pythonPath, logger: request.logger, ...(request.signal ? { signal: request.signal } : {}) };
    // The doctests of the function the patch changes, on the code before it (in the copy too); only those
    // that pass there count.
    const before = hasDoctests ? await runDocExamples({ root: copy.root, file, line, ...common }) : undefined;
    const doctests = before?.examples.some((example) => example.passed) ? before : undefined;
    await copy.write(relative, patch.newText);
    if (context.examples) {
      const runExample = await examplesAgainstCode({ ...context, source: context.examples, root: copy.root, what: `with ${patch.title}` });
      if (runExample) {
        const checked = await checkTaskExamples(context.examples.text, runExample, { ...(context.examples.signature ? { signature: context.examples.signature } : {}), ...(request.signal ? { signal: request.signal } : {}) });
        patch.examples = { compared: checked.checked, contradictions: checked.mismatches.flatMap((mismatch) => (mismatch.example ? [mismatch.example] : [])) };
      }
    }
    if (doctests) {
      const after = await runDocExamples({ root: copy.root, file, qualname: doctests.qualname, ...common });
      if (after) {
        const broken = brokenDocExamples(doctests, after).map(({ source, want, got }) => ({ source, want, got }));
        patch.documented = { function: doctests.qualname, run: after.examples.length, broken };
        request.logger.info(`doctest: ${after.examples.length} examples of \`${doctests.qualname}\` with ${patch.title}: ${broken.length === 0 ? 'none broken' : `${broken.length} that passed before fail`}`);
      }
    }
  } finally {
    await copy.dispose().catch((error: unknown) => request.logger.warn(`Could not remove ${copy.container}: ${String(error)}`));
  }
}

/** Source files (not tests) the tests ran, most-run first, at most 500. */
function sourceFilesRun(run: TestRun): string[] {
  const tests = new Set(run.testFiles);
  const counts = new Map<string, number>();
  for (const test of run.tests) {
    for (const file of Object.keys(test.coveredLines ?? {})) if (!tests.has(file)) counts.set(file, (counts.get(file) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 500).map(([file]) => file);
}

/**
 * A first warm worker that loaded within this (or, while it still loads, a capture that took no longer)
 * opens the other lanes' workers as soon as the capture ends: about what 25 candidates take in one lane,
 * so a second lane pays for its load in a search of 60.
 */
const QUICK_WORKER_LOAD_MS = 1_000;
/** How many of the top suspects are checked for build output (one `git check-ignore` for their files). */
const GENERATED_CHECK_LINES = 50;

/**
 * Warm workers that load while the capture runs: all but one core's worth, at least one. On two cores
 * a second worker loading beside the capture and the first slowed the capture by about what it saved.
 */
function workersBesideCapture(): number {
  return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
}

/** What every test run of one check shares: the interpreter, the command, the limits, the log. */
function captureSettings(request: CheckRequest): Pick<CaptureOptions, 'logger' | 'assets' | 'pythonPath' | 'command' | 'perTestTimeoutMs' | 'totalTimeoutMs' | 'parallelRuns'> {
  return {
    parallelRuns: request.settings.parallelRuns ?? 1,
    logger: request.logger,
    assets: request.assets,
    pythonPath: request.settings.pythonPath,
    command: request.settings.testCommand,
    perTestTimeoutMs: request.settings.perTestTimeoutMs,
    totalTimeoutMs: request.settings.totalTimeoutMs,
  };
}

/**
 * Before patches are sought, the failing tests run once more on the unchanged code, without coverage: in
 * the first warm worker of `lanes` (a fork of the freshly loaded suite in a sandboxed copy) when one
 * opened, else cold with the user's own test command in the project. A test that passes now is flaky,
 * says nothing about the bug, and is left out of the evidence with a problem that says so.
 */
async function withoutFlakyTests(run: TestRun, request: CheckRequest, runner: ProcessRunner, signal: AbortSignal | undefined, lanes?: Promise<ValidationLanes>): Promise<TestRun> {
  const failing = run.tests.filter((test) => test.outcome === 'failed' && !test.loadError && !test.timedOut).map((test) => test.id);
  if (failing.length === 0) return run;
  // The re-run costs one fork in a warm worker of a validation copy (the same code, freshly loaded);
  // where none opened, it is a cold run in the project.
  const opened = await lanes?.catch(() => undefined);
  let again = await opened?.rerun(failing, signal ?? new AbortController().signal).catch(() => undefined);
  throwIfCancelled(signal);
  if (again) request.logger.debug(`flaky re-run of ${failing.length} failing tests: served by a warm worker in ${again.durationMs} ms`);
  again ??= await captureTests({
    ...captureSettings(request),
    root: request.root,
    runner,
    signal,
    testIds: failing,
    coverage: false,
  }).catch(() => undefined);
  throwIfCancelled(signal);
  if (!again?.complete) return run;
  const flaky = findFlakyTests({ ...run, tests: run.tests.filter((test) => failing.includes(test.id)) }, again);
  if (flaky.length > 0) request.logger.info(`flaky: ${flaky.map((test) => test.id).join(', ')}`);
  return excludeFlakyTests(run, flaky);
}

/** The function's name from its signature line (`def mean(values):`, `function mean(values) {`). */
function functionName(signature: string | undefined): string | undefined {
  return /(?:def|function)\s+([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)\s*(?:=\s*(?:async\s*)?\(|\()/.exec(signature ?? '')?.slice(1).find(Boolean);
}

/**
 * The calls of `name` in the run's test files (`mean([])`, `mean([1, 2])`): the inputs the tests
 * exercise, so that the input bouncer can name an edge the task never describes. At most 200.
 */
async function callsInTests(run: TestRun, name: string | undefined, sources: SourceReader): Promise<string[]> {
  if (!name) return [];
  const calls: string[] = [];
  const pattern = new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\([^\n]*?\\)`, 'g');
  for (const file of run.testFiles.slice(0, 50)) {
    const text = await sources.read(file);
    for (const match of text?.matchAll(pattern) ?? []) {
      calls.push(match[0]);
      if (calls.length >= 200) return calls;
    }
  }
  return calls;
}

/** The worked examples of a task that can run, with the signature its text (or its source) gives. */
function examplesOf(source: TaskExamplesSource): ReturnType<typeof examplesToRun> {
  return examplesToRun(source.text, source.signature ? { signature: source.signature } : undefined);
}

/** The function a task's signature documents, then the names its worked examples call, each once. */
function exampleNames({ signature, examples }: ReturnType<typeof examplesToRun>): string[] {
  return [...new Set([...(signature ? [signature.name] : []), ...examples.map((example) => example.functionName)])];
}

/**
 * What the project's tests assert for calls of `names` (read from the test files the run found, at most
 * 200 of them): the oracle a task's worked examples are compared with, failing tests or not.
 */
async function assertionsInTests(request: CheckRequest, run: TestRun, names: string[], sources: SourceReader): Promise<AssertedCall[]> {
  if (names.length === 0) return [];
  const found: AssertedCall[] = [];
  for (const file of run.testFiles.slice(0, 200)) {
    const text = await sources.read(file);
    if (text) found.push(...assertedCalls(text, names, path.relative(request.root, file) || file, file));
  }
  if (found.length > 0) request.logger.debug(`task: the tests assert ${found.length === 1 ? 'a result' : `${found.length} results`} for ${codeList(names)}, compared with the task's examples`);
  return found;
}

/** At most this many proposed patches are tried against the whole suite before the check abstains. */
const MAX_CONFIRMATIONS = 3;

/** A candidate that failed the whole-suite confirmation counts as breaking tests, for the bouncer. */
function markUnconfirmed(stats: PatchStats, patchId: string): void {
  const record = stats.candidates.find((candidate) => candidate.patchId === patchId);
  if (record && record.status === 'validated') {
    record.status = 'breaks-tests';
    record.stage = 3;
    stats.validated = Math.max(0, stats.validated - 1);
  }
}

/**
 * What every warm worker of a copy at `root` shares: the per-test timeout, a load limit, and (in the
 * sandbox) write access to its copy and its own temporary folder only.
 */
function workerSettings(request: CheckRequest, loadTimeoutMs: number, sandbox: SandboxKind | undefined, root: string, signal: AbortSignal) {
  return {
    root,
    perTestTimeoutMs: request.settings.perTestTimeoutMs,
    loadTimeoutMs,
    signal,
    logger: request.logger,
    ...(sandbox && sandbox.kind !== 'none'
      ? { sandbox: { wrap: (program: string, args: string[], writable: string[]) => sandboxCommand(sandbox, { writable, network: false }, program, args, root) } }
      : {}),
  };
}

/**
 * The warm pytest worker for validation runs, loaded by `python` (the capture's interpreter). Started
 * while the capture runs, so its load is bounded by the capture's own limit (`loadTimeoutMs`); for a
 * suite whose capture was split, after it, loading only `files` (the test files validation asks for).
 * Exported so that benchmarks drive the patch stage with the pipeline's own workers.
 */
export function pytestWorkerFor(
  request: CheckRequest,
  python: string,
  loadTimeoutMs: number,
  sandbox: SandboxKind | undefined,
  coldRun: (request: TestRunRequest) => Promise<TestRun>,
  files?: string[],
): WorkerFactory {
  return async (root, signal) => {
    const args = pytestInvocation(request.settings.testCommand)?.args;
    const worker = await startPytestWorker({
      ...workerSettings(request, loadTimeoutMs, sandbox, root, signal),
      python,
      pythonDir: request.assets.pythonDir,
      ...(files ? { files } : {}),
      ...(args?.length ? { args } : {}),
    });
    return {
      get description() {
        return worker.description;
      },
      modes: worker.modes,
      dispose: () => worker.dispose(),
      // A module that did not load is a file-level id no session holds: that run is cold, as in capture.
      run: async (runRequest) =>
        runRequest.testIds.some((id) => isFileLevelId(id, 'pytest'))
          ? coldRun({ root, testIds: runRequest.testIds, signal: runRequest.signal })
          : loadFailuresAsTests(await worker.run(runRequest)),
    };
  };
}

/**
 * The warm node:test, Mocha, Jest or Vitest worker for a copy. Its process starts at once (beside the
 * capture); it is trusted only after it reproduced the capture's outcomes (`captured`, once the capture
 * ended) for the test files validation will ask for: those of the failing tests and of the passing tests
 * that run a line a failing test runs. Other files, and file-level ids, run cold. Exported for benchmarks,
 * as `pytestWorkerFor`.
 */
export function jsWorkerFor(
  request: CheckRequest,
  framework: Framework,
  captured: Promise<TestRun | undefined>,
  sandbox: SandboxKind | undefined,
  coldRun: (request: TestRunRequest) => Promise<TestRun>,
): WorkerFactory {
  return async (root, signal) => {
    const manifest = await readManifest(root);
    const input = { root, baseEnv: process.env, ...(manifest ? { manifest } : {}) };
    const common = {
      // Started before anyone knows how long the suite takes: bounded by the capture's own limit.
      ...workerSettings(request, request.settings.totalTimeoutMs, sandbox, root, signal),
      javascriptDir: request.assets.javascriptDir ?? path.join(path.dirname(request.assets.pythonDir), 'javascript'),
    };
    let worker: TestWorker;
    if (framework === 'mocha' || framework === 'jest' || framework === 'vitest') {
      const command = runnerWorkerCommand(framework, input);
      if (typeof command === 'string') throw new WorkerUnavailable(command);
      const start = { mocha: startMochaWorker, jest: startJestWorker, vitest: startVitestWorker }[framework];
      worker = await start({ ...common, command });
    } else {
      const command = nodeTestWorkerCommand(input);
      if (typeof command === 'string') throw new WorkerUnavailable(command);
      worker = await startNodeTestWorker({ ...common, command });
    }
    let files: Set<string>;
    try {
      const run = await untilAborted(captured, signal);
      if (!run) throw new WorkerUnavailable('the capture ended without results to replay');
      files = replayFiles(run);
      // A test that hung in the capture would hang the replay too, and a worker cannot stop one test inside
      // its own process: such a copy validates cold, where each run has the capture's per-test watchdog.
      const hung = run.tests.find((test) => test.timedOut && files.has(parseTestId(test.id).file));
      if (hung) throw new WorkerUnavailable(`the test ${hung.id} ran past the per-test timeout in the capture, and a warm worker cannot stop a test that hangs in its own process`);
      const baseline = new Map(run.tests.filter((test) => !isFileLevelId(test.id, framework) && files.has(parseTestId(test.id).file)).map((test) => [test.id.split(run.root).join(root), test.outcome]));
      await verifyReplay(worker, baseline, signal);
    } catch (error) {
      await worker.dispose();
      throw error;
    }
    return {
      get description() {
        return `${worker.description}, replayed ${files.size} test file${files.size === 1 ? '' : 's'}`;
      },
      modes: worker.modes,
      dispose: () => worker.dispose(),
      run: async (runRequest) =>
        runRequest.testIds.some((id) => isFileLevelId(id, framework) || !files.has(parseTestId(id).file))
          ? coldRun({ root, testIds: runRequest.testIds, signal: runRequest.signal })
          : loadFailuresAsTests(await worker.run(runRequest)),
    };
  };
}

/** `promise`, or a `WorkerUnavailable` rejection as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new WorkerUnavailable('stopped before the capture ended'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new WorkerUnavailable('stopped before the capture ended'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Test files (as in test ids) of the failing tests and of the passing tests that run a line a failing test runs. */
function replayFiles(run: TestRun): Set<string> {
  const fileOf = (id: string) => (run.framework === 'pytest' ? (id.split('::')[0] ?? id) : parseTestId(id).file);
  const failing = run.tests.filter((test) => test.outcome === 'failed' && !isFileLevelId(test.id, run.framework));
  const lines = new Set<string>();
  for (const test of failing) for (const [file, numbers] of Object.entries(test.coveredLines ?? {})) for (const line of numbers) lines.add(`${file}:${line}`);
  const files = new Set(failing.map((test) => fileOf(test.id)));
  for (const test of run.tests) {
    if (test.outcome !== 'passed' || isFileLevelId(test.id, run.framework)) continue;
    const file = fileOf(test.id);
    if (files.has(file)) continue;
    if (Object.entries(test.coveredLines ?? {}).some(([covered, numbers]) => numbers.some((line) => lines.has(`${covered}:${line}`)))) files.add(file);
  }
  return files;
}

/** "7 passed, 2 failed" */
export function summarizeRun(run: TestRun): string {
  const passed = run.tests.filter((test) => test.outcome === 'passed').length;
  const failed = run.tests.filter((test) => test.outcome === 'failed').length;
  const skipped = run.tests.filter((test) => test.outcome === 'skipped').length;
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${run.complete ? '' : ' (run cut short)'}`;
}

/**
 * The output bouncer: gives each validated patch a trust (set on the patch) and decides to propose the
 * most trusted one, abstain with reasons and what would make the task actionable, or report nothing to fix.
 */
async function decide(context: {
  request: CheckRequest;
  run: TestRun;
  scores: LineScore[];
  patches: Patch[];
  stats: PatchStats | undefined;
  task: TaskAssessment | undefined;
  runner: ProcessRunner;
  sources: SourceReader;
  candidateRunner?: (writable: string[]) => ProcessRunner;
}): Promise<Decision | undefined> {
  const { request, patches } = context;
  const assessment = await assessPatches({
    root: request.root,
    mode: request.mode,
    run: context.run,
    scores: context.scores,
    patches,
    stats: context.stats,
    task: context.task,
    targetPrecision: request.settings.targetPrecision ?? DEFAULT_TARGET_PRECISION,
    pythonPath: request.settings.pythonPath,
    runner: context.runner,
    ...(context.candidateRunner ? { candidateRunner: context.candidateRunner } : {}),
    sources: context.sources,
    logger: request.logger,
    signal: request.signal,
  });
  for (const item of assessment.assessments) {
    const patch = patches.find((candidate) => candidate.id === item.patchId);
    if (patch?.validated) patch.trust = Math.round(item.trust * 1000) / 1000;
  }
  return assessment.decision;
}

function mergeLines(a: Record<string, number[]>, b: Record<string, number[]>): Record<string, number[]> {
  const merged: Record<string, number[]> = { ...a };
  for (const [file, lines] of Object.entries(b)) {
    merged[file] = [...new Set([...(merged[file] ?? []), ...lines])].sort((x, y) => x - y);
  }
  return merged;
}

/** The one problem a check without a sandbox reports: what runs unsandboxed, and how to change it. */
function unsandboxedMessage(sandbox: Extract<SandboxKind, { kind: 'none' }>, modelCodeAllowed: boolean): string {
  const model = modelCodeAllowed
    ? 'model-written patches too, because revise.sandbox.allowUnsandboxedModelCode is on'
    : 'model-written patches are not run at all (turn on revise.sandbox.allowUnsandboxedModelCode, or pass --allow-unsandboxed-model-code, to run them anyway)';
  return `No sandbox for candidate code: ${sandbox.reason}. Template patches are tested without one, as your own tests are; ${model}.`;
}

/**
 * Drops model edits that add file, process, network, eval/exec, environment or import calls the lines they
 * replace do not have (before any of them runs); each refusal becomes a report problem with its reason.
 */
async function screenModelCandidates(candidates: ExtraCandidate[], sources: SourceReader, root: string, run: TestRun): Promise<ExtraCandidate[]> {
  const kept: ExtraCandidate[] = [];
  for (const candidate of candidates) {
    const original = await sources.read(candidate.file);
    if (original === undefined) continue;
    const verdict = screenModelEdit(original, candidate.newText);
    if (!verdict.refused) {
      kept.push(candidate);
      continue;
    }
    run.problems.push({
      kind: 'refused-patch',
      message: `Refused ${candidate.origin}'s patch for ${path.relative(root, candidate.file)}:${candidate.line} before running it: ${verdict.reason}.`,
      file: candidate.file,
      line: verdict.line,
    });
  }
  return kept;
}

/** A promise with its `resolve` outside (the first call wins). */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
