/**
 * What every warm worker process shares (pytest's and the JavaScript runners'): it starts, says `ready`
 * once on its standard output, then answers one request at a time; it is dead once it ends, and disposing
 * it ends it (its input closed, then its process tree killed after a grace) and removes its temporary folder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { signalTree } from '../process';
import { WorkerUnavailable } from './types';

/** Time the worker gets to end by itself when its input closes. */
const EXIT_GRACE_MS = 2000;

/** The fields every worker message may have. */
export interface WorkerMessage {
  type?: string;
  id?: number;
  /** In `ready`: false when the worker cannot serve this project; `reason` says why. */
  warm?: boolean;
  reason?: string;
}

/** The request in flight. */
export interface PendingRun<M> {
  id: number;
  /** The process running it, when the worker reports one (pytest's forked child). */
  pid?: number;
  cancelled?: boolean;
  resolve(message: M): void;
  reject(error: Error): void;
}

/** Starts a worker process detached (its own process group), with pipes for the protocol. */
export function spawnWorker(program: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(program, args, { cwd, env, detached: process.platform !== 'win32', stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
}

/** `worker` once it is ready; a worker that is not is disposed of, and the error rethrown. */
export async function whenReady<W extends { ready(): Promise<void>; dispose(): Promise<void> }>(worker: W): Promise<W> {
  try {
    await worker.ready();
  } catch (error) {
    await worker.dispose();
    throw error;
  }
  return worker;
}

export abstract class WorkerProcess<M extends WorkerMessage> {
  protected pending: PendingRun<M> | undefined;
  /** Why the worker can no longer serve; set once. */
  protected dead: string | undefined;
  private readonly readyMessage: Promise<M>;
  private stderrTail = '';

  /** `parse` turns one line of the worker's standard output into a message, or undefined for other output. */
  constructor(
    protected readonly child: ChildProcessWithoutNullStreams,
    protected readonly temporary: string,
    parse: (line: string) => M | undefined,
  ) {
    let onReady: (message: M) => void = () => undefined;
    let onFailure: (error: Error) => void = () => undefined;
    this.readyMessage = new Promise<M>((resolve, reject) => {
      onReady = resolve;
      onFailure = reject;
    });
    // Awaited in waitReady(); this keeps an early failure from counting as unhandled meanwhile.
    this.readyMessage.catch(() => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = parse(line);
      if (!message) return;
      if (message.type === 'ready') onReady(message);
      else this.onMessage(message);
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

  /** A message other than `ready` (the answer to the pending request, or news about it). */
  protected abstract onMessage(message: M): void;

  /**
   * Waits for `ready` within `loadTimeoutMs`; throws `WorkerUnavailable` when the worker says it cannot serve,
   * ends, overstays (`what` names the wait: "starting", "loading the suite") or `signal` is aborted.
   */
  protected async waitReady(signal: AbortSignal, loadTimeoutMs: number, what: string): Promise<M> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkerUnavailable(`${what} took longer than ${Math.round(loadTimeoutMs / 1000)} s`)), loadTimeoutMs);
      onAbort = () => reject(new WorkerUnavailable(`cancelled while ${what}`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const message = await Promise.race([this.readyMessage, stopped]);
      if (message.warm === false) throw new WorkerUnavailable(message.reason || 'the worker cannot serve this project');
      return message;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** Kills the worker's whole process tree (a run that must stop takes the worker with it). */
  protected kill(): void {
    if (this.child.pid !== undefined) signalTree(this.child.pid, 'SIGKILL');
  }

  async dispose(): Promise<void> {
    this.dead ??= 'the worker was closed';
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
      this.child.stdin.end();
      const timer = setTimeout(() => this.kill(), EXIT_GRACE_MS);
      await closed;
      clearTimeout(timer);
    }
    this.kill();
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
