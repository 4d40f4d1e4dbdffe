/**
 * Shared pieces of the repair and output-bouncer benchmarks on HumanEvalFix: the task loader (with the
 * visible `example_test` and the hidden `test`), the per-task project writer, the hidden-test judge,
 * the cached record format, and small statistics helpers.
 *
 * The data is read from `--data` (default `../shared/data` next to the repository) and never copied
 * into the repository. Cached records go to `bench/results/tmp/` (gitignored).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PatchEvidence, PatchStats } from '../../extension/src/core/patch/types';
import type { Logger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { Decision, LineScore, Patch, TestRun } from '../../extension/src/core/types';
import { spawnSync } from 'node:child_process';
import { splitStatements, testFunctionBody, topLevelNames } from '../localize-js/driver';
import { splitHumanEvalTest } from '../localize/python';

/** Languages of the repair benchmark. */
import type { BenchLanguage } from '../localize/common';

export type RepairLanguage = BenchLanguage;

/**
 * What Revise sees of a task's tests. `examples`: the docstring examples (`example_test`) only.
 * `extended`: those plus every other assert (even-indexed: the 1st, 3rd, …) of the hidden `test`, minus
 * those already among the examples, still one test per assert. The full hidden `test` judges either.
 */
export type Visibility = 'examples' | 'extended';

/** A record set: one language at one visibility, cached apart (`python`, `js`, `python-extended`, …). */
export interface RecordSet {
  name: string;
  language: RepairLanguage;
  visibility: Visibility;
}

/** The record set of a language and visibility; `examples` keeps the plain language name of the first runs. */
export function recordSet(language: RepairLanguage, visibility: Visibility = 'examples'): RecordSet {
  return { name: visibility === 'examples' ? language : `${language}-${visibility}`, language, visibility };
}

/** `python`, `js`, `python-extended`, `js-extended` → the record set; anything else throws. */
export function parseRecordSet(name: string): RecordSet {
  const match = /^(python|js)(?:-(examples|extended))?$/.exec(name.trim());
  if (!match) throw new Error(`unknown record set ${name}; expected python, js, python-extended or js-extended`);
  return recordSet(match[1] as RepairLanguage, (match[2] ?? 'examples') as Visibility);
}

/** Repository root, from out/bench/repair at run time. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Where per-task records are cached (gitignored). */
export const cacheRoot = path.join(repoRoot, 'bench', 'results', 'tmp');
/** Where result files go. */
export const resultsRoot = path.join(repoRoot, 'bench', 'results');
/** Debian's interpreter, which has pytest and coverage.py. */
export const PYTHON = '/usr/bin/python3';

/** One HumanEvalFix task: Revise sees `exampleTest` (or more, see `Visibility`); `test` judges. */
export type RepairTask = HumanEvalFixTask;

/** Loads HumanEvalFix for one language from `<dataDir>/humanevalfix/`. */
export const loadRepairTasks: (dataDir: string, language: RepairLanguage) => RepairTask[] = loadHumanEvalFix;

/** The project files of a task as Revise sees it: the buggy source and one test per visible assert. */
export function visibleProjectFiles(task: RepairTask, visibility: Visibility = 'examples'): Record<string, string> {
  if (task.language === 'python') {
    const files: Record<string, string> = { 'solution.py': task.buggySource };
    // Six Python tasks have no docstring examples: with `examples` the project then has no tests at all.
    const visible = visibility === 'extended' ? extendedPythonTest(task) : task.exampleTest;
    if (visible.trim() !== '') files['test_solution.py'] = splitHumanEvalTest(visible, task.entryPoint, 'solution');
    return files;
  }
  return javascriptProjectFiles(task, visibility);
}

const extendScript = path.join(repoRoot, 'bench', 'repair', 'extend_tests.py');

/**
 * Python, `extended`: one HumanEval `check` with the examples' statements, then the hidden check's
 * setup and its even-indexed asserting statements not already among the examples (`extend_tests.py`).
 */
export function extendedPythonTest(task: RepairTask): string {
  const result = spawnSync(PYTHON, [extendScript], { input: JSON.stringify({ example_test: task.exampleTest, test: task.test }), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`extend_tests.py failed on ${task.taskId}: ${result.stderr}`);
  return result.stdout;
}

/** `console.assert(…)` text without whitespace or a trailing semicolon, to find the same assert twice. */
function normalisedAssert(statement: string): string {
  return statement.replace(/\s+/g, '').replace(/;+$/, '');
}

/**
 * JavaScript, `extended`: the hidden test's asserting statements (top-level statements of its test
 * function that contain `console.assert`), each with the statements without an assert before it as
 * setup; the even-indexed ones (0, 2, 4, …) are kept unless the same assert is among the examples.
 */
export function extendedJavaScriptAsserts(task: RepairTask, examples: string[]): string[] {
  const seen = new Set(examples.map(normalisedAssert));
  const statements = splitStatements(testFunctionBody(task.test));
  const kept: string[] = [];
  const setup: string[] = [];
  let index = 0;
  for (const statement of statements) {
    if (!statement.includes('console.assert')) {
      setup.push(statement);
      continue;
    }
    const keep = index % 2 === 0 && !(setup.length === 0 && seen.has(normalisedAssert(statement)));
    index++;
    if (keep) kept.push([...setup, statement].join('\n'));
  }
  return kept;
}

/**
 * JavaScript: `solution.js` exports the entry point; `test/solution.test.js` has one node:test test per
 * visible `console.assert` (of `example_test`, and with `extended` the kept hidden asserts with their
 * setup), with `console.assert` made to throw (it only logs in Node).
 */
export function javascriptProjectFiles(task: RepairTask, visibility: Visibility = 'examples'): Record<string, string> {
  // The hidden tests may call other functions of the declaration (`decodeCyclic(encodeCyclic(…))`): export
  // them all then. The entry point only when declared (JavaScript/114 names it `minSubarraySum`, declares `minSubArraySum`).
  const declared = topLevelNames(task.buggySource);
  const exported =
    visibility === 'extended' ? [...new Set([...(declared.length === 0 || declared.includes(task.entryPoint) ? [task.entryPoint] : []), ...declared])] : [task.entryPoint];
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'task', private: true, type: 'commonjs', scripts: { test: 'node --test' } }, null, 2) + '\n',
    'solution.js': `${task.buggySource}\nmodule.exports = { ${exported.join(', ')} };\n`,
  };
  const examples = splitJavaScriptAsserts(task.exampleTest);
  const asserts = visibility === 'extended' ? [...examples, ...extendedJavaScriptAsserts(task, examples)] : examples;
  if (asserts.length === 0) return files;
  const lines = [
    "'use strict';",
    "const test = require('node:test');",
    "const assert = require('node:assert');",
    `const { ${exported.join(', ')} } = require('../solution.js');`,
    '// console.assert only logs in Node; the HumanEval tests rely on it throwing.',
    'console.assert = (condition, ...message) => { if (!condition) throw new assert.AssertionError({ message: message.join(" ") || "console.assert failed" }); };',
    '',
  ];
  asserts.forEach((statement, index) => {
    lines.push(`test('test_${String(index).padStart(3, '0')}', () => {`, `  ${statement}`, '});', '');
  });
  files['test/solution.test.js'] = lines.join('\n');
  return files;
}

/** The `console.assert(...)` statements of a JavaScript `check` (balanced parentheses, strings skipped). */
export function splitJavaScriptAsserts(text: string): string[] {
  const found: string[] = [];
  const marker = 'console.assert(';
  let index = text.indexOf(marker);
  while (index >= 0) {
    let depth = 0;
    let end = index + marker.length - 1;
    let quote: string | undefined;
    for (; end < text.length; end++) {
      const char = text[end];
      if (quote) {
        if (char === '\\') end++;
        else if (char === quote) quote = undefined;
        continue;
      }
      if (char === '"' || char === "'" || char === '`') quote = char;
      else if (char === '(') depth++;
      else if (char === ')' && --depth === 0) break;
    }
    found.push(`${text.slice(index, end + 1)};`);
    index = text.indexOf(marker, end);
  }
  return found;
}

/** Writes `files` (relative path → text) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const target = path.join(dir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
}

/** Runs `body` in a fresh temp folder (real path) that is removed afterwards, whatever happens. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return await body(fs.realpathSync(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The verdict of the hidden tests on one patched source. */
export interface HiddenVerdict {
  passed: boolean;
  /** Why it failed: the last line of the error output, or "timed out". */
  message?: string;
}

const judgeRunner = new NodeProcessRunner();

/**
 * Runs the task's full hidden `test` against `source` in its own temp folder (never the project Revise
 * worked on), with a time limit: a patch that loops forever is wrong.
 */
export async function judgeWithHiddenTests(task: RepairTask, source: string, timeoutMs = 20_000, extraFiles: Record<string, string> = {}): Promise<HiddenVerdict> {
  return withTempDir('revise-judge-', async (dir) => {
    writeFiles(dir, extraFiles);
    let program: string;
    let args: string[];
    if (task.language === 'python') {
      writeFiles(dir, { 'solution.py': source, 'judge.py': `from solution import *\n${task.test}\n` });
      program = PYTHON;
      args = ['judge.py'];
    } else {
      const throwing = 'console.assert = (condition, ...message) => { if (!condition) throw new Error("assertion failed: " + message.join(" ")); };\n';
      writeFiles(dir, { 'solution.js': source, 'judge.js': `${throwing}${source}\n${task.test}\n` });
      program = process.execPath;
      args = ['judge.js'];
    }
    const result = await judgeRunner.run(program, args, { cwd: dir, timeoutMs });
    if (result.timedOut) return { passed: false, message: 'timed out' };
    if (result.exitCode === 0) return { passed: true };
    const lines = `${result.stderr}\n${result.stdout}`.split('\n').filter((line) => line.trim() !== '');
    // Python's last line names the error; Node prints its version last, the error earlier.
    const message = lines.find((line) => /^\w*(?:Error|Exception)\b/.test(line.trim())) ?? lines[lines.length - 1];
    return { passed: false, message: message?.trim().slice(0, 200) ?? `exit ${String(result.exitCode)}` };
  });
}

/** One returned patch of a task, with what the benchmark learned about it. */
export interface PatchRecord {
  patch: Patch;
  evidence?: PatchEvidence;
  /** Verdict of the hidden tests (validated patches only). */
  hidden?: HiddenVerdict;
  /** Scores of the patched lines after the repair outcomes re-ranked the suspects. */
  lineScores: { line: number; score: number; rank: number }[];
  /** True when the patch edits an annotated buggy line (or the line after which code is missing). */
  touchesBuggyLine: boolean;
  /** The template's prior and variant from the candidate search. */
  prior?: number;
}

/** Everything one task's run of the pipeline produced, cached as JSON. */
export interface RepairRecord {
  taskId: string;
  language: RepairLanguage;
  /** What Revise saw of the tests; absent in records made before the option existed (`examples`). */
  visibility?: Visibility;
  bugType: string;
  buggyLines: number[];
  missingAfter: number[];
  docstring: string;
  /** The project as Revise saw it (relative path → text), to rebuild it for the output bouncer. */
  files: Record<string, string>;
  /** The temp root the pipeline ran in (absolute paths in `run`, `scores` and `patches` start with it). */
  root: string;
  /** How the task ended. */
  status: 'no-visible-tests' | 'nothing-to-fix' | 'searched' | 'error';
  error?: string;
  visibleTests: number;
  baselineFailed: number;
  run: TestRun;
  /** Suspects after re-ranking, best first (at most 20). */
  scores: LineScore[];
  patches: PatchRecord[];
  stats?: PatchStats;
  decision?: Decision;
  timingsMs: Record<string, number>;
  /** Milliseconds from the start of the check to the first validated patch. */
  firstValidatedFromStartMs?: number;
  /** Settings the pipeline ran with. */
  settings: { perTestTimeoutMs: number; patchTimeMs: number; maxCandidates: number; workers: number; maxLines: number };
  /** Wall-clock milliseconds of the whole task (pipeline and judging). */
  wallMs: number;
}

/** Cache file of one task. */
export function recordPath(kind: string, taskId: string): string {
  return path.join(cacheRoot, kind, `${taskId.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
}

/** Reads a cached JSON file, or undefined. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes JSON, creating the folder. */
export function writeJson(file: string, value: unknown, pretty = false): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, pretty ? 2 : undefined) + (pretty ? '\n' : ''));
}

/** Every cached record of one kind folder, in task order. */
export function readRecords<T extends { taskId: string }>(kind: string): T[] {
  const folder = path.join(cacheRoot, kind);
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => readJson<T>(path.join(folder, name)))
    .filter((record): record is T => record !== undefined)
    .sort((a, b) => taskNumber(a.taskId) - taskNumber(b.taskId));
}

/** `Python/12` → 12. */
export function taskNumber(taskId: string): number {
  return Number(/\d+$/.exec(taskId)?.[0] ?? '0');
}

// Command-line options are read the same way as the localization benches'.
import { languageOption, loadHumanEvalFix, type HumanEvalFixTask } from '../localize/common';
export { dataDirectory, languageOption, parseArguments } from '../localize/common';

/** `--visible examples|extended`, default examples. */
export function visibilityOption(options: Map<string, string>): Visibility {
  const visibility = options.get('visible') ?? 'examples';
  if (visibility !== 'examples' && visibility !== 'extended') throw new Error(`unknown visibility ${visibility}; expected examples or extended`);
  return visibility;
}

/** The record set named by `--language` and `--visible`. */
export function recordSetOption(options: Map<string, string>): RecordSet {
  return recordSet(languageOption(options), visibilityOption(options));
}

/**
 * The record sets a fit pools and the name of its result files: `--sets a,b,…` (names as in
 * `parseRecordSet`, duplicates once), else `--language X` with `--visible V` (one set; `all` means
 * python and js). The name is the language (`python`, `all`, `python-extended`, `all-extended`) for
 * the shorthand, else the sets joined by `+` (`python+python-extended`).
 */
export function recordSetsOption(options: Map<string, string>): { sets: RecordSet[]; name: string } {
  const listed = options.get('sets');
  if (listed !== undefined) {
    if (options.has('language') || options.has('visible')) throw new Error('give either --sets or --language/--visible, not both');
    const sets: RecordSet[] = [];
    for (const item of listed.split(',').filter((part) => part.trim() !== '')) {
      const set = parseRecordSet(item);
      if (!sets.some((other) => other.name === set.name)) sets.push(set);
    }
    if (sets.length === 0) throw new Error('--sets names no record set');
    return { sets, name: sets.map((set) => set.name).join('+') };
  }
  const visibility = visibilityOption(options);
  if (options.get('language') === 'all') {
    return { sets: [recordSet('python', visibility), recordSet('js', visibility)], name: visibility === 'examples' ? 'all' : `all-${visibility}` };
  }
  const set = recordSet(languageOption(options), visibility);
  return { sets: [set], name: set.name };
}

/** What Revise saw, in words, for reports. */
export function visibilityDescription(visibility: Visibility): string {
  return visibility === 'examples'
    ? 'only the docstring examples (`example_test`, one test per assert)'
    : 'the docstring examples (`example_test`) plus every other assert of the hidden `test` (the 1st, 3rd, …; those already among the examples once), one test per assert';
}

/** Value at quantile `q` (nearest rank) of `values`, or undefined when empty. */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Rounds to 3 decimals. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** "42.1 %" */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`;
}

/** Deterministic fold of a task for k-fold cross-validation: a hash of its id and `salt`, so folds mix task families. */
export function foldOf(taskId: string, folds: number, salt = ''): number {
  return createHash('sha256').update(`${taskId}|${salt}`).digest().readUInt32BE(0) % folds;
}

/**
 * The training and testing parts of fold `fold` of `folds`, grouped by the bare task id (`Python/12`):
 * every item of a task, whichever record set it comes from, is on the same side, so no task leaks
 * from training into testing.
 */
export function splitFold<T extends { taskId: string }>(items: T[], fold: number, folds: number, salt = ''): { training: T[]; testing: T[] } {
  const training: T[] = [];
  const testing: T[] = [];
  for (const item of items) (foldOf(item.taskId, folds, salt) === fold ? testing : training).push(item);
  return { training, testing };
}

/** Collects warnings and errors so a record can say what went wrong. */
export function collectingLogger(sink: string[]): Logger {
  return {
    trace() {},
    debug() {},
    info() {},
    warn(message) {
      sink.push(`warn: ${message}`);
    },
    error(message) {
      sink.push(`error: ${message}`);
    },
  };
}
