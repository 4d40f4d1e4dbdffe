import { ReviseError, throwIfCancelled } from '../../errors';
import type { ProcessRunner } from '../../ports';

/** What one quick probe learned about an interpreter. */
export interface InterpreterInfo {
  /** The program as given (`python3`, a path). */
  program: string;
  /** `sys.executable` as the interpreter reports it. */
  executable: string;
  /** e.g. `3.11.7`. */
  version: string;
  hasPytest: boolean;
  hasCoverage: boolean;
}

/** The oldest Python the plugin supports. */
const MINIMUM_VERSION: [number, number] = [3, 8];
const PROBE_TIMEOUT_MS = 30_000;

// Runs on any Python (2.7 included, so that an old one is named rather than failing obscurely). find_spec
// finds a package without importing it, which keeps the probe at interpreter start-up cost.
const PROBE = [
  'import sys, json',
  'try:',
  '    from importlib.util import find_spec',
  'except ImportError:',
  '    find_spec = None',
  'def has(name):',
  '    try:',
  '        return find_spec is not None and find_spec(name) is not None',
  '    except Exception:',
  '        return False',
  'print(json.dumps({"version": "%d.%d.%d" % tuple(sys.version_info[:3]), "executable": sys.executable,',
  '                  "pytest": has("pytest"), "coverage": has("coverage")}))',
].join('\n');

/** The interpreter to use when the adapter gave none. */
export function defaultPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

/**
 * Checks that `program` is a Python 3.8+ with pytest. Throws `ReviseError('interpreter-missing')` when it
 * cannot be run or is too old, `ReviseError('framework-missing')` when pytest is not installed for it.
 */
export async function probeInterpreter(
  program: string,
  runner: ProcessRunner,
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<InterpreterInfo> {
  const result = await runner.run(program, ['-c', PROBE], { cwd, env, timeoutMs: PROBE_TIMEOUT_MS, signal });
  throwIfCancelled(signal);
  const hint = 'Install Python 3.8 or newer, or set "revise.python.path" to the interpreter of your project.';
  if (result.spawnError !== undefined) {
    throw new ReviseError('interpreter-missing', `Python interpreter not found: ${program} (${result.spawnError})`, hint);
  }
  const info = readProbe(result.stdout);
  if (result.exitCode !== 0 || info === undefined) {
    const detail = lastLine(result.stderr) || lastLine(result.stdout) || (result.timedOut ? 'timed out' : `exit code ${result.exitCode}`);
    throw new ReviseError('interpreter-missing', `Python interpreter could not be run: ${program} (${detail})`, hint);
  }
  const [major = 0, minor = 0] = info.version.split('.').map(Number);
  if (major < MINIMUM_VERSION[0] || (major === MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
    throw new ReviseError('interpreter-missing', `${program} is Python ${info.version}; Revise needs Python 3.8 or newer.`, hint);
  }
  if (!info.hasPytest) {
    throw new ReviseError('framework-missing', `pytest is not installed for ${program}`, `Install it with: ${program} -m pip install pytest`);
  }
  return { program, ...info };
}

function readProbe(stdout: string): Omit<InterpreterInfo, 'program'> | undefined {
  const line = stdout.trim().split('\n').pop() ?? '';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.version !== 'string') return undefined;
  return {
    version: record.version,
    executable: typeof record.executable === 'string' ? record.executable : '',
    hasPytest: record.pytest === true,
    hasCoverage: record.coverage === true,
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
