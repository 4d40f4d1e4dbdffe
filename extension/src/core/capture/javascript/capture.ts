import { promises as fs, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { ReviseError, throwIfCancelled } from '../../errors';
import type { Logger, ProcessResult } from '../../ports';
import { makeTempDir } from '../../tempfiles';
import type { CaptureProblem, Framework, TestResult, TestRun } from '../../types';
import type { CaptureOptions } from '../types';
import { coverageByTest, wrapperLength } from './coverage';
import { detectJavaScript, findPackage, frameworkOfScript, readManifest, testScript } from './detect';
import { buildInvocation, type SelectedTest } from './invocation';
import { extractJsonObject } from './json';
import { readCaptureRecords, testKey, type CaptureRecords, type RecordedTest } from './records';
import {
  loadFailure,
  looksLikeJestReport,
  looksLikeMochaReport,
  parseJestLikeReport,
  parseMochaReport,
  parseNodeTestEvents,
  type ParsedReport,
  type ReportedTest,
} from './reports';
import { originalPositionFor, type OriginalPosition } from './sourceMap';
import { SourceMapResolver } from './sourceMaps';
import { mapFrames, messageOf, parseV8Stack, stripAnsi } from './stack';
import { isJavaScriptTestFile } from './testFiles';
import { combineShardResults } from '../shards';
import { findSymlinkLoops, nodeTestFiles, symlinkLoopMessage } from '../walk';

/** Longest failure message kept. */
const MAX_MESSAGE_CHARS = 500;
/** Folders not searched for symbolic link loops: installed packages (links there are the package manager's). */
const LOOP_SKIPPED_FOLDERS = new Set(['node_modules', 'bower_components']);
const PROGRESS_INTERVAL_MS = 500;
/** Separator between the parts of a test id: `test/math.test.js > suite > test`. */
export const ID_SEPARATOR = ' > ';

const FRAMEWORK_NAMES: Record<Exclude<Framework, 'pytest' | 'node:test'>, string> = { jest: 'Jest', vitest: 'Vitest', mocha: 'Mocha' };

/** The folder of Revise's JavaScript runtime helpers. */
export function javascriptAssetsDir(options: CaptureOptions): string {
  return options.assets.javascriptDir ?? path.join(path.dirname(options.assets.pythonDir), 'javascript');
}

/** Splits a test id into its file and titles. */
export function parseTestId(id: string): { file: string; titles: string[] } {
  const parts = id.split(ID_SEPARATOR);
  return { file: parts[0] ?? '', titles: parts.slice(1) };
}

function realpathOr(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Runs a JavaScript or TypeScript project's tests (node:test, Jest, Vitest or Mocha) with Revise's
 * reporter and per-test V8 coverage, and returns the same `TestRun` as the pytest path: outcomes,
 * messages, stack frames and covered lines mapped through source maps to the lines the developer wrote.
 * Nothing is written into the project: reports, coverage records and generated config live in a
 * temporary folder that is removed afterwards. A total timeout or cancellation stops the process group;
 * results gathered so far are kept with `complete: false`.
 *
 * Throws `ReviseError('no-tests')` when nothing says how to run tests (no test script, no framework),
 * `ReviseError('framework-missing')` when the framework is not installed, and `ReviseError('cancelled')`
 * when cancelled before the tests start.
 */
export async function captureJavaScript(options: CaptureOptions): Promise<TestRun> {
  const started = Date.now();
  const { root, runner, logger, signal } = options;
  throwIfCancelled(signal);
  const manifest = await readManifest(root);
  const customCommand = options.command && options.command.length > 0 ? options.command : undefined;
  const framework =
    (customCommand ? frameworkOfScript(customCommand.join(' '), manifest?.scripts) : undefined) ?? (await detectJavaScript(root));
  throwIfCancelled(signal);
  if (!framework || framework === 'pytest') {
    if (manifest && !testScript(manifest)) {
      throw new ReviseError(
        'no-tests',
        `${path.join(root, 'package.json')} has no "test" script, and no test framework (node:test, Jest, Vitest, Mocha) was found.`,
        'Add a "test" script to package.json, for example "node --test", or set "revise.test.command".',
      );
    }
    throw new ReviseError(
      'no-tests',
      manifest
        ? `The "test" script in ${path.join(root, 'package.json')} does not run a test framework Revise knows (node:test, Jest, Vitest, Mocha).`
        : `No package.json in ${root}.`,
      'Set "revise.test.command" to the command that runs your tests, for example ["npx", "jest"].',
    );
  }
  const frameworkFolder = framework !== 'node:test' ? await findPackage(root, framework) : undefined;
  if (framework !== 'node:test' && !frameworkFolder) {
    throw new ReviseError(
      'framework-missing',
      `${FRAMEWORK_NAMES[framework]} is not installed in ${root} (no node_modules/${framework}).`,
      `Install it with: npm install --save-dev ${framework}`,
    );
  }

  const frameworkVersion = frameworkFolder ? await packageVersion(frameworkFolder) : undefined;
  const realRoot = realpathOr(root);
  const javascriptDir = javascriptAssetsDir(options);
  const captureDir = await makeTempDir('js', options.tempDir);
  try {
    throwIfCancelled(signal);
    const coverageRequested = options.coverage !== false;
    const selected: SelectedTest[] | undefined = options.testIds?.map((id) => ({ titles: parseTestId(id).titles }));
    // Runners that follow links while looking for tests would walk a loop without end (node:test stops
    // with ELOOP, Mocha's --recursive never returns, Vitest runs the tests again): loops are kept out.
    const loops = await findSymlinkLoops(root, { skipped: LOOP_SKIPPED_FOLDERS });
    const loopLinks = loops.map((loop) => loop.link);
    const testFiles = loops.length > 0 && framework === 'node:test' ? await nodeTestFiles(root, loopLinks) : undefined;
    const invocationInput = {
      framework,
      root,
      coverageRoots: [...new Set([root, realRoot])],
      ...(manifest ? { manifest } : {}),
      ...(customCommand ? { command: customCommand } : {}),
      captureDir,
      javascriptDir,
      perTestTimeoutMs: options.perTestTimeoutMs,
      coverage: coverageRequested,
      ...(selected ? { selected } : {}),
      baseEnv: process.env,
      ...(frameworkVersion ? { frameworkVersion } : {}),
      ...(loops.length > 0 ? { loopLinks } : {}),
      ...(testFiles ? { nodeTestFiles: testFiles } : {}),
    };
    // A whole node:test suite may run as a few `--test-shard`s side by side, each its own `node --test`.
    const shards = customCommand || options.testIds || framework !== 'node:test' ? 1 : await nodeTestShardCount(options, root, loopLinks, testFiles);
    let invocations = shards > 1 ? await Promise.all(Array.from({ length: shards }, (_, index) => buildInvocation({ ...invocationInput, shard: { index: index + 1, total: shards } }))) : [];
    if (!invocations.every((built) => built.sharded)) invocations = [];
    if (invocations.length === 0) invocations = [await buildInvocation(invocationInput)];
    const invocation = invocations[0]!;
    if (invocations.length > 1) logger.debug(`${framework} capture: the test files split over ${invocations.length} processes (--test-shard)`);
    logger.debug(`${framework} capture: running ${invocation.command.join(' ')} in ${root}`);
    const stopProgress = options.onProgress ? watchProgress(captureDir, options.onProgress, logger) : undefined;
    let result: ProcessResult;
    try {
      const running = Promise.all(invocations.map((each) => runner.run(each.program, each.args, { cwd: root, env: each.env, timeoutMs: options.totalTimeoutMs, signal })));
      options.onStart?.({ framework, command: invocation.command, processes: invocations.length });
      result = combineShardResults(await running);
    } finally {
      stopProgress?.();
    }
    if (result.spawnError !== undefined) {
      throw new ReviseError(
        'framework-missing',
        `The test command could not be started: ${invocation.program} (${result.spawnError}).`,
        customCommand ? 'Check the "revise.test.command" setting.' : 'Make sure Node.js and npm are on PATH.',
      );
    }

    const report =
      invocations.length > 1
        ? parseNodeTestEvents((await Promise.all(invocations.map((each) => readText(each.reportFile)))).map((text) => text ?? '').join('\n'), root)
        : await readReport(framework, invocation.reportFile, result, root);
    const records = await readCaptureRecords(captureDir);
    const run = await assemble({
      framework,
      root,
      realRoot,
      javascriptDir,
      command: invocation.command,
      result,
      report,
      records,
      coverageRequested,
      ...(invocation.hooksMissing ? { hooksMissing: invocation.hooksMissing } : {}),
      perTestTimeoutMs: options.perTestTimeoutMs,
      totalTimeoutMs: options.totalTimeoutMs,
      ...(options.testIds ? { testIds: options.testIds } : {}),
    });
    for (const loop of loops) run.problems.push({ kind: 'skipped-file', message: symlinkLoopMessage(loop), file: path.join(root, loop.link) });
    run.durationMs = Date.now() - started;
    const failed = run.tests.filter((test) => test.outcome === 'failed').length;
    logger.info(
      `${framework}: ${run.tests.length} tests, ${failed} failed, coverage ${run.coverageMethod}, ${run.problems.length} problems, ${run.durationMs} ms${run.complete ? '' : ' (incomplete)'}`,
    );
    return run;
  } finally {
    await fs.rm(captureDir, { recursive: true, force: true });
  }
}

/** Test files per `node --test` process of a split run, at least. */
export const MIN_FILES_PER_NODE_SHARD = 4;

/**
 * How many `--test-shard`s a whole node:test suite runs as: up to `parallelRuns`, at least
 * `MIN_FILES_PER_NODE_SHARD` test files each, and only where `node` knows the flag (20.5 and later).
 */
async function nodeTestShardCount(options: CaptureOptions, root: string, loopLinks: string[], found?: string[]): Promise<number> {
  const wanted = options.parallelRuns ?? 1;
  if (wanted < 2) return 1;
  const files = found ?? (await nodeTestFiles(root, loopLinks));
  const count = Math.min(wanted, Math.floor(files.length / MIN_FILES_PER_NODE_SHARD));
  if (count < 2) return 1;
  return (await nodeKnowsTestShard(options, root)) ? count : 1;
}

/** `node --version` per PATH, asked once: `--test-shard` came with Node 20.5 (21.5 on the 21 line). */
const testShardSupport = new Map<string, Promise<boolean>>();
function nodeKnowsTestShard(options: CaptureOptions, root: string): Promise<boolean> {
  const key = process.env.PATH ?? '';
  let known = testShardSupport.get(key);
  if (!known) {
    known = options.runner.run('node', ['--version'], { cwd: root, timeoutMs: 10_000 }).then(
      (result) => result.exitCode === 0 && supportsTestShard(result.stdout.trim()),
      () => false,
    );
    testShardSupport.set(key, known);
  }
  return known;
}

/** True for Node versions with `--test-shard` (`v20.5.0`, `v21.5.0`, `v22.0.0` and later). */
export function supportsTestShard(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)\./.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major >= 22 || ((major === 20 || major === 21) && minor >= 5);
}

/**
 * The `TestRun` of one warm worker run (node:test events, or a Jest or Vitest JSON report), read the way a cold
 * capture reads the same report, without coverage.
 */
export async function workerRunFromReport(input: { framework: 'node:test' | 'jest' | 'vitest'; root: string; javascriptDir: string; command: string[]; text: string; process: ProcessResult; testIds: string[]; perTestTimeoutMs: number }): Promise<TestRun> {
  const records: CaptureRecords = { tests: new Map(), scripts: new Map(), deltas: [], lingering: [], notes: [], sawCoverage: false };
  let report: ParsedReport;
  if (input.framework === 'node:test') report = parseNodeTestEvents(input.text, input.root);
  else {
    const value = extractJsonObject(input.text, looksLikeJestReport);
    report = value ? parseJestLikeReport(value, input.framework, input.root) : { tests: [], problems: [], found: false };
  }
  const run = await assemble({
    framework: input.framework,
    root: input.root,
    realRoot: realpathOr(input.root),
    javascriptDir: input.javascriptDir,
    command: input.command,
    result: input.process,
    report,
    records,
    coverageRequested: false,
    perTestTimeoutMs: input.perTestTimeoutMs,
    totalTimeoutMs: 0,
    testIds: input.testIds,
  });
  run.durationMs = input.process.durationMs;
  return run;
}

/** The `version` of an installed package, from its package.json. */
async function packageVersion(folder: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(folder, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads the framework's report from its file, or out of stdout when the file is missing. */
async function readReport(framework: Framework, reportFile: string, result: ProcessResult, root: string): Promise<ParsedReport> {
  const text = await readText(reportFile);
  if (framework === 'node:test') return parseNodeTestEvents(text ?? '', root);
  const accept = framework === 'mocha' ? looksLikeMochaReport : looksLikeJestReport;
  let value: Record<string, unknown> | undefined;
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && accept(parsed as Record<string, unknown>)) {
        value = parsed as Record<string, unknown>;
      }
    } catch {
      value = extractJsonObject(text, accept);
    }
  }
  value ??= extractJsonObject(result.stdout, accept);
  if (!value) return { tests: [], problems: [], found: false };
  return framework === 'mocha' ? parseMochaReport(value, root) : parseJestLikeReport(value, framework as 'jest' | 'vitest', root);
}

interface AssembleInput {
  framework: Framework;
  root: string;
  realRoot: string;
  javascriptDir: string;
  command: string[];
  result: ProcessResult;
  report: ParsedReport;
  records: CaptureRecords;
  coverageRequested: boolean;
  hooksMissing?: string;
  perTestTimeoutMs: number;
  totalTimeoutMs: number;
  testIds?: string[];
}

function seconds(milliseconds: number): string {
  const value = milliseconds / 1000;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}

/** Merges the report, the runtime's records and coverage into a `TestRun`. */
async function assemble(input: AssembleInput): Promise<TestRun> {
  const { framework, root, realRoot, result, report, records } = input;
  const problems: CaptureProblem[] = [];
  /** Paths under the real root are shown under the root as given (they differ when it is a symlink). */
  const shown = (file: string) =>
    realRoot !== root && (file === realRoot || file.startsWith(realRoot + path.sep)) ? root + file.slice(realRoot.length) : file;
  /** Real paths, resolved once per file (every test asks for its file's several times). */
  const realpaths = new Map<string, string>();
  const canonical = (file: string) => {
    let real = realpaths.get(file);
    if (real === undefined) {
      real = realpathOr(file);
      realpaths.set(file, real);
    }
    return shown(real);
  };
  const resolver = new SourceMapResolver(root);

  // Reported tests first; the runtime's records fill in what the report lost (a killed process).
  const merged = new Map<string, { reported?: ReportedTest; recorded?: RecordedTest }>();
  for (const test of report.tests) merged.set(testKey(test.file ? canonical(test.file) : '', test.name), { reported: test });
  for (const recorded of records.tests.values()) {
    const key = testKey(canonical(recorded.file), recorded.name);
    const entry = merged.get(key);
    if (entry) {
      entry.recorded = recorded;
      continue;
    }
    // Reports without files (Mocha's JSON reporter before 9): the runtime knows the test's file.
    const fileless = testKey('', recorded.name);
    const unplaced = recorded.file ? merged.get(fileless) : undefined;
    if (unplaced && !unplaced.reported?.file) {
      merged.delete(fileless);
      if (unplaced.reported) unplaced.reported.file = recorded.file;
      merged.set(key, { ...unplaced, recorded });
    } else if (recorded.began) merged.set(key, { recorded });
  }

  // The code each test file ran as, where a loader transformed it (tsx, ts-node): node:test reports
  // where a test is defined in that code's coordinates.
  const executed = new Map<string, string>();
  for (const script of records.scripts.values()) if (script.sourceFile) executed.set(canonical(script.file), script.sourceFile);
  /** Where a reported test is defined, in the file the developer wrote; 'unknown' when it cannot be told. */
  const definitionPosition = async (file: string, line: number, column: number): Promise<OriginalPosition | 'unknown' | undefined> => {
    if (framework === 'node:test') {
      const sourceFile = executed.get(file);
      const code = sourceFile ? await resolver.readText(sourceFile) : undefined;
      const disk = await resolver.readText(file);
      if (code !== undefined && disk !== undefined && code !== disk) {
        const lookup = await resolver.lookupCode(code, file);
        if (lookup.kind !== 'map') return 'unknown';
        return originalPositionFor(lookup.map, line, line === 1 ? Math.max(1, column - wrapperLength(code)) : column);
      }
      // Node cannot run TypeScript itself: a loader did, and its coordinates are unknown here.
      if (code === undefined && /\.[cm]?tsx?$/.test(file)) return 'unknown';
    }
    return resolver.originalPosition(file, line, column);
  };

  const stopped = result.timedOut || result.cancelled;
  let watchdogStops = 0;
  /** Lines of the test files searched for titles, by file. */
  const testFileLines = new Map<string, string[]>();
  const tests: TestResult[] = [];
  for (const { reported, recorded } of merged.values()) {
    const generatedFile = reported?.file ?? recorded?.file;
    const titles = recorded?.titles && recorded.titles.length > 0 ? recorded.titles : reported?.titles ?? recorded?.name.split(' > ') ?? [];
    let outcome = reported?.outcome ?? recorded?.outcome;
    let message = reported?.message ?? (recorded?.message !== undefined ? messageOf(recorded.message, MAX_MESSAGE_CHARS) : undefined);
    const stack = reported?.stack ?? recorded?.stack;
    let timedOut = reported?.timedOut ?? false;
    if (recorded?.timedOutAfterMs !== undefined) {
      outcome = 'failed';
      timedOut = true;
      watchdogStops++;
      message = `Timeout: still running after ${seconds(recorded.timedOutAfterMs)}; Revise stopped its process`;
    } else if (!reported && recorded && !recorded.ended) {
      outcome = 'failed';
      if (result.timedOut) {
        timedOut = true;
        message = `Timeout: stopped by the total timeout of ${seconds(input.totalTimeoutMs)} while this test ran`;
      } else {
        message = result.cancelled ? 'Cancelled while this test ran' : 'Interrupted: the test process ended while this test ran';
      }
    }
    const test: TestResult = {
      id: '',
      outcome: outcome ?? 'failed',
      durationMs: Math.round((reported?.durationMs ?? recorded?.durationMs ?? 0) * 1000) / 1000,
      frames: [],
    };
    let file = generatedFile ? canonical(generatedFile) : undefined;
    let line = reported?.line ?? recorded?.definedAt?.line;
    if (file) {
      const original = line !== undefined ? await definitionPosition(file, line, reported?.line !== undefined ? reported.column ?? 1 : recorded?.definedAt?.column ?? 1) : undefined;
      if (original === 'unknown') line = undefined;
      else if (original) {
        file = shown(original.file);
        line = original.line;
      } else {
        const lookup = await resolver.lookupFile(file);
        if (lookup.kind === 'map' && lookup.map.sources.length === 1) file = shown(lookup.map.sources[0]!);
      }
      test.file = file;
      line ??= await definitionLine(file, titles, resolver, testFileLines);
      if (line !== undefined) test.line = line;
    }
    test.id = [file ? path.relative(root, file) || file : '', ...titles].join(ID_SEPARATOR);
    if (message !== undefined && test.outcome === 'failed') test.message = message;
    if (timedOut) test.timedOut = true;
    if (stack && test.outcome === 'failed') {
      test.frames = (await mapFrames(parseV8Stack(stack), resolver)).map((frame) => ({ ...frame, file: shown(frame.file) }));
      if (!test.message) test.message = messageOf(stack, MAX_MESSAGE_CHARS);
      const assertion = await assertionText(test, root, resolver);
      if (assertion) test.assertion = assertion;
    }
    tests.push(test);
  }
  await placeFilelessTests(tests, root, [...records.scripts.values()].map((script) => canonical(script.file)), resolver, testFileLines);

  // Coverage.
  let coverageMethod: TestRun['coverageMethod'] = 'none';
  if (input.coverageRequested) {
    if (records.sawCoverage) {
      coverageMethod = 'v8';
      const nodeModules = `${path.sep}node_modules${path.sep}`;
      const lines = await coverageByTest(records, {
        resolver,
        keepFile: (file) => {
          const inside = [root, realRoot].some((folder) => file.startsWith(folder + path.sep));
          return inside && !file.includes(nodeModules) && !file.startsWith(input.javascriptDir + path.sep);
        },
      });
      const byKey = new Map<string, Record<string, number[]>>();
      for (const [key, files] of lines) {
        const [file, name] = key.split('\0') as [string, string];
        const shownFiles: Record<string, number[]> = {};
        for (const [covered, numbers] of Object.entries(files)) shownFiles[shown(covered)] = numbers;
        byKey.set(testKey(canonical(file), name), shownFiles);
      }
      const entries = [...merged.entries()];
      tests.forEach((test, index) => {
        const [key, { recorded }] = entries[index]!;
        const lines = byKey.get(key);
        // A test stopped mid-way left no coverage: absent, not empty.
        if (lines) test.coveredLines = lines;
        else if (test.outcome !== 'skipped' && (!recorded || recorded.ended)) test.coveredLines = {};
      });
    } else if (tests.length > 0) {
      problems.push({
        kind: 'coverage-unavailable',
        message: input.hooksMissing
          ? `No per-test coverage: ${input.hooksMissing}.`
          : records.notes[0] ?? 'No per-test coverage was recorded: Revise\'s hooks did not run in the test processes (a custom command or runner may bypass them).',
      });
    }
  }
  problems.push(...records.notes.filter((note) => !problems.some((problem) => problem.message.includes(note))).map((note) => ({ kind: 'coverage-unavailable' as const, message: note })));

  // Problems from the report, minus whole-file failures that only echo a stopped test.
  const filesWithTests = new Set(tests.map((test) => test.file).filter(Boolean));
  const generatedFilesWithTests = new Set([...merged.values()].map(({ reported, recorded }) => canonical(reported?.file ?? recorded?.file ?? '')));
  const reportProblems = [...report.problems];
  if (!stopped && !report.found && result.exitCode !== 0) {
    // The runner died before it could report (Mocha when a spec does not load): the error it printed.
    const failure = loadFailure(`${result.stderr}\n${result.stdout}`, root);
    if (failure) reportProblems.push({ ...failure, ...testFileOfLoadFailure(`${result.stderr}\n${result.stdout}`, root, failure) });
  }
  for (const problem of reportProblems) {
    const owner = problem.testFile ?? problem.file;
    if (owner && (filesWithTests.has(owner) || generatedFilesWithTests.has(canonical(owner)))) continue;
    problems.push({
      ...problem,
      ...(problem.file ? { file: shown(problem.file) } : {}),
      ...(problem.testFile ? { testFile: shown(problem.testFile) } : {}),
    });
  }
  for (const stop of records.lingering) {
    problems.push({
      kind: 'timeout',
      message: `${path.relative(root, stop.file) || stop.file} kept running after its last test (an open handle such as a server or an interval); Revise ended it after ${seconds(stop.afterMs)}.`,
      file: shown(stop.file),
    });
  }
  if (watchdogStops > 0) {
    problems.push({
      kind: 'timeout',
      message: `${watchdogStops === 1 ? 'A test' : `${watchdogStops} tests`} ran past the per-test timeout of ${seconds(input.perTestTimeoutMs)} (an endless loop, or a promise that never settles); Revise stopped its process, so later tests in the same file did not run.`,
    });
  }
  if (result.timedOut) {
    problems.push({ kind: 'timeout', message: `The test run was stopped after ${seconds(input.totalTimeoutMs)}; the ${tests.length} results gathered so far were kept.` });
  }
  if (result.cancelled) {
    problems.push({ kind: 'cancelled', message: `The test run was cancelled; the ${tests.length} results gathered so far were kept.` });
  }
  if (!stopped && tests.length === 0 && !problems.some((problem) => problem.kind === 'collection-error' || problem.kind === 'syntax-error')) {
    if (result.exitCode === 0 || report.found) {
      problems.push({ kind: 'no-tests', message: `${framework} ran no tests in ${root}.` });
    } else if (couldNotStart(result)) {
      throw new ReviseError(
        'framework-missing',
        `The test command could not start (exit code ${String(result.exitCode)}): ${lastOutputLine(result)}`,
        'Check the "test" script in package.json (or "revise.test.command") and that its programs are installed.',
      );
    } else {
      problems.push({ kind: 'unparsable-output', message: `The test command exited with code ${String(result.exitCode)} and no report. ${outputTail(result)}`.trim() });
    }
  } else if (!stopped && !report.found && tests.length > 0) {
    problems.push({ kind: 'unparsable-output', message: `${framework} wrote no report; outcomes come from Revise's hooks. ${outputTail(result)}`.trim() });
  }
  problems.push(...resolver.problems);

  // Test files: every file that defines tests, and test-looking files the tests ran.
  const testFiles = new Set<string>();
  for (const test of tests) if (test.file) testFiles.add(test.file);
  for (const test of tests) {
    for (const file of Object.keys(test.coveredLines ?? {})) if (isJavaScriptTestFile(file, root)) testFiles.add(file);
    for (const frame of test.frames) if (isJavaScriptTestFile(frame.file, root)) testFiles.add(frame.file);
  }

  let kept = tests;
  if (input.testIds) {
    const wanted = new Set(input.testIds);
    kept = tests.filter((test) => wanted.has(test.id));
  }
  kept.sort((a, b) => a.id.localeCompare(b.id));
  return {
    framework,
    root,
    command: input.command,
    tests: kept,
    problems,
    durationMs: 0,
    coverageMethod,
    complete: !stopped && watchdogStops === 0,
    testFiles: [...testFiles].sort(),
  };
}

/**
 * The test file a load failure stopped, from the error's stack (the innermost frame in a test file: the
 * `require`/`import` of the broken module) or the failing file itself when it is a test file.
 */
function testFileOfLoadFailure(text: string, root: string, failure: CaptureProblem): { testFile?: string } {
  if (failure.file && isJavaScriptTestFile(failure.file, root)) return { testFile: failure.file };
  const frame = parseV8Stack(stripAnsi(text)).find((candidate) => isJavaScriptTestFile(candidate.file, root));
  return frame ? { testFile: frame.file } : {};
}

/**
 * Where a test is defined when the framework does not say (Mocha, Jest and Vitest tests that passed,
 * tests of a killed process): the line that holds its title as a string literal, found after the lines
 * of its suites' titles (so that a title used in two suites is told apart). Undefined when the title is
 * not written out (a title built from a template or a table).
 */
/** Stands for the file of a test whose file no report, record or search could tell. */
export const UNKNOWN_TEST_FILE = '(unknown file)';

/**
 * A test id always carries its file: a test no report or record placed (an old reporter without files,
 * a runner without Revise's hooks) is looked for by its titles in the test files the run loaded or other
 * tests named; when none holds it, its id says that its file is unknown instead of starting with ` > `.
 */
export async function placeFilelessTests(tests: TestResult[], root: string, loaded: string[], resolver: SourceMapResolver, linesOf: Map<string, string[]>): Promise<void> {
  const fileless = tests.filter((test) => !test.file);
  if (fileless.length === 0) return;
  const candidates = [...new Set([...tests.map((test) => test.file).filter((file): file is string => file !== undefined), ...loaded.filter((file) => isJavaScriptTestFile(file, root))])].sort();
  for (const test of fileless) {
    const titles = parseTestId(test.id).titles;
    for (const file of candidates) {
      const line = await definitionLine(file, titles, resolver, linesOf);
      if (line === undefined) continue;
      test.file = file;
      test.line = line;
      break;
    }
    test.id = [test.file ? path.relative(root, test.file) || test.file : UNKNOWN_TEST_FILE, ...titles].join(ID_SEPARATOR);
  }
}

async function definitionLine(file: string, titles: string[], resolver: SourceMapResolver, linesOf: Map<string, string[]>): Promise<number | undefined> {
  const title = titles[titles.length - 1];
  if (!title) return undefined;
  let lines = linesOf.get(file);
  if (!lines) {
    const text = await resolver.readText(file);
    if (text === undefined) return undefined;
    lines = text.split(/\r?\n/);
    linesOf.set(file, lines);
  }
  const find = (wanted: string, from: number) => {
    const quoted = ["'", '"', '`'].map((quote) => `${quote}${wanted}${quote}`);
    for (let index = from; index < lines!.length; index++) if (quoted.some((literal) => lines![index]!.includes(literal))) return index;
    return -1;
  };
  let from = 0;
  for (const suite of titles.slice(0, -1)) {
    const found = find(suite, from);
    if (found >= 0) from = found;
  }
  const index = find(title, from);
  const fallback = index < 0 && from > 0 ? find(title, 0) : index;
  return fallback >= 0 ? fallback + 1 : undefined;
}

/** The source text of the innermost frame in a test file: the failing assertion, usually. */
async function assertionText(test: TestResult, root: string, resolver: SourceMapResolver): Promise<string | undefined> {
  for (let index = test.frames.length - 1; index >= 0; index--) {
    const frame = test.frames[index]!;
    if (frame.file !== test.file && !isJavaScriptTestFile(frame.file, root)) continue;
    const text = await resolver.readText(frame.file);
    const line = text?.split(/\r?\n/)[frame.line - 1]?.trim();
    if (line) return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…` : line;
    return undefined;
  }
  return undefined;
}

/** A shell that could not find or run the program (exit 126/127, `not found`), or npm that could not read its script. */
function couldNotStart(result: ProcessResult): boolean {
  const text = `${result.stderr}\n${result.stdout}`;
  return result.exitCode === 126 || result.exitCode === 127 || /command not found|: not found|is not recognized as an internal or external command|npm ERR! Missing script|EJSONPARSE/.test(text);
}

/** The last non-empty line the command printed, shortened. */
function lastOutputLine(result: ProcessResult): string {
  const line = `${result.stderr}\n${result.stdout}`.split(/\r?\n/).map((entry) => entry.trim()).filter(Boolean).pop() ?? 'no output';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function outputTail(result: ProcessResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  if (!text) return '';
  const tail = text.split(/\r?\n/).slice(-6).join(' | ');
  return `Output: ${tail.length > 400 ? `…${tail.slice(-400)}` : tail}`;
}

/** Polls the runtime's records while the tests run and reports "ran N tests". Returns a stop function. */
function watchProgress(captureDir: string, onProgress: (message: string) => void, logger: Logger): () => void {
  const offsets = new Map<string, number>();
  let ran = 0;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const names = (await fs.readdir(captureDir)).filter((name) => name.startsWith('records-'));
      let changed = false;
      for (const name of names) {
        const file = path.join(captureDir, name);
        const stat = await fs.stat(file);
        const offset = offsets.get(name) ?? 0;
        if (stat.size <= offset) continue;
        const handle = await fs.open(file, 'r');
        try {
          const buffer = Buffer.alloc(stat.size - offset);
          await handle.read(buffer, 0, buffer.length, offset);
          const chunk = buffer.toString('utf8');
          const complete = chunk.lastIndexOf('\n') + 1;
          offsets.set(name, offset + Buffer.byteLength(chunk.slice(0, complete)));
          const found = chunk.slice(0, complete).match(/"t":"end"/g)?.length ?? 0;
          if (found > 0) {
            ran += found;
            changed = true;
          }
        } finally {
          await handle.close();
        }
      }
      if (changed) onProgress(`ran ${ran} test${ran === 1 ? '' : 's'}`);
    } catch (error) {
      logger.trace(`progress: ${(error as Error).message}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll(), PROGRESS_INTERVAL_MS);
  return () => clearInterval(timer);
}
