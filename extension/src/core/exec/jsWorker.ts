/**
 * Warm JavaScript test workers: one Node process per isolated copy keeps the runner (node:test, Mocha),
 * the project's loaders (tsx) and its dependencies loaded; each candidate's run imports the project's
 * modules afresh (new ES module URLs, an emptied require cache) and runs the requested test files in that
 * process (`extension/javascript/node-test-worker.mjs`, `mocha-worker.cjs`). Tests share the process, so a
 * worker is only trusted after it reproduced the capture's outcomes twice (see `verifyReplay`); a test that
 * ends the process or overstays ends the worker, and the copy's later candidates run cold.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseTestId, workerRunFromReport } from '../capture/javascript/capture';
import type { Logger } from '../ports';
import { makeTempDir } from '../tempfiles';
import type { TestRun } from '../types';
import { WorkerUnavailable, type TestWorker, type WorkerRunRequest } from './types';
import { spawnWorker, whenReady, WorkerProcess } from './workerProcess';

/** Marks the worker's own lines on its standard output, which the tests share (`extension/javascript/worker-protocol.cjs`). */
const MARK = '\u001eREVISE-WORKER ';
/** Generations one worker serves before it is retired (each keeps its modules' code in memory). */
export const MAX_GENERATIONS = 400;

/** A Node program, its arguments and environment (the worker script comes last in `args`). */
export interface WorkerCommand {
  program: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface JsWorkerOptions {
  /** Absolute root of the isolated copy the worker serves. */
  root: string;
  perTestTimeoutMs: number;
  /** Longest the start (Node, the runner and the project's loaders) may take. */
  loadTimeoutMs: number;
  signal: AbortSignal;
  logger: Logger;
  /** As for the pytest worker: only `writable` may be written; a stopped run stops the whole worker. */
  sandbox?: { wrap(program: string, args: string[], writable: string[]): { program: string; args: string[] } };
}

/** What differs between runners: how the worker starts, what it says when ready, how its output reads. */
export interface JsWorkerKind {
  command(temporary: string): WorkerCommand;
  /** The description once ready, from the worker's `ready` message. */
  describe(ready: ReadyMessage): string;
  /** The run from what the worker wrote to `output`. */
  read(input: { output: string; testIds: string[]; command: string[]; durationMs: number; cancelled: boolean }): Promise<TestRun>;
}

/**
 * `read` for a worker that writes its framework's own report (node:test events, Jest or Vitest JSON): the
 * run is read the way the capture reads that report.
 */
export function readFrameworkReport(framework: 'node:test' | 'jest' | 'vitest', options: Pick<JsWorkerOptions, 'root' | 'perTestTimeoutMs'> & { javascriptDir: string }): JsWorkerKind['read'] {
  return ({ output, testIds, command, durationMs, cancelled }) =>
    workerRunFromReport({
      framework,
      root: options.root,
      javascriptDir: options.javascriptDir,
      command,
      text: output,
      process: { exitCode: 0, stdout: '', stderr: '', durationMs, timedOut: false, cancelled },
      testIds,
      perTestTimeoutMs: options.perTestTimeoutMs,
    });
}

export interface ReadyMessage {
  type?: string;
  /** False when the worker cannot serve this project; `reason` says why. */
  warm?: boolean;
  reason?: string;
  node?: string;
  version?: string;
}

interface Message extends ReadyMessage {
  id?: number;
  generation?: number;
  message?: string;
}

/** Starts a worker in `options.root`; throws `WorkerUnavailable` when it cannot start or serve, saying why. */
export async function startJsWorker(kind: JsWorkerKind, options: JsWorkerOptions, requestFields: Record<string, unknown> = {}): Promise<JsWorker> {
  const temporary = await makeTempDir('worker');
  const command = kind.command(temporary);
  const env = { ...command.env, TMPDIR: temporary, TEMP: temporary, TMP: temporary };
  const wrapped = options.sandbox?.wrap(command.program, command.args, [options.root, temporary]) ?? { program: command.program, args: command.args };
  const worker = new JsWorker(spawnWorker(wrapped.program, wrapped.args, options.root, env), temporary, kind, options, [command.program, ...command.args], requestFields);
  return whenReady(worker);
}

/** The worker's own lines on its standard output (which the tests share) carry `MARK`. */
function parseMarked(line: string): Message | undefined {
  const at = line.indexOf(MARK);
  if (at < 0) return undefined;
  try {
    return JSON.parse(line.slice(at + MARK.length)) as Message;
  } catch {
    return undefined;
  }
}

export class JsWorker extends WorkerProcess<Message> implements TestWorker {
  description = 'JavaScript test worker';
  readonly modes: Record<string, number> = {};
  private nextId = 1;
  private generations = 0;

  constructor(
    child: ChildProcessWithoutNullStreams,
    temporary: string,
    private readonly kind: JsWorkerKind,
    private readonly options: JsWorkerOptions,
    private readonly command: string[],
    private readonly requestFields: Record<string, unknown> = {},
  ) {
    super(child, temporary, parseMarked);
  }

  protected onMessage(message: Message): void {
    if (!this.pending || this.pending.id !== message.id) return;
    if (message.type === 'done') this.pending.resolve(message);
    else this.pending.reject(new WorkerUnavailable(`the worker failed: ${(message.message ?? '').split('\n')[0]!.slice(0, 200)}`));
  }

  async ready(): Promise<void> {
    this.description = this.kind.describe(await this.waitReady(this.options.signal, this.options.loadTimeoutMs, 'starting'));
  }

  /** Runs the test files that hold `request.testIds` with the code now on disk; other tests in them run too. */
  async run(request: WorkerRunRequest): Promise<TestRun> {
    if (this.dead) throw new WorkerUnavailable(this.dead);
    if (this.pending) throw new Error('a test worker runs one request at a time');
    if (this.generations >= MAX_GENERATIONS) {
      this.dead = `it served ${MAX_GENERATIONS} runs`;
      throw new WorkerUnavailable(this.dead);
    }
    this.generations++;
    const started = Date.now();
    const files = [...new Set(request.testIds.map((id) => parseTestId(id).file).filter(Boolean))].map((file) => path.resolve(this.options.root, file));
    const output = path.join(this.temporary, `run-${this.nextId}.out`);
    const id = this.nextId++;
    let cancelled = false;
    const onAbort = () => {
      // The tests run inside the worker itself: stopping them stops the worker.
      cancelled = true;
      this.dead ??= 'a run was stopped (cancelled or past its time limit), which stops the worker';
      this.kill();
    };
    try {
      const done = new Promise<Message>((resolve, reject) => {
        this.pending = { id, resolve, reject };
      });
      this.child.stdin.write(`${JSON.stringify({ ...this.requestFields, id, files, changed: request.files, output })}\n`);
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
      await done;
      this.modes.fresh = (this.modes.fresh ?? 0) + 1;
      return await this.kind.read({ output: await fs.readFile(output, 'utf8'), testIds: request.testIds, command: this.command, durationMs: Date.now() - started, cancelled });
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      this.pending = undefined;
      await fs.rm(output, { force: true }).catch(() => undefined);
    }
  }
}

/**
 * Checks that the worker reproduces the capture before it serves candidates: the test files of `ids`
 * run twice on the unchanged code (the second run shows what one run leaves behind for the next),
 * and every one of their tests must end as the capture saw it. Throws `WorkerUnavailable` naming the
 * first test that did not.
 */
export async function verifyReplay(worker: TestWorker, baseline: Map<string, TestRun['tests'][number]['outcome']>, signal: AbortSignal): Promise<void> {
  const ids = [...baseline.keys()];
  if (ids.length === 0) return;
  for (const round of [1, 2]) {
    const run = await worker.run({ testIds: ids, files: [], signal });
    const seen = new Map(run.tests.map((test) => [test.id, test.outcome]));
    for (const [id, outcome] of baseline) {
      const replayed = seen.get(id);
      if (replayed !== outcome) {
        throw new WorkerUnavailable(
          `in one process ${round === 1 ? '' : 'a second time '}the test ${id} ${replayed ? `${replayed}` : 'did not run'}, where the capture saw it ${outcome}`,
        );
      }
    }
  }
}
