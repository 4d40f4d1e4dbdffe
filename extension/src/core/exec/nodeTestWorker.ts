/**
 * The warm node:test worker: Node with the project's own flags (`--import tsx`, `--require …`) runs
 * `extension/javascript/node-test-worker.mjs`, which imports the requested test files afresh for each
 * run and reports their events as the capture's reporter writes them.
 */
import * as path from 'node:path';
import type { NodeTestWorkerCommand } from '../capture/javascript/invocation';
import { readFrameworkReport, startJsWorker, type JsWorker, type JsWorkerOptions } from './jsWorker';

export interface NodeTestWorkerOptions extends JsWorkerOptions {
  command: NodeTestWorkerCommand;
  /** Folder with Revise's JavaScript helpers (`extension/javascript`). */
  javascriptDir: string;
}

export function startNodeTestWorker(options: NodeTestWorkerOptions): Promise<JsWorker> {
  const helper = (name: string) => path.join(options.javascriptDir, name);
  return startJsWorker(
    {
      command: () => ({
        program: options.command.program,
        args: [...options.command.flags, `--test-reporter=${helper('node-test-worker-reporter.mjs')}`, helper('node-test-worker.mjs')],
        env: options.command.env,
      }),
      describe: (ready) => `node:test worker (Node ${ready.node ?? '?'}${options.command.flags.length ? `, ${options.command.flags.join(' ')}` : ''})`,
      read: readFrameworkReport('node:test', options),
    },
    options,
  );
}
