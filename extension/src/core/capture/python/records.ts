/**
 * Reading what the bundled pytest plugin (`extension/python/revise_pytest.py`) writes: one JSON object per
 * line in `results.jsonl`, plus `coverage*.json` when coverage.py recorded the coverage. Everything is
 * validated at run time; a bad line is reported and skipped, never fatal.
 */
import type { CaptureProblem, TestOutcome } from '../../types';

/** How the plugin recorded coverage. */
export type PluginCoverageMethod = 'coverage.py' | 'trace' | 'sys.monitoring' | 'none';

/** First record of a run: the interpreter and how coverage is recorded. */
export interface SessionRecord {
  type: 'session';
  python: string;
  pytest: string;
  coverage: PluginCoverageMethod;
  /** Why coverage.py was not used although present, when it failed to start. */
  note?: string;
}

/** Written once collection is done. */
export interface CollectedRecord {
  type: 'collected';
  count: number;
  /** Absolute paths of the conftest.py files pytest loaded. */
  conftests: string[];
}

/** One stack frame as the plugin writes it (absolute path, 1-based line and column). */
export interface PluginFrame {
  file: string;
  line: number;
  column?: number;
  function?: string;
}

/** A finished test (`test`) or the one that was running when the run was stopped (`interrupted`). */
export interface TestRecord {
  type: 'test' | 'interrupted';
  nodeid: string;
  file?: string;
  line?: number;
  outcome: TestOutcome;
  /** Seconds, setup + call + teardown. */
  duration: number;
  message?: string;
  assertion?: string;
  frames: PluginFrame[];
  timedOut?: boolean;
  /** A doctest item (`--doctest-modules`, a `.txt` doctest file): its file holds examples, not tests. */
  doctest?: boolean;
  /** Lines the test ran, from the line tracer: {absolute path: lines}. */
  coverage?: Record<string, number[]>;
}

/** A module or package that could not be collected. */
export interface CollectErrorRecord {
  type: 'collect-error';
  kind: 'syntax-error' | 'collection-error';
  nodeid: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  details?: string;
  /** The import's stack in project files, outermost first (not for syntax errors). */
  frames?: PluginFrame[];
}

/** Everything one `results.jsonl` said. */
export interface PluginOutput {
  session?: SessionRecord;
  collected?: CollectedRecord;
  tests: TestRecord[];
  collectErrors: CollectErrorRecord[];
  /** Reasons coverage could not be recorded. */
  coverageNotes: string[];
  /** pytest's exit status as the plugin saw it at session end; absent when the process was killed first. */
  exitStatus?: number;
  /** Lines that were not valid records. */
  problems: CaptureProblem[];
}

/** At most this many unparsable lines are reported one by one; the rest are counted. */
const MAX_LINE_PROBLEMS = 5;

/**
 * Parses the plugin's JSON-lines output. Malformed lines (invalid JSON, a record missing required fields)
 * become `unparsable-output` problems and are skipped; unknown record types are ignored so that a newer
 * plugin can add some.
 */
export function parsePluginOutput(text: string): PluginOutput {
  const output: PluginOutput = { tests: [], collectErrors: [], coverageNotes: [], problems: [] };
  let badLines = 0;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const reason = readRecord(line, output);
    if (reason === undefined) return;
    badLines++;
    if (badLines <= MAX_LINE_PROBLEMS) {
      output.problems.push({
        kind: 'unparsable-output',
        message: `Plugin output line ${index + 1} was skipped (${reason}): ${shorten(line, 120)}`,
      });
    }
  });
  if (badLines > MAX_LINE_PROBLEMS) {
    output.problems.push({
      kind: 'unparsable-output',
      message: `${badLines - MAX_LINE_PROBLEMS} more plugin output lines were skipped.`,
    });
  }
  return output;
}

/** Adds one line's record to `output`; returns why it was rejected, or undefined when accepted. */
function readRecord(line: string, output: PluginOutput): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (!isObject(value) || typeof value.type !== 'string') return 'not a record';
  switch (value.type) {
    case 'session': {
      const coverage = value.coverage;
      if (coverage !== 'coverage.py' && coverage !== 'trace' && coverage !== 'sys.monitoring' && coverage !== 'none') {
        return 'unknown coverage method';
      }
      // xdist workers write their own session records; the first one is as good as any.
      output.session ??= {
        type: 'session',
        python: stringOr(value.python, '?'),
        pytest: stringOr(value.pytest, '?'),
        coverage,
        ...(typeof value.note === 'string' ? { note: value.note } : {}),
      };
      return undefined;
    }
    case 'collected': {
      if (!isCount(value.count)) return 'bad count';
      const conftests = Array.isArray(value.conftests) ? value.conftests.filter((item): item is string => typeof item === 'string') : [];
      if (output.collected) output.collected.count += value.count;
      else output.collected = { type: 'collected', count: value.count, conftests };
      return undefined;
    }
    case 'test':
    case 'interrupted': {
      const record = readTest(value, value.type);
      if (typeof record === 'string') return record;
      output.tests.push(record);
      return undefined;
    }
    case 'collect-error': {
      if (typeof value.nodeid !== 'string') return 'collection error without a node id';
      output.collectErrors.push({
        type: 'collect-error',
        kind: value.kind === 'syntax-error' ? 'syntax-error' : 'collection-error',
        nodeid: value.nodeid,
        message: stringOr(value.message, 'collection failed'),
        ...optionalString('file', value.file),
        ...optionalPositive('line', value.line),
        ...optionalPositive('column', value.column),
        ...optionalString('details', value.details),
        ...(Array.isArray(value.frames) ? { frames: readFrames(value.frames) } : {}),
      });
      return undefined;
    }
    case 'coverage-unavailable':
      output.coverageNotes.push(stringOr(value.message, 'coverage could not be recorded'));
      return undefined;
    case 'finished':
      if (typeof value.exitstatus === 'number') output.exitStatus = value.exitstatus;
      return undefined;
    default:
      return undefined;
  }
}

function readFrames(value: unknown): PluginFrame[] {
  const frames: PluginFrame[] = [];
  if (!Array.isArray(value)) return frames;
  for (const frame of value) {
    if (!isObject(frame) || typeof frame.file !== 'string' || !isPositive(frame.line)) continue;
    frames.push({
      file: frame.file,
      line: frame.line,
      ...optionalPositive('column', frame.column),
      ...optionalString('function', frame.function),
    });
  }
  return frames;
}

function readTest(value: Record<string, unknown>, type: 'test' | 'interrupted'): TestRecord | string {
  if (typeof value.nodeid !== 'string' || value.nodeid === '') return 'test without a node id';
  const outcome = value.outcome;
  if (outcome !== 'passed' && outcome !== 'failed' && outcome !== 'skipped') return 'unknown outcome';
  const frames = readFrames(value.frames);
  const record: TestRecord = {
    type,
    nodeid: value.nodeid,
    outcome,
    duration: typeof value.duration === 'number' && Number.isFinite(value.duration) && value.duration >= 0 ? value.duration : 0,
    frames,
    ...optionalString('file', value.file),
    ...optionalPositive('line', value.line),
    ...optionalString('message', value.message),
    ...optionalString('assertion', value.assertion),
  };
  if (value.timedOut === true) record.timedOut = true;
  if (value.doctest === true) record.doctest = true;
  if (value.coverage !== undefined) {
    const coverage = readLineMap(value.coverage);
    if (coverage === undefined) return 'bad coverage';
    record.coverage = coverage;
  }
  return record;
}

/** Reads `{path: [lines]}`, dropping entries that are not positive integers. */
function readLineMap(value: unknown): Record<string, number[]> | undefined {
  if (!isObject(value)) return undefined;
  const map: Record<string, number[]> = {};
  for (const [file, lines] of Object.entries(value)) {
    if (!Array.isArray(lines)) return undefined;
    map[file] = lines.filter(isPositive);
  }
  return map;
}

/**
 * Parses a `coverage*.json` file written from coverage.py's contexts: `{"tests": {nodeid: {path: [lines]}}}`.
 * Returns undefined when the file is not of that shape.
 */
export function parseCoverageFile(text: string): Map<string, Record<string, number[]>> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !isObject(value.tests)) return undefined;
  const byTest = new Map<string, Record<string, number[]>>();
  for (const [nodeid, files] of Object.entries(value.tests)) {
    const lines = readLineMap(files);
    if (lines !== undefined) byTest.set(nodeid, lines);
  }
  return byTest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function optionalString<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}

function optionalPositive<K extends string>(key: K, value: unknown): Partial<Record<K, number>> {
  return isPositive(value) ? ({ [key]: value } as Record<K, number>) : {};
}

/** Cuts text to `limit` characters with an ellipsis. */
export function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
