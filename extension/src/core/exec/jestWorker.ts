/**
 * The warm Jest worker (Jest 27 and later): `extension/javascript/jest-worker.cjs` keeps Jest loaded and
 * runs the requested test files in band through its programmatic entry for each run; Jest gives every
 * test file a fresh module registry, so each run loads the candidate on disk.
 */
import * as path from 'node:path';
import type { RunnerWorkerCommand } from '../capture/javascript/invocation';
import { readFrameworkReport, startJsWorker, type JsWorker, type JsWorkerOptions } from './jsWorker';

export interface JestWorkerOptions extends JsWorkerOptions {
  command: RunnerWorkerCommand;
  javascriptDir: string;
}

export function startJestWorker(options: JestWorkerOptions): Promise<JsWorker> {
  return startJsWorker(
    {
      command: () => ({
        program: options.command.program,
        args: [path.join(options.javascriptDir, 'jest-worker.cjs')],
        env: { ...options.command.env, CI: 'true', REVISE_JEST_ARGS: JSON.stringify(options.command.args) },
      }),
      describe: (ready) => `Jest worker (Jest ${ready.version ?? '?'}, Node ${ready.node ?? '?'})`,
      read: readFrameworkReport('jest', options),
    },
    options,
    { testTimeoutMs: options.perTestTimeoutMs },
  );
}
