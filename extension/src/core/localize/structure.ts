/**
 * Method-level and call-stack evidence: which function a line is in, how suspicious that function is
 * as a whole (the best Ochiai among its lines), where the line stands inside it, and how close the
 * function sits to where the failing tests' tracebacks end.
 */
import type { TestRun } from '../types';
import type { LineSpectrum } from './spectrum';
import { rankFractions } from './features';
import { failingTestNames, functionName, moduleShare, nameShare } from './names';

/** Structural facts of one scored line; all 0 when the file could not be parsed. */
export interface StructureFacts {
  /** Best Ochiai among the scored lines of the line's function (module level counts as one scope per file). */
  methodOchiai: number;
  /** Rank fraction of `methodOchiai` among all lines (1 for every line of the top function). */
  methodRank: number;
  /** The line's Ochiai over its function's best (1 for the function's top lines). */
  lineInMethod: number;
  /** 1 for lines outside every function (module level, class bodies, `def` lines), which run at import. */
  moduleLevel: number;
  /** Share of failing tests whose traceback passes through the line's function. */
  stackFunction: number;
  /** Mean over failing tests of 1 / (1 + frames between the function and the traceback's deepest scored frame); 0 when not on the stack. */
  stackProximity: number;
  /** Share of failing tests whose name contains the name of the line's function (names.ts). */
  testNamesFunction: number;
  /** Share of failing tests whose file is named after the line's file (names.ts). */
  testFileNamesModule: number;
  /** log(1 + the number of scored lines with a higher Ochiai): 0 for the top tier, growing slowly below it. */
  ochiaiAbove: number;
}

export const NO_STRUCTURE: StructureFacts = {
  methodOchiai: 0,
  methodRank: 0,
  lineInMethod: 0,
  moduleLevel: 0,
  stackFunction: 0,
  stackProximity: 0,
  testNamesFunction: 0,
  testFileNamesModule: 0,
  ochiaiAbove: 0,
};

/** For each value, log(1 + the number of values strictly greater); `rankFractions` counts them already. */
export function logCountsAbove(values: Float64Array): Float64Array {
  const ranks = rankFractions(values);
  return ranks.map((rank) => Math.log1p(Math.round((1 - rank) * values.length)));
}

/**
 * Facts for each line of `lines` (same order). `scopes` maps a file to its lines' enclosing function
 * (see `functionScopes`); files missing from it get `NO_STRUCTURE`. `inScope` is the scorer's scope filter.
 * `lineText(file, line)` gives a source line (for the name in a function's header), when known.
 */
export function structureFacts(
  lines: LineSpectrum[],
  ochiaiValues: Float64Array,
  scopes: Map<string, Map<number, number>>,
  run: TestRun,
  inScope: (file: string) => boolean,
  totalFailed: number,
  lineText: (file: string, line: number) => string | undefined = () => undefined,
): StructureFacts[] {
  const failing = failingTestNames(run.tests.filter((test) => test.outcome === 'failed').map((test) => test.id));
  const names = new Map<string, number>();
  const nameShareOf = (file: string, start: number): number => {
    const key = `${file}\n${start}`;
    if (!names.has(key)) {
      const header = lineText(file, start);
      names.set(key, header === undefined ? 0 : nameShare(failing, functionName(header)));
    }
    return names.get(key)!;
  };
  const modules = new Map<string, number>();
  const moduleShareOf = (file: string): number => {
    if (!modules.has(file)) modules.set(file, moduleShare(failing, file));
    return modules.get(file)!;
  };
  const above = logCountsAbove(ochiaiValues);
  const keyOf = (file: string, line: number): string | undefined => {
    const map = scopes.get(file);
    return map ? `${file}\n${map.get(line) ?? 0}` : undefined;
  };
  const best = new Map<string, number>();
  lines.forEach((spectrum, index) => {
    const key = keyOf(spectrum.file, spectrum.line);
    if (key !== undefined) best.set(key, Math.max(best.get(key) ?? 0, ochiaiValues[index]));
  });
  const stack = new Map<string, { tests: number; proximity: number }>();
  for (const test of run.tests) {
    if (test.outcome !== 'failed') continue;
    const frames = test.frames.filter((frame) => frame.line >= 1 && inScope(frame.file));
    const depths = new Map<string, number>();
    for (let index = frames.length - 1, depth = 0; index >= 0; index--, depth++) {
      const key = keyOf(frames[index].file, frames[index].line);
      if (key !== undefined && !depths.has(key)) depths.set(key, depth);
    }
    for (const [key, depth] of depths) {
      const entry = stack.get(key) ?? { tests: 0, proximity: 0 };
      entry.tests += 1;
      entry.proximity += 1 / (1 + depth);
      stack.set(key, entry);
    }
  }
  const methodValues = new Float64Array(lines.length);
  const keys = lines.map((spectrum, index) => {
    const key = keyOf(spectrum.file, spectrum.line);
    methodValues[index] = key === undefined ? 0 : (best.get(key) ?? 0);
    return key;
  });
  const methodRanks = rankFractions(methodValues);
  return lines.map((spectrum, index) => {
    const key = keys[index];
    if (key === undefined) return { ...NO_STRUCTURE, testFileNamesModule: moduleShareOf(spectrum.file), ochiaiAbove: above[index]! };
    const method = methodValues[index];
    const onStack = stack.get(key);
    const start = scopes.get(spectrum.file)?.get(spectrum.line);
    return {
      methodOchiai: method,
      methodRank: methodRanks[index],
      lineInMethod: method === 0 ? 0 : ochiaiValues[index] / method,
      moduleLevel: start === undefined ? 1 : 0,
      stackFunction: totalFailed === 0 || !onStack ? 0 : onStack.tests / totalFailed,
      stackProximity: totalFailed === 0 || !onStack ? 0 : onStack.proximity / totalFailed,
      testNamesFunction: start === undefined ? 0 : nameShareOf(spectrum.file, start),
      testFileNamesModule: moduleShareOf(spectrum.file),
      ochiaiAbove: above[index]!,
    };
  });
}
