import { ReviseError } from '../errors';
import type { TestRun } from '../types';
import { isFileLevelId, loadFailuresAsTests, resultsForRequestedIds } from './loadFailures';
import { captureJavaScript, detectJavaScript, isJavaScriptTestFile } from './javascript/index';
import { capturePytest, detectPytest, isPythonTestFile } from './python/index';
import type { CaptureOptions } from './types';

export type { Assets, CaptureOptions } from './types';

/**
 * Runs the project's tests with per-test coverage and stack traces: pytest first, then the JavaScript
 * runners (node:test, Jest, Vitest, Mocha). A configured `options.command` decides by its program name.
 */
export async function captureTests(options: CaptureOptions): Promise<TestRun> {
  const kind = await detectProjectKind(options.root, options.command);
  if (kind === 'python' || kind === 'javascript') {
    const capture = kind === 'python' ? capturePytest : captureJavaScript;
    const framework = kind === 'python' ? 'pytest' : undefined;
    // File-level ids (load failures of an earlier run) are no filter any runner understands: run the
    // whole suite and answer for each requested id.
    const fileLevel = options.testIds?.some((id) => isFileLevelId(id, framework ?? 'node:test')) ?? false;
    const run = loadFailuresAsTests(await capture(fileLevel ? { ...options, testIds: undefined } : options));
    if (options.testIds) return fileLevel ? resultsForRequestedIds(run, options.testIds) : run;
    // A whole-suite validation run answers for the baseline's load failures too, so that they have an
    // outcome after a patch.
    return options.fileLevelIds?.length ? withFileResults(run, options.fileLevelIds) : run;
  }
  throw new ReviseError(
    'no-tests',
    `No tests found in ${options.root}.`,
    'Revise runs pytest (test_*.py files) or the test script in package.json (node:test, Jest, Vitest, Mocha). Add a test, or set "revise.test.command".',
  );
}

/** Adds a result for each of `ids` that the run has no result for under that id. */
function withFileResults(run: TestRun, ids: string[]): TestRun {
  const known = new Set(run.tests.map((test) => test.id));
  const extra = resultsForRequestedIds(run, ids.filter((id) => !known.has(id))).tests;
  return { ...run, tests: [...run.tests, ...extra] };
}

/** Which capture path serves a folder, or undefined when it has no tests Revise can run. */
export async function detectProjectKind(root: string, command?: string[]): Promise<'python' | 'javascript' | undefined> {
  if (command && command.length > 0) {
    const joined = command.join(' ');
    if (/\b(pytest|python[\d.]*|py\.test|poetry|pdm|hatch|uv|tox)\b/.test(joined)) return 'python';
    return 'javascript';
  }
  if (await detectPytest(root)) return 'python';
  if (await detectJavaScript(root)) return 'javascript';
  return undefined;
}

/** True for files that hold tests or test support in either language; they are never scored or patched. */
export function isTestFile(absolutePath: string): boolean {
  return isPythonTestFile(absolutePath) || isJavaScriptTestFile(absolutePath);
}
