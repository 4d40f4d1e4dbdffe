/**
 * The warm Vitest worker (Vitest 3 and later): `extension/javascript/vitest-worker.mjs` keeps Vitest and its
 * Vite server up and, for each run, invalidates the changed modules and re-runs the requested test files
 * the way watch mode does (isolated, so each run loads the candidate on disk).
 */
import * as path from 'node:path';
import type { RunnerWorkerCommand } from '../capture/javascript/invocation';
import { readFrameworkReport, startJsWorker, type JsWorker, type JsWorkerOptions } from './jsWorker';

export interface VitestWorkerOptions extends JsWorkerOptions {
  command: RunnerWorkerCommand;
  javascriptDir: string;
}

export function startVitestWorker(options: VitestWorkerOptions): Promise<JsWorker> {
  return startJsWorker(
    {
      command: () => ({
        program: options.command.program,
        args: [path.join(options.javascriptDir, 'vitest-worker.mjs')],
        env: { ...options.command.env, CI: 'true', REVISE_VITEST_ARGS: JSON.stringify(options.command.args) },
      }),
      describe: (ready) => `Vitest worker (Vitest ${ready.version ?? '?'}, Node ${ready.node ?? '?'})`,
      read: readFrameworkReport('vitest', options),
    },
    options,
  );
}
