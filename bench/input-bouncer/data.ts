/**
 * Loads the labelled task descriptions for the input bouncer and splits them deterministically.
 * HumanEvalComm (coding tasks) is split by task id, so a task's clear and vague variants always land on
 * the same side; IN3 (general, non-coding tasks) is split by row. Data is read from `../shared/data`
 * (relative to the repository) at run time and never copied into the repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Which variant of a HumanEvalComm task a description is, or `in3` for the general tasks. */
export type Variant = 'prompt' | 'prompt1a' | 'prompt1c' | 'prompt1p' | 'prompt2ap' | 'prompt2ac' | 'prompt2cp' | 'prompt3acp' | 'in3';

/** The variants BouncerBench-style results are reported for; the others are extra. */
export const MAIN_VARIANTS: Variant[] = ['prompt', 'prompt1a', 'prompt1c', 'prompt1p', 'prompt2ap'];
export const EXTRA_VARIANTS: Variant[] = ['prompt2ac', 'prompt2cp', 'prompt3acp'];

/** One labelled description. */
export interface LabelledTask {
  /** Task id for grouping (HumanEvalComm `name`, or `in3/<row>`). */
  group: string;
  variant: Variant;
  text: string;
  /** 1 = vague (should bounce), 0 = clear. */
  vague: 0 | 1;
  source: 'humanevalcomm' | 'in3';
  /** HumanEvalComm only: the canonical solution and its entry point, for running examples. */
  solution?: string;
  entryPoint?: string;
}

interface HumanEvalCommRow {
  name: string;
  entry_point: string;
  solution: string;
  [variant: string]: unknown;
}

interface In3Row {
  task: string;
  vague: boolean;
}

/** The default data folder: `../shared/data` next to the repository root. */
export function defaultDataDirectory(repositoryRoot: string): string {
  return path.resolve(repositoryRoot, '..', 'shared', 'data');
}

/** Reads `--data <dir>` from the command line, else the default. */
export function dataDirectoryFromArguments(argv: string[], repositoryRoot: string): string {
  const index = argv.indexOf('--data');
  return index >= 0 && argv[index + 1] ? path.resolve(argv[index + 1]) : defaultDataDirectory(repositoryRoot);
}

function readJsonLines<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** All HumanEvalComm descriptions (clear and every vague variant present). */
export function loadHumanEvalComm(dataDirectory: string): LabelledTask[] {
  const rows = readJsonLines<HumanEvalCommRow>(path.join(dataDirectory, 'vague', 'humanevalcomm-even.jsonl'));
  const tasks: LabelledTask[] = [];
  for (const row of rows) {
    for (const variant of [...MAIN_VARIANTS, ...EXTRA_VARIANTS]) {
      const text = row[variant];
      if (typeof text !== 'string' || text.trim() === '') continue;
      tasks.push({
        group: row.name,
        variant,
        text,
        vague: variant === 'prompt' ? 0 : 1,
        source: 'humanevalcomm',
        solution: row.solution,
        entryPoint: row.entry_point,
      });
    }
  }
  return tasks;
}

/** All IN3 training rows. */
export function loadIn3(dataDirectory: string): LabelledTask[] {
  const rows = readJsonLines<In3Row>(path.join(dataDirectory, 'vague', 'in3-train.jsonl'));
  return rows.map((row, index) => ({ group: `in3/${index}`, variant: 'in3', text: row.task, vague: row.vague ? 1 : 0, source: 'in3' }));
}

/** 32-bit FNV-1a: a stable hash so splits do not depend on file order or a random seed. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Groups ordered by hash; the first `testShare` of them are the held-out test groups. */
export function splitGroups(groups: string[], testShare: number): { train: Set<string>; test: Set<string> } {
  const ordered = [...new Set(groups)].sort((left, right) => stableHash(left) - stableHash(right) || left.localeCompare(right));
  const testCount = Math.round(ordered.length * testShare);
  return { test: new Set(ordered.slice(0, testCount)), train: new Set(ordered.slice(testCount)) };
}

/** Assigns each group to one of `k` folds, round-robin over the hash order (balanced fold sizes). */
export function assignFolds(groups: string[], k: number, salt = ''): Map<string, number> {
  const ordered = [...new Set(groups)].sort((left, right) => stableHash(salt + left) - stableHash(salt + right) || left.localeCompare(right));
  return new Map(ordered.map((group, index) => [group, index % k]));
}

/** Share of HumanEvalComm tasks (and IN3 rows) held out for the final test. */
export const TEST_SHARE = 0.25;

/** The fixed train/test split used by fit and evaluate. */
export function splitTasks(tasks: LabelledTask[]): { train: LabelledTask[]; test: LabelledTask[] } {
  const bySource = (source: LabelledTask['source']): LabelledTask[] => tasks.filter((task) => task.source === source);
  const testGroups = new Set<string>();
  for (const source of ['humanevalcomm', 'in3'] as const) {
    for (const group of splitGroups(bySource(source).map((task) => task.group), TEST_SHARE).test) testGroups.add(group);
  }
  return { train: tasks.filter((task) => !testGroups.has(task.group)), test: tasks.filter((task) => testGroups.has(task.group)) };
}
