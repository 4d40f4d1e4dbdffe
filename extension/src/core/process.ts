import { spawn, spawnSync } from 'node:child_process';
import type { ProcessResult, ProcessRunner, RunOptions } from './ports';

/** The longest delay Node's timers hold (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;
/** Time a tree gets to finish writing reports after SIGINT before it is killed outright. */
const GRACE_MS = 2000;

/**
 * Runs a program in its own process group so that a timeout or cancellation can stop the whole tree
 * (test runners fork workers; a hanging test may fork too). Stopping sends SIGINT first, which lets
 * pytest and Node runners write what they have, then SIGKILL to the group after a short grace.
 */
export class NodeProcessRunner implements ProcessRunner {
  run(program: string, args: string[], options: RunOptions): Promise<ProcessResult> {
    const started = Date.now();
    const max = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT;
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      let timeoutTimer: NodeJS.Timeout | undefined;

      if (options.signal?.aborted) {
        resolve({ exitCode: null, stdout, stderr, durationMs: 0, timedOut, cancelled: true });
        return;
      }

      const child = spawn(program, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        detached: process.platform !== 'win32',
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });

      const stopTree = () => {
        if (child.pid === undefined || child.exitCode !== null) return;
        signalTree(child.pid, 'SIGINT');
        killTimer = setTimeout(() => signalTree(child.pid!, 'SIGKILL'), GRACE_MS);
      };
      const onAbort = () => {
        cancelled = true;
        stopTree();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // Beyond MAX_TIMER_MS Node fires a timer at once; such a limit means "no limit" in practice.
      if (options.timeoutMs !== undefined && options.timeoutMs > 0 && options.timeoutMs <= MAX_TIMER_MS) {
        timeoutTimer = setTimeout(() => {
          timedOut = true;
          stopTree();
        }, options.timeoutMs);
      }

      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        if (stdout.length < max) stdout += chunk;
      });
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < max) stderr += chunk;
      });
      child.stdin.on('error', () => {
        /* the child may exit before reading its input */
      });
      if (options.input !== undefined) child.stdin.end(options.input);
      else child.stdin.end();

      const finish = (exitCode: number | null, spawnError?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeoutTimer);
        options.signal?.removeEventListener('abort', onAbort);
        // Orphans of a killed tree (forked workers) must not outlive the run.
        if ((timedOut || cancelled) && child.pid !== undefined) signalTree(child.pid, 'SIGKILL');
        clearTimeout(killTimer);
        resolve({
          exitCode,
          stdout: stdout.slice(0, max),
          stderr: stderr.slice(0, max),
          durationMs: Date.now() - started,
          timedOut,
          cancelled,
          ...(spawnError ? { spawnError } : {}),
        });
      };
      child.on('error', (error: NodeJS.ErrnoException) => finish(null, error.code ?? error.message));
      child.on('close', (code) => finish(code));
    });
  }
}

/** Sends a signal to a whole process group (POSIX) or tree (Windows), ignoring ones already gone. */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
