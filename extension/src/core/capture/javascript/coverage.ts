/**
 * V8 block coverage → covered source lines. A V8 delta is a set of nested character ranges, each with an
 * execution count; the count at a position is that of the innermost range holding it (a count-0 block
 * inside a function that ran means that block did NOT run), and positions outside every range did not
 * run either. Each source line is probed at its first token: for code with a source map, at the
 * generated positions of the line's leftmost mapping; without one, at its first non-blank character.
 */
import * as path from 'node:path';
import { codeLines } from './testFiles';
import type { CaptureRecords, RecordedScript } from './records';
import { testKey } from './records';
import type { SourceMapResolver } from './sourceMaps';
import { readTextFile, type SourceMap } from './sourceMap';

/** Where one script's probes land: a probe offset per entry and the (file, line) it stands for. */
export interface ScriptProbes {
  /** Generated offsets, ascending. */
  offsets: number[];
  /** For each offset, the index into `targets`. */
  targetOfProbe: number[];
  /**
   * The original line (as `file\0line`) that generated code at an offset came from, to tell a
   * one-line function (its closing brace on its header's line) from a header alone.
   */
  lineAt(offset: number): string | undefined;
  /** Target index by `file\0line`. */
  targetByLine: Map<string, number>;
  /** Distinct original (file, 1-based line) pairs. */
  targets: { file: string; line: number }[];
}

/**
 * Text that test frameworks wrap around a module on its first line before V8 compiles it (Jest's module
 * wrapper, Vite's SSR function); generated columns on that line are shifted by its length.
 */
const MODULE_WRAPPERS = [/^\(\{"[^"\n]*":function\([^)\n]*\)\{/, /^'use strict';\s*async\s*\([^)\n]*\)\s*=>\s*\{\{?/];

/** Length of a known module wrapper at the start of executed code, or 0. */
export function wrapperLength(code: string): number {
  for (const pattern of MODULE_WRAPPERS) {
    const match = pattern.exec(code);
    if (match) return match[0].length;
  }
  return 0;
}

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let index = code.indexOf('\n'); index >= 0; index = code.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

/** Options shared by every script of a capture. */
export interface ProbeContext {
  resolver: SourceMapResolver;
  /** Only original files for which this returns true are kept (inside the project, not node_modules). */
  keepFile(file: string): boolean;
}

/**
 * Builds the probes of one executed script. `code` is the text V8 ran; `file` the file it was loaded
 * from. Lines that are not code (blank, comments, lone braces) are left out.
 */
export async function buildProbes(code: string, file: string, context: ProbeContext): Promise<ScriptProbes> {
  const { resolver } = context;
  const prefix = wrapperLength(code);
  const starts = lineStarts(code);
  const lookup = await resolver.lookupCode(code, file);
  // (file, line) → [leftmost original column, generated offsets at that column]
  const best = new Map<string, { file: string; line: number; column: number; offsets: number[] }>();
  const offer = (target: string, line: number, column: number, offset: number) => {
    const key = `${target}\0${line}`;
    const entry = best.get(key);
    if (!entry || column < entry.column) best.set(key, { file: target, line, column, offsets: [offset] });
    else if (column === entry.column) entry.offsets.push(offset);
  };
  if (lookup.kind === 'map') {
    const { map } = lookup;
    const keep = map.sources.map((source) => context.keepFile(source));
    map.lines.forEach((segments, generatedLine) => {
      const lineStart = starts[generatedLine];
      if (lineStart === undefined) return;
      const shift = generatedLine === 0 ? prefix : 0;
      for (const segment of segments) {
        if (!keep[segment.source]) continue;
        offer(map.sources[segment.source]!, segment.originalLine + 1, segment.originalColumn, lineStart + shift + segment.generatedColumn);
      }
    });
  } else if (context.keepFile(file)) {
    starts.forEach((lineStart, index) => {
      const begin = index === 0 ? prefix : lineStart;
      const end = index + 1 < starts.length ? starts[index + 1]! - 1 : code.length;
      for (let offset = begin; offset < end; offset++) {
        const character = code.charCodeAt(offset);
        if (character !== 32 && character !== 9 && character !== 13) {
          offer(file, index + 1, offset - begin, offset);
          break;
        }
      }
    });
  }

  // Keep code lines only, judged on the original text.
  const codeByFile = new Map<string, Set<number> | undefined>();
  const probes: { offset: number; target: number }[] = [];
  const targets: ScriptProbes['targets'] = [];
  for (const entry of best.values()) {
    if (!codeByFile.has(entry.file)) {
      const original = entry.file === file && lookup.kind !== 'map' ? await originalText(code, prefix, file, resolver) : await resolver.readText(entry.file);
      codeByFile.set(entry.file, original === undefined ? undefined : codeLines(original));
    }
    const lines = codeByFile.get(entry.file);
    if (lines === undefined || !lines.has(entry.line)) continue;
    const target = targets.push({ file: entry.file, line: entry.line }) - 1;
    for (const offset of entry.offsets) probes.push({ offset, target });
  }
  probes.sort((a, b) => a.offset - b.offset);
  return {
    offsets: probes.map((probe) => probe.offset),
    targetOfProbe: probes.map((probe) => probe.target),
    lineAt: lineLookup(code, file, prefix, starts, lookup.kind === 'map' ? lookup.map : undefined),
    targetByLine: new Map(targets.map((target, index) => [`${target.file}\0${target.line}`, index])),
    targets,
  };
}

/** Finds the last entry of a sorted list at or before a value; -1 when there is none. */
function lastAtOrBefore(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! <= value) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Builds `ScriptProbes.lineAt`: through the source map when there is one, else by generated line. */
function lineLookup(code: string, file: string, prefix: number, starts: number[], map: SourceMap | undefined): (offset: number) => string | undefined {
  if (!map) {
    return (offset) => (offset < 0 || offset > code.length ? undefined : `${file}\0${lastAtOrBefore(starts, offset) + 1}`);
  }
  let offsets: number[] | undefined;
  let keys: string[] | undefined;
  return (offset) => {
    if (!offsets || !keys) {
      const entries: { offset: number; key: string }[] = [];
      map.lines.forEach((segments, generatedLine) => {
        const lineStart = starts[generatedLine];
        if (lineStart === undefined) return;
        const shift = generatedLine === 0 ? prefix : 0;
        for (const segment of segments) {
          entries.push({ offset: lineStart + shift + segment.generatedColumn, key: `${map.sources[segment.source]}\0${segment.originalLine + 1}` });
        }
      });
      entries.sort((a, b) => a.offset - b.offset);
      offsets = entries.map((entry) => entry.offset);
      keys = entries.map((entry) => entry.key);
    }
    const index = lastAtOrBefore(offsets, offset);
    return index < 0 ? undefined : keys[index];
  };
}

/** The text whose lines the probes of an unmapped script stand for: the file on disk when it is the code that ran. */
async function originalText(code: string, prefix: number, file: string, resolver: SourceMapResolver): Promise<string | undefined> {
  const disk = await resolver.readText(file);
  if (disk === undefined) return undefined;
  if (code.startsWith(disk, prefix) || code === disk) return disk;
  // Transformed without a source map (a loader that drops maps): line numbers are the transformed
  // code's. Say so once, and judge code lines on the code that ran.
  resolver.report(file, 'it ran as transformed code without a source map');
  return code.slice(prefix);
}

/** Numbers per range in the runtime's flat lists: start, end (exclusive), count, kind (see runtime.cjs). */
export const RANGE_FIELDS = 4;

/**
 * Which targets a V8 delta covered. `ranges` is flat: start, end (exclusive), count, and a kind (1: a
 * function's own extent, 2: a class field initializer's, 0: a block), repeated, in any order; ranges nest properly, as V8
 * reports them. A probe at the very start of a function (its header: `function f(`, a method name) takes
 * the count of the code around it, not the function's: a header runs when the function is defined, as
 * coverage.py counts `def` lines, not each time the function is called; unless the whole function sits
 * on that line, whose body then ran too.
 */
export function coveredTargets(probes: ScriptProbes, ranges: number[]): Set<number> {
  const covered = new Set<number>();
  const count = Math.floor(ranges.length / RANGE_FIELDS);
  if (count === 0 || probes.offsets.length === 0) return covered;
  const start = (range: number) => ranges[range * RANGE_FIELDS]!;
  const end = (range: number) => ranges[range * RANGE_FIELDS + 1]!;
  const order = Array.from({ length: count }, (_, index) => index);
  // Outer ranges first: by start ascending, then end descending.
  order.sort((a, b) => start(a) - start(b) || end(b) - end(a));
  const stack: number[] = [];
  let next = 0;
  for (let probe = 0; probe < probes.offsets.length; probe++) {
    const offset = probes.offsets[probe]!;
    while (next < count && start(order[next]!) <= offset) {
      const range = order[next]!;
      while (stack.length > 0 && end(stack[stack.length - 1]!) <= start(range)) stack.pop();
      stack.push(range);
      next++;
    }
    while (stack.length > 0 && end(stack[stack.length - 1]!) <= offset) stack.pop();
    let ran = false;
    let header = false;
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      const range = stack[depth]!;
      const count = ranges[range * RANGE_FIELDS + 2]!;
      const kind = ranges[range * RANGE_FIELDS + 3];
      // Constructing an object runs its class's field initializer, whose range spans the class body;
      // that does not run the method headers inside it.
      if (header && kind === 2) continue;
      if (kind !== 0 && start(range) === offset) {
        const target = probes.targets[probes.targetOfProbe[probe]!]!;
        if (count > 0 && probes.lineAt(end(range) - 1) === `${target.file}\0${target.line}`) {
          ran = true;
          break;
        }
        header = true;
        continue;
      }
      ran = count > 0;
      break;
    }
    if (ran) covered.add(probes.targetOfProbe[probe]!);
  }
  // A one-line function that ran (an arrow callback, `const f = (x) => x + 1;`) ran its line, whatever
  // the line's first token did.
  for (let range = 0; range < count; range++) {
    if (ranges[range * RANGE_FIELDS + 3] !== 1 || ranges[range * RANGE_FIELDS + 2]! <= 0) continue;
    const line = probes.lineAt(start(range));
    if (line === undefined || line !== probes.lineAt(end(range) - 1)) continue;
    const target = probes.targetByLine.get(line);
    if (target !== undefined) covered.add(target);
  }
  return covered;
}

/**
 * Per-test covered lines from the runtime's records: test key (`testKey(file, name)`) → absolute file →
 * sorted 1-based lines. Scripts whose executed source was not saved are read from disk.
 */
export async function coverageByTest(records: CaptureRecords, context: ProbeContext): Promise<Map<string, Record<string, number[]>>> {
  const probesByScript = new Map<string, Promise<ScriptProbes | undefined>>();
  const probesOf = (script: RecordedScript): Promise<ScriptProbes | undefined> => {
    let probes = probesByScript.get(script.key);
    if (!probes) {
      probes = (async () => {
        const code = (script.sourceFile ? await readTextFile(script.sourceFile) : undefined) ?? (await context.resolver.readText(script.file));
        return code === undefined ? undefined : buildProbes(code, script.file, context);
      })();
      probesByScript.set(script.key, probes);
    }
    return probes;
  };

  const lines = new Map<string, Map<string, Set<number>>>();
  for (const delta of records.deltas) {
    for (const { key, ranges } of delta.scripts) {
      const script = records.scripts.get(key);
      if (!script) continue;
      const probes = await probesOf(script);
      if (!probes) continue;
      const covered = coveredTargets(probes, ranges);
      if (covered.size === 0) continue;
      for (const test of delta.tests) {
        const id = testKey(test.file, test.name);
        let files = lines.get(id);
        if (!files) {
          files = new Map();
          lines.set(id, files);
        }
        for (const target of covered) {
          const { file, line } = probes.targets[target]!;
          let set = files.get(file);
          if (!set) {
            set = new Set();
            files.set(file, set);
          }
          set.add(line);
        }
      }
    }
  }
  const result = new Map<string, Record<string, number[]>>();
  for (const [id, files] of lines) {
    const record: Record<string, number[]> = {};
    for (const [file, set] of [...files].sort(([a], [b]) => a.localeCompare(b))) record[path.normalize(file)] = [...set].sort((a, b) => a - b);
    result.set(id, record);
  }
  return result;
}
