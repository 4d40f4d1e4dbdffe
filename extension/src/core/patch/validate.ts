/**
 * Validation of candidates by re-running the tests in isolated copies: the originally failing tests
 * first (most candidates stop there), then the passing tests that run the patched lines, then the rest
 * of the suite. Workers each own one copy and take candidates best first.
 */
import * as path from 'node:path';
import { ReviseError } from '../errors';
import { WorkerUnavailable, type TestWorker } from '../exec/types';
import type { Logger } from '../ports';
import type { TestRun } from '../types';
import type { WorkspaceCopy } from './isolation';
import type { Candidate, CandidateRecord, CandidateStatus, TestRunRequest } from './types';

/** What validation needs to know about the baseline run. */
export interface Baseline {
  root: string;
  /** Tests that failed in the baseline, in run order. */
  failing: string[];
  /** Tests that passed in the baseline. */
  passing: Set<string>;
  /** Every test that was not skipped. */
  active: Set<string>;
  /** Every test id of the baseline, skipped ones too. */
  ids: Set<string>;
  /** Whether the baseline ran to the end (otherwise the final stage always runs the whole suite). */
  complete: boolean;
  /** For each absolute file, for each 1-based line, the tests that ran it. */
  coverage: Map<string, Map<number, string[]>>;
  /** Whether any per-test coverage was recorded. */
  hasCoverage: boolean;
  /** How long each test that finished took in the baseline run, in milliseconds (not those stopped by the timeout). */
  durations: Map<string, number>;
  /** The longest of `durations` (0 when none finished). */
  slowestFinishedMs: number;
}

/** A candidate's test is stopped as a hang once it runs this many times longer than in the baseline… */
export const CANDIDATE_SLOWDOWN_LIMIT = 20;
/** …and longer than this (so that a fast test's limit does not depend on the machine's load). */
export const CANDIDATE_TEST_TIMEOUT_FLOOR_MS = 2_000;

/**
 * The per-test limit for a candidate's warm run of `testIds`: the slowest of them in the baseline times
 * `CANDIDATE_SLOWDOWN_LIMIT`, at least `CANDIDATE_TEST_TIMEOUT_FLOOR_MS`. A test the baseline stopped at
 * the timeout (the bug made it hang) counts as long as the slowest test that finished. A candidate that
 * turns a loop endless, or leaves one endless, then costs seconds, not the user's per-test timeout; the
 * worker keeps the smaller of this and that setting, and the proposed patch's confirmation runs with the
 * setting alone.
 */
export function candidateTestTimeoutMs(baseline: Baseline, testIds: string[]): number {
  let slowest = 0;
  for (const id of testIds) slowest = Math.max(slowest, baseline.durations.get(id) ?? baseline.slowestFinishedMs);
  return Math.max(CANDIDATE_TEST_TIMEOUT_FLOOR_MS, Math.ceil(slowest * CANDIDATE_SLOWDOWN_LIMIT));
}

/** Indexes a baseline run for validation. */
export function indexBaseline(run: TestRun, root: string): Baseline {
  const coverage = new Map<string, Map<number, string[]>>();
  let hasCoverage = false;
  for (const test of run.tests) {
    if (!test.coveredLines) continue;
    hasCoverage = true;
    for (const [file, lines] of Object.entries(test.coveredLines)) {
      let byLine = coverage.get(file);
      if (!byLine) coverage.set(file, (byLine = new Map()));
      for (const line of lines) {
        const tests = byLine.get(line);
        if (tests) tests.push(test.id);
        else byLine.set(line, [test.id]);
      }
    }
  }
  const durations = new Map(run.tests.filter((test) => !test.timedOut).map((test) => [test.id, Math.max(0, test.durationMs || 0)]));
  return {
    root,
    failing: run.tests.filter((test) => test.outcome === 'failed').map((test) => test.id),
    passing: new Set(run.tests.filter((test) => test.outcome === 'passed').map((test) => test.id)),
    active: new Set(run.tests.filter((test) => test.outcome !== 'skipped').map((test) => test.id)),
    ids: new Set(run.tests.map((test) => test.id)),
    complete: run.complete,
    coverage,
    hasCoverage,
    durations,
    slowestFinishedMs: [...durations.values()].reduce((slowest, ms) => Math.max(slowest, ms), 0),
  };
}

/**
 * Parametrized test ids can hold values that differ from run to run (`test_parse[03:24:57 2026-12-06]`,
 * from a `datetime.now()` in the parameters): a baseline id that this run does not have takes the outcome
 * of an id of the same test (the part before `[`) that this run has and the baseline does not, one for
 * one. A test that vanished without such a counterpart still counts as failed. Changes `outcomes`.
 */
export function pairRenamedParameters<T>(outcomes: Map<string, T>, baselineIds: ReadonlySet<string>, wanted: Iterable<string>): void {
  const base = (id: string) => (id.endsWith(']') && id.includes('[') ? id.slice(0, id.indexOf('[')) : undefined);
  const newcomers = new Map<string, string[]>();
  for (const id of outcomes.keys()) {
    const key = base(id);
    if (key === undefined || baselineIds.has(id)) continue;
    newcomers.set(key, [...(newcomers.get(key) ?? []), id]);
  }
  for (const id of wanted) {
    const key = base(id);
    if (key === undefined || outcomes.has(id)) continue;
    const counterpart = newcomers.get(key)?.shift();
    if (counterpart !== undefined) outcomes.set(id, outcomes.get(counterpart)!);
  }
}

/** Baseline tests that executed any of `lines` of `file`. */
export function coveringTests(baseline: Baseline, file: string, lines: number[]): string[] {
  const byLine = baseline.coverage.get(file);
  if (!byLine) return [];
  const found = new Set<string>();
  for (const line of lines) for (const id of byLine.get(line) ?? []) found.add(id);
  return [...found];
}

/**
 * One validation worker's place to run: its isolated copy, and the warm test worker loaded in it when
 * there is one (otherwise, or once it fails, every run is a cold run of the test command).
 */
export interface Lane {
  copy: WorkspaceCopy;
  worker?: TestWorker;
  /** Set while the lane's warm worker opens: the search waits for it before the lane takes a candidate. */
  opening?: Promise<void>;
  /** How long the lane's warm worker took to open (load the suite), once it has. */
  loadMs?: number;
  /** Warm workers this lane lost (a candidate that hung or ended the process); it reopens a few. */
  lostWorkers?: number;
  /** Runs served warm and cold, for the log and benchmarks. */
  warmRuns: number;
  coldRuns: number;
}

/** Everything one candidate's validation produced. */
export interface ValidationResult {
  record: CandidateRecord;
  /** Tests that passed with the candidate, among those run. */
  passed: number;
  /** Tests that failed with the candidate, among those run. */
  failed: number;
}

/** Shared settings of one validation session. */
export interface ValidationSession {
  baseline: Baseline;
  runTests(request: TestRunRequest): Promise<TestRun>;
  /** Longest a single test run may take before it counts as incomplete. */
  runTimeoutMs: number;
  /** Absolute time (ms since epoch) when the search's time budget ends. */
  deadline: number;
  /** Start of the search, for `finishedAtMs`. */
  startedAt: number;
  /** Aborted by the user (cancellation) or by the search (budget reached). */
  signal: AbortSignal;
  logger: Logger;
}

/** Why a run did not finish: the whole search stopping, or only this run overstaying. */
class RunStopped extends Error {
  constructor(readonly byTheSearch: boolean) {
    super(byTheSearch ? 'the search stopped' : 'the test run took too long');
  }
}

type Outcome = 'passed' | 'failed' | 'skipped';

/** Outcomes of one run in a copy, keyed by the baseline's test ids. */
interface StageRun {
  outcomes: Map<string, Outcome>;
  /** False when the run was cut short or could not collect the tests. */
  complete: boolean;
}

/** A lane whose warm worker stopped serving runs cold from now on (until it reopens one). */
export function dropWorker(lane: Lane): void {
  const worker = lane.worker;
  lane.worker = undefined;
  lane.lostWorkers = (lane.lostWorkers ?? 0) + 1;
  void worker?.dispose();
}

/** Maps test ids between the project and a copy (ids of some runners hold absolute paths). */
export function translateIds(ids: string[], from: string, to: string): string[] {
  return ids.map((id) => id.split(from).join(to));
}

/**
 * Runs tests in the lane's copy with a signal that fires on cancellation, on the deadline, or after the
 * per-run limit: selected tests in the warm worker when the lane has one, else (and for the whole suite)
 * a cold run of the test command.
 */
async function runInCopy(session: ValidationSession, lane: Lane, candidate: Candidate, testIds: string[] | undefined): Promise<StageRun> {
  const { copy } = lane;
  if (session.signal.aborted) throw new RunStopped(true);
  const controller = new AbortController();
  const untilDeadline = session.deadline - Date.now();
  if (untilDeadline <= 0) throw new RunStopped(true);
  // When the time budget ends first, the run is stopped by the search, not by its own slowness.
  const endsWithBudget = untilDeadline < session.runTimeoutMs;
  let overstayed = false;
  const timer = setTimeout(() => {
    overstayed = true;
    controller.abort();
  }, Math.min(session.runTimeoutMs, untilDeadline));
  const onAbort = () => controller.abort();
  session.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const ids = testIds && translateIds(testIds, session.baseline.root, copy.root);
    // The same limits warm and cold: a tighter per-test timeout from the baseline's durations, and no test
    // after one that hung, so that both give the same outcomes.
    const perTestTimeoutMs = candidateTestTimeoutMs(session.baseline, testIds ?? [...session.baseline.active]);
    let run: TestRun | undefined;
    if (lane.worker && ids) {
      try {
        run = await lane.worker.run({
          testIds: ids,
          files: [copy.resolve(path.relative(session.baseline.root, candidate.file))],
          signal: controller.signal,
          perTestTimeoutMs,
          stopAfterTimeout: true,
        });
        lane.warmRuns++;
      } catch (error) {
        if (!(error instanceof WorkerUnavailable)) throw error;
        dropWorker(lane);
        if (session.signal.aborted || controller.signal.aborted) throw error;
        session.logger.debug(`Warm worker stopped serving (${error.message}); this run is cold.`);
      }
    }
    if (!run) {
      run = await session.runTests({ root: copy.root, testIds: ids, signal: controller.signal, perTestTimeoutMs, stopAfterTimeout: true });
      lane.coldRuns++;
    }
    if (session.signal.aborted || (overstayed && endsWithBudget)) throw new RunStopped(true);
    const outcomes = new Map<string, Outcome>();
    for (const test of run.tests) {
      const id = test.id.split(copy.root).join(session.baseline.root);
      // A test reported twice (retries, parametrization quirks) counts as failed if any report failed.
      if (outcomes.get(id) !== 'failed') outcomes.set(id, test.outcome);
    }
    // A parametrized id that changed since the capture (a `datetime.now()` parameter) was run under its new id.
    if (testIds) pairRenamedParameters(outcomes, session.baseline.ids, testIds);
    const brokenCollection = run.problems.some((problem) => problem.kind === 'collection-error' || problem.kind === 'syntax-error' || problem.kind === 'timeout');
    return { outcomes, complete: run.complete && !overstayed && !brokenCollection };
  } catch (error) {
    if (error instanceof RunStopped) throw error;
    if (session.signal.aborted) throw new RunStopped(true);
    if (overstayed) throw new RunStopped(endsWithBudget);
    throw error;
  } finally {
    clearTimeout(timer);
    session.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Validates one candidate in `copy`: writes it, runs the stages, and always puts the original text
 * back. Returns undefined when the search stopped before the candidate's validation ended (its result
 * would be incomplete, so it is not recorded).
 */
export async function validateCandidate(session: ValidationSession, lane: Lane, candidate: Candidate): Promise<ValidationResult | undefined> {
  const { baseline } = session;
  const { copy } = lane;
  const relative = path.relative(baseline.root, candidate.file);
  const ran = new Map<string, Outcome>();
  let fixed = 0;
  let broken = 0;
  let stage: 1 | 2 | 3 = 1;
  let status: CandidateStatus = 'validated';

  const finish = (): ValidationResult => {
    let passed = 0;
    let failed = 0;
    for (const outcome of ran.values()) {
      if (outcome === 'passed') passed++;
      else if (outcome === 'failed') failed++;
    }
    return {
      passed,
      failed,
      record: {
        candidateId: candidate.id,
        file: candidate.file,
        line: candidate.line,
        origin: candidate.origin,
        title: candidate.title,
        score: candidate.score,
        editChars: candidate.editChars,
        editLines: candidate.editLines,
        status,
        stage,
        fixed,
        broken,
        testsRun: ran.size,
        finishedAtMs: Date.now() - session.startedAt,
      },
    };
  };
  /**
   * Records a stage's outcomes. A filtered stage counts only the tests it asked for (runners may
   * report the others as skipped or even passed); a requested test that did not report (collection
   * broke, run cut short) or that skips itself now counts as failed.
   */
  const merge = ({ outcomes }: StageRun, requested: string[], filtered: boolean) => {
    const wanted = new Set(requested);
    for (const [id, outcome] of outcomes) {
      if (filtered && !wanted.has(id)) continue;
      if (ran.get(id) !== 'failed') ran.set(id, outcome);
    }
    for (const id of requested) if (!outcomes.has(id) || (outcomes.get(id) === 'skipped' && baseline.active.has(id))) ran.set(id, 'failed');
  };
  const countBroken = () => [...ran].filter(([id, outcome]) => outcome === 'failed' && baseline.passing.has(id)).length;

  await copy.write(relative, candidate.newText);
  try {
    // Stage 1: the failing tests. Most candidates stop here.
    const failing = baseline.failing;
    const first = await runInCopy(session, lane, candidate, failing);
    merge(first, failing, true);
    fixed = failing.filter((id) => first.outcomes.get(id) === 'passed').length;
    if (fixed < failing.length) {
      status = first.complete ? 'still-failing' : 'run-incomplete';
      return finish();
    }
    if (!first.complete) {
      status = 'run-incomplete';
      return finish();
    }

    // Stage 2: passing tests that run the patched lines.
    const covering = coveringTests(baseline, candidate.file, candidate.lines).filter((id) => baseline.passing.has(id) && !ran.has(id));
    if (covering.length > 0) {
      stage = 2;
      const second = await runInCopy(session, lane, candidate, covering);
      merge(second, covering, true);
      broken = countBroken();
      if (broken > 0 || !second.complete) {
        status = broken > 0 ? 'breaks-tests' : 'run-incomplete';
        return finish();
      }
    }

    // Stage 3: the rest of the suite, only when coverage cannot tell which tests a candidate may affect
    // (no per-test coverage, or a baseline cut short). Otherwise the rest runs once, cold, for the patch
    // that would be proposed (`confirmPatch`).
    const remaining = [...baseline.active].filter((id) => !ran.has(id));
    if ((remaining.length > 0 && !baseline.hasCoverage) || !baseline.complete) {
      stage = 3;
      const third = await runInCopy(session, lane, candidate, undefined);
      merge(third, [...baseline.active], false);
      broken = countBroken();
      const anyFailed = [...ran.values()].some((outcome) => outcome === 'failed');
      if (anyFailed || !third.complete) {
        status = broken > 0 || anyFailed ? 'breaks-tests' : 'run-incomplete';
        return finish();
      }
    }
    status = 'validated';
    return finish();
  } catch (error) {
    if (error instanceof RunStopped) {
      if (error.byTheSearch) return undefined;
      status = 'run-incomplete';
      return finish();
    }
    if (error instanceof ReviseError && error.code === 'cancelled') return undefined;
    session.logger.warn(`Validating ${candidate.title} at ${relative}:${candidate.line} failed: ${error instanceof Error ? error.message : String(error)}`);
    status = 'error';
    return finish();
  } finally {
    await copy.restore(relative);
  }
}
