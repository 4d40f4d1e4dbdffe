import type { Logger, ProcessRunner } from '../ports';
import type { Framework } from '../types';

/** Where the adapters keep files the core needs at run time. */
export interface Assets {
  /** Folder with the tree-sitter runtime and grammar wasm files (`grammars/`). */
  grammarsDir: string;
  /** Folder with the bundled pytest plugin (`extension/python/`). */
  pythonDir: string;
  /**
   * Folder with the JavaScript runtime helpers loaded into test processes (`extension/javascript/`);
   * default: `javascript` beside `pythonDir`.
   */
  javascriptDir?: string;
}

/** Options for one test run. */
export interface CaptureOptions {
  /** Absolute path of the project (workspace folder) whose tests to run. */
  root: string;
  runner: ProcessRunner;
  logger: Logger;
  signal?: AbortSignal;
  assets: Assets;
  /** Interpreter chosen by the adapter (setting or the Python extension); undefined: `python3`. */
  pythonPath?: string;
  /** `revise.test.command`: replaces the detected command; Revise appends its own reporter arguments. */
  command?: string[];
  /** A single test running longer than this is stopped and counted as failed. */
  perTestTimeoutMs: number;
  /** The whole run is stopped after this; results gathered so far are kept (`TestRun.complete = false`). */
  totalTimeoutMs: number;
  /** Run only these test ids (used by patch validation); undefined runs the whole suite. */
  testIds?: string[];
  /**
   * File-level ids (load failures of the baseline run, e.g. `tests/test_x.py`) to answer for even when
   * `testIds` is undefined: a whole-suite validation run then reports each as one result (see
   * `resultsForRequestedIds`).
   */
  fileLevelIds?: string[];
  /** Record per-test line coverage (default true; validation runs may switch it off for speed). */
  coverage?: boolean;
  /**
   * Where the run's own temporary folder is made (default: the system's). A sandboxed run passes its
   * writable temporary folder, since nothing else outside the copy is writable there.
   */
  tempDir?: string;
  /** Short progress messages ("ran 12/40 tests"). */
  onProgress?(message: string): void;
  /**
   * Called once when the test process starts, with the runner and its command (pytest: after a version
   * shim is resolved to the real interpreter) and, for a run split over several (`parallelRuns`), how many
   * processes run it. The pipeline starts warm validation workers then, beside the run.
   */
  onStart?(start: { framework: Framework; command: string[]; processes?: number }): void;
  /**
   * A whole-suite run (no `testIds`, Revise's own command) splits over at most this many processes that
   * run side by side, when the suite is big enough to repay it: pytest by test module (`splitModules`),
   * node:test by `--test-shard` (`nodeTestShardCount`); default 1: one process.
   */
  parallelRuns?: number;
  /** pytest: no test after one that ran past the per-test timeout (validation of a candidate patch). */
  stopAfterTimeout?: boolean;
}
