/**
 * End to end: real fixture projects with one bug each, a real baseline run, suspects built by hand
 * (localization is another stage), and `proposePatches` validating candidates with real test runs in
 * isolated copies. Each bug class must come out with a validated patch that is the right fix.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capturePytest } from '../../extension/src/core/capture/python/index';
import type { CaptureOptions } from '../../extension/src/core/capture/types';
import { confirmPatch, proposePatches, type PatchOptions, type PatchResult, type TestRunRequest } from '../../extension/src/core/patch/index';
import { COPY_PREFIX, liveCopyContainers } from '../../extension/src/core/patch/isolation';
import { startPytestWorker } from '../../extension/src/core/exec/pytestWorker';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { SourceReader } from '../../extension/src/core/ports';
import type { TestRun } from '../../extension/src/core/types';
import { fixturesDir, grammarsDir, repoRoot } from './helpers';
import { lineOf, runNodeTests, suspects, treeDigest } from './patchSupport';

const syntax = new SyntaxService(grammarsDir);
const runner = new NodeProcessRunner();
const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;
const fileReader: SourceReader = {
  async read(file) {
    const { readFile } = await import('node:fs/promises');
    return readFile(file, 'utf8').catch(() => undefined);
  },
};

function pytestOptions(root: string, extra: Partial<CaptureOptions> = {}): CaptureOptions {
  return {
    root,
    runner,
    logger: silentLogger,
    assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
    pythonPath: python,
    perTestTimeoutMs: 10_000,
    totalTimeoutMs: 60_000,
    ...extra,
  };
}

/** Validation runs: the real pytest capture in the copy, coverage off. */
function runPytest(request: TestRunRequest): Promise<TestRun> {
  return capturePytest(pytestOptions(request.root, { testIds: request.testIds, coverage: false, signal: request.signal }));
}

const warmSupported = spawnSync(python, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)']).status === 0;
const warmPytest = (root: string, signal: AbortSignal) =>
  startPytestWorker({ root, python, pythonDir: path.join(repoRoot, 'extension', 'python'), perTestTimeoutMs: 10_000, loadTimeoutMs: 60_000, signal, logger: silentLogger });

/** Copies of this process still on disk. */
function leftoverCopies(): string[] {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith(COPY_PREFIX)).filter((name) => liveCopyContainers().some((container) => container.endsWith(name)));
}

interface BugCase {
  fixture: string;
  file: string;
  /** Text of the faulty line (the suspect with the highest score). */
  buggy: string;
  /** Texts of other lines given lower scores, as localization would. */
  others: string[];
  /** True for the patched file text of a right fix. */
  fixed(newText: string): boolean;
  description: string;
}

const pythonCases: BugCase[] = [
  {
    description: 'wrong comparison',
    fixture: 'py-comparison',
    file: 'grading.py',
    buggy: 'return score > threshold',
    others: ['if is_passing(score):'],
    fixed: (text) => text.includes('return score >= threshold'),
  },
  {
    description: 'off-by-one loop bound',
    fixture: 'py-off-by-one',
    file: 'series.py',
    buggy: 'for i in range(1, n):',
    others: ['total += i'],
    fixed: (text) => text.includes('for i in range(1, n + 1):'),
  },
  {
    description: 'wrong operator',
    fixture: 'py-operator',
    file: 'stats.py',
    buggy: 'return sum(values) * len(values)',
    others: ['return max(values) - min(values)'],
    fixed: (text) => text.includes('return sum(values) / len(values)'),
  },
  {
    description: 'wrong variable',
    fixture: 'py-variable',
    file: 'geometry.py',
    buggy: 'return width * width',
    others: ['return 2 * (width + height)'],
    fixed: (text) => text.includes('return width * height') || text.includes('return height * width'),
  },
  {
    description: 'missing return',
    fixture: 'py-missing-return',
    file: 'bounds.py',
    buggy: 'return high',
    others: ['if value > high:'],
    fixed: (text) => text.endsWith('        return high\n    return value\n'),
  },
  {
    description: 'missing guard',
    fixture: 'py-missing-guard',
    file: 'ratios.py',
    buggy: 'total += 1 / value',
    others: ['return total'],
    fixed: (text) => /\n {8}if (value == 0|not value):\n {12}continue\n {8}total \+= 1 \/ value\n/.test(text),
  },
];

/** Runs `proposePatches` on a fixture and checks what every run must satisfy. */
async function searchAndCheck(root: string, baseline: TestRun, bug: BugCase, runTests: PatchOptions['runTests'], extra: Partial<PatchOptions> = {}): Promise<PatchResult> {
  const file = path.join(root, bug.file);
  const testFile = baseline.testFiles[0];
  const lineScores = suspects([
    { file, line: lineOf(file, bug.buggy), score: 0.7 },
    ...bug.others.map((text, index) => ({ file, line: lineOf(file, text), score: 0.3 - index * 0.05 })),
    // The test file is run by every test: localization might rank it; patching must still never touch it.
    { file: testFile, line: 1, score: 0.95 },
  ]);
  const before = treeDigest(root);
  const result = await proposePatches({
    root,
    run: baseline,
    suspects: lineScores,
    sources: fileReader,
    syntax,
    runTests,
    budget: { maxCandidates: 60, timeMs: 240_000, workers: 2, maxLines: 6, maxValidated: 1 },
    isTestFile: (candidate) => baseline.testFiles.includes(candidate),
    logger: silentLogger,
    ...extra,
  });
  assert.equal(treeDigest(root), before, 'validation changed nothing in the project');
  assert.deepEqual(leftoverCopies(), [], 'temporary copies are removed');
  for (const patch of result.patches) {
    assert.ok(!baseline.testFiles.includes(patch.file), 'no patch touches a test file');
    assert.ok(patch.diff.startsWith(`--- a/${bug.file}\n+++ b/${bug.file}\n@@ `));
  }
  assert.ok(result.stats.candidates.every((record) => record.file === file), 'no candidate on a test file was even tried');
  assert.equal(result.outcomes.length, result.stats.candidatesTried);
  return result;
}

describe('Python bug classes, validated with the real pytest capture', { skip: pythonMissing }, () => {
  for (const bug of pythonCases) {
    test(`${bug.description} (${bug.fixture})`, async () => {
      const root = path.join(fixturesDir, 'patch', bug.fixture);
      const baseline = await capturePytest(pytestOptions(root));
      const failing = baseline.tests.filter((entry) => entry.outcome === 'failed');
      assert.ok(failing.length > 0, 'the fixture has a failing test');
      // Validation in warm workers (the default for pytest), with cold runs only as the fallback.
      const result = await searchAndCheck(root, baseline, bug, runPytest, { openWorker: warmPytest });
      if (warmSupported) assert.ok((result.stats.warmRuns ?? 0) > 0, 'the warm worker served the runs');

      const validated = result.patches.filter((patch) => patch.validated);
      assert.ok(validated.length > 0, `no validated patch; tried ${result.stats.candidates.map((record) => `${record.title}:${record.status}`).join(', ')}`);
      assert.ok(validated.some((patch) => bug.fixed(patch.newText)), `the right fix is among ${validated.map((patch) => patch.title).join(', ')}`);
      for (const patch of validated) {
        assert.equal(patch.testsFailed, 0);
        assert.ok(patch.checked && patch.testsPassed >= patch.checked.failing, 'passes at least the failing tests');
        assert.equal(patch.checked?.fullSuite, 'not-run');
      }
      const best = validated.find((patch) => bug.fixed(patch.newText));
      // The right fix also passes the whole suite, run once and cold.
      const confirmation = await confirmPatch({ root, run: baseline, patch: best!, runTests: runPytest });
      assert.deepEqual(confirmation, { confirmed: true, failed: [], passed: baseline.tests.length, complete: true });
      const evidence = result.stats.evidence.find((entry) => entry.patchId === best?.id);
      assert.ok(evidence && evidence.coveringTests.length > 0, 'coverage tells which tests ran the patched line');
      assert.ok(result.stats.firstValidatedMs !== undefined && result.stats.plausible >= result.stats.validated);
      const outcome = result.outcomes.find((entry) => entry.line === best?.lines[0] && entry.fixed === entry.failingBefore);
      assert.ok(outcome, 'the repair outcome records the fixed tests');
    });
  }

  test('also with an interpreter without coverage.py (line-trace coverage)', { skip: spawnSync('python3', ['-c', 'import pytest']).status === 0 ? undefined : 'python3 with pytest is not available here' }, async () => {
    const bug = pythonCases[1];
    const root = path.join(fixturesDir, 'patch', bug.fixture);
    const withTrace = (extra: Partial<CaptureOptions> = {}) => pytestOptions(root, { pythonPath: 'python3', ...extra });
    const baseline = await capturePytest(withTrace());
    const result = await searchAndCheck(root, baseline, bug, (request) =>
      capturePytest({ ...withTrace({ testIds: request.testIds, coverage: false, signal: request.signal }), root: request.root }),
    );
    assert.ok(result.patches.some((patch) => patch.validated && bug.fixed(patch.newText)));
  });

  test('suspects only in test files give no candidates at all', async () => {
    const root = path.join(fixturesDir, 'patch', 'py-comparison');
    const baseline = await capturePytest(pytestOptions(root));
    const testFile = baseline.testFiles[0];
    const result = await proposePatches({
      root,
      run: baseline,
      suspects: suspects([{ file: testFile, line: lineOf(testFile, 'assert is_passing(50)'), score: 0.9 }]),
      sources: fileReader,
      syntax,
      runTests: runPytest,
      budget: { maxCandidates: 10, timeMs: 60_000, workers: 1, maxLines: 5 },
      isTestFile: () => false, // the run's own list of test files is enough
      logger: silentLogger,
    });
    assert.equal(result.stats.stoppedBy, 'no-candidates');
    assert.deepEqual(result.patches, []);
  });
});

describe('JavaScript bug classes, validated with node:test', () => {
  const jsCases: BugCase[] = [
    {
      description: 'wrong comparison',
      fixture: 'js-comparison',
      file: 'range.js',
      buggy: 'return value >= low && value < high;',
      others: ["'use strict';"],
      fixed: (text) => text.includes('return value >= low && value <= high;'),
    },
    {
      description: 'missing guard',
      fixture: 'js-missing-guard',
      file: 'average.js',
      buggy: 'total += value;',
      others: ['count += 1;'],
      fixed: (text) => text.includes('    if (value == null) continue;\n    total += value;') || text.includes('    if (!value) continue;\n    total += value;'),
    },
  ];
  for (const bug of jsCases) {
    test(`${bug.description} (${bug.fixture})`, async () => {
      const root = path.join(fixturesDir, 'patch', bug.fixture);
      const baseline = await runNodeTests({ root, signal: new AbortController().signal });
      assert.ok(baseline.tests.some((entry) => entry.outcome === 'failed'));
      const result = await searchAndCheck(root, baseline, bug, runNodeTests);
      const validated = result.patches.filter((patch) => patch.validated);
      assert.ok(validated.some((patch) => bug.fixed(patch.newText)), `the right fix is among ${validated.map((patch) => patch.title).join(', ')}`);
    });
  }
});
