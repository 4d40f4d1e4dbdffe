/**
 * Flaky tests: a test whose outcome changes between the capture and a re-run of the same, unchanged code
 * says nothing about where the bug is, and would make a candidate look like it fixed (or broke) it. Pure
 * functions over two `TestRun`s; the caller decides when the re-run happens (see `findFlakyTests`).
 */
import type { TestResult, TestRun } from './types';

/** A test that passed in one run of the original code and failed in the other. */
export interface FlakyTest {
  id: string;
  first: TestResult['outcome'];
  second: TestResult['outcome'];
}

/**
 * Tests whose outcome differs between `capture` and `rerun` of the same code (passed in one, failed in
 * the other). `sameId` maps a re-run's test id to the capture's (a re-run in a copy names its files under
 * the copy's root); tests skipped, missing from either run, or cut off by a timeout in either are not
 * judged. To be called where validation first runs the original code in a copy (the baseline re-run of a
 * warm worker), before any candidate is compared with the capture.
 */
export function findFlakyTests(capture: TestRun, rerun: TestRun, sameId: (id: string) => string = (id) => id): FlakyTest[] {
  const again = new Map<string, TestResult>();
  for (const test of rerun.tests) again.set(sameId(test.id), test);
  const flaky: FlakyTest[] = [];
  for (const test of capture.tests) {
    const other = again.get(test.id);
    if (!other || test.timedOut || other.timedOut) continue;
    const judged = (outcome: TestResult['outcome']) => outcome === 'passed' || outcome === 'failed';
    if (judged(test.outcome) && judged(other.outcome) && test.outcome !== other.outcome) flaky.push({ id: test.id, first: test.outcome, second: other.outcome });
  }
  return flaky;
}

/**
 * The capture without its flaky tests, so they are evidence for nothing (not for the scorer, not for
 * validation), and one `flaky-test` problem per test that says so in words.
 */
export function excludeFlakyTests(run: TestRun, flaky: readonly FlakyTest[]): TestRun {
  if (flaky.length === 0) return run;
  const ids = new Set(flaky.map((test) => test.id));
  const problems = flaky.map((test) => {
    const result = run.tests.find((item) => item.id === test.id);
    return {
      kind: 'flaky-test' as const,
      message: `${test.id} is flaky: it ${test.first} in the first run and ${test.second} when the same code ran again, so it is not used as evidence.`,
      ...(result?.file ? { file: result.file } : {}),
      ...(result?.line ? { line: result.line } : {}),
    };
  });
  return { ...run, tests: run.tests.filter((test) => !ids.has(test.id)), problems: [...run.problems, ...problems] };
}
