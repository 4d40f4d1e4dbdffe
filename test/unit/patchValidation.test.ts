/**
 * Validation staging, budgets and cancellation, driven by a scripted test runner that judges the
 * patched file it finds in the isolated copy (the end-to-end tests use the real capture).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReviseError } from '../../extension/src/core/errors';
import { confirmPatch, proposePatches, testsAffectedBy, ValidationLanes, type PatchOptions, type TestRunRequest } from '../../extension/src/core/patch/index';
import type { TestWorker } from '../../extension/src/core/exec/types';
import { liveCopyContainers } from '../../extension/src/core/patch/isolation';
import { CANDIDATE_SLOWDOWN_LIMIT, CANDIDATE_TEST_TIMEOUT_FLOOR_MS, candidateTestTimeoutMs, indexBaseline } from '../../extension/src/core/patch/validate';
import { silentLogger, type SourceReader } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { TestResult, TestRun } from '../../extension/src/core/types';
import { grammarsDir } from './helpers';
import { suspects, treeDigest } from './patchSupport';

const syntax = new SyntaxService(grammarsDir);
const reader: SourceReader = { read: async (file) => readFileSync(file, 'utf8') };
const SOURCE = 'def combine(a, b):\n    return a - b\n\n\ndef other():\n    return 1\n';

/** A project on disk with the buggy module and a test file. */
function makeProject(): { root: string; module: string; testFile: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'revise-validation-test-'));
  mkdirSync(path.join(root, 'tests'));
  writeFileSync(path.join(root, 'calc.py'), SOURCE);
  writeFileSync(path.join(root, 'tests', 'test_calc.py'), '# judged by the scripted runner\n');
  return { root, module: path.join(root, 'calc.py'), testFile: path.join(root, 'tests', 'test_calc.py') };
}

type Judge = (line2: string) => Record<string, 'passed' | 'failed'>;

/** Test outcomes decided from line 2 of the copy's calc.py: `fails` is fixed by `+` and `*`; `covers` breaks with `*`. */
const defaultJudge: Judge = (line) => ({
  'tests/test_calc.py::test_fails': line === 'return a + b' || line === 'return a * b' ? 'passed' : 'failed',
  'tests/test_calc.py::test_covers': line === 'return a * b' ? 'failed' : 'passed',
  'tests/test_calc.py::test_other': 'passed',
});

function result(id: string, outcome: 'passed' | 'failed', root: string, covered?: number[]): TestResult {
  return { id, outcome, durationMs: 1, frames: [], ...(covered ? { coveredLines: { [path.join(root, 'calc.py')]: covered } } : {}) };
}

function baselineRun(root: string, testFile: string): TestRun {
  return {
    framework: 'pytest',
    root,
    command: ['python3', '-m', 'pytest'],
    tests: [
      result('tests/test_calc.py::test_fails', 'failed', root, [1, 2]),
      result('tests/test_calc.py::test_covers', 'passed', root, [1, 2]),
      result('tests/test_calc.py::test_other', 'passed', root, [5, 6]),
    ],
    problems: [],
    durationMs: 100,
    coverageMethod: 'coverage.py',
    complete: true,
    testFiles: [testFile],
  };
}

/** A runner that judges the copy's file, records every request, and checks it never runs in the project. */
function scriptedRunner(projectRoot: string, judge: Judge = defaultJudge) {
  const calls: { root: string; testIds?: string[]; line: string }[] = [];
  const runTests = async (request: TestRunRequest): Promise<TestRun> => {
    assert.notEqual(request.root, projectRoot, 'tests never run in the user tree');
    const line = readFileSync(path.join(request.root, 'calc.py'), 'utf8').split('\n')[1].trim();
    calls.push({ root: request.root, testIds: request.testIds, line });
    const outcomes = judge(line);
    const ids = request.testIds ?? Object.keys(outcomes);
    return {
      framework: 'pytest',
      root: request.root,
      command: [],
      tests: ids.map((id) => result(id, outcomes[id] ?? 'failed', request.root)),
      problems: [],
      durationMs: 1,
      coverageMethod: 'none',
      complete: true,
      testFiles: [],
    };
  };
  return { calls, runTests };
}

function options(root: string, module: string, testFile: string, overrides: Partial<PatchOptions> = {}): PatchOptions {
  return {
    root,
    run: baselineRun(root, testFile),
    suspects: suspects([{ file: module, line: 2, score: 0.8 }]),
    sources: reader,
    syntax,
    runTests: scriptedRunner(root).runTests,
    budget: { maxCandidates: 100, timeMs: 60_000, workers: 2, maxLines: 5 },
    isTestFile: (file) => file === testFile,
    logger: silentLogger,
    ...overrides,
  };
}

test('stages run failing tests first, then the covering tests; outcomes and patches follow', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const before = treeDigest(root);
    const runner = scriptedRunner(root);
    const found = await proposePatches(options(root, module, testFile, { runTests: runner.runTests }));
    assert.equal(treeDigest(root), before);
    assert.deepEqual(liveCopyContainers(), []);

    // Every candidate starts with the failing test alone.
    const byLine = new Map<string, (string[] | undefined)[]>();
    for (const call of runner.calls) byLine.set(call.line, [...(byLine.get(call.line) ?? []), call.testIds]);
    for (const [line, requests] of byLine) assert.deepEqual(requests[0], ['tests/test_calc.py::test_fails'], line);
    // With per-test coverage, a test that never runs the patched line is not run for the candidate: the
    // rest of the suite runs once, cold, for the patch that would be proposed (confirmPatch).
    assert.deepEqual(byLine.get('return a + b'), [['tests/test_calc.py::test_fails'], ['tests/test_calc.py::test_covers']]);
    assert.deepEqual(byLine.get('return a * b'), [['tests/test_calc.py::test_fails'], ['tests/test_calc.py::test_covers']], 'stops when a covering test breaks');
    assert.deepEqual(byLine.get('return b - a'), [['tests/test_calc.py::test_fails']], 'stops when the failing test still fails');

    const records = new Map(found.stats.candidates.map((record) => [record.title, record]));
    assert.equal(records.get('`-` → `+`')?.status, 'validated');
    assert.equal(records.get('`-` → `*`')?.status, 'breaks-tests');
    assert.equal(records.get('`-` → `*`')?.broken, 1);
    assert.equal(records.get('`a - b` → `b - a`')?.status, 'still-failing');
    assert.equal(found.stats.validated, 1);
    assert.equal(found.stats.plausible, 2);
    assert.equal(found.stats.stoppedBy, 'exhausted');
    assert.equal(found.stats.candidatesTried, found.stats.candidatesGenerated);
    assert.ok(found.stats.firstValidatedMs !== undefined);

    assert.equal(found.patches.length, 1);
    const [patch] = found.patches;
    assert.equal(patch.id, 'p1');
    assert.equal(patch.validated, true);
    assert.equal(patch.testsPassed, 2);
    assert.equal(patch.testsFailed, 0);
    assert.deepEqual(patch.checked, { failing: 1, covering: 1, fullSuite: 'not-run' });
    assert.equal(patch.origin, 'template:arithmetic-operator');
    assert.equal(patch.newText, SOURCE.replace('a - b', 'a + b'));
    assert.deepEqual(patch.lines, [2]);
    assert.equal(found.baseHashes[module], createHash('sha256').update(SOURCE).digest('hex'));
    assert.match(patch.diff, /^--- a\/calc.py\n\+\+\+ b\/calc.py\n@@ -1,5 \+1,5 @@\n def combine\(a, b\):\n- {4}return a - b\n\+ {4}return a \+ b\n/);

    const evidence = found.stats.evidence[0];
    assert.equal(evidence.patchId, 'p1');
    assert.deepEqual(evidence.coveringTests.sort(), ['tests/test_calc.py::test_covers', 'tests/test_calc.py::test_fails']);
    assert.equal(evidence.coveringPassing, 1);
    assert.equal(evidence.coveringFailing, 1);

    const outcome = found.outcomes.find((entry) => entry.origin === 'template:arithmetic-operator' && entry.fixed === 1 && entry.broken === 0);
    assert.ok(outcome);
    assert.equal(outcome.failingBefore, 1);
    assert.equal(found.stats.templates['arithmetic-operator'].validated, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('no candidate is tried in build output (a file git ignores); the stats name it', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const runner = scriptedRunner(root);
    const found = await proposePatches(options(root, module, testFile, { runTests: runner.runTests, isGenerated: (file) => file === module }));
    assert.equal(runner.calls.length, 0);
    assert.equal(found.stats.candidatesTried, 0);
    assert.deepEqual(found.stats.generatedFiles, [path.relative(root, module)]);
    assert.deepEqual(found.patches, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('without per-test coverage every candidate that passes its failing tests runs the whole suite', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    for (const entry of run.tests) delete entry.coveredLines;
    run.coverageMethod = 'none';
    const runner = scriptedRunner(root);
    const found = await proposePatches(options(root, module, testFile, { run, runTests: runner.runTests }));
    const requests = runner.calls.filter((call) => call.line === 'return a + b').map((call) => call.testIds);
    assert.deepEqual(requests, [['tests/test_calc.py::test_fails'], undefined]);
    const patch = found.patches.find((entry) => entry.validated);
    assert.equal(patch?.testsPassed, 3);
    assert.equal(found.stats.candidates.find((record) => record.title === '`-` → `*`')?.status, 'breaks-tests');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('confirmPatch runs the whole suite once, cold, in a fresh copy, and says which tests failed', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    const good = { id: 'p1', file: module, origin: 'template:x', title: 't', diff: '', newText: SOURCE.replace('a - b', 'a + b'), lines: [2], validated: true, testsPassed: 2, testsFailed: 0 };
    const runner = scriptedRunner(root);
    const confirmed = await confirmPatch({ root, run, patch: good, runTests: runner.runTests });
    assert.deepEqual(runner.calls.map((call) => [call.testIds, call.line]), [[undefined, 'return a + b']]);
    assert.deepEqual(confirmed, { confirmed: true, failed: [], passed: 3, complete: true });
    const bad = { ...good, newText: SOURCE.replace('a - b', 'a * b') };
    const refused = await confirmPatch({ root, run, patch: bad, runTests: scriptedRunner(root).runTests });
    assert.equal(refused.confirmed, false);
    assert.deepEqual(refused.failed, ['tests/test_calc.py::test_covers']);
    assert.deepEqual(liveCopyContainers(), []);
    assert.equal(readFileSync(module, 'utf8'), SOURCE, 'the project is never written');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('confirmPatch with scope affected runs, cold, only the tests whose coverage reaches the patched file, the failing ones and those without coverage', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    const elsewhere: TestResult = { id: 'tests/test_calc.py::test_elsewhere', outcome: 'passed', durationMs: 1, frames: [], coveredLines: { [path.join(root, 'other.py')]: [1] } };
    const unknown: TestResult = { id: 'tests/test_calc.py::test_unknown', outcome: 'passed', durationMs: 1, frames: [] };
    run.tests.push(elsewhere, unknown);
    assert.deepEqual(testsAffectedBy(run, module, root), ['tests/test_calc.py::test_fails', 'tests/test_calc.py::test_covers', 'tests/test_calc.py::test_other', 'tests/test_calc.py::test_unknown']);
    const judge: Judge = (line) => ({ ...defaultJudge(line), 'tests/test_calc.py::test_unknown': 'passed', 'tests/test_calc.py::test_elsewhere': 'failed' });
    const good = { id: 'p1', file: module, origin: 'template:x', title: 't', diff: '', newText: SOURCE.replace('a - b', 'a + b'), lines: [2], validated: true, testsPassed: 2, testsFailed: 0 };
    const runner = scriptedRunner(root, judge);
    const confirmed = await confirmPatch({ root, run, patch: good, runTests: runner.runTests, scope: 'affected' });
    assert.equal(runner.calls.length, 1);
    assert.deepEqual(runner.calls[0].testIds?.map((id) => id.split('::')[1]), ['test_fails', 'test_covers', 'test_other', 'test_unknown']);
    // test_elsewhere would fail, but it never runs calc.py: not run again, and said so.
    assert.deepEqual(confirmed, { confirmed: true, failed: [], passed: 4, complete: true, affected: { ran: 4, notRun: 1 } });
    const whole = await confirmPatch({ root, run, patch: good, runTests: scriptedRunner(root, judge).runTests });
    assert.equal(whole.confirmed, false, 'the whole suite (the default) sees it');
    // When every test can see the file there is nothing to leave out: the whole suite runs.
    run.tests.splice(run.tests.indexOf(elsewhere), 1);
    assert.equal(testsAffectedBy(run, module, root), undefined);
    const all = scriptedRunner(root, judge);
    assert.equal((await confirmPatch({ root, run, patch: good, runTests: all.runTests, scope: 'affected' })).affected, undefined);
    assert.equal(all.calls[0].testIds, undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('confirmPatch pairs parametrized ids whose values change from run to run, one for one', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    const stamp = (time: string) => `tests/test_calc.py::test_parse[${time}]`;
    run.tests.push(result(stamp('03:24:57'), 'passed', root, [5]), result(stamp('03:24:58'), 'passed', root, [5]));
    const good = { id: 'p1', file: module, origin: 'template:x', title: 't', diff: '', newText: SOURCE.replace('a - b', 'a + b'), lines: [2], validated: true, testsPassed: 2, testsFailed: 0 };
    const confirmWith = (stamps: Array<[string, 'passed' | 'failed']>) => {
      const runner = scriptedRunner(root, (line) => ({ ...defaultJudge(line), ...Object.fromEntries(stamps.map(([time, outcome]) => [stamp(time), outcome])) }));
      return confirmPatch({ root, run, patch: good, runTests: runner.runTests });
    };
    // The same two tests, collected a few seconds later.
    assert.deepEqual(await confirmWith([['03:25:10', 'passed'], ['03:25:11', 'passed']]), { confirmed: true, failed: [], passed: 5, complete: true });
    const broken = await confirmWith([['03:25:10', 'passed'], ['03:25:11', 'failed']]);
    assert.equal(broken.confirmed, false, 'a renamed test that fails still fails the confirmation');
    assert.deepEqual(broken.failed, [stamp('03:24:58')]);
    const vanished = await confirmWith([['03:25:10', 'passed']]);
    assert.equal(vanished.confirmed, false, 'a test that vanished without a counterpart counts as failed');
    assert.equal(vanished.failed.length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('validation pairs a covering test whose parametrized id changed since the capture', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    const stale = 'tests/test_calc.py::test_stamped[03:24:57]';
    run.tests.push(result(stale, 'passed', root, [2]));
    for (const fixPassesIt of [true, false]) {
      const scripted = scriptedRunner(root);
      // The runner collects the test under a new id, as a `datetime.now()` parameter would.
      const runTests = async (request: TestRunRequest): Promise<TestRun> => {
        const answered = await scripted.runTests({ ...request, ...(request.testIds ? { testIds: request.testIds.filter((id) => id !== stale) } : {}) });
        const line = readFileSync(path.join(request.root, 'calc.py'), 'utf8').split('\n')[1]!.trim();
        const passes = line !== 'return a + b' || fixPassesIt;
        if (!request.testIds || request.testIds.includes(stale)) answered.tests.push(result('tests/test_calc.py::test_stamped[03:25:10]', passes ? 'passed' : 'failed', request.root));
        return answered;
      };
      const found = await proposePatches(options(root, module, testFile, { run, runTests, budget: { maxCandidates: 100, timeMs: 60_000, workers: 1, maxLines: 5 } }));
      const fix = found.stats.candidates.find((record) => record.title === '`-` → `+`');
      assert.ok(fix, `the fix was tried; ${JSON.stringify(found.stats.candidates.map((record) => record.title))}`);
      assert.equal(fix.status, fixPassesIt ? 'validated' : 'breaks-tests', fixPassesIt ? 'the renamed test passes under its new id' : 'the renamed test fails under its new id');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a partial fix is reported but not validated', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    run.tests.push(result('tests/test_calc.py::test_also_fails', 'failed', root, [2]));
    const judge: Judge = (line) => ({ ...defaultJudge(line), 'tests/test_calc.py::test_also_fails': 'failed' });
    const found = await proposePatches(options(root, module, testFile, { run, runTests: scriptedRunner(root, judge).runTests }));
    assert.equal(found.stats.validated, 0);
    assert.ok(found.patches.length > 0);
    assert.ok(found.patches.every((patch) => !patch.validated));
    assert.equal(found.patches[0].newText, SOURCE.replace('a - b', 'a + b'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('nothing to fix without failing tests; nothing is run', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const run = baselineRun(root, testFile);
    run.tests = run.tests.filter((entry) => entry.outcome === 'passed');
    const runner = scriptedRunner(root);
    const found = await proposePatches(options(root, module, testFile, { run, runTests: runner.runTests }));
    assert.equal(found.stats.stoppedBy, 'nothing-to-fix');
    assert.equal(runner.calls.length, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cancellation stops the runs, removes the copies and rejects', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const runTests = (request: TestRunRequest) =>
      new Promise<TestRun>((_resolve, reject) => {
        seen.push(request.signal);
        if (seen.length === 1) setImmediate(() => controller.abort());
        request.signal.addEventListener('abort', () => reject(new Error('killed')), { once: true });
      });
    await assert.rejects(proposePatches(options(root, module, testFile, { runTests, signal: controller.signal })), (error: unknown) => error instanceof ReviseError && error.code === 'cancelled');
    assert.ok(seen.length >= 1 && seen.every((signal) => signal.aborted), 'every run was told to stop');
    assert.deepEqual(liveCopyContainers(), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the time budget ends the search without recording half-validated candidates', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const runTests = (request: TestRunRequest) =>
      new Promise<TestRun>((resolve) => {
        request.signal.addEventListener('abort', () => resolve({ ...baselineRun(request.root, testFile), tests: [], complete: false }), { once: true });
      });
    const found = await proposePatches(options(root, module, testFile, { runTests, budget: { maxCandidates: 100, timeMs: 1_000, workers: 1, maxLines: 5 } }));
    assert.equal(found.stats.stoppedBy, 'time-budget');
    assert.equal(found.stats.candidatesTried, 0);
    assert.deepEqual(liveCopyContainers(), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a run that overstays its limit counts as incomplete; the candidate budget ends the search', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const runTests = (request: TestRunRequest) =>
      new Promise<TestRun>((resolve) => {
        request.signal.addEventListener('abort', () => resolve({ ...baselineRun(request.root, testFile), complete: false }), { once: true });
      });
    const found = await proposePatches(
      options(root, module, testFile, { runTests, budget: { maxCandidates: 2, timeMs: 60_000, workers: 1, maxLines: 5, runTimeoutMs: 50 } }),
    );
    assert.equal(found.stats.stoppedBy, 'candidate-budget');
    assert.deepEqual(
      found.stats.candidates.map((record) => record.status),
      ['run-incomplete', 'run-incomplete'],
    );
    assert.deepEqual(found.patches, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a warm worker that never gets ready is given up after a few run limits; the copy validates cold', { timeout: 600_000 }, async () => {
  const { root, module, testFile } = makeProject();
  try {
    const runner = scriptedRunner(root);
    let opened = 0;
    let abandoned = 0;
    // Never ready: it waits until its opening is stopped.
    const openWorker = (_root: string, signal: AbortSignal) =>
      new Promise<never>((_, reject) => {
        opened++;
        signal.addEventListener('abort', () => {
          abandoned++;
          reject(new Error('stopped'));
        }, { once: true });
      });
    const found = await proposePatches(
      options(root, module, testFile, { runTests: runner.runTests, openWorker, budget: { maxCandidates: 100, timeMs: 600_000, workers: 1, maxLines: 5, runTimeoutMs: 100 } }),
    );
    assert.equal(opened, 1);
    assert.equal(abandoned, 1, 'the opening was stopped');
    assert.equal(found.stats.warmRuns ?? 0, 0);
    assert.ok((found.stats.coldRuns ?? 0) > 0, 'validation went on cold');
    assert.ok(found.patches.some((patch) => patch.validated));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a lane whose worker is still loading takes no candidate; a search whose candidates are all taken does not wait for it', { timeout: 300_000 }, async () => {
  const { root, module, testFile } = makeProject();
  const lanes = await ValidationLanes.make({ root, count: 2, logger: silentLogger });
  try {
    const runner = scriptedRunner(root);
    let warmRuns = 0;
    const ready = (copyRoot: string): TestWorker => ({
      description: 'scripted worker',
      modes: {},
      run: async (request) => {
        warmRuns++;
        return runner.runTests({ root: copyRoot, testIds: request.testIds, signal: request.signal });
      },
      dispose: async () => undefined,
    });
    let stoppedLoading = 0;
    // The first lane opens at once (beside the capture); the second loads until it is stopped.
    await lanes.openWorkers(async (copyRoot) => ready(copyRoot), 60_000, silentLogger, undefined, 1);
    void lanes.openWorkers(
      (_copyRoot, signal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => {
            stoppedLoading++;
            reject(new Error('stopped'));
          }, { once: true }),
        ),
      60_000,
      silentLogger,
    );
    assert.ok(lanes.lanes[1]?.opening, 'the second lane is opening');
    const found = await proposePatches(options(root, module, testFile, { runTests: runner.runTests, lanes }));
    assert.ok(found.patches.some((patch) => patch.validated && patch.title.includes('+')), JSON.stringify(found.patches.map((patch) => patch.title)));
    assert.equal(found.stats.coldRuns ?? 0, 0, 'the loading lane ran nothing cold');
    assert.equal(lanes.lanes[1]?.warmRuns, 0);
    assert.equal(found.stats.warmRuns, warmRuns);
    assert.ok(warmRuns > 0);
    assert.equal(stoppedLoading, 0, 'the search ended without waiting for (or stopping) the loading worker');
  } finally {
    await lanes.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('lanes that open on demand stay shut when the search needs no more, and open when it does', { timeout: 300_000 }, async () => {
  const { root, module, testFile } = makeProject();
  const runner = scriptedRunner(root);
  const worker = (copyRoot: string): TestWorker => ({
    description: 'scripted worker',
    modes: {},
    run: async (request) => {
      // Every run takes a little time, so that the search can tell how long the candidates left would take.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return runner.runTests({ root: copyRoot, testIds: request.testIds, signal: request.signal });
    },
    dispose: async () => undefined,
  });
  for (const firstLoadMs of [3_600_000, 0]) {
    const lanes = await ValidationLanes.make({ root, count: 2, logger: silentLogger });
    try {
      await lanes.openWorkers(async (copyRoot) => worker(copyRoot), 60_000, silentLogger, undefined, 1);
      // How long the first worker took to load decides: an hour is more than any search here; no time at all is less.
      lanes.lanes[0]!.loadMs = firstLoadMs;
      let openedOnDemand = 0;
      const widen = lanes.openWorkersOnDemand(
        async (copyRoot) => {
          openedOnDemand++;
          return worker(copyRoot);
        },
        60_000,
        silentLogger,
      );
      assert.ok(lanes.lanes[1]?.opening, 'the second lane waits to be asked');
      let asked = 0;
      const found = await proposePatches(
        options(root, module, testFile, {
          runTests: runner.runTests,
          lanes,
          widen: () => {
            asked++;
            widen();
          },
        }),
      );
      assert.ok(found.patches.some((patch) => patch.validated && patch.title.includes('+')), JSON.stringify(found.patches.map((patch) => patch.title)));
      assert.equal(found.stats.coldRuns ?? 0, 0, 'no lane ran a candidate cold');
      if (firstLoadMs > 0) {
        assert.equal(asked, 0, 'a search shorter than a load never asks for more lanes');
        assert.equal(openedOnDemand, 0);
        assert.equal(lanes.lanes[1]?.warmRuns, 0);
      } else {
        assert.equal(asked, 1, 'asked once');
        assert.equal(openedOnDemand, 1, 'the waiting lane opened its worker');
        assert.ok((lanes.lanes[1]?.warmRuns ?? 0) > 0, 'and took candidates');
      }
    } finally {
      await lanes.dispose();
    }
  }
  rmSync(root, { recursive: true, force: true });
});

test('a runner that throws marks the candidate and the search goes on', async () => {
  const { root, module, testFile } = makeProject();
  try {
    let calls = 0;
    const runner = scriptedRunner(root);
    const runTests = async (request: TestRunRequest) => {
      calls++;
      if (calls === 1) throw new Error('runner crashed');
      return runner.runTests(request);
    };
    const found = await proposePatches(options(root, module, testFile, { runTests, budget: { maxCandidates: 100, timeMs: 60_000, workers: 1, maxLines: 5 } }));
    assert.equal(found.stats.candidates[0].status, 'error');
    assert.equal(found.stats.candidatesTried, found.stats.candidatesGenerated, 'every other candidate was still tried');
    assert.ok(found.stats.candidates.slice(1).every((record) => record.status !== 'error'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a tree too big to copy is refused with a message and nothing runs', async () => {
  const { root, module, testFile } = makeProject();
  try {
    const runner = scriptedRunner(root);
    const found = await proposePatches(options(root, module, testFile, { runTests: runner.runTests, isolation: { maxFiles: 1 } }));
    assert.equal(found.stats.stoppedBy, 'isolation-refused');
    assert.match(found.stats.message ?? '', /too many to copy/);
    assert.equal(runner.calls.length, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a candidate's per-test limit comes from its tests' baseline durations, never below the floor", () => {
  const run = {
    tests: [
      { id: 'fast', outcome: 'passed', durationMs: 3 },
      { id: 'slow', outcome: 'failed', durationMs: 400 },
      { id: 'odd', outcome: 'passed', durationMs: Number.NaN },
      { id: 'hung', outcome: 'failed', durationMs: 30_000, timedOut: true },
    ],
    complete: true,
  } as unknown as TestRun;
  const baseline = indexBaseline(run, '/project');
  assert.equal(candidateTestTimeoutMs(baseline, ['fast']), CANDIDATE_TEST_TIMEOUT_FLOOR_MS);
  assert.equal(candidateTestTimeoutMs(baseline, ['fast', 'slow']), 400 * CANDIDATE_SLOWDOWN_LIMIT);
  assert.equal(candidateTestTimeoutMs(baseline, ['odd']), CANDIDATE_TEST_TIMEOUT_FLOOR_MS, 'an unreadable duration counts as 0');
  // A test the bug made hang is given the slowest finished test's time, not its own 30 s.
  assert.equal(candidateTestTimeoutMs(baseline, ['hung']), 400 * CANDIDATE_SLOWDOWN_LIMIT);
  assert.equal(candidateTestTimeoutMs(baseline, ['unknown']), 400 * CANDIDATE_SLOWDOWN_LIMIT);
  const allHung = indexBaseline({ tests: [{ id: 'hung', outcome: 'failed', durationMs: 30_000, timedOut: true }], complete: true } as unknown as TestRun, '/project');
  assert.equal(candidateTestTimeoutMs(allHung, ['hung']), CANDIDATE_TEST_TIMEOUT_FLOOR_MS);
});
