/**
 * Shared pieces of the localization benchmarks: the cached case format, the HumanEvalFix loader,
 * command-line parsing, and per-language drivers. The language is a parameter everywhere so the
 * JavaScript benchmark can plug in a driver without touching the scoring or fitting code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SourceReader } from '../../extension/src/core/ports';
import type { TestRun } from '../../extension/src/core/types';

/** Languages the benchmark knows; each needs a `LanguageDriver`. */
export type BenchLanguage = 'python' | 'js';

/** Repository root, from out/bench/localize at run time. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Where captured runs are cached (gitignored). */
export const cacheRoot = path.join(repoRoot, 'bench', 'results', 'tmp');
/** Where result files go. */
export const resultsRoot = path.join(repoRoot, 'bench', 'results');

/** One buggy program with its captured test run, as stored in the cache. */
export interface CaseRecord {
  /** Unique, e.g. `humanevalfix/Python/0` or `mutant/stats/17`. */
  id: string;
  origin: 'humanevalfix' | 'mutant';
  /** Cross-validation group: the task, or the program a mutant came from. */
  group: string;
  language: BenchLanguage;
  /** Path of the file holding the bug, relative to `run.root`. */
  sourceFile: string;
  /** 1-based faulty lines in `sourceFile` (may be empty for insert-only bugs). */
  buggyLines: number[];
  /** Lines after which the fix inserts code (HumanEvalFix insert-only bugs). */
  missingAfter: number[];
  /** HumanEvalFix bug type, or the mutation operator. */
  bugType: string;
  /** Every file of the project, relative path → text, so scoring needs no project on disk. */
  files: Record<string, string>;
  run: TestRun;
}

/** A HumanEvalFix task with its buggy source assembled as the line annotations expect. */
export interface HumanEvalFixTask {
  taskId: string;
  language: BenchLanguage;
  /** `prompt + buggy_solution` (Python) or `declaration + buggy_solution` (JavaScript). */
  buggySource: string;
  /** The docstring examples as a `check()` function (the repair benches' visible tests). */
  exampleTest: string;
  /** The full hidden `check()`. */
  test: string;
  entryPoint: string;
  bugType: string;
  /** The task's description (docstring), for the input bouncer's vagueness. */
  docstring: string;
  /** 1-based lines of `buggySource` that differ from the canonical solution. */
  buggyLines: number[];
  missingAfter: number[];
}

/** Writes a task's project to a folder and runs its tests with the real capture. */
export interface LanguageDriver {
  language: BenchLanguage;
  /** Writes the project into `dir`; returns the buggy file's relative path and every file written. */
  writeTaskProject(task: HumanEvalFixTask, dir: string): Promise<{ sourceFile: string; files: Record<string, string> }>;
  /** Runs the project's tests in `dir` with per-test coverage. */
  capture(dir: string, signal?: AbortSignal): Promise<TestRun>;
}

interface RawTask {
  task_id: string;
  prompt: string;
  declaration: string;
  buggy_solution: string;
  example_test: string;
  test: string;
  entry_point: string;
  bug_type: string;
  docstring?: string;
}

interface RawBuggyLines {
  task_id: string;
  bug_type: string;
  buggy_lines_in_prompt_plus_buggy_solution: number[];
  missing_code_after_line: number[];
}

/** Loads HumanEvalFix for one language from `<dataDir>/humanevalfix/`. */
export function loadHumanEvalFix(dataDir: string, language: BenchLanguage): HumanEvalFixTask[] {
  const folder = path.join(dataDir, 'humanevalfix');
  const raw = fs
    .readFileSync(path.join(folder, `${language}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RawTask);
  const annotations = new Map((JSON.parse(fs.readFileSync(path.join(folder, `buggy-lines-${language}.json`), 'utf8')) as RawBuggyLines[]).map((entry) => [entry.task_id, entry]));
  return raw.map((task) => {
    const annotation = annotations.get(task.task_id);
    return {
      taskId: task.task_id,
      language,
      buggySource: (language === 'python' ? task.prompt : task.declaration) + task.buggy_solution,
      exampleTest: task.example_test,
      test: task.test,
      entryPoint: task.entry_point,
      bugType: task.bug_type,
      docstring: task.docstring ?? '',
      buggyLines: annotation?.buggy_lines_in_prompt_plus_buggy_solution ?? [],
      missingAfter: annotation?.missing_code_after_line ?? [],
    };
  });
}

/** A reader over a case's stored files, resolving absolute paths against the run's root. */
export function caseReader(record: CaseRecord): SourceReader {
  return { read: async (file) => record.files[path.relative(record.run.root, file)] };
}

/** Cache file of one case. */
export function cachePath(kind: string, id: string): string {
  return path.join(cacheRoot, kind, `${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
}

export function readCachedCase(file: string): CaseRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CaseRecord;
  } catch {
    return undefined;
  }
}

export function writeCachedCase(file: string, record: CaseRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(record));
}

/** Every cached case of one kind folder (e.g. `humanevalfix-python`), in file-name order. */
export function readCachedCases(kind: string): CaseRecord[] {
  const folder = path.join(cacheRoot, kind);
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => readCachedCase(path.join(folder, name)))
    .filter((record): record is CaseRecord => record !== undefined);
}

/** Runs `body` in a fresh temp folder that is removed afterwards, whatever happens. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return await body(fs.realpathSync(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `--name value` options and `--flag` switches. */
export function parseArguments(argv: string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (!argument.startsWith('--')) continue;
    const next = argv[index + 1];
    if (next !== undefined && !next.startsWith('--')) {
      options.set(argument.slice(2), next);
      index += 1;
    } else options.set(argument.slice(2), 'true');
  }
  return options;
}

/** The data folder: `--data`, else `../shared/data` next to the repository. */
export function dataDirectory(options: Map<string, string>): string {
  return path.resolve(options.get('data') ?? path.join(repoRoot, '..', 'shared', 'data'));
}

export function languageOption(options: Map<string, string>): BenchLanguage {
  const language = options.get('language') ?? 'python';
  if (language !== 'python' && language !== 'js') throw new Error(`unknown language ${language}; expected python or js`);
  return language;
}
