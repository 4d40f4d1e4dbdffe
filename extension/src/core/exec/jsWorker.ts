/**
 * Warm JavaScript test workers: one Node process per isolated copy keeps the runner (node:test, Mocha),
 * the project's loaders (tsx) and its dependencies loaded; each candidate's run imports the project's
 * modules afresh (new ES module URLs, an emptied require cache) and runs the requested test files in that
 * process (`extension/javascript/node-test-worker.mjs`, `mocha-worker.cjs`). Tests share the process, so a
 * worker is only trusted after it reproduced the capture's outcomes twice (see `verifyReplay`); a test that
 * ends the process or overstays ends the worker, and the copy's later candidates run cold.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { parseTestId } from '../capture/javascript/capture';
import type { Logger } from '../ports';
import { signalTree } from '../process';
import { makeTempDir } from '../tempfiles';
import type { TestRun } from '../types';
import { WorkerUnavailable, type TestWorker, type WorkerRunRequest } from './types';

/** Marks the worker's own lines on its standard output, which the tests share. */
const MARK = '\u001eREVISE-WORKER ';
/** Time the worker gets to end by itself when its input closes. */
const EXIT_GRACE_MS = 2000;
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

interface PendingRun {
  id: number;
  resolve(message: Message): void;
  reject(error: Error): void;
}

/** Starts a worker in `options.root`; throws `WorkerUnavailable` when it cannot start or serve, saying why. */
export async function startJsWorker(kind: JsWorkerKind, options: JsWorkerOptions, requestFields: Record<string, unknown> = {}): Promise<JsWorker> {
  const temporary = await makeTempDir('worker');
  const command = kind.command(temporary);
  const env = { ...command.env, TMPDIR: temporary, TEMP: temporary, TMP: temporary };
  const wrapped = options.sandbox?.wrap(command.program, command.args, [options.root, temporary]) ?? { program: command.program, args: command.args };
  const child = spawn(wrapped.program, wrapped.args, { cwd: options.root, env, detached: process.platform !== 'win32', stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  const worker = new JsWorker(child, temporary, kind, options, [command.program, ...command.args], requestFields);
  try {
    await worker.ready();
  } catch (error) {
    await worker.dispose();
    throw error;
  }
  return worker;
}

export class JsWorker implements TestWorker {
  description = 'JavaScript test worker';
  readonly modes: Record<string, number> = {};
  private nextId = 1;
  private generations = 0;
  private pending: PendingRun | undefined;
  private dead: string | undefined;
  private readonly readyMessage: Promise<Message>;
  private stderrTail = '';

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly temporary: string,
    private readonly kind: JsWorkerKind,
    private readonly options: JsWorkerOptions,
    private readonly command: string[],
    private readonly requestFields: Record<string, unknown> = {},
  ) {
    let onReady: (message: Message) => void = () => undefined;
    let onFailure: (error: Error) => void = () => undefined;
    this.readyMessage = new Promise<Message>((resolve, reject) => {
      onReady = resolve;
      onFailure = reject;
    });
    this.readyMessage.catch(() => undefined);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const at = line.indexOf(MARK);
      if (at < 0) return;
      let message: Message;
      try {
        message = JSON.parse(line.slice(at + MARK.length)) as Message;
      } catch {
        return;
      }
      if (message.type === 'ready') onReady(message);
      else if (this.pending && this.pending.id === message.id) {
        if (message.type === 'done') this.pending.resolve(message);
        else this.pending.reject(new WorkerUnavailable(`the worker failed: ${(message.message ?? '').split('\n')[0]!.slice(0, 200)}`));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    child.stdin.on('error', () => undefined);
    const died = (why: string) => {
      this.dead ??= why;
      const error = new WorkerUnavailable(this.dead);
      onFailure(error);
      this.pending?.reject(error);
    };
    child.on('error', (error: NodeJS.ErrnoException) => died(`the worker could not start (${error.code ?? error.message})`));
    child.on('close', (code, signal) => died(`the worker ended (${signal ?? `exit status ${code}`})${this.lastError()}`));
  }

  async ready(): Promise<void> {
    const { signal, loadTimeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkerUnavailable(`starting took longer than ${Math.round(loadTimeoutMs / 1000)} s`)), loadTimeoutMs);
      onAbort = () => reject(new WorkerUnavailable('cancelled while starting'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const message = await Promise.race([this.readyMessage, stopped]);
      if (message.warm === false) throw new WorkerUnavailable(message.reason || 'the worker cannot serve this project');
      this.description = this.kind.describe(message);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
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
      if (this.child.pid !== undefined) signalTree(this.child.pid, 'SIGKILL');
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

  async dispose(): Promise<void> {
    this.dead ??= 'the worker was closed';
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
      this.child.stdin.end();
      const timer = setTimeout(() => signalTree(this.child.pid!, 'SIGKILL'), EXIT_GRACE_MS);
      await closed;
      clearTimeout(timer);
    }
    if (this.child.pid !== undefined) signalTree(this.child.pid, 'SIGKILL');
    await fs.rm(this.temporary, { recursive: true, force: true }).catch(() => undefined);
  }

  private lastError(): string {
    const line = this.stderrTail
      .split('\n')
      .map((text) => text.trim())
      .filter(Boolean)
      .pop();
    return line ? `: ${line.slice(0, 200)}` : '';
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
