// A tiny sequential test runner for code that must run inside the VS Code extension host, where the
// repository's `node --test` cannot reach. Each test runs after the previous one settles; its name and
// result are printed on one line tagged REPORT_TAG, which the code-server harness forwards.

/** Tag the code-server harness looks for in the extension host's console output. */
export const REPORT_TAG = '[revise-it]';

/** One test: a name that reads as a sentence and a body that throws (assert) on failure. */
export interface TestCase {
  name: string;
  body: () => Promise<void> | void;
  /** Milliseconds before the test counts as failed; default 30 s. */
  timeoutMs?: number;
}

/** Thrown by a test whose precondition (an earlier test's result) is missing; counted as skipped. */
export class SkipError extends Error {}

/** Counts of one run. */
export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
}

/** Prints one tagged line per line of text. */
export function report(text: string): void {
  for (const line of text.split('\n')) console.log(`${REPORT_TAG} ${line}`);
}

/**
 * Runs tests one after another and prints each name with ✓, ✗ or – (skipped) and its duration; a
 * failure prints the error and its stack. Later tests still run after a failure, so one broken
 * assertion does not hide the others.
 * @param title heading printed first
 * @param tests the tests, in order
 */
export async function runSequentially(title: string, tests: readonly TestCase[]): Promise<RunSummary> {
  const summary: RunSummary = { passed: 0, failed: 0, skipped: 0 };
  report(title);
  for (const test of tests) {
    const started = Date.now();
    try {
      await withTimeout(Promise.resolve().then(test.body), test.timeoutMs ?? 30_000, test.name);
      summary.passed++;
      report(`  ✓ ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      if (error instanceof SkipError) {
        summary.skipped++;
        report(`  – ${test.name} (skipped: ${error.message})`);
        continue;
      }
      summary.failed++;
      report(`  ✗ ${test.name} (${Date.now() - started} ms)`);
      report(indent(describeError(error), '      '));
    }
  }
  report(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  return summary;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, name: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`"${name}" did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // An assertion's stack already starts with its message; keep the frames in this suite, drop the
  // extension host's own plumbing.
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  const lines = stack.split('\n');
  const frames = lines.filter((line) => /^\s+at /.test(line));
  const message = lines.filter((line) => !/^\s+at /.test(line)).join('\n');
  const ownFrames = frames.filter((line) => line.includes('/test/integration/')).slice(0, 5);
  return [message, ...ownFrames.map((line) => line.trim())].join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
