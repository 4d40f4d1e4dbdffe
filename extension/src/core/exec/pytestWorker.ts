/**
 * The warm pytest worker (`extension/python/revise_worker.py`): one pytest session per isolated copy
 * collects the project once; each candidate then runs in a forked child of that session, with the changed
 * functions' code swapped in (or, when that cannot be exact, a cold pytest run inside the worker).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { pytestArguments, pytestEnvironment, readPytestRun } from '../capture/python/capture';
import type { Logger } from '../ports';
import { makeTempDir } from '../tempfiles';
import { signalTree } from '../process';
import type { TestRun } from '../types';
import { WorkerUnavailable, type TestWorker, type WorkerRunRequest } from './types';

/** Output of one run kept for problems (collection errors); the plugin's records carry the results. */
const MAX_OUTPUT_CHARS = 256 * 1024;
/** Time the worker gets to end by itself when its input closes. */
const EXIT_GRACE_MS = 2000;

/** What starting a worker needs. */
export interface PytestWorkerOptions {
  /** Absolute root of the isolated copy the worker serves. */
  root: string;
  /** The interpreter the capture ran (shims resolved). */
  python: string;
  /** Folder with `revise_pytest.py` (the plugin), `revise_tracer.py` (its line recorders) and `revise_worker.py`. */
  pythonDir: string;
  perTestTimeoutMs: number;
  /** Longest the load (collection of the whole suite) may take. */
  loadTimeoutMs: number;
  signal: AbortSignal;
  logger: Logger;
  /**
   * Runs the worker in a sandbox where only `writable` (the copy and the worker's temporary folder) can
   * be written. Its children then live in the sandbox's PID namespace, so a run that must stop takes the
   * whole worker with it (its pids mean nothing out here).
   */
  sandbox?: { wrap(program: string, args: string[], writable: string[]): { program: string; args: string[] } };
}

interface Message {
  type?: string;
  id?: number;
  pid?: number;
  exit?: number;
  mode?: string;
  warm?: boolean;
  reason?: string;
  python?: string;
  items?: number;
  warmupMs?: number;
}

interface PendingRun {
  id: number;
  pid?: number;
  cancelled?: boolean;
  resolve(message: Message): void;
  reject(error: Error): void;
}

/**
 * Starts a worker in `options.root` and waits until it has loaded the suite. Throws `WorkerUnavailable`
 * when it cannot serve (no fork, a thread started at import, pytest failed to start), saying why.
 */
export async function startPytestWorker(options: PytestWorkerOptions): Promise<TestWorker> {
  const temporary = await makeTempDir('worker');
  const args = ['-m', 'revise_worker', ...pytestArguments(options.root)];
  const env = {
    ...pytestEnvironment({ root: options.root, outputDir: temporary, pythonDir: options.pythonDir, perTestTimeoutMs: options.perTestTimeoutMs, coverage: false }),
    // The tests' own temporary files (tmp_path) go to the worker's folder, which is removed with it.
    TMPDIR: temporary,
    TEMP: temporary,
    TMP: temporary,
  };
  const command = options.sandbox?.wrap(options.python, args, [options.root, temporary]) ?? { program: options.python, args };
  const child = spawn(command.program, command.args, { cwd: options.root, env, detached: process.platform !== 'win32', stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  const worker = new PytestWorker(child, temporary, options);
  try {
    await worker.ready();
  } catch (error) {
    await worker.dispose();
    throw error;
  }
  return worker;
}

class PytestWorker implements TestWorker {
  description = 'pytest worker';
  readonly modes: Record<string, number> = {};
  private nextId = 1;
  private pending: PendingRun | undefined;
  private dead: string | undefined;
  private readonly readyMessage: Promise<Message>;
  private stderrTail = '';

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly temporary: string,
    private readonly options: PytestWorkerOptions,
  ) {
    let onReady: (message: Message) => void = () => undefined;
    let onFailure: (error: Error) => void = () => undefined;
    this.readyMessage = new Promise<Message>((resolve, reject) => {
      onReady = resolve;
      onFailure = reject;
    });
    // Awaited in ready(); this keeps an early failure from counting as unhandled meanwhile.
    this.readyMessage.catch(() => undefined);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        return;
      }
      if (message.type === 'ready') {
        onReady(message);
        return;
      }
      const pending = this.pending;
      if (!pending || pending.id !== message.id) return;
      if (message.type === 'started') {
        if (this.options.sandbox) return;
        pending.pid = message.pid;
        // A cancellation that came before the child's pid was known.
        if (pending.cancelled && message.pid !== undefined) signalTree(message.pid, 'SIGKILL');
      } else if (message.type === 'done') pending.resolve(message);
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

  /** Waits for the load; throws `WorkerUnavailable` with the worker's reason when it cannot serve. */
  async ready(): Promise<void> {
    const { signal, loadTimeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkerUnavailable(`loading the suite took longer than ${Math.round(loadTimeoutMs / 1000)} s`)), loadTimeoutMs);
      onAbort = () => reject(new WorkerUnavailable('cancelled while loading'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const message = await Promise.race([this.readyMessage, stopped]);
      if (!message.warm) throw new WorkerUnavailable(message.reason || 'the worker cannot serve this project');
      this.description = `pytest worker (Python ${message.python}, ${message.items} tests loaded in ${message.warmupMs} ms)`;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  async run(request: WorkerRunRequest): Promise<TestRun> {
    if (this.dead) throw new WorkerUnavailable(this.dead);
    if (this.pending) throw new Error('a pytest worker runs one request at a time');
    const started = Date.now();
    const outputDir = await fs.mkdtemp(path.join(this.temporary, 'run-'));
    const args = pytestArguments(this.options.root, request.testIds);
    const id = this.nextId++;
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      if (!this.pending) return;
      if (this.options.sandbox) {
        // Inside the sandbox's PID namespace: the child cannot be told apart from out here.
        this.dead ??= 'a sandboxed run was stopped, which stops its worker';
        if (this.child.pid !== undefined) signalTree(this.child.pid, 'SIGKILL');
        return;
      }
      this.pending.cancelled = true;
      if (this.pending.pid !== undefined) signalTree(this.pending.pid, 'SIGKILL');
    };
    try {
      const done = new Promise<Message>((resolve, reject) => {
        this.pending = { id, resolve, reject };
      });
      const timeoutMs = request.perTestTimeoutMs !== undefined && request.perTestTimeoutMs > 0 ? Math.min(request.perTestTimeoutMs, this.options.perTestTimeoutMs > 0 ? this.options.perTestTimeoutMs : Infinity) : undefined;
      this.child.stdin.write(`${JSON.stringify({ id, tests: request.testIds, files: request.files, outputDir, args, ...(timeoutMs !== undefined ? { timeout: timeoutMs / 1000 } : {}) })}\n`);
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
      const message = await done;
      const exit = typeof message.exit === 'number' ? message.exit : null;
      const mode = message.mode ?? 'swap';
      const kind = mode.startsWith('fresh') ? 'fresh' : 'swap';
      this.modes[kind] = (this.modes[kind] ?? 0) + 1;
      if (kind === 'fresh') this.options.logger.debug(`pytest worker: ran cold in the worker (${mode.slice('fresh: '.length) || 'no reason given'})`);
      const [stdout, stderr] = await Promise.all([readBounded(path.join(outputDir, 'stdout.txt')), readBounded(path.join(outputDir, 'stderr.txt'))]);
      const run = await readPytestRun(outputDir, {
        root: this.options.root,
        command: [this.options.python, '-m', 'pytest', ...args],
        process: { exitCode: exit !== null && exit >= 0 ? exit : null, stdout, stderr, durationMs: Date.now() - started, timedOut: false, cancelled },
        coverageRequested: false,
        pluginExpected: true,
        totalTimeoutMs: 0,
      });
      run.durationMs = Date.now() - started;
      return run;
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      this.pending = undefined;
      await fs.rm(outputDir, { recursive: true, force: true }).catch(() => undefined);
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

async function readBounded(file: string): Promise<string> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const buffer = Buffer.alloc(MAX_OUTPUT_CHARS);
      const { bytesRead } = await handle.read(buffer, 0, MAX_OUTPUT_CHARS, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
