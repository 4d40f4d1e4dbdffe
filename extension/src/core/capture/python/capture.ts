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
import { combineShardResults } from '../shards';
import { listTestModules, shardFilters, splitModules } from './shards';

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
    // pytest follows links while collecting: a link back up the tree would multiply every test ~40 times.
    const loops = await findSymlinkLoops(root, { skipped: LOOP_SKIPPED_FOLDERS });
    const [program, ...programArguments] = customCommand ?? [interpreter, '-m', 'pytest'];
    const command = [program!, ...programArguments, ...pytestArguments(root, options.testIds, loops.map((loop) => path.join(root, loop.link)))];
    // A whole-suite run of Revise's own command may be split over processes that run side by side.
    const parallel = options.parallelRuns ?? 1;
    const shares = !customCommand && !options.testIds && parallel >= 2 ? splitModules(await listTestModules(root, LOOP_SKIPPED_FOLDERS), parallel) : undefined;
    const parts = shares ? await shardParts(outputDir, shares) : [{ dir: outputDir }];
    if (shares) logger.debug(`pytest capture: the test modules split over ${shares.length} processes (${shares.map((share) => share.length).join(' + ')} modules)`);
    logger.debug(`pytest capture: running ${command.join(' ')} in ${root}`);

    const stopProgress = options.onProgress ? watchProgress(parts.map((part) => path.join(part.dir, 'results.jsonl')), options.onProgress, logger) : undefined;
    // Stops pytest when the user cancels, or when the probe finds that the interpreter cannot serve.
    const stopRun = new AbortController();
    const forwardAbort = () => stopRun.abort();
    if (signal?.aborted) stopRun.abort();
    signal?.addEventListener('abort', forwardAbort, { once: true });
    let result: ProcessResult;
    try {
      const running = Promise.all(
        parts.map((part) => {
          const args = [...command.slice(1), `--junitxml=${path.join(part.dir, 'junit.xml')}`, '-o', 'junit_family=xunit1'];
          const env = pytestEnvironment({
            root,
            outputDir: part.dir,
            pythonDir: options.assets.pythonDir,
            perTestTimeoutMs: options.perTestTimeoutMs,
            coverage: coverageRequested,
            stopAfterTimeout: options.stopAfterTimeout === true,
            ...(part.filterFile ? { shardFile: part.filterFile } : {}),
          });
          return runner.run(program!, args, { cwd: root, env, timeoutMs: options.totalTimeoutMs, signal: stopRun.signal });
        }),
      );
      options.onStart?.({ framework: 'pytest', command, processes: parts.length });
      if (pendingProbe) {
        try {
          logProbe(await pendingProbe);
        } catch (error) {
          stopRun.abort();
          await running;
          throw error;
        }
      }
      result = combineShardResults(await running);
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

    if (options.testIds && result.exitCode === 4) {
      // pytest runs nothing when one asked-for id is not found: a parametrized id whose value changes from
      // run to run (`test_parse[03:24:57]`) is asked for again as its test function, whose new ids the
      // caller pairs with the old ones (`pairRenamedParameters`).
      const renamed = withRenamedParameters(options.testIds, `${result.stdout}\n${result.stderr}`, root);
      if (renamed) {
        logger.debug('pytest capture: parametrized test ids not found (their values change from run to run); running their test functions instead');
        return await capturePytest({ ...options, testIds: renamed });
      }
    }
    const run = await readPytestRun(parts.map((part) => part.dir), { root, command, process: result, coverageRequested, pluginExpected: !customCommand, totalTimeoutMs: options.totalTimeoutMs });
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
 * `ids` with each parametrized id that pytest reported "not found" (in `output`; pytest 8 and later name
 * the test function) replaced by its test function's id (`file::test_parse[03:24:57]` → `file::test_parse`), duplicates dropped; undefined when
 * none was.
 */
export function withRenamedParameters(ids: readonly string[], output: string, root: string): string[] | undefined {
  const notFound = new Set<string>();
  for (const match of output.matchAll(/^ERROR: not found: (.+?)\s*$/gm)) {
    const reported = match[1]!;
    const [file, ...rest] = reported.split('::');
    const relative = path.isAbsolute(file!) ? path.relative(root, file!) : file!;
    notFound.add([relative.split(path.sep).join('/'), ...rest].join('::'));
    notFound.add(reported);
  }
  let replaced = false;
  const renamed = ids.map((id) => {
    if (!id.endsWith(']') || !id.includes('[')) return id;
    const base = id.slice(0, id.indexOf('['));
    // pytest 7 names the whole id; pytest 8 and later the test function it looked in.
    if (!notFound.has(id) && !notFound.has(base)) return id;
    replaced = true;
    return base;
  });
  return replaced ? [...new Set(renamed)] : undefined;
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
export function pytestEnvironment(settings: {
  root: string;
  outputDir: string;
  pythonDir: string;
  perTestTimeoutMs: number;
  coverage: boolean;
  stopAfterTimeout?: boolean;
  /** One process of a split whole-suite run: the JSON file that says which test modules are its own. */
  shardFile?: string;
}): NodeJS.ProcessEnv {
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
    ...(settings.shardFile ? { REVISE_SHARD: settings.shardFile } : {}),
  };
}

/** A folder of its own for each process of a split run, with the file that names its test modules. */
async function shardParts(outputDir: string, shares: string[][]): Promise<Array<{ dir: string; filterFile?: string }>> {
  return Promise.all(
    shardFilters(shares).map(async (filter, index) => {
      const dir = path.join(outputDir, `shard-${index + 1}`);
      await fs.mkdir(dir);
      const filterFile = path.join(dir, 'shard.json');
      await fs.writeFile(filterFile, JSON.stringify(filter));
      return { dir, filterFile };
    }),
  );
}

/**
 * Reads what one pytest run left in `outputDir` (plugin records, coverage.py contexts, the JUnit report as
 * a fallback) into a `TestRun`; files that later stages cannot read are left out of coverage. A run split
 * over processes passes each one's folder: their records are read as one run's, a module that failed to
 * collect in several (a broken conftest) counting once.
 */
export async function readPytestRun(
  outputDirs: string | readonly string[],
  settings: { root: string; command: string[]; process: ProcessResult; coverageRequested: boolean; pluginExpected: boolean; totalTimeoutMs: number },
): Promise<TestRun> {
  const dirs = typeof outputDirs === 'string' ? [outputDirs] : outputDirs;
  const plugin = parsePluginOutput((await Promise.all(dirs.map((dir) => readText(path.join(dir, 'results.jsonl'))))).join(''));
  if (dirs.length > 1) {
    plugin.collectErrors = uniqueBy(plugin.collectErrors, (error) => error.nodeid);
    plugin.problems = uniqueBy(plugin.problems, (problem) => JSON.stringify(problem));
    plugin.coverageNotes = [...new Set(plugin.coverageNotes)];
  }
  let coveragePy: Map<string, Record<string, number[]>> | undefined;
  if (settings.coverageRequested) {
    // Each process writes its coverage at its end: one that was killed first lost its share, so the run's.
    const found = await Promise.all(dirs.map(readCoverageFiles));
    if (!found.includes(undefined)) coveragePy = new Map(found.flatMap((map) => [...map!]));
  }
  // The JUnit report is only the fallback for a run the plugin said nothing about.
  let junit: JUnitParse | undefined;
  if (plugin.tests.length === 0) {
    for (const dir of dirs) {
      const text = await readText(path.join(dir, 'junit.xml'));
      if (!text) continue;
      const parsed = parseJUnitXml(text);
      junit = junit ? { cases: [...junit.cases, ...parsed.cases], recognised: junit.recognised || parsed.recognised } : parsed;
    }
  }
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

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const value = key(item);
    if (seen.has(value)) return false;
    seen.add(value);
    return true;
  });
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
 * Polls the plugin's output (one file per process of a split run) while pytest runs and reports "ran N/M
 * tests". Returns a function that stops polling.
 */
function watchProgress(resultsPaths: readonly string[], onProgress: (message: string) => void, logger: Logger): () => Promise<void> {
  const files = resultsPaths.map((file) => ({ file, offset: 0, pending: '' }));
  let ran = 0;
  let total: number | undefined;
  let busy: Promise<void> | undefined;
  const pollFile = async (state: (typeof files)[number]): Promise<boolean> => {
    let handle;
    try {
      handle = await fs.open(state.file, 'r');
    } catch {
      return false;
    }
    try {
      const { size } = await handle.stat();
      if (size <= state.offset) return false;
      const buffer = Buffer.alloc(size - state.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, state.offset);
      state.offset += bytesRead;
      state.pending += buffer.subarray(0, bytesRead).toString('utf8');
      const lines = state.pending.split('\n');
      state.pending = lines.pop() ?? '';
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
      return changed;
    } catch (error) {
      logger.trace(`pytest capture: progress poll failed: ${String(error)}`);
      return false;
    } finally {
      await handle.close();
    }
  };
  const poll = async () => {
    const changed = await Promise.all(files.map(pollFile));
    if (changed.includes(true)) onProgress(total !== undefined ? `ran ${ran}/${total} tests` : `ran ${ran} tests`);
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
