/**
 * Plain, serializable values that flow through the pipeline:
 * capture → TestRun → localize → LineScore[] → patch → Patch[] → bounce → CheckReport.
 * Nothing here may depend on `vscode`.
 */

/** Test frameworks Revise can drive. */
export type Framework = 'pytest' | 'node:test' | 'jest' | 'vitest' | 'mocha';

/** Languages with a tree-sitter grammar in `grammars/`. */
export type SourceLanguage = 'python' | 'javascript' | 'typescript' | 'tsx';

/** One frame of a failure's stack trace, outermost first within `TestResult.frames`. */
export interface StackFrame {
  /** Absolute path of the source file (after source-map translation where available). */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, when known. */
  column?: number;
  functionName?: string;
}

export type TestOutcome = 'passed' | 'failed' | 'skipped';

/** The result of one test, with the lines it executed. */
export interface TestResult {
  /** The framework's own id, e.g. `tests/test_calc.py::TestDiv::test_zero[3]` for pytest. */
  id: string;
  /** Absolute path of the file that defines the test, when known. */
  file?: string;
  /** 1-based line of the test's definition, when known. */
  line?: number;
  outcome: TestOutcome;
  durationMs: number;
  /** First line of the failure, e.g. `AssertionError: assert 3 == 4`. */
  message?: string;
  /** The failing assertion's source text, when the framework reports it. */
  assertion?: string;
  /** Stack frames of the failure, outermost first, innermost (where it was raised) last. */
  frames: StackFrame[];
  /** True when the test was stopped by the per-test timeout. */
  timedOut?: boolean;
  /**
   * Lines this test executed, keyed by absolute file path (1-based, ascending).
   * Absent when no coverage could be recorded for this test.
   */
  coveredLines?: Record<string, number[]>;
  /**
   * Set when the test failed because code it depends on did not load (a syntax error, a failing import,
   * an error thrown at load time, a type error where the runner type-checks): where that error is.
   */
  loadError?: LoadError;
}

/** Where a module, test file or TypeScript file failed to parse, compile or import. */
export interface LoadError {
  /** `syntax`: parse or compile error; `import`: a module or name that cannot be imported; `runtime`: thrown while loading. */
  kind: 'syntax' | 'import' | 'runtime';
  /** Absolute path of the file the error points at. */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** The error, one line (`SyntaxError: '(' was never closed`). */
  message: string;
}

/** Something that went wrong while capturing, reported to the user without stopping the check. */
export interface CaptureProblem {
  kind:
    | 'no-tests'
    | 'collection-error'
    | 'syntax-error'
    | 'timeout'
    | 'cancelled'
    | 'unparsable-output'
    | 'coverage-unavailable'
    | 'skipped-file'
    | 'source-map'
    /** An LLM call failed (dead endpoint, timeout, unreadable reply, budget spent); the check went on without it. */
    | 'llm'
    /** Candidate code could not be sandboxed (no bubblewrap or sandbox-exec), said once per check. */
    | 'sandbox'
    /** A model-written patch was refused before it ran (it adds file, process, network… calls). */
    | 'refused-patch'
    /** A test changed outcome between the capture and a re-run of the same code; it is not evidence. */
    | 'flaky-test';
  message: string;
  /** Absolute path, when the problem has a place. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /**
   * For a load failure (`syntax-error`, `collection-error`): absolute path of the test file that could not
   * load because of it, when known. Capture turns such problems into failed tests.
   */
  testFile?: string;
  /** For a load failure: the error's stack, outermost first, when known. */
  frames?: StackFrame[];
}

/** Everything one test run told us. */
export interface TestRun {
  framework: Framework;
  /** Absolute path of the project root the tests ran in. */
  root: string;
  /** The command line that was run (program first). */
  command: string[];
  tests: TestResult[];
  problems: CaptureProblem[];
  durationMs: number;
  /** How per-test coverage was recorded. */
  coverageMethod: 'coverage.py' | 'trace-plugin' | 'v8' | 'none';
  /** False when the run was cut short (timeout, cancellation); `tests` then holds what finished. */
  complete: boolean;
  /** Absolute paths of files that hold tests or test support (conftest, fixtures); never scored or patched. */
  testFiles: string[];
}

/** Kinds of evidence that move a line's fault probability. */
export type EvidenceKind = 'spectrum' | 'traceback' | 'edited' | 'syntax' | 'repair' | 'critic' | 'load-error';

/** One reason behind a score, in words a developer can check. */
export interface Evidence {
  kind: EvidenceKind;
  detail: string;
  /** Signed contribution to the score's log-odds, when the scorer can attribute one. */
  weight?: number;
}

/** Syntactic role of a line, from a tree-sitter parse. */
export type LineRole = 'condition' | 'loop' | 'return' | 'assignment' | 'call' | 'raise' | 'other';

/** A line's probability of being faulty (its complement is the line's process reward). */
export interface LineScore {
  /** Absolute path. */
  file: string;
  /** 1-based line. */
  line: number;
  /** Calibrated probability in [0, 1] that this line is faulty. */
  score: number;
  /** 1-based rank after deterministic tie-breaking. */
  rank: number;
  /** Raw feature values fed to the model (for benchmarks and debugging). */
  features: Record<string, number>;
  /** Reasons, strongest first. */
  evidence: Evidence[];
  /** The line's source text, trimmed. */
  text?: string;
}

/** A candidate patch (issue: targeted patches). */
export interface Patch {
  id: string;
  /** Absolute path of the patched file. */
  file: string;
  /** e.g. `template:comparison-operator` or `llm:gpt-4o-mini`. */
  origin: string;
  /** Short human title, e.g. "`<` → `<=`". */
  title: string;
  /** Unified diff against the file's content the check ran on. */
  diff: string;
  /** The whole new file content. */
  newText: string;
  /** 1-based lines of the original file the patch touches. */
  lines: number[];
  /** Passes every test validation ran: the failing tests and the tests that run the patched lines (see `checked`). */
  validated: boolean;
  testsPassed: number;
  testsFailed: number;
  trust?: number;
  /**
   * How far the patch was checked: the originally failing tests it fixes, the passing tests that run its
   * lines, and the whole suite — `confirmed` by a cold run of the test command (done for the patch that is
   * proposed), `failed` when that run found failing tests, `not-run` otherwise.
   */
  checked?: {
    failing: number;
    covering: number;
    fullSuite: 'confirmed' | 'failed' | 'not-run';
    /** When the confirmation ran only the tests that run the patched file (`revise.patch.confirm: affected`): how many did, and how many did not run. */
    affected?: { ran: number; notRun: number };
  };
  /**
   * The task's worked examples run against the patched code (only for a patch about to be proposed, when
   * the task has examples Revise can run): how many gave a value to compare, and those it contradicts.
   */
  examples?: TaskExampleCheck;
  /**
   * The doctest examples of the patched Python function, run on the code before and after the patch (only
   * for a patch about to be proposed): those that passed before and fail with it.
   */
  documented?: DocExampleCheck;
}

/** A function's doctest examples before and after a patch. */
export interface DocExampleCheck {
  /** Dotted name of the function (`Class.method`). */
  function: string;
  /** Examples that ran. */
  run: number;
  /** Examples that passed before the patch and fail with it: the source, what the docstring shows, what it gave. */
  broken: { source: string; want: string; got: string }[];
}

/** The task's worked examples against some code. */
export interface TaskExampleCheck {
  compared: number;
  /** Each contradicted example: the call, the result the task states, and the code's. */
  contradictions: { call: string; expected: string; actual: string }[];
}

/** Input-bouncer verdict on a task description. */
export interface TaskAssessment {
  text: string;
  vagueness: number;
  verdict: 'actionable' | 'vague';
  missing?: string[];
  /** Where the description came from: the user, or the docstring / doc comment of the function under test. */
  source?: 'user' | 'docstring';
  /** For a docstring: the name of the function it describes. */
  function?: string;
  /** For a docstring: its absolute path and 1-based first and last lines. */
  location?: { file: string; line: number; endLine: number };
  /** Worked examples of the task that a test asserts another result for: the call, both results, and the assertion's file and line. */
  testContradictions?: { call: string; expected: string; asserted: string; file: string; line: number }[];
}

/** What Revise decided to offer. */
export interface Decision {
  action: 'propose' | 'abstain' | 'nothing-to-fix';
  patch?: string;
  confidence: number;
  reasons: string[];
}

/** Pipeline stages, for progress and timings. */
export type Stage = 'capture' | 'localize' | 'patch' | 'bounce';

/** Progress callback payload. */
export interface ProgressUpdate {
  stage: Stage;
  message: string;
  /** Fraction of the whole check done so far, in [0, 1], when known. */
  fraction?: number;
}

/** The versioned contract between core, UI, CLI and benchmarks (see docs/architecture.md). */
export interface CheckReport {
  version: 1;
  root: string;
  task?: {
    text: string;
    vagueness: number;
    verdict: 'actionable' | 'vague';
    missing?: string[];
    source?: 'user' | 'docstring';
    /** The function whose docstring (doc comment) the task is. */
    function?: string;
    /** Relative path and 1-based line of a docstring task. */
    file?: string;
    line?: number;
  };
  tests: {
    framework: Framework;
    passed: number;
    failed: number;
    skipped: number;
    durationMs: number;
    complete: boolean;
    coverage: TestRun['coverageMethod'];
    failures: { id: string; message: string; file?: string; line?: number }[];
  };
  problems: { kind: CaptureProblem['kind']; message: string; file?: string; line?: number }[];
  suspects: { file: string; line: number; score: number; text?: string; evidence: { kind: EvidenceKind; detail: string }[] }[];
  patches: {
    id: string;
    file: string;
    origin: string;
    title: string;
    diff: string;
    validated: boolean;
    testsPassed: number;
    testsFailed: number;
    trust?: number;
    /** How far it was checked (see `Patch.checked`). */
    checked?: Patch['checked'];
    /** The task's examples against it (see `Patch.examples`). */
    examples?: TaskExampleCheck;
    /** Its function's doctest examples before and after it (see `Patch.documented`). */
    documented?: DocExampleCheck;
  }[];
  decision?: Decision;
  timingsMs: Partial<Record<Stage, number>> & { total: number };
}

/**
 * What happened when a repair candidate on a line was validated; fed back to the scorer as
 * mutation-based evidence (a candidate that turns failing tests into passing ones implicates its line).
 */
export interface RepairOutcome {
  /** Absolute path. */
  file: string;
  /** 1-based line the candidate edits. */
  line: number;
  /** e.g. `template:comparison-operator`. */
  origin: string;
  /** Tests that failed before and pass with the candidate. */
  fixed: number;
  /** Tests that passed before and fail with the candidate. */
  broken: number;
  /** Tests that failed before the candidate. */
  failingBefore: number;
}
