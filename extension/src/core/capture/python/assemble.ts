/**
 * Turns what one pytest run left behind (plugin records, coverage.py contexts, JUnit XML, the process
 * result) into a `TestRun`. Pure apart from the `isFile` callback, so it is tested with hand-made input.
 */
import * as path from 'node:path';
import type { ProcessResult } from '../../ports';
import type { CaptureProblem, StackFrame, TestResult, TestRun } from '../../types';
import { isPythonTestFile } from './detect';
import { junitCasesToResults, type JUnitParse } from './junit';
import { shorten, type PluginOutput, type PluginFrame, type TestRecord } from './records';

/** Longest failure message kept; pytest's assertion explanations can run to pages. */
export const MAX_MESSAGE_CHARS = 500;

/** Everything `assembleTestRun` reads. */
export interface RunArtifacts {
  root: string;
  /** The command line that ran (program first). */
  command: string[];
  process: ProcessResult;
  /** Parsed `results.jsonl` (empty when the file was missing). */
  plugin: PluginOutput;
  /** Parsed `coverage*.json` from coverage.py, merged across xdist workers; undefined when absent. */
  coveragePy?: Map<string, Record<string, number[]>>;
  /** Parsed JUnit XML, when the file existed. */
  junit?: JUnitParse;
  /** Whether per-test coverage was asked for. */
  coverageRequested: boolean;
  /** Whether the Revise plugin was expected to load (false only for a custom command that may drop it). */
  pluginExpected: boolean;
  totalTimeoutMs: number;
  durationMs: number;
  isFile(absolutePath: string): boolean;
}

/** Builds the `TestRun`; coverage of unreadable files is filtered later by `dropUnreadableFiles`. */
export function assembleTestRun(artifacts: RunArtifacts): TestRun {
  const { root, plugin, process: result } = artifacts;
  const problems: CaptureProblem[] = [...plugin.problems];
  const absolute = (file: string) => path.resolve(root, file);

  let coverageMethod: TestRun['coverageMethod'] = 'none';
  if (plugin.session?.coverage === 'coverage.py') coverageMethod = 'coverage.py';
  else if (plugin.session?.coverage === 'trace' || plugin.session?.coverage === 'sys.monitoring') coverageMethod = 'trace-plugin';
  if (plugin.coverageNotes.length > 0) coverageMethod = 'none';
  const coverageLost = coverageMethod === 'coverage.py' && artifacts.coveragePy === undefined;

  // Later records of the same id win (rerun plugins report each attempt).
  const records = new Map<string, TestRecord>();
  for (const record of plugin.tests) {
    if (record.type === 'interrupted' && (result.cancelled || records.has(record.nodeid))) continue;
    records.set(record.nodeid, record);
  }

  let tests: TestResult[] = [...records.values()].map((record) => {
    const test: TestResult = {
      id: record.nodeid,
      outcome: record.outcome,
      durationMs: Math.round(record.duration * 1e6) / 1e3,
      frames: record.frames.map((frame) => toStackFrame(frame, absolute)),
    };
    if (record.file) test.file = absolute(record.file);
    if (record.line) test.line = record.line;
    if (record.message) test.message = trimMessage(record.message);
    if (record.assertion) test.assertion = shorten(record.assertion.trim(), MAX_MESSAGE_CHARS);
    if (record.timedOut) test.timedOut = true;
    if (record.type === 'interrupted') {
      test.outcome = 'failed';
      if (result.timedOut) {
        // Still running when the total timeout stopped the run: it is the one that did not finish in time.
        test.timedOut = true;
        test.message = `Timeout: stopped by the total timeout of ${formatSeconds(artifacts.totalTimeoutMs)} while this test ran`;
      } else {
        test.message = trimMessage(record.message ?? 'Interrupted: the run stopped while this test ran');
      }
    }
    if (coverageMethod !== 'none' && !coverageLost) {
      const lines = record.coverage ?? artifacts.coveragePy?.get(record.nodeid) ?? {};
      test.coveredLines = normaliseLines(lines, absolute);
    }
    return test;
  });

  let fromJUnit = false;
  // Only when the plugin did not run: with it, an empty list means collection failed, and JUnit's
  // "collection failure" cases would be tests that cannot pass (the modules become failed tests instead).
  if (tests.length === 0 && !plugin.session && artifacts.junit && artifacts.junit.cases.length > 0) {
    tests = junitCasesToResults(artifacts.junit.cases, root, artifacts.isFile);
    fromJUnit = true;
    coverageMethod = 'none';
  }

  // A module that does not collect (syntax error, failing import) becomes a failed test in capture.
  for (const error of plugin.collectErrors) {
    const module = error.nodeid.split('::')[0] ?? '';
    problems.push({
      kind: error.kind,
      message: error.message,
      ...(error.file ? { file: absolute(error.file) } : {}),
      ...(error.line ? { line: error.line } : {}),
      ...(error.column ? { column: error.column } : {}),
      ...(module.endsWith('.py') ? { testFile: absolute(module) } : {}),
      ...(error.frames?.length ? { frames: error.frames.map((frame) => toStackFrame(frame, absolute)) } : {}),
    });
  }

  const exitCode = result.exitCode;
  const stopped = result.timedOut || result.cancelled;
  if (result.timedOut) {
    problems.push({
      kind: 'timeout',
      message: `The test run was stopped after ${formatSeconds(artifacts.totalTimeoutMs)}; the ${tests.length} results gathered so far were kept.`,
    });
  }
  if (result.cancelled) {
    problems.push({ kind: 'cancelled', message: `The test run was cancelled; the ${tests.length} results gathered so far were kept.` });
  }
  if (!stopped) {
    if (exitCode === 5 || (exitCode === 0 && tests.length === 0 && plugin.collectErrors.length === 0)) {
      problems.push({ kind: 'no-tests', message: `pytest collected no tests in ${root}.` });
    } else if (exitCode === null) {
      problems.push({ kind: 'unparsable-output', message: `pytest was killed by a signal before it finished. ${outputTail(result)}`.trim() });
    } else if (exitCode !== 0 && exitCode !== 1 && plugin.collectErrors.length === 0) {
      problems.push(problemFromOutput(exitCode, result, absolute));
    }
  }

  if (!plugin.session && artifacts.pluginExpected && !stopped && exitCode !== 4) {
    problems.push({
      kind: 'unparsable-output',
      message: `Revise's pytest plugin did not report${fromJUnit ? '; outcomes come from the JUnit report' : ''}. ${outputTail(result)}`.trim(),
    });
  }
  if (artifacts.coverageRequested) {
    for (const note of plugin.coverageNotes) problems.push({ kind: 'coverage-unavailable', message: note });
    if (coverageLost && tests.length > 0) {
      problems.push({ kind: 'coverage-unavailable', message: 'coverage.py data was lost: the run was killed before pytest finished.' });
    } else if (coverageMethod === 'none' && plugin.coverageNotes.length === 0 && tests.length > 0) {
      problems.push({
        kind: 'coverage-unavailable',
        message: artifacts.pluginExpected
          ? 'No per-test coverage was recorded.'
          : 'The configured test command did not load Revise\'s pytest plugin, so no per-test coverage was recorded.',
      });
    }
  }

  const testFiles = new Set<string>();
  for (const conftest of plugin.collected?.conftests ?? []) testFiles.add(absolute(conftest));
  // A doctest collected from a source module (`--doctest-modules`) leaves its module code under test:
  // only a test module's own doctests make it a test file.
  const doctests = new Set([...records.values()].filter((record) => record.doctest).map((record) => record.nodeid));
  for (const test of tests) if (test.file && (!doctests.has(test.id) || isPythonTestFile(test.file, root))) testFiles.add(test.file);
  for (const error of plugin.collectErrors) {
    const module = error.nodeid.split('::')[0] ?? '';
    if (module.endsWith('.py')) testFiles.add(absolute(module));
  }
  for (const test of tests) {
    for (const file of Object.keys(test.coveredLines ?? {})) if (isPythonTestFile(file, root)) testFiles.add(file);
  }

  return {
    framework: 'pytest',
    root,
    command: artifacts.command,
    tests,
    problems,
    durationMs: artifacts.durationMs,
    coverageMethod,
    complete: !stopped && (exitCode === 0 || exitCode === 1 || exitCode === 5),
    testFiles: [...testFiles].sort(),
  };
}

function toStackFrame(frame: PluginFrame, absolute: (file: string) => string): StackFrame {
  const stackFrame: StackFrame = { file: absolute(frame.file), line: frame.line };
  if (frame.column) stackFrame.column = frame.column;
  if (frame.function) stackFrame.functionName = frame.function;
  return stackFrame;
}

/** Absolute paths, ascending unique 1-based lines, files with no lines dropped. */
function normaliseLines(lines: Record<string, number[]>, absolute: (file: string) => string): Record<string, number[]> {
  const normalised: Record<string, number[]> = {};
  for (const [file, numbers] of Object.entries(lines)) {
    const unique = [...new Set(numbers.filter((line) => Number.isInteger(line) && line > 0))].sort((a, b) => a - b);
    if (unique.length === 0) continue;
    const key = absolute(file);
    normalised[key] = normalised[key] ? [...new Set([...normalised[key]!, ...unique])].sort((a, b) => a - b) : unique;
  }
  return normalised;
}

/** First non-empty line, cut to `MAX_MESSAGE_CHARS`. */
export function trimMessage(message: string): string {
  const line = message.split('\n').find((part) => part.trim() !== '') ?? message;
  return shorten(line.trim(), MAX_MESSAGE_CHARS);
}

function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}

function outputTail(result: ProcessResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.length > 0 ? `Last output: ${shorten(lines.slice(-3).join(' | '), 400)}` : '';
}

/**
 * A problem for a run pytest could not start or finish (usage error, conftest that does not import,
 * internal error), placed at the last file/line its output names.
 */
function problemFromOutput(exitCode: number, result: ProcessResult, absolute: (file: string) => string): CaptureProblem {
  const text = `${result.stderr}\n${result.stdout}`;
  const kind: CaptureProblem['kind'] = /\b(SyntaxError|IndentationError|TabError)\b/.test(text) ? 'syntax-error' : 'collection-error';
  const errorLine =
    [...text.matchAll(/^\s*(?:E\s+)?((?:\w+\.)*\w*(?:Error|Exception)\b.*)$/gm)].pop()?.[1] ??
    [...text.matchAll(/^\s*(ERROR:.*)$/gm)].pop()?.[1] ??
    text.trim().split('\n').pop() ??
    '';
  const problem: CaptureProblem = {
    kind,
    message: shorten(`pytest stopped with exit code ${exitCode}: ${errorLine.trim()}`, MAX_MESSAGE_CHARS),
  };
  const pythonStyle = [...text.matchAll(/File "([^"]+\.py)", line (\d+)/g)].pop();
  const pytestStyle = [...text.matchAll(/^(\S+\.py):(\d+)(?::|\s)/gm)].pop();
  const place = pythonStyle ?? pytestStyle;
  if (place) {
    problem.file = absolute(place[1]!);
    problem.line = Number(place[2]);
  } else {
    const conftest = /loading conftest '([^']+)'/.exec(text);
    if (conftest) problem.file = absolute(conftest[1]!);
  }
  return problem;
}
