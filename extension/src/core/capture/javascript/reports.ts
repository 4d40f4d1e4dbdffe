/**
 * Reads each framework's machine-readable report into one shape: node:test events from Revise's
 * reporter, Jest's `--json` report, Vitest's JSON reporter (Jest-compatible), Mocha's JSON reporter.
 * Pure functions over text and parsed JSON, tested with hand-made input as well as real runs.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureProblem, Framework, TestOutcome } from '../../types';
import { messageOf, stripAnsi } from './stack';

/** One test from a framework's report. */
export interface ReportedTest {
  /** Absolute path of the test file as the framework reports it (maybe generated JavaScript). */
  file?: string;
  /** Names from the outermost suite to the test. */
  titles: string[];
  /** The framework's full name, the same string Revise's runtime records for the test. */
  name: string;
  outcome: TestOutcome;
  durationMs: number;
  /** The failure's message, one line. */
  message?: string;
  /** The failure's text with its V8 stack (`at …` lines). */
  stack?: string;
  /** Where the test is defined, in the coordinates of `file`. */
  line?: number;
  column?: number;
  timedOut?: boolean;
}

/** What a report held. */
export interface ParsedReport {
  tests: ReportedTest[];
  problems: CaptureProblem[];
  /** False when there was no report to read at all. */
  found: boolean;
}

/** The full name each framework uses for a test (and Revise's runtime records). */
export function fullName(framework: Framework, titles: string[]): string {
  return titles.join(framework === 'node:test' ? ' > ' : ' ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function toAbsolute(file: string | undefined, root: string): string | undefined {
  if (!file) return undefined;
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  return path.resolve(root, file);
}

interface NodeTestEvent {
  type: string;
  message?: string;
  name?: string;
  nesting?: number;
  file?: string;
  line?: number;
  column?: number;
  skip?: boolean;
  todo?: boolean;
  durationMs?: number;
  kind?: string;
  error?: { failureType?: string; code?: string; name?: string; message?: string; stack?: string; outerMessage?: string };
}

/**
 * Reads the JSON lines written by `extension/javascript/node-test-reporter.mjs`. Suites are left out, and
 * so are tests whose only failure is a failing subtest (the subtest is reported itself). A failure of a
 * whole file (it did not load, or its process died) becomes a problem, not a test.
 */
export function parseNodeTestEvents(text: string, root: string): ParsedReport {
  const tests: ReportedTest[] = [];
  const problems: CaptureProblem[] = [];
  const stacks = new Map<string, string[]>();
  const hasChildren = new Set<string>();
  const stderr = new Map<string, string>();
  let found = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: NodeTestEvent;
    try {
      const value: unknown = JSON.parse(line);
      if (!isRecord(value) || typeof value.type !== 'string') continue;
      event = value as unknown as NodeTestEvent;
    } catch {
      continue;
    }
    found = true;
    const file = toAbsolute(event.file, root);
    const nesting = event.nesting ?? 0;
    const fileKey = file ?? '';
    let stack = stacks.get(fileKey);
    if (!stack) {
      stack = [];
      stacks.set(fileKey, stack);
    }
    if (event.type === 'test:stderr') {
      if (typeof event.message === 'string') stderr.set(fileKey, (stderr.get(fileKey) ?? '') + event.message);
      continue;
    }
    if (event.type === 'test:start' && event.name !== undefined) {
      stack.length = nesting;
      stack[nesting] = event.name;
      if (nesting > 0) hasChildren.add(`${fileKey}\0${stack.slice(0, nesting).join('\0')}`);
      continue;
    }
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.name === undefined) continue;
    const titles = [...stack.slice(0, nesting), event.name];
    const isFileLevel = nesting === 0 && file !== undefined && toAbsolute(event.name, root) === file;
    if (isFileLevel) {
      if (event.type === 'test:fail' && event.error?.failureType !== 'subtestsFailed') {
        const reported = event.error?.stack ?? event.error?.message ?? '';
        const problem: CaptureProblem = loadFailure(stderr.get(fileKey) ?? '', root) ??
          loadFailure(reported, root) ?? {
            kind: 'collection-error' as const,
            message: `${path.relative(root, file) || file}: ${messageOf(reported || 'the file failed')}`,
            file,
          };
        // Each test file that imports a broken module fails with it (capture makes it a failed test).
        problem.testFile = file;
        problem.file ??= file;
        if (!problems.some((known) => known.testFile === file)) problems.push(problem);
      }
      continue;
    }
    if (event.kind === 'suite') continue;
    const parentKey = `${fileKey}\0${titles.join('\0')}`;
    const failureType = event.error?.failureType;
    if (hasChildren.has(parentKey) && (event.type === 'test:pass' || failureType === 'subtestsFailed')) continue;
    let outcome: TestOutcome = event.type === 'test:pass' ? 'passed' : 'failed';
    if (event.skip || event.todo) outcome = 'skipped';
    const test: ReportedTest = { titles, name: fullName('node:test', titles), outcome, durationMs: event.durationMs ?? 0 };
    if (file) test.file = file;
    if (event.line !== undefined) test.line = event.line;
    if (event.column !== undefined) test.column = event.column;
    if (outcome === 'failed' && event.error) {
      const error = event.error;
      const head = error.name && error.message !== undefined && !(error.stack ?? '').startsWith(error.name) ? `${error.name}: ${error.message}` : undefined;
      test.message = messageOf(head ?? error.stack ?? error.message ?? error.outerMessage ?? 'failed');
      if (error.stack) test.stack = error.stack;
      if (failureType === 'testTimeoutFailure') test.timedOut = true;
    }
    tests.push(test);
  }
  return { tests, problems, found };
}

/**
 * The error that stopped a file from loading, from what its process printed or the framework reported:
 * Node prints the failing location (`/path/file.js:7`), the source line, a caret line, then
 * `SyntaxError: …` (or another error and its stack); Babel (Jest) says `SyntaxError: /path/file.js: … (7:4)`;
 * esbuild (Vitest, tsx) `/path/file.ts:7:4: ERROR: …`; tsc `file.ts(7,4): error TS1005: …`. Undefined when
 * the text holds no such error.
 */
export function loadFailure(stderr: string, root: string): CaptureProblem | undefined {
  const text = stripAnsi(stderr);
  const error =
    /^[ \t]*(?:Exception during run: )?(?:[\w$.]*Error|Error)(?: \[[A-Z_]+\]|\[ @[^\]\n]+ \])?: .*$/m.exec(text) ??
    /^.*\bERROR: .*$/m.exec(text) ??
    /^.*\berror TS\d+: .*$/m.exec(text);
  if (!error) return undefined;
  const place = loadErrorPlace(text, error.index, root);
  const header = error[0].trim().replace(/^Exception during run: /, '');
  const kind = /^(SyntaxError|TSError)|ERROR: |error TS\d+|Transform failed/.test(header) ? 'syntax-error' : 'collection-error';
  const shownPlace = place ? `${path.relative(root, place.file) || place.file}${place.line !== undefined ? `:${place.line}` : ''}: ` : '';
  const alreadyPlaced = place && header.includes(place.file);
  return {
    kind,
    message: `${alreadyPlaced ? '' : shownPlace}${header}`,
    ...(place ? { file: place.file, ...(place.line !== undefined ? { line: place.line } : {}), ...(place.column ? { column: place.column } : {}) } : {}),
  };
}

function inProject(file: string | undefined, root: string): file is string {
  return file !== undefined && !file.split(/[\\/]/).includes('node_modules') && (file === root || file.startsWith(root + path.sep) || !path.isAbsolute(file));
}

/** Where a load error is, from the text around its header at `errorIndex`. */
function loadErrorPlace(text: string, errorIndex: number, root: string): { file: string; line?: number; column?: number } | undefined {
  const candidates: Array<{ file: string | undefined; line?: number; column?: number }> = [];
  const header = text.slice(errorIndex).split('\n')[0] ?? '';
  // Babel: `SyntaxError: /abs/file.js: Unexpected token (7:4)`.
  const babel = /((?:file:\/\/)?\/[^\s:]+|[A-Za-z]:\\[^\s:]+): .*\((\d+):(\d+)\)/.exec(header);
  if (babel) candidates.push({ file: toAbsolute(babel[1], root), line: Number(babel[2]), column: Number(babel[3]) + 1 });
  // esbuild: `/abs/file.ts:7:4: ERROR: …`; tsc: `src/x.ts(7,4): error TS…` or `src/x.ts:7:4 - error TS…`.
  const following = text.slice(errorIndex).split('\n').slice(0, 3).join('\n');
  const esbuild = /((?:file:\/\/)?[^\s:(]+\.[cm]?[jt]sx?):(\d+):(\d+):? (?:ERROR|- error)/.exec(following);
  if (esbuild) candidates.push({ file: toAbsolute(esbuild[1], root), line: Number(esbuild[2]), column: Number(esbuild[3]) + 1 });
  const tsc = /([^\s(]+\.[cm]?tsx?)\((\d+),(\d+)\): error TS/.exec(header);
  if (tsc) candidates.push({ file: toAbsolute(tsc[1], root), line: Number(tsc[2]), column: Number(tsc[3]) });
  // Node: the location line printed before the error.
  const before = text.slice(0, errorIndex);
  const node = [...before.matchAll(/^((?:file:\/\/)?\/[^\n:]+|[A-Za-z]:\\[^\n:]+):(\d+)$/gm)].pop();
  if (node) candidates.push({ file: toAbsolute(node[1], root), line: Number(node[2]) });
  // Otherwise the innermost project frame of the error's stack.
  const frames = parseStackFrames(text.slice(errorIndex));
  const frame = frames.find((candidate) => inProject(candidate.file, root));
  if (frame) candidates.push(frame);
  // Mocha: `SyntaxError[ @/abs/test/x.test.js ]: …`, the file whose import failed (no line).
  const mocha = /\[ @([^\]\n]+) \]/.exec(header);
  if (mocha) candidates.push({ file: toAbsolute(mocha[1]!.trim(), root) });
  const found = candidates.find((candidate) => inProject(candidate.file, root));
  if (!found?.file) return undefined;
  return { file: found.file, ...(found.line !== undefined ? { line: found.line } : {}), ...(found.column ? { column: found.column } : {}) };
}

/** `at …(file:line:col)` frames, innermost first, of project and dependency files (not Node's internals). */
function parseStackFrames(text: string): Array<{ file: string; line: number; column?: number }> {
  const frames: Array<{ file: string; line: number; column?: number }> = [];
  for (const match of text.matchAll(/^\s*at (?:.*?\()?((?:file:\/\/)?\/[^\s()]+|[A-Za-z]:\\[^\s()]+):(\d+):(\d+)\)?\s*$/gm)) {
    const file = toAbsolute(match[1], '/');
    if (file) frames.push({ file, line: Number(match[2]), column: Number(match[3]) });
  }
  return frames;
}

/**
 * Reads a Jest `--json` report or Vitest's JSON reporter output (the same shape). File-level failures
 * (a syntax error, a failing import) become `collection-error` problems.
 */
export function parseJestLikeReport(report: Record<string, unknown>, framework: 'jest' | 'vitest', root: string): ParsedReport {
  const tests: ReportedTest[] = [];
  const problems: CaptureProblem[] = [];
  const files = Array.isArray(report.testResults) ? report.testResults : [];
  for (const fileResult of files) {
    if (!isRecord(fileResult)) continue;
    const file = toAbsolute(asString(fileResult.name) ?? asString(fileResult.testFilePath), root);
    const assertions = Array.isArray(fileResult.assertionResults) ? fileResult.assertionResults : [];
    const fileMessage = asString(fileResult.message) ?? asString(fileResult.failureMessage);
    if (fileMessage && stripAnsi(fileMessage).trim() !== '' && (assertions.length === 0 || fileResult.status === 'failed') && !assertions.some((entry) => isRecord(entry) && entry.status === 'failed')) {
      const text = fileMessage.replace(/^\s*●[^\n]*\n/, '');
      const placed = loadFailure(text, root);
      problems.push({
        kind: /SyntaxError|ERROR: |error TS\d+|Transform failed/.test(fileMessage) ? 'syntax-error' : 'collection-error',
        message: placed?.file ? placed.message : `${file ? path.relative(root, file) || file : 'a test file'}: ${messageOf(text)}`,
        ...(placed?.file ? { file: placed.file } : file ? { file } : {}),
        ...(placed?.line !== undefined ? { line: placed.line } : {}),
        ...(placed?.column !== undefined ? { column: placed.column } : {}),
        ...(file ? { testFile: file } : {}),
      });
    }
    for (const entry of assertions) {
      if (!isRecord(entry)) continue;
      const ancestors = Array.isArray(entry.ancestorTitles) ? entry.ancestorTitles.filter((title): title is string => typeof title === 'string') : [];
      const title = asString(entry.title) ?? asString(entry.fullName) ?? '';
      const titles = [...ancestors, title];
      const status = asString(entry.status) ?? '';
      const outcome: TestOutcome = status === 'passed' ? 'passed' : status === 'failed' ? 'failed' : 'skipped';
      const test: ReportedTest = { titles, name: fullName(framework, titles), outcome, durationMs: asNumber(entry.duration) ?? 0 };
      if (file) test.file = file;
      const location = isRecord(entry.location) ? entry.location : undefined;
      const line = asNumber(location?.line);
      const column = asNumber(location?.column);
      if (line !== undefined) test.line = line;
      if (column !== undefined) test.column = column;
      const failures = Array.isArray(entry.failureMessages) ? entry.failureMessages.filter((message): message is string => typeof message === 'string') : [];
      if (outcome === 'failed') {
        const first = stripAnsi(failures[0] ?? 'failed');
        test.message = messageOf(first);
        test.stack = first;
        if (/Exceeded timeout of \d+ ?ms|Test timed out in \d+ ?ms/i.test(first)) test.timedOut = true;
      }
      tests.push(test);
    }
  }
  return { tests, problems, found: true };
}

/**
 * Reads Mocha's JSON reporter output. Its titles are only the space-joined full title; the runtime's
 * records supply the title path when they exist. Failing hooks (`"before each" hook for …`) are reported
 * as failed tests, the way Mocha counts them.
 */
export function parseMochaReport(report: Record<string, unknown>, root: string): ParsedReport {
  const tests: ReportedTest[] = [];
  const seen = new Set<string>();
  const entries = (key: string) => (Array.isArray(report[key]) ? (report[key] as unknown[]).filter(isRecord) : []);
  const failures = new Map<string, Record<string, unknown>>();
  for (const failure of entries('failures')) failures.set(`${asString(failure.file) ?? ''}\0${asString(failure.fullTitle) ?? ''}`, failure);
  const pending = new Set(entries('pending').map((test) => `${asString(test.file) ?? ''}\0${asString(test.fullTitle) ?? ''}`));
  const add = (entry: Record<string, unknown>) => {
    const fullTitle = asString(entry.fullTitle) ?? asString(entry.title) ?? '';
    const key = `${asString(entry.file) ?? ''}\0${fullTitle}`;
    if (seen.has(key)) return;
    seen.add(key);
    const failure = failures.get(key);
    const outcome: TestOutcome = failure ? 'failed' : pending.has(key) ? 'skipped' : 'passed';
    const test: ReportedTest = { titles: [fullTitle], name: fullTitle, outcome, durationMs: asNumber(entry.duration) ?? 0 };
    const file = toAbsolute(asString(entry.file), root);
    if (file) test.file = file;
    const error = failure && isRecord(failure.err) ? failure.err : undefined;
    if (outcome === 'failed') {
      const stack = absoluteStackPaths(asString(error?.stack), root);
      const message = asString(error?.message);
      test.message = messageOf(stack && message && stack.includes(message) ? stack : message ?? stack ?? 'failed');
      if (stack) test.stack = stack;
      if (/Timeout of \d+ms exceeded/.test(message ?? '')) test.timedOut = true;
    }
    tests.push(test);
  };
  for (const entry of entries('tests')) add(entry);
  for (const entry of entries('pending')) add(entry);
  for (const entry of entries('failures')) add(entry);
  return { tests, problems: [], found: true };
}

/**
 * Mocha's stack filter shortens paths under the working directory to relative ones
 * (`at Context.<anonymous> (test/x.test.js:7:12)`); they are made absolute again so frames keep them.
 */
export function absoluteStackPaths(stack: string | undefined, root: string): string | undefined {
  return stack?.replace(/^(\s*at (?:.*?\()?)((?!node:|internal\/|file:|\/|[A-Za-z]:\\)[^\s()]+\.[cm]?[jt]sx?)(:\d+:\d+\)?\s*)$/gm, (_, head: string, file: string, tail: string) => `${head}${path.resolve(root, file)}${tail}`);
}

/** True for a Jest or Vitest JSON report. */
export function looksLikeJestReport(value: Record<string, unknown>): boolean {
  return Array.isArray(value.testResults) && ('numTotalTests' in value || 'success' in value);
}

/** True for a Mocha JSON report. */
export function looksLikeMochaReport(value: Record<string, unknown>): boolean {
  return isRecord(value.stats) && Array.isArray(value.tests);
}
