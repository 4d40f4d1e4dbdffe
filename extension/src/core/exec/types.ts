/**
 * The execution layer's interface: warm test workers that run many candidate patches per load. Capture
 * (the cold, covered first run) and validation (many runs in isolated copies) both go through it.
 */
import type { TestRun } from '../types';

/** One run of selected tests in a worker's copy, after the candidate was written into it. */
export interface WorkerRunRequest {
  /** Test ids to run (as the baseline reported them, with the copy's root). */
  testIds: string[];
  /** Absolute paths (in the copy) of the files the candidate changed. */
  files: string[];
  /** Aborted on cancellation or when the run overstays; the worker kills the run's process group. */
  signal: AbortSignal;
  /**
   * A tighter per-test limit for this run (a candidate's tests, from their baseline durations); the
   * worker keeps the smaller of this and its own. Workers that cannot stop a single test ignore it.
   */
  perTestTimeoutMs?: number;
  /**
   * Run no test after one that hung (pytest; a candidate that makes a test hang is no fix). The
   * tests not run report nothing, and validation counts them as failed, as a cold run does.
   */
  stopAfterTimeout?: boolean;
}

/** A long-lived process that has loaded the runner, the project and its tests once. */
export interface TestWorker {
  /** "pytest fork server (Python 3.11.2, 9 tests loaded)": for the log. */
  readonly description: string;
  /**
   * Runs the tests with the candidate now on disk. Throws `WorkerUnavailable` when the worker can no
   * longer serve (it died); the caller then runs cold.
   */
  run(request: WorkerRunRequest): Promise<TestRun>;
  /** How the runs so far were served: loaded code swapped in place, or a cold run inside the worker. */
  readonly modes: Record<string, number>;
  dispose(): Promise<void>;
}

/** Why no warm worker serves a copy (said in `--verbose`); validation then runs each candidate cold. */
export class WorkerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerUnavailable';
  }
}

/** Opens a worker in an isolated copy, or says why none can serve it (`WorkerUnavailable`). */
export type WorkerFactory = (root: string, signal: AbortSignal) => Promise<TestWorker>;
