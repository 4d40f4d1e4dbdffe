import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { ProcessResult, ProcessRunner, RunOptions } from './ports';

/** The longest delay Node's timers hold (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest time limit a setting may ask for, in seconds (a day; well within what timers hold, with room for grace periods). */
export const MAX_SETTING_SECONDS = 86_400;

/**
 * A time-limit setting in milliseconds: `seconds` clamped to [`minimum`, `MAX_SETTING_SECONDS`]; anything
 * that is not a finite number (a hand-edited settings file) gives `fallback` seconds. A setting can thus
 * never overflow Node's timers (`--timeout 2147484`), which would stop a run at once.
 */
export function settingMs(seconds: unknown, minimum: number, fallback: number): number {
  const value = typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : fallback;
  return Math.round(Math.min(MAX_SETTING_SECONDS, Math.max(minimum, value)) * 1000);
}

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;
/** Time a tree gets to finish writing reports after SIGINT before it is killed outright. */
const GRACE_MS = 2000;
/**
 * Every child gets `REVISE_RUN=<Revise's pid>:<run number>` in its environment, which its children and
 * grandchildren inherit. A process that left the run's process group (`setsid`, a daemon) still carries
 * it, so it can be found and stopped when the run ends, and by a later check when Revise itself was killed.
 */
export const RUN_TAG_VARIABLE = 'REVISE_RUN';
let runCounter = 0;

/**
 * Runs a program in its own process group so that a timeout or cancellation can stop the whole tree
 * (test runners fork workers; a hanging test may fork too). Stopping sends SIGINT first, which lets
 * pytest and Node runners write what they have, then SIGKILL to the group after a short grace. When the
 * program exits, whatever it left running (background children, in its group or not) is killed.
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

      const tag = `${process.pid}:${++runCounter}`;
      const child = spawn(program, args, {
        cwd: options.cwd,
        env: { ...(options.env ?? process.env), [RUN_TAG_VARIABLE]: tag },
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
      // The run is over when the program exits: what it left behind must not outlive it, nor hold its
      // output pipes open (which would delay 'close' until the stray exits).
      child.on('exit', () => {
        if (child.pid !== undefined && process.platform !== 'win32') signalTree(child.pid, 'SIGKILL');
        killTagged((value) => value === tag);
      });
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

/**
 * Kills every process (Linux: found through /proc) whose `REVISE_RUN` tag satisfies `matches`; returns
 * how many. Elsewhere, or where /proc cannot be read, it does nothing (the process group is the fallback).
 */
export function killTagged(matches: (tag: string) => boolean): number {
  if (process.platform !== 'linux') return 0;
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  const marker = `${RUN_TAG_VARIABLE}=`;
  let killed = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environment: string;
    try {
      environment = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or someone else's
    }
    const start = environment.startsWith(marker) ? 0 : environment.indexOf(`\0${marker}`) + 1;
    if (start <= 0 && !environment.startsWith(marker)) continue;
    const end = environment.indexOf('\0', start);
    const tag = environment.slice(start + marker.length, end === -1 ? undefined : end);
    if (!matches(tag)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      killed++;
    } catch {
      /* already gone */
    }
  }
  return killed;
}

/**
 * Kills processes that runs of a Revise process that no longer exists left behind (Revise was killed
 * with SIGKILL and could not clean up). Runs of live Revise processes, other windows included, stay.
 */
export function killOrphanedRuns(): number {
  return killTagged((tag) => {
    const owner = Number(tag.split(':')[0]);
    if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid) return false;
    try {
      process.kill(owner, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== 'EPERM';
    }
  });
}
