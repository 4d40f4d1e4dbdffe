/**
 * Reads what Revise's runtime (`extension/javascript/runtime.cjs`) left in the capture folder: one
 * `records-<pid>-<thread>.jsonl` per test process, plus the executed source of each recorded script.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A test as the runtime saw it: its file and the framework's full name. */
export interface RecordedTestKey {
  file: string;
  name: string;
}

/** What the runtime recorded about one test (the last process to run it wins). */
export interface RecordedTest extends RecordedTestKey {
  titles?: string[];
  began: boolean;
  ended: boolean;
  outcome?: 'passed' | 'failed' | 'skipped';
  message?: string;
  stack?: string;
  durationMs?: number;
  /** Set when the watchdog stopped the process while this test ran. */
  timedOutAfterMs?: number;
  /** Epoch milliseconds of the start. */
  startedAt?: number;
  /** Where the test is defined (1-based line and column in its file), when the adapter told. */
  definedAt?: { line: number; column: number };
}

/** A script whose coverage was recorded. */
export interface RecordedScript {
  /** Unique within the capture: `<pid>-<thread>-<scriptId>`. */
  key: string;
  url: string;
  /** Absolute path of the file the script was loaded from. */
  file: string;
  /** Absolute path of the saved executed source, when it could be saved. */
  sourceFile?: string;
}

/** One coverage delta: V8 ranges of some scripts, belonging to the tests that were running. */
export interface CoverageDelta {
  tests: RecordedTestKey[];
  scripts: { key: string; ranges: number[] }[];
}

/** Everything in a capture folder. */
export interface CaptureRecords {
  tests: Map<string, RecordedTest>;
  scripts: Map<string, RecordedScript>;
  deltas: CoverageDelta[];
  /** Files whose process was ended after lingering past its last test. */
  lingering: { file: string; afterMs: number }[];
  /** Notes from the runtime (coverage could not start, say). */
  notes: string[];
  /** True when any process recorded coverage. */
  sawCoverage: boolean;
}

/** The map key of a test. */
export function testKey(file: string, name: string): string {
  return `${file}\0${name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Parses every records file in `folder`; unreadable lines (a process killed mid-write) are skipped. */
export async function readCaptureRecords(folder: string): Promise<CaptureRecords> {
  const records: CaptureRecords = { tests: new Map(), scripts: new Map(), deltas: [], lingering: [], notes: [], sawCoverage: false };
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return records;
  }
  for (const name of names.sort()) {
    const match = /^records-(\d+)-(\d+)\.jsonl$/.exec(name);
    if (!match) continue;
    const processKey = `${match[1]}-${match[2]}`;
    let content: string;
    try {
      content = await fs.readFile(path.join(folder, name), 'utf8');
    } catch {
      continue;
    }
    for (const line of content.split('\n')) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (isRecord(value)) addRecord(records, value, processKey, folder);
    }
  }
  return records;
}

function addRecord(records: CaptureRecords, value: Record<string, unknown>, processKey: string, folder: string): void {
  const file = text(value.file);
  const name = text(value.name);
  const test = (): RecordedTest | undefined => {
    if (file === undefined || name === undefined) return undefined;
    const key = testKey(file, name);
    let found = records.tests.get(key);
    if (!found) {
      found = { file, name, began: false, ended: false };
      records.tests.set(key, found);
    }
    return found;
  };
  switch (value.t) {
    case 'begin': {
      const found = test();
      if (!found) return;
      // A rerun (retry) starts the record afresh.
      found.began = true;
      found.ended = false;
      delete found.outcome;
      delete found.message;
      delete found.stack;
      if (Array.isArray(value.titles)) found.titles = value.titles.filter((title): title is string => typeof title === 'string');
      if (typeof value.at === 'number') found.startedAt = value.at;
      return;
    }
    case 'end': {
      const found = test();
      if (!found) return;
      found.ended = true;
      if (value.outcome === 'passed' || value.outcome === 'failed' || value.outcome === 'skipped') found.outcome = value.outcome;
      const message = text(value.message);
      const stack = text(value.stack);
      if (message !== undefined) found.message = message;
      if (stack !== undefined) found.stack = stack;
      if (typeof value.durationMs === 'number') found.durationMs = value.durationMs;
      const at = value.definedAt;
      if (isRecord(at) && typeof at.line === 'number' && at.line >= 1) found.definedAt = { line: at.line, column: typeof at.column === 'number' && at.column >= 1 ? at.column : 1 };
      return;
    }
    case 'timeout': {
      const found = test();
      if (found && typeof value.afterMs === 'number') found.timedOutAfterMs = value.afterMs;
      return;
    }
    case 'linger':
      if (file !== undefined) records.lingering.push({ file, afterMs: typeof value.afterMs === 'number' ? value.afterMs : 0 });
      return;
    case 'problem':
      if (typeof value.message === 'string') records.notes.push(value.message);
      return;
    case 'script': {
      const url = text(value.url);
      if (url === undefined || file === undefined || value.id === undefined) return;
      const key = `${processKey}-${String(value.id)}`;
      const source = text(value.source);
      records.scripts.set(key, { key, url, file, ...(source !== undefined ? { sourceFile: path.join(folder, path.basename(source)) } : {}) });
      return;
    }
    case 'cov': {
      records.sawCoverage = true;
      if (!Array.isArray(value.tests) || !Array.isArray(value.scripts)) return;
      const tests: RecordedTestKey[] = [];
      for (const entry of value.tests) {
        if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string') tests.push({ file: entry[0], name: entry[1] });
      }
      const scripts: CoverageDelta['scripts'] = [];
      for (const script of value.scripts) {
        if (!isRecord(script) || script.id === undefined || !Array.isArray(script.ranges)) continue;
        const ranges = script.ranges.filter((number): number is number => typeof number === 'number');
        scripts.push({ key: `${processKey}-${String(script.id)}`, ranges });
      }
      records.deltas.push({ tests, scripts });
      return;
    }
    default:
      return;
  }
}
