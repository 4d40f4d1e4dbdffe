/**
 * The warm Mocha worker (Mocha 8 and later): `extension/javascript/mocha-worker.cjs` loads the project's
 * Mocha, its options (.mocharc, package.json, the test script's flags) and `--require` modules once, and
 * runs the requested test files afresh for each run in a new Mocha instance.
 */
import * as path from 'node:path';
import { ID_SEPARATOR } from '../capture/javascript/capture';
import type { RunnerWorkerCommand } from '../capture/javascript/invocation';
import { absoluteStackPaths, loadFailure } from '../capture/javascript/reports';
import { messageOf } from '../capture/javascript/stack';
import type { CaptureProblem, TestResult, TestRun } from '../types';
import { startJsWorker, type JsWorker, type JsWorkerOptions } from './jsWorker';

export interface MochaWorkerOptions extends JsWorkerOptions {
  command: RunnerWorkerCommand;
  javascriptDir: string;
}

interface WorkerError {
  name?: string;
  message?: string;
  stack?: string;
}

interface WorkerOutput {
  tests?: { file?: string; titles?: string[]; state?: string; durationMs?: number; error?: WorkerError }[];
  loadErrors?: { file: string; error?: WorkerError }[];
}

export function startMochaWorker(options: MochaWorkerOptions): Promise<JsWorker> {
  return startJsWorker(
    {
      command: () => ({
        program: options.command.program,
        args: [path.join(options.javascriptDir, 'mocha-worker.cjs')],
        env: { ...options.command.env, REVISE_MOCHA_ARGS: JSON.stringify(options.command.args) },
      }),
      describe: (ready) => `Mocha worker (Mocha ${ready.version ?? '?'}, Node ${ready.node ?? '?'})`,
      read: async ({ output, testIds, command, durationMs }) => mochaRunFromOutput({ root: options.root, output, testIds, command, durationMs }),
    },
    options,
  );
}

/** The `TestRun` of one Mocha worker run, with the ids a capture gives the same tests. */
export function mochaRunFromOutput(input: { root: string; output: string; testIds: string[]; command: string[]; durationMs: number }): TestRun {
  let parsed: WorkerOutput = {};
  try {
    parsed = JSON.parse(input.output) as WorkerOutput;
  } catch {
    parsed = {};
  }
  const wanted = new Set(input.testIds);
  const tests: TestResult[] = [];
  for (const entry of parsed.tests ?? []) {
    if (!entry.file || !Array.isArray(entry.titles)) continue;
    const id = [path.relative(input.root, entry.file) || entry.file, ...entry.titles].join(ID_SEPARATOR);
    if (!wanted.has(id)) continue;
    const outcome = entry.state === 'passed' ? 'passed' : entry.state === 'pending' ? 'skipped' : 'failed';
    const test: TestResult = { id, file: entry.file, outcome, durationMs: entry.durationMs ?? 0, frames: [] };
    if (outcome === 'failed') {
      const stack = absoluteStackPaths(entry.error?.stack, input.root);
      const message = entry.error?.message;
      test.message = messageOf(stack && message && stack.includes(message) ? stack : message ?? stack ?? 'failed');
      if (/Timeout of \d+ms exceeded/.test(message ?? '')) test.timedOut = true;
    }
    tests.push(test);
  }
  const problems: CaptureProblem[] = [];
  for (const { file, error } of parsed.loadErrors ?? []) {
    const text = error?.stack ?? `${error?.name ?? 'Error'}: ${error?.message ?? 'the file did not load'}`;
    const problem: CaptureProblem = loadFailure(text, input.root) ?? { kind: 'collection-error', message: `${path.relative(input.root, file)}: ${messageOf(text)}`, file };
    problem.testFile = file;
    problem.file ??= file;
    problems.push(problem);
  }
  tests.sort((a, b) => a.id.localeCompare(b.id));
  return {
    framework: 'mocha',
    root: input.root,
    command: input.command,
    tests,
    problems,
    durationMs: input.durationMs,
    coverageMethod: 'none',
    complete: true,
    testFiles: [...new Set(tests.map((test) => test.file).filter((file): file is string => Boolean(file)))].sort(),
  };
}
