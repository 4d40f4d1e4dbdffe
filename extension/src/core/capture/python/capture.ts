import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ReviseError, throwIfCancelled } from '../../errors';
import type { Logger, ProcessResult } from '../../ports';
import { makeTempDir } from '../../tempfiles';
import { findSymlinkLoops, symlinkLoopMessage } from '../walk';
import type { CaptureProblem, TestRun } from '../../types';
import type { CaptureOptions } from '../types';
import { assembleTestRun } from './assemble';
import { defaultPython, probeInterpreter, type InterpreterInfo } from './interpreter';
import { parseJUnitXml, type JUnitParse } from './junit';
import { parseCoverageFile, parsePluginOutput } from './records';

/** Files larger than this are left out of coverage (generated or data files, not code to score). */
export const MAX_COVERED_FILE_BYTES = 1024 * 1024;
const PROGRESS_INTERVAL_MS = 500;

/**
 * Runs pytest with Revise's plugin and returns every test's outcome, stack frames and per-test line
 * coverage. Nothing is written into the project: results go to a temporary folder, the cache provider is
 * off and no bytecode is written. A total timeout or cancellation stops the process group (SIGINT, then
 * SIGKILL); results gathered so far are kept with `complete: false`.
 *
 * Throws `ReviseError('interpreter-missing' | 'framework-missing')` when Python or pytest is missing (the
 * interpreter probe runs alongside pytest, which is stopped then), and `ReviseError('cancelled')` when
 * cancelled before the tests start.
 */
/** Folders not searched for symbolic link loops: installed packages and caches. */
const LOOP_SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'site-packages', 'venv', '.venv', 'env']);

export async function capturePytest(options: CaptureOptions): Promise<TestRun> {
  const started = Date.now();
  const { root, runner, logger, signal } = options;
  throwIfCancelled(signal);
  const python = options.pythonPath || defaultPython();
  const customCommand = options.command !== undefined && options.command.length > 0 ? options.command : undefined;
  const logProbe = (info: InterpreterInfo) =>
    logger.debug(`pytest capture: ${info.executable || python} (Python ${info.version}, coverage.py ${info.hasCoverage ? 'available' : 'not installed'})`);
  let interpreter = python;
  // The probe runs alongside pytest, off the critical path, unless its answer is needed first.
  let pendingProbe: Promise<InterpreterInfo> | undefined;
  if (!customCommand) {
    if (isVersionShim(python)) {
      // A pyenv/asdf shim is a script that costs a few hundred milliseconds per start; the probe resolves
      // it (in the same working folder) to the real interpreter, which then runs pytest directly.
      const info = await probeInterpreter(python, runner, root, process.env, signal);
      logProbe(info);
      if (info.executable && path.isAbsolute(info.executable) && existsSync(info.executable)) interpreter = info.executable;
    } else {
      pendingProbe = probeInterpreter(python, runner, root, process.env, signal);
      // Awaited below; this keeps an early rejection from counting as unhandled meanwhile.
      pendingProbe.catch(() => undefined);
    }
  }

  const outputDir = await makeTempDir('pytest', options.tempDir);
  try {
    throwIfCancelled(signal);
    const coverageRequested = options.coverage !== false;
    const junitPath = path.join(outputDir, 'junit.xml');
    // pytest follows links while collecting: a link back up the tree would multiply every test ~40 times.
    const loops = await findSymlinkLoops(root, { skipped: LOOP_SKIPPED_FOLDERS });
    const reviseArguments = [...pytestArguments(root, options.testIds, loops.map((loop) => path.join(root, loop.link))), `--junitxml=${junitPath}`, '-o', 'junit_family=xunit1'];
    const [program, ...programArguments] = customCommand ?? [interpreter, '-m', 'pytest'];
    const args = [...programArguments, ...reviseArguments];
    const env = pytestEnvironment({ root, outputDir, pythonDir: options.assets.pythonDir, perTestTimeoutMs: options.perTestTimeoutMs, coverage: coverageRequested, stopAfterTimeout: options.stopAfterTimeout === true });
    const command = [program!, ...args];
    logger.debug(`pytest capture: running ${command.join(' ')} in ${root}`);

    const resultsPath = path.join(outputDir, 'results.jsonl');
    const stopProgress = options.onProgress ? watchProgress(resultsPath, options.onProgress, logger) : undefined;
    // Stops pytest when the user cancels, or when the probe finds that the interpreter cannot serve.
    const stopRun = new AbortController();
    const forwardAbort = () => stopRun.abort();
    if (signal?.aborted) stopRun.abort();
    signal?.addEventListener('abort', forwardAbort, { once: true });
    let result: ProcessResult;
    try {
      const running = runner.run(program!, args, { cwd: root, env, timeoutMs: options.totalTimeoutMs, signal: stopRun.signal });
      options.onStart?.({ framework: 'pytest', command });
      if (pendingProbe) {
        try {
          logProbe(await pendingProbe);
        } catch (error) {
          stopRun.abort();
          await running;
          throw error;
        }
      }
      result = await running;
    } finally {
      signal?.removeEventListener('abort', forwardAbort);
      await stopProgress?.();
    }
    if (result.spawnError !== undefined) {
      // Only a custom command can get here: the probe has vouched for the interpreter.
      throw new ReviseError(
        'framework-missing',
        `The test command could not be started: ${program} (${result.spawnError})`,
        'Check the "revise.test.command" setting.',
      );
    }

    const run = await readPytestRun(outputDir, { root, command, process: result, coverageRequested, pluginExpected: !customCommand, totalTimeoutMs: options.totalTimeoutMs });
    for (const loop of loops) {
      run.problems.push({ kind: 'skipped-file', message: symlinkLoopMessage(loop), file: path.join(root, loop.link) });
    }
    run.durationMs = Date.now() - started;
    const failed = run.tests.filter((test) => test.outcome === 'failed').length;
    logger.info(
      `pytest: ${run.tests.length} tests, ${failed} failed, coverage ${run.coverageMethod}, ${run.problems.length} problems, ${run.durationMs} ms${run.complete ? '' : ' (incomplete)'}`,
    );
    return run;
  } finally {
    await fs.rm(outputDir, { recursive: true, force: true });
  }
}

/**
 * Revise's own pytest arguments: folders to leave out (symbolic link loops), the plugin, no cache folder in the project, quiet short tracebacks, the
 * root, collection errors that do not hide the other modules' results, no stop at the first failures;
 * then the test ids, if any.
 */
export function pytestArguments(root: string, testIds?: string[], ignored: string[] = []): string[] {
  return [
    ...ignored.flatMap((folder) => ['--ignore', folder]),
    '-p',
    'revise_pytest',
    '-p',
    'no:cacheprovider',
    '-q',
    '--tb=short',
    `--rootdir=${root}`,
    '--continue-on-collection-errors',
    // The project's -x / --maxfail (in addopts or the command) would stop the run at the first failures:
    // the last --maxfail wins, and 0 means no limit.
    '--maxfail=0',
    ...(testIds ?? []),
  ];
}

/** The environment of a pytest run with Revise's plugin (also the warm worker's). */
export function pytestEnvironment(settings: { root: string; outputDir: string; pythonDir: string; perTestTimeoutMs: number; coverage: boolean; stopAfterTimeout?: boolean }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: [settings.pythonDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    // No __pycache__ in the project, for the user's modules or pytest's rewritten test modules.
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    PY_COLORS: '0',
    REVISE_OUTPUT_DIR: settings.outputDir,
    REVISE_ROOT: settings.root,
    REVISE_TEST_TIMEOUT: String(Math.max(0, settings.perTestTimeoutMs) / 1000),
    REVISE_COVERAGE: settings.coverage ? 'auto' : 'off',
    ...(settings.stopAfterTimeout ? { REVISE_STOP_AFTER_TIMEOUT: '1' } : {}),
  };
}

/**
 * Reads what one pytest run left in `outputDir` (plugin records, coverage.py contexts, the JUnit report as
 * a fallback) into a `TestRun`; files that later stages cannot read are left out of coverage.
 */
export async function readPytestRun(
  outputDir: string,
  settings: { root: string; command: string[]; process: ProcessResult; coverageRequested: boolean; pluginExpected: boolean; totalTimeoutMs: number },
): Promise<TestRun> {
  const plugin = parsePluginOutput(await readText(path.join(outputDir, 'results.jsonl')));
  const coveragePy = settings.coverageRequested ? await readCoverageFiles(outputDir) : undefined;
  // The JUnit report is only the fallback for a run the plugin said nothing about.
  const junitText = plugin.tests.length === 0 ? await readText(path.join(outputDir, 'junit.xml')) : '';
  const junit: JUnitParse | undefined = junitText ? parseJUnitXml(junitText) : undefined;
  const run = assembleTestRun({
    ...settings,
    plugin,
    ...(coveragePy ? { coveragePy } : {}),
    ...(junit ? { junit } : {}),
    durationMs: 0,
    isFile: (file) => existsSync(file),
  });
  if (junit && !junit.recognised && run.tests.length === 0) {
    run.problems.push({ kind: 'unparsable-output', message: 'The JUnit XML report could not be read.' });
  }
  await dropUnreadableFiles(run);
  return run;
}

/** True when `program`, as found on PATH, is a version manager's shim (pyenv, asdf, rtx/mise). */
function isVersionShim(program: string): boolean {
  const candidates = path.isAbsolute(program)
    ? [program]
    : program.includes(path.sep) || program.includes('/')
      ? []
      : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((folder) => path.join(folder, program));
  const found = candidates.find((candidate) => existsSync(candidate));
  return found !== undefined && path.basename(path.dirname(found)) === 'shims';
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return '';
  }
}

/** Reads `coverage.json` (or one `coverage-<worker>.json` per xdist worker) and merges them. */
async function readCoverageFiles(outputDir: string): Promise<Map<string, Record<string, number[]>> | undefined> {
  const names = (await fs.readdir(outputDir)).filter((name) => /^coverage(-[\w.-]+)?\.json$/.test(name));
  let merged: Map<string, Record<string, number[]>> | undefined;
  for (const name of names) {
    const parsed = parseCoverageFile(await readText(path.join(outputDir, name)));
    if (!parsed) continue;
    merged ??= new Map();
    for (const [nodeid, files] of parsed) merged.set(nodeid, files);
  }
  return merged;
}

/**
 * Leaves files out of coverage that later stages cannot work with (over 1 MB, not UTF-8, unreadable),
 * with a `skipped-file` note for each.
 */
async function dropUnreadableFiles(run: TestRun): Promise<void> {
  const files = new Set<string>();
  for (const test of run.tests) for (const file of Object.keys(test.coveredLines ?? {})) files.add(file);
  const skipped = new Map<string, string>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      const reason = await unreadableReason(file, decoder);
      if (reason) skipped.set(file, reason);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  if (skipped.size === 0) return;
  for (const test of run.tests) {
    if (!test.coveredLines) continue;
    for (const file of skipped.keys()) delete test.coveredLines[file];
  }
  const notes: CaptureProblem[] = [...skipped]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, reason]) => ({ kind: 'skipped-file', message: `Left out of coverage: ${reason}.`, file }));
  run.problems.push(...notes);
}

async function unreadableReason(file: string, decoder: TextDecoder): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_COVERED_FILE_BYTES) return `larger than ${MAX_COVERED_FILE_BYTES / (1024 * 1024)} MB`;
    decoder.decode(await fs.readFile(file));
    return undefined;
  } catch (error) {
    return error instanceof TypeError ? 'not UTF-8 text' : 'could not be read';
  }
}

/**
 * Polls the plugin's output while pytest runs and reports "ran N/M tests". Returns a function that stops
 * polling.
 */
function watchProgress(resultsPath: string, onProgress: (message: string) => void, logger: Logger): () => Promise<void> {
  let offset = 0;
  let ran = 0;
  let total: number | undefined;
  let pending = '';
  let busy: Promise<void> | undefined;
  const poll = async () => {
    let handle;
    try {
      handle = await fs.open(resultsPath, 'r');
    } catch {
      return;
    }
    try {
      const { size } = await handle.stat();
      if (size <= offset) return;
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      pending += buffer.subarray(0, bytesRead).toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      let changed = false;
      for (const line of lines) {
        if (line.startsWith('{"type":"test"')) {
          ran++;
          changed = true;
        } else if (line.startsWith('{"type":"collected"')) {
          const match = /"count":(\d+)/.exec(line);
          if (match) total = (total ?? 0) + Number(match[1]);
          changed = true;
        }
      }
      if (changed) onProgress(total !== undefined ? `ran ${ran}/${total} tests` : `ran ${ran} tests`);
    } catch (error) {
      logger.trace(`pytest capture: progress poll failed: ${String(error)}`);
    } finally {
      await handle.close();
    }
  };
  const timer = setInterval(() => {
    busy ??= poll().finally(() => {
      busy = undefined;
    });
  }, PROGRESS_INTERVAL_MS);
  return async () => {
    clearInterval(timer);
    await busy;
  };
}
