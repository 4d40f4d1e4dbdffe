/**
 * Load failures are failures: a module, test file or TypeScript file that does not parse, compile or
 * import stops every test that depends on it, so each test file it stopped becomes one failed test whose
 * id is the file itself (`tests/test_x.py`, `test/x.test.js`), carrying the error and its place
 * (`TestResult.loadError`). Every runner's capture reports such files as `syntax-error` or
 * `collection-error` problems; this module turns them into tests, the same way for all of them.
 */
import * as path from 'node:path';
import type { CaptureProblem, Framework, LoadError, StackFrame, TestResult, TestRun } from '../types';

/** True for an id that names a whole test file (a load failure), not one test in it. */
export function isFileLevelId(id: string, framework: Framework): boolean {
  return framework === 'pytest' ? !id.includes('::') : !id.includes(' > ');
}

/** The kind of a load error from its message. */
export function loadErrorKind(message: string): LoadError['kind'] {
  if (/\b(SyntaxError|IndentationError|TabError|error TS\d+|TSError|Transform failed|Unexpected token|Unterminated|Expected)\b/.test(message)) return 'syntax';
  if (/\b(ImportError|ModuleNotFoundError|Cannot find module|Cannot find package|ERR_MODULE_NOT_FOUND|does not provide an export named|Failed to load url|Failed to resolve import)\b/.test(message)) return 'import';
  return 'runtime';
}

function isLoadProblem(problem: CaptureProblem): boolean {
  return (problem.kind === 'syntax-error' || problem.kind === 'collection-error') && (problem.testFile !== undefined || problem.file !== undefined);
}

/**
 * Moves the run's load-failure problems into `run.tests` as failed tests (in place; returns the run).
 * The test's id is the relative path of the test file that did not load (or of the broken file when the
 * test file is unknown); its frames end at the error's place, so that localization and the report see it.
 */
export function loadFailuresAsTests(run: TestRun): TestRun {
  const kept: CaptureProblem[] = [];
  const known = new Set(run.tests.map((test) => test.id));
  for (const problem of run.problems) {
    if (!isLoadProblem(problem)) {
      kept.push(problem);
      continue;
    }
    const owner = problem.testFile ?? problem.file!;
    const id = path.relative(run.root, owner) || owner;
    if (known.has(id)) continue;
    known.add(id);
    const frames: StackFrame[] = [...(problem.frames ?? [])];
    if (problem.file && problem.line !== undefined) {
      const last = frames[frames.length - 1];
      if (!last || last.file !== problem.file || last.line !== problem.line) {
        frames.push({ file: problem.file, line: problem.line, ...(problem.column ? { column: problem.column } : {}) });
      }
    }
    const test: TestResult = { id, file: owner, outcome: 'failed', durationMs: 0, message: problem.message, frames };
    if (problem.file) {
      test.loadError = {
        kind: problem.kind === 'syntax-error' ? 'syntax' : loadErrorKind(problem.message),
        file: problem.file,
        ...(problem.line !== undefined ? { line: problem.line } : {}),
        ...(problem.column !== undefined ? { column: problem.column } : {}),
        message: problem.message,
      };
    }
    run.tests.push(test);
    if (!run.testFiles.includes(owner) && problem.testFile) run.testFiles.push(owner);
  }
  run.problems = kept;
  run.tests.sort((a, b) => a.id.localeCompare(b.id));
  run.testFiles.sort();
  return run;
}

/**
 * A run asked for file-level ids (load failures of an earlier run) as well as single tests: reports each
 * file-level id as one result, failed while the file still does not load (its load-failure test is in
 * the run) or while any of its tests fails, passed when it loads and its tests pass. An id that names a
 * file without tests (conftest.py, or the broken file when the test file was unknown) passes when nothing
 * failed to load and every test that ran passed.
 * `run` must be a run of the whole suite (file-level ids cannot be passed to the runners as filters);
 * it is filtered here to the requested ids.
 */
export function resultsForRequestedIds(run: TestRun, requested: string[]): TestRun {
  const byId = new Map(run.tests.map((test) => [test.id, test]));
  const separator = run.framework === 'pytest' ? '::' : ' > ';
  const loadFailed = run.tests.some((test) => test.loadError !== undefined);
  const tests: TestResult[] = [];
  for (const id of requested) {
    const direct = byId.get(id);
    if (direct) {
      tests.push(direct);
      continue;
    }
    if (!isFileLevelId(id, run.framework)) continue;
    const inFile = run.tests.filter((test) => test.id.startsWith(id + separator));
    const absolute = path.resolve(run.root, id);
    // A file with no tests of its own (conftest.py, a helper, the broken module itself) answers for the run.
    const isTestFile = inFile.length > 0;
    const active = (isTestFile ? inFile : run.tests).filter((test) => test.outcome !== 'skipped');
    const failed = active.filter((test) => test.outcome === 'failed');
    const passed = active.length > 0 && failed.length === 0 && (isTestFile || !loadFailed);
    tests.push({
      id,
      file: absolute,
      outcome: passed ? 'passed' : 'failed',
      durationMs: active.reduce((sum, test) => sum + test.durationMs, 0),
      frames: failed[0]?.frames ?? [],
      ...(passed ? {} : { message: failed[0]?.message ?? `${id}: no test ran` }),
    });
  }
  return { ...run, tests };
}
