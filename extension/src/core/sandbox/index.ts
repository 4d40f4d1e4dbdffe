/**
 * A sandbox for running candidate code (template and model patches under test): only the candidate's
 * copy of the project and its own temporary folder are writable, and the network is off. Bubblewrap on
 * Linux, `sandbox-exec` on macOS. Self-contained: detection, a `ProcessRunner` decorator that rewrites each
 * command into the sandboxed invocation, and a cost measurement. The user's own test run is never wrapped.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProcessResult, ProcessRunner, RunOptions } from '../ports';
import { NodeProcessRunner } from '../process';
import { makeTempDir } from '../tempfiles';

/** A sandbox that works on this machine, or why there is none. */
export type SandboxKind =
  | { kind: 'bubblewrap'; program: string }
  | { kind: 'sandbox-exec'; program: string }
  | { kind: 'none'; reason: string };

/** What a sandboxed run may touch. */
export interface SandboxPolicy {
  /** Absolute folders the run may write (the candidate's copy). Everything else is read-only. */
  writable: string[];
  /** The run's own temporary folder: writable, and exported as TMPDIR/TEMP/TMP. */
  tempDir?: string;
  /** False (the default for candidates): no network but loopback inside the sandbox. */
  network: boolean;
}

/** The bubblewrap flags every sandboxed run gets: the whole file system read-only, fresh /dev and /proc,
 * its own PID namespace (every child dies with the run, also ones that leave the process group), and it
 * dies when Revise dies. */
const BWRAP_BASE = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent'];

function onPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const folder of pathVariable.split(path.delimiter)) {
    if (!folder) continue;
    const candidate = path.join(folder, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.replace(/^bwrap:\s*/, '') ?? '';
}

/**
 * Finds a working sandbox: looks for the program, then runs `true` inside it once, because a sandbox
 * that is installed may still be refused (user namespaces off, a container without the capability).
 */
export async function detectSandbox(runner: ProcessRunner = new NodeProcessRunner(), platform: NodeJS.Platform = process.platform): Promise<SandboxKind> {
  if (platform === 'linux') {
    const program = onPath('bwrap');
    if (!program) return { kind: 'none', reason: 'bubblewrap (bwrap) is not installed; on Debian or Ubuntu: apt-get install bubblewrap' };
    const probe = await runner.run(program, [...BWRAP_BASE, '--unshare-net', 'true'], { cwd: os.tmpdir(), timeoutMs: 10_000, maxOutputChars: 4096 });
    if (probe.spawnError) return { kind: 'none', reason: `bubblewrap could not be started (${probe.spawnError})` };
    if (probe.exitCode !== 0) {
      const said = firstLine(probe.stderr);
      return { kind: 'none', reason: `bubblewrap is installed but cannot make a sandbox here${said ? ` (${said})` : ''}; user namespaces may be disabled` };
    }
    return { kind: 'bubblewrap', program };
  }
  if (platform === 'darwin') {
    const program = fs.existsSync('/usr/bin/sandbox-exec') ? '/usr/bin/sandbox-exec' : onPath('sandbox-exec');
    if (!program) return { kind: 'none', reason: 'sandbox-exec is not available' };
    const probe = await runner.run(program, ['-p', '(version 1)(allow default)', '/usr/bin/true'], { cwd: os.tmpdir(), timeoutMs: 10_000, maxOutputChars: 4096 });
    if (probe.exitCode !== 0) return { kind: 'none', reason: `sandbox-exec refused to run (${firstLine(probe.stderr) || probe.spawnError || `exit ${String(probe.exitCode)}`})` };
    return { kind: 'sandbox-exec', program };
  }
  return { kind: 'none', reason: `Revise has no sandbox for ${platform}` };
}

/** Real path of a folder (macOS's /var is /private/var; a sandbox matches real paths). */
function real(folder: string): string {
  try {
    return fs.realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
}

/** Characters that would end a string in a sandbox-exec profile. */
function profileString(text: string): string {
  return JSON.stringify(text);
}

/** The sandbox-exec profile: everything allowed but writes outside `writable` and non-loopback network. */
export function sandboxExecProfile(writable: string[], network: boolean): string {
  const writes = writable.map((folder) => `(subpath ${profileString(folder)})`).join(' ');
  return [
    '(version 1)',
    '(allow default)',
    '(deny file-write*)',
    `(allow file-write* ${writes} (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty") (regex #"^/dev/fd/") (literal "/dev/stdout") (literal "/dev/stderr"))`,
    ...(network ? [] : ['(deny network*)', '(allow network* (local ip "localhost:*") (remote ip "localhost:*") (remote unix-socket))']),
  ].join('\n');
}

/** The command line that runs `program args` inside the sandbox (exported for tests and diagnostics). */
export function sandboxCommand(sandbox: Exclude<SandboxKind, { kind: 'none' }>, policy: SandboxPolicy, program: string, args: string[], cwd: string): { program: string; args: string[] } {
  const writable = [...policy.writable, ...(policy.tempDir ? [policy.tempDir] : [])].map(real);
  if (sandbox.kind === 'bubblewrap') {
    const binds = writable.flatMap((folder) => ['--bind', folder, folder]);
    return {
      program: sandbox.program,
      args: [...BWRAP_BASE, ...binds, ...(policy.network ? [] : ['--unshare-net']), '--chdir', real(cwd), '--', program, ...args],
    };
  }
  return { program: sandbox.program, args: ['-p', sandboxExecProfile(writable, policy.network), program, ...args] };
}

/**
 * A runner that runs every command of `inner` inside `sandbox` under `policy`. With no sandbox (`kind:
 * 'none'`) it returns `inner` unchanged: the caller decides whether unsandboxed code may run at all.
 */
export function sandboxedRunner(inner: ProcessRunner, sandbox: SandboxKind, policy: SandboxPolicy): ProcessRunner {
  if (sandbox.kind === 'none') return inner;
  return {
    run(program: string, args: string[], options: RunOptions): Promise<ProcessResult> {
      const wrapped = sandboxCommand(sandbox, policy, program, args, options.cwd);
      const env = policy.tempDir ? { ...(options.env ?? process.env), TMPDIR: policy.tempDir, TEMP: policy.tempDir, TMP: policy.tempDir } : options.env;
      return inner.run(wrapped.program, wrapped.args, { ...options, ...(env ? { env } : {}) });
    },
  };
}

/** What one sandboxed run costs over an unsandboxed one, from the medians of `repetitions` runs each. */
export interface SandboxCost {
  sandbox: SandboxKind['kind'];
  program: string;
  repetitions: number;
  unsandboxedMedianMs: number;
  sandboxedMedianMs: number;
  /** sandboxed − unsandboxed median, the cost per test run. */
  overheadMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Measures the sandbox's cost per run: `program args` (default `python3 -c pass`, a test run's smallest
 * part) run alternately with and without the sandbox, timed by a monotonic clock.
 */
export async function measureSandboxCost(
  sandbox: SandboxKind,
  options: { runner?: ProcessRunner; program?: string; args?: string[]; repetitions?: number } = {},
): Promise<SandboxCost> {
  const runner = options.runner ?? new NodeProcessRunner();
  const program = options.program ?? 'python3';
  const args = options.args ?? ['-c', 'pass'];
  const repetitions = options.repetitions ?? 20;
  const copy = await makeTempDir('cost');
  const tempDir = await makeTempDir('cost');
  const sandboxed = sandboxedRunner(runner, sandbox, { writable: [copy], tempDir, network: false });
  const plain: number[] = [];
  const boxed: number[] = [];
  const time = async (target: ProcessRunner): Promise<number> => {
    const start = process.hrtime.bigint();
    const result = await target.run(program, args, { cwd: copy, timeoutMs: 30_000 });
    if (result.exitCode !== 0) throw new Error(`${program} failed while measuring the sandbox: ${result.spawnError ?? result.stderr.slice(0, 200)}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  try {
    for (let index = 0; index < repetitions; index++) {
      plain.push(await time(runner));
      boxed.push(await time(sandboxed));
    }
  } finally {
    await fsp.rm(copy, { recursive: true, force: true });
    await fsp.rm(tempDir, { recursive: true, force: true });
  }
  const unsandboxedMedianMs = median(plain);
  const sandboxedMedianMs = median(boxed);
  return {
    sandbox: sandbox.kind,
    program: [program, ...args].join(' '),
    repetitions,
    unsandboxedMedianMs: Math.round(unsandboxedMedianMs * 10) / 10,
    sandboxedMedianMs: Math.round(sandboxedMedianMs * 10) / 10,
    overheadMs: Math.round((sandboxedMedianMs - unsandboxedMedianMs) * 10) / 10,
  };
}
