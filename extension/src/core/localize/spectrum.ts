import * as path from 'node:path';
import type { StackFrame, TestRun } from '../types';

/** Spectrum of one line: how many failing and passing tests executed it, and what the tracebacks said. */
export interface LineSpectrum {
  /** Absolute path. */
  file: string;
  /** 1-based line. */
  line: number;
  /** Failing tests that executed the line (`ef`). */
  failedCovering: number;
  /** Passing tests that executed the line (`ep`). */
  passedCovering: number;
  /** Failing tests that did not execute the line (`nf`). */
  failedNotCovering: number;
  /** Passing tests that did not execute the line (`np`). */
  passedNotCovering: number;
  /** Failing tests whose traceback has a frame on this line. */
  tracebackTests: number;
  /** Failing tests whose deepest frame in scored (non-test) code is this line. */
  deepestFrameTests: number;
  /** Of those, the tests whose traceback ends exactly here (the error was raised on this line). */
  raisedHereTests: number;
  /** Of those, the tests stopped here by the per-test timeout (the line was running, not raising). */
  timedOutHereTests: number;
  /** Ids of up to a few failing tests whose deepest scored frame is this line, in run order. */
  deepestFrameTestIds: string[];
  /** Ids of up to a few failing tests with this line anywhere in their traceback, in run order. */
  tracebackTestIds: string[];
}

/** Counts over a whole run: the candidate lines (run by at least one failing test) and the totals. */
export interface SpectrumCounts {
  /** Failing tests that told us something: they recorded coverage or a traceback in scored code. */
  totalFailed: number;
  /** Passing tests that recorded coverage. */
  totalPassed: number;
  /** One entry per line executed by at least one failing test, in file then line order. */
  lines: LineSpectrum[];
}

/** How many test ids a line keeps for its evidence text; the counts are exact regardless. */
const KEPT_TEST_IDS = 3;

/** Path segments of installed third-party code, which is never the user's fault to fix. */
const THIRD_PARTY_SEGMENTS = new Set(['node_modules', 'site-packages', 'dist-packages', '.venv', 'venv', '__pypackages__']);

/**
 * Decides which files are scored: inside `run.root`, not a test file, not installed third-party code.
 * Decisions are cached because the same few paths repeat for every test.
 */
export function createScopeFilter(run: TestRun): (file: string) => boolean {
  const root = path.resolve(run.root);
  const testFiles = new Set(run.testFiles.map((file) => path.resolve(file)));
  const cache = new Map<string, boolean>();
  return (file: string) => {
    let decision = cache.get(file);
    if (decision === undefined) {
      const absolute = path.resolve(root, file);
      const relative = path.relative(root, absolute);
      decision =
        relative !== '' &&
        !relative.startsWith('..') &&
        !path.isAbsolute(relative) &&
        !testFiles.has(absolute) &&
        !relative.split(path.sep).some((segment) => THIRD_PARTY_SEGMENTS.has(segment));
      cache.set(file, decision);
    }
    return decision;
  };
}

/**
 * Per-file counters in typed arrays indexed by line, grown on demand: a run of 2,000 tests over
 * 5,000 lines is millions of increments, and map lookups per line would dominate the scorer's time.
 */
class FileCounters {
  failed: Int32Array;
  passed: Int32Array;
  /** Index (+1) of the last test that counted each line, so a line counts once per test. */
  stamp: Int32Array;

  constructor(readonly file: string, size: number) {
    this.failed = new Int32Array(size);
    this.passed = new Int32Array(size);
    this.stamp = new Int32Array(size);
  }

  ensure(line: number): void {
    if (line < this.failed.length) return;
    let size = this.failed.length * 2;
    while (size <= line) size *= 2;
    this.failed = grow(this.failed, size);
    this.passed = grow(this.passed, size);
    this.stamp = grow(this.stamp, size);
  }
}

function grow(array: Int32Array, size: number): Int32Array {
  const larger = new Int32Array(size);
  larger.set(array);
  return larger;
}

interface TracebackTally {
  tracebackTests: number;
  deepestFrameTests: number;
  raisedHereTests: number;
  timedOutHereTests: number;
  deepestFrameTestIds: string[];
  tracebackTestIds: string[];
}

/**
 * Counts, for every line run by a failing test, how many failing and passing tests ran it (the
 * program spectrum), plus traceback tallies. A failing test's executed lines are its recorded
 * coverage joined with the lines of its traceback frames, so a test whose coverage was lost (e.g. a
 * timeout) still implicates the lines its traceback names. Skipped tests and tests that recorded
 * neither coverage nor a traceback in scored code are left out of every count: they say nothing
 * about any line.
 */
export function spectrumCounts(run: TestRun): SpectrumCounts {
  const inScope = createScopeFilter(run);
  const counters = new Map<string, FileCounters>();
  const tracebacks = new Map<string, Map<number, TracebackTally>>();
  let totalFailed = 0;
  let totalPassed = 0;
  let testIndex = 0;

  for (const test of run.tests) {
    if (test.outcome !== 'failed') continue;
    testIndex += 1;
    let informative = false;
    const covered = test.coveredLines;
    if (covered) {
      for (const file in covered) {
        if (!inScope(file)) continue;
        const lines = covered[file];
        if (lines.length === 0) continue;
        informative = true;
        let counter = counters.get(file);
        if (!counter) {
          counter = new FileCounters(file, 64);
          counters.set(file, counter);
        }
        counter.ensure(lines[lines.length - 1]);
        for (const line of lines) {
          if (line < 1) continue;
          counter.ensure(line);
          if (counter.stamp[line] === testIndex) continue;
          counter.stamp[line] = testIndex;
          counter.failed[line] += 1;
        }
      }
    }
    const userFrames = test.frames.filter((frame) => frame.line >= 1 && inScope(frame.file));
    if (userFrames.length > 0) {
      informative = true;
      tallyTraceback(test.id, test.timedOut === true, test.frames, userFrames, tracebacks);
      for (const frame of userFrames) {
        let counter = counters.get(frame.file);
        if (!counter) {
          counter = new FileCounters(frame.file, 64);
          counters.set(frame.file, counter);
        }
        counter.ensure(frame.line);
        if (counter.stamp[frame.line] === testIndex) continue;
        counter.stamp[frame.line] = testIndex;
        counter.failed[frame.line] += 1;
      }
    }
    if (informative) totalFailed += 1;
  }

  for (const test of run.tests) {
    if (test.outcome !== 'passed' || !test.coveredLines) continue;
    totalPassed += 1;
    const covered = test.coveredLines;
    for (const file in covered) {
      // Only files some failing test touched can hold a candidate line.
      const counter = counters.get(file);
      if (!counter) continue;
      const passed = counter.passed;
      const limit = passed.length;
      for (const line of covered[file]) if (line >= 1 && line < limit) passed[line] += 1;
    }
  }

  const lines: LineSpectrum[] = [];
  const files = [...counters.keys()].sort();
  for (const file of files) {
    const counter = counters.get(file) as FileCounters;
    const fileTracebacks = tracebacks.get(file);
    const failed = counter.failed;
    for (let line = 1; line < failed.length; line++) {
      const failedCovering = failed[line];
      if (failedCovering === 0) continue;
      const passedCovering = counter.passed[line];
      const tally = fileTracebacks?.get(line);
      lines.push({
        file,
        line,
        failedCovering,
        passedCovering,
        failedNotCovering: totalFailed - failedCovering,
        passedNotCovering: totalPassed - passedCovering,
        tracebackTests: tally?.tracebackTests ?? 0,
        deepestFrameTests: tally?.deepestFrameTests ?? 0,
        raisedHereTests: tally?.raisedHereTests ?? 0,
        timedOutHereTests: tally?.timedOutHereTests ?? 0,
        deepestFrameTestIds: tally?.deepestFrameTestIds ?? [],
        tracebackTestIds: tally?.tracebackTestIds ?? [],
      });
    }
  }
  return { totalFailed, totalPassed, lines };
}

function tallyTraceback(testId: string, timedOut: boolean, allFrames: StackFrame[], userFrames: StackFrame[], into: Map<string, Map<number, TracebackTally>>): void {
  const seen = new Set<string>();
  const tallyFor = (frame: StackFrame): TracebackTally => {
    let byLine = into.get(frame.file);
    if (!byLine) {
      byLine = new Map();
      into.set(frame.file, byLine);
    }
    let tally = byLine.get(frame.line);
    if (!tally) {
      tally = { tracebackTests: 0, deepestFrameTests: 0, raisedHereTests: 0, timedOutHereTests: 0, deepestFrameTestIds: [], tracebackTestIds: [] };
      byLine.set(frame.line, tally);
    }
    return tally;
  };
  for (const frame of userFrames) {
    const key = `${frame.file}\n${frame.line}`;
    if (seen.has(key)) continue; // recursion puts a line in one traceback many times
    seen.add(key);
    const tally = tallyFor(frame);
    tally.tracebackTests += 1;
    if (tally.tracebackTestIds.length < KEPT_TEST_IDS) tally.tracebackTestIds.push(testId);
  }
  const deepest = userFrames[userFrames.length - 1];
  const tally = tallyFor(deepest);
  tally.deepestFrameTests += 1;
  if (tally.deepestFrameTestIds.length < KEPT_TEST_IDS) tally.deepestFrameTestIds.push(testId);
  if (timedOut) tally.timedOutHereTests += 1;
  else if (allFrames[allFrames.length - 1] === deepest) tally.raisedHereTests += 1;
}
