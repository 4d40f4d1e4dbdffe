/**
 * A check started from one test ("Check and Fix from This Test"): that test is the failing one, and the
 * other failing tests are left out of this check's evidence and validation, so the suspects and patches
 * are about it alone.
 */
import * as path from 'node:path';
import type { CaptureProblem, TestRun } from './types';

/** Where the chosen test is defined: its file and (1-based) line, from the editor's test item. */
export interface TestPlace {
  file: string;
  line: number;
}

/**
 * The failing test defined at `place`: the failing test of that file whose definition line is the last
 * one at or before `place.line`. Undefined when no test of that file failed.
 */
export function failingTestAt(run: TestRun, place: TestPlace): string | undefined {
  const file = path.resolve(place.file);
  let best: { id: string; line: number } | undefined;
  for (const test of run.tests) {
    if (test.outcome !== 'failed' || !test.file || path.resolve(test.file) !== file) continue;
    const line = test.line ?? 0;
    if (line > place.line) continue;
    if (!best || line > best.line) best = { id: test.id, line };
  }
  return best?.id;
}

/**
 * Keeps `testId` as the only failing test of the run (the other failing tests are dropped, and said so in
 * a problem); returns the run unchanged, with a problem that says why, when the chosen test did not fail.
 */
export function focusOnTest(run: TestRun, place: TestPlace): TestRun {
  const chosen = failingTestAt(run, place);
  const note = (message: string): CaptureProblem => ({ kind: 'skipped-file', message, file: path.resolve(place.file), line: place.line });
  if (!chosen) {
    return { ...run, problems: [...run.problems, note('The chosen test did not fail in this run, so the check used every failing test.')] };
  }
  const others = run.tests.filter((test) => test.outcome === 'failed' && test.id !== chosen);
  if (others.length === 0) return run;
  return {
    ...run,
    tests: run.tests.filter((test) => test.outcome !== 'failed' || test.id === chosen),
    problems: [
      ...run.problems,
      note(`Checked with ${chosen} as the failing test; ${others.length} other failing ${others.length === 1 ? 'test was' : 'tests were'} left out of this check.`),
    ],
  };
}
