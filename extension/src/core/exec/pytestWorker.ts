/**
 * The warm pytest worker (`extension/python/revise_worker.py`): one pytest session per isolated copy
 * collects the project once; each candidate then runs in a forked child of that session, with the changed
 * functions' code swapped in (or, when that cannot be exact, a cold pytest run inside the worker).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pytestArguments, pytestEnvironment, readPytestRun } from '../capture/python/capture';
import type { Logger } from '../ports';
import { makeTempDir } from '../tempfiles';
import { signalTree } from '../process';
import type { TestRun } from '../types';
import { WorkerUnavailable, type TestWorker, type WorkerRunRequest } from './types';
import { spawnWorker, whenReady, WorkerProcess } from './workerProcess';

/** Output of one run kept for problems (collection errors); the plugin's records carry the results. */
const MAX_OUTPUT_CHARS = 256 * 1024;

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
  /**
   * Test files (relative to `root`) to load instead of the whole suite; a request for a test outside
   * them runs cold inside the worker (its `fresh` mode).
   */
  files?: string[];
  /**
   * The arguments a configured `python -m pytest …` command gives pytest (`pytestInvocation`), placed
   * before Revise's own, so the worker loads the same selection with the same options.
   */
  args?: string[];
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

/**
 * Starts a worker in `options.root` and waits until it has loaded the suite. Throws `WorkerUnavailable`
 * when it cannot serve (no fork, a thread started at import, pytest failed to start), saying why.
 */
export async function startPytestWorker(options: PytestWorkerOptions): Promise<TestWorker> {
  const temporary = await makeTempDir('worker');
  const args = ['-m', 'revise_worker', ...(options.args ?? []), ...pytestArguments(options.root, options.files)];
  const env = {
    ...pytestEnvironment({ root: options.root, outputDir: temporary, pythonDir: options.pythonDir, perTestTimeoutMs: options.perTestTimeoutMs, coverage: false }),
    // The tests' own temporary files (tmp_path) go to the worker's folder, which is removed with it.
    TMPDIR: temporary,
    TEMP: temporary,
    TMP: temporary,
  };
  const command = options.sandbox?.wrap(options.python, args, [options.root, temporary]) ?? { program: options.python, args };
  const worker = new PytestWorker(spawnWorker(command.program, command.args, options.root, env), temporary, options);
  return whenReady(worker);
}

/** The worker writes nothing but its messages, one JSON object per line. */
function parseLine(line: string): Message | undefined {
  try {
    return JSON.parse(line) as Message;
  } catch {
    return undefined;
  }
}

class PytestWorker extends WorkerProcess<Message> implements TestWorker {
  description = 'pytest worker';
  readonly modes: Record<string, number> = {};
  private nextId = 1;

  constructor(
    child: ChildProcessWithoutNullStreams,
    temporary: string,
    private readonly options: PytestWorkerOptions,
  ) {
    super(child, temporary, parseLine);
  }

  protected onMessage(message: Message): void {
    const pending = this.pending;
    if (!pending || pending.id !== message.id) return;
    if (message.type === 'started') {
      if (this.options.sandbox) return;
      pending.pid = message.pid;
      // A cancellation that came before the child's pid was known.
      if (pending.cancelled && message.pid !== undefined) signalTree(message.pid, 'SIGKILL');
    } else if (message.type === 'done') pending.resolve(message);
  }

  /** Waits for the load; throws `WorkerUnavailable` with the worker's reason when it cannot serve. */
  async ready(): Promise<void> {
    const message = await this.waitReady(this.options.signal, this.options.loadTimeoutMs, 'loading the suite');
    if (!message.warm) throw new WorkerUnavailable(message.reason || 'the worker cannot serve this project');
    this.description = `pytest worker (Python ${message.python}, ${message.items} tests loaded in ${message.warmupMs} ms)`;
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
        this.kill();
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
      this.child.stdin.write(`${JSON.stringify({ id, tests: request.testIds, files: request.files, outputDir, args, ...(timeoutMs !== undefined ? { timeout: timeoutMs / 1000 } : {}), ...(request.stopAfterTimeout ? { stopAfterTimeout: true } : {}) })}\n`);
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
