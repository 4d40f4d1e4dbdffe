/**
 * The warm pytest worker (extension/python/revise_worker.py through exec/pytestWorker.ts): one loaded
 * session per copy, a forked child per run, code swapped in when only function bodies changed, a cold run
 * inside the worker otherwise; results identical to a cold run's.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startPytestWorker } from '../../extension/src/core/exec/pytestWorker';
import { WorkerUnavailable, type TestWorker } from '../../extension/src/core/exec/types';
import { silentLogger } from '../../extension/src/core/ports';
import type { TestRun } from '../../extension/src/core/types';
import { fixturesDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import sys, pytest; print(sys.version_info >= (3, 11))'], { encoding: 'utf8' });
const skip = probe.status !== 0 ? `${python} with pytest is not available here` : probe.stdout.trim() !== 'True' ? 'the worker swaps code on Python 3.11+ only' : undefined;
const pythonDir = path.join(repoRoot, 'extension', 'python');

/** The fixture's bug (`*` for `/`) fails the first test; the second passes either way (mean of one value). */
const FAILING = ['tests/test_stats.py::test_mean_of_two', 'tests/test_stats.py::test_mean_of_one'];
const BUGGY = { [FAILING[0]]: 'failed', [FAILING[1]]: 'passed' };
const FIXED = { [FAILING[0]]: 'passed', [FAILING[1]]: 'passed' };

function outcomes(run: TestRun): Record<string, string> {
  return Object.fromEntries(run.tests.map((entry) => [entry.id, entry.outcome]));
}

describe('pytest worker', { skip }, () => {
  let root = '';
  let module = '';
  let original = '';
  const workers: TestWorker[] = [];
  const start = async (extra: { perTestTimeoutMs?: number; files?: string[] } = {}) => {
    const worker = await startPytestWorker({
      root,
      python,
      pythonDir,
      perTestTimeoutMs: extra.perTestTimeoutMs ?? 30_000,
      loadTimeoutMs: 120_000,
      signal: new AbortController().signal,
      logger: silentLogger,
      ...(extra.files ? { files: extra.files } : {}),
    });
    workers.push(worker);
    return worker;
  };
  const run = (worker: TestWorker, testIds = FAILING, signal = new AbortController().signal) => worker.run({ testIds, files: [module], signal });

  beforeEach(() => {
    root = path.join(mkdtempSync(path.join(os.tmpdir(), 'revise-worker-test-')), 'project');
    cpSync(path.join(fixturesDir, 'patch', 'py-operator'), root, { recursive: true });
    module = path.join(root, 'stats.py');
    original = readFileSync(module, 'utf8');
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.dispose()));
    rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('serves many candidates from one load, each from the state right after collection', async () => {
    const worker = await start();
    assert.match(worker.description, /3 tests loaded/);
    assert.deepEqual(outcomes(await run(worker)), BUGGY);

    writeFileSync(module, original.replace('sum(values) * len(values)', 'sum(values) / len(values)'));
    assert.deepEqual(outcomes(await run(worker)), FIXED, 'the swapped code is what the tests call (they imported `mean` by name)');

    // A body that grows by a line shifts everything below it: still a swap, still right.
    writeFileSync(module, original.replace('    return sum(values) * len(values)', '    total = sum(values)\n    return total / len(values)'));
    assert.deepEqual(outcomes(await run(worker)), FIXED);

    writeFileSync(module, original);
    assert.deepEqual(outcomes(await run(worker)), BUGGY, 'the next run starts again from the loaded original');
    assert.deepEqual(worker.modes, { swap: 4 });
  });

  test('loads only the test files it is given; a test outside them runs cold inside the worker, right', async () => {
    writeFileSync(path.join(root, 'tests', 'test_other.py'), 'from stats import mean\n\n\ndef test_mean_of_three():\n    assert mean([1, 2, 3]) == 2\n');
    const worker = await start({ files: ['tests/test_stats.py'] });
    assert.match(worker.description, /3 tests loaded/, 'the other file was not collected');
    assert.deepEqual(outcomes(await run(worker)), BUGGY);
    assert.deepEqual(worker.modes, { swap: 1 });
    const other = 'tests/test_other.py::test_mean_of_three';
    assert.deepEqual(outcomes(await run(worker, [other])), { [other]: 'failed' }, 'the buggy mean of three is 18');
    writeFileSync(module, original.replace('sum(values) * len(values)', 'sum(values) / len(values)'));
    assert.deepEqual(outcomes(await run(worker, [other])), { [other]: 'passed' });
    assert.deepEqual(worker.modes, { swap: 1, fresh: 2 });
  });

  test('a parametrized id that changed since the capture runs as the session\'s id of that test, warm', async () => {
    writeFileSync(path.join(root, 'tests', 'test_stamp.py'), 'import time\n\nimport pytest\n\nfrom stats import mean\n\n\n@pytest.mark.parametrize("stamp", [time.time_ns()])\ndef test_stamped(stamp):\n    assert mean([2, 4]) == 3\n');
    const worker = await start();
    const stale = 'tests/test_stamp.py::test_stamped[1]';
    const result = await run(worker, [stale]);
    assert.equal(result.tests.length, 1);
    const [only] = result.tests;
    assert.match(only!.id, /^tests\/test_stamp\.py::test_stamped\[\d+\]$/);
    assert.notEqual(only!.id, stale);
    assert.equal(only!.outcome, 'failed', 'the buggy mean of [2, 4] is 12');
    assert.deepEqual(worker.modes, { swap: 1 }, 'served from the loaded session, not a cold run');
  });

  test('a changed parametrized id still runs when a change outside function bodies sends the run cold', async () => {
    writeFileSync(path.join(root, 'tests', 'test_stamp.py'), 'import time\n\nimport pytest\n\nfrom stats import mean\n\n\n@pytest.mark.parametrize("stamp", [time.time_ns()])\ndef test_stamped(stamp):\n    assert mean([2, 4]) == 3\n');
    const worker = await start();
    writeFileSync(module, `SCALE = 1\n${original.replace('sum(values) * len(values)', 'sum(values) / len(values) * SCALE')}`);
    const stale = 'tests/test_stamp.py::test_stamped[1]';
    const result = await run(worker, [FAILING[0]!, stale]);
    assert.deepEqual(worker.modes, { fresh: 1 });
    const stamped = result.tests.filter((entry) => entry.id.startsWith('tests/test_stamp.py::test_stamped['));
    assert.equal(stamped.length, 1, JSON.stringify(result.tests));
    assert.notEqual(stamped[0]!.id, stale);
    assert.equal(stamped[0]!.outcome, 'passed', 'the fixed mean of [2, 4] is 3');
    assert.equal(result.tests.find((entry) => entry.id === FAILING[0])?.outcome, 'passed');
  });

  test('a change outside function bodies runs cold inside the worker, with the right answer', async () => {
    const worker = await start();
    writeFileSync(module, `SCALE = 1\n${original.replace('sum(values) * len(values)', 'sum(values) / len(values) * SCALE')}`);
    const result = await run(worker);
    assert.deepEqual(outcomes(result), FIXED);
    assert.deepEqual(worker.modes, { fresh: 1 });
    // A file that no longer compiles is a collection error, as in a cold run.
    writeFileSync(module, original.replace('return sum(values)', 'return sum(values'));
    const broken = await run(worker);
    assert.ok(!broken.tests.some((entry) => entry.outcome === 'passed'));
    assert.ok(broken.problems.some((problem) => problem.kind === 'syntax-error' || problem.kind === 'collection-error'), JSON.stringify(broken.problems));
  });

  test('a function that module-level code called while loading is not swapped: the run is cold, with the cold answer', async () => {
    // `TABLE` is computed at import from `mean`: swapping `mean`'s code afterwards would leave it stale.
    writeFileSync(module, `${original}\n\nTABLE = [mean([2, 4])]\n`);
    writeFileSync(path.join(root, 'tests', 'test_table.py'), 'from stats import TABLE\n\n\ndef test_table():\n    assert TABLE == [3]\n');
    const withTable = readFileSync(module, 'utf8');
    const worker = await start();
    const table = 'tests/test_table.py::test_table';
    assert.deepEqual(outcomes(await run(worker, [...FAILING, table])), { ...BUGGY, [table]: 'failed' });
    writeFileSync(module, withTable.replace('sum(values) * len(values)', 'sum(values) / len(values)'));
    assert.deepEqual(outcomes(await run(worker, [...FAILING, table])), { ...FIXED, [table]: 'passed' }, 'the fixed `mean` recomputed TABLE, as a cold run does');
    assert.deepEqual(worker.modes, { swap: 1, fresh: 1 });
  });

  test('functions that a test module body or a conftest hook called while loading are not swapped either', async () => {
    // A test module's body (run through pytest's assertion rewriter) and a conftest's
    // `pytest_generate_tests` (a hook the project implements) both compute from `mean` at load time.
    writeFileSync(path.join(root, 'tests', 'test_body.py'), 'from stats import mean\n\nEXPECTED = mean([2, 4])\n\n\ndef test_body():\n    assert EXPECTED == 3\n');
    writeFileSync(
      path.join(root, 'tests', 'conftest.py'),
      'import stats\n\n\ndef pytest_generate_tests(metafunc):\n    if "expected" in metafunc.fixturenames:\n        metafunc.parametrize("expected", [stats.spread([1, 4])], ids=["x"])\n',
    );
    writeFileSync(path.join(root, 'tests', 'test_hook.py'), 'def test_hook(expected):\n    assert expected == 3\n');
    const body = 'tests/test_body.py::test_body';
    const hook = 'tests/test_hook.py::test_hook[x]';
    const worker = await start();
    assert.deepEqual(outcomes(await run(worker, [body])), { [body]: 'failed' });
    writeFileSync(module, original.replace('sum(values) * len(values)', 'sum(values) / len(values)'));
    assert.deepEqual(outcomes(await run(worker, [body])), { [body]: 'passed' }, 'the fixed `mean` recomputed EXPECTED, as a cold run does');
    assert.deepEqual(worker.modes, { swap: 1, fresh: 1 });
    writeFileSync(module, original);
    assert.deepEqual(outcomes(await run(worker, [hook])), { [hook]: 'passed' });
    writeFileSync(module, original.replace('max(values) - min(values)', 'max(values) + min(values)'));
    assert.deepEqual(outcomes(await run(worker, [hook])), { [hook]: 'failed' }, 'the changed `spread` re-parametrized the test, as a cold run does');
    assert.deepEqual(worker.modes, { swap: 2, fresh: 2 });
  });

  test('a hanging test is stopped by the per-test timeout and the worker goes on', async () => {
    const worker = await start({ perTestTimeoutMs: 1000 });
    writeFileSync(module, original.replace('return sum(values) * len(values)', 'while True:\n        pass'));
    const hung = await run(worker, [FAILING[0]]);
    assert.equal(hung.tests[0]?.outcome, 'failed');
    assert.match(hung.tests[0]?.message ?? '', /timed out/);
    writeFileSync(module, original.replace('sum(values) * len(values)', 'sum(values) / len(values)'));
    assert.equal((await run(worker, [FAILING[0]])).tests[0]?.outcome, 'passed');
  });

  test("a run's tighter per-test limit (a candidate's) applies, swapped or cold, and the next run keeps the worker's own", async () => {
    const worker = await start({ perTestTimeoutMs: 600_000 });
    const safety = new AbortController();
    const timer = setTimeout(() => safety.abort(), 300_000);
    try {
      writeFileSync(module, original.replace('return sum(values) * len(values)', 'while True:\n        pass'));
      const hung = await worker.run({ testIds: [FAILING[0]], files: [module], signal: safety.signal, perTestTimeoutMs: 700 });
      assert.equal(hung.tests[0]?.outcome, 'failed');
      assert.match(hung.tests[0]?.message ?? '', /timed out after 0\.7/, 'stopped by the run\'s limit, not by the worker\'s ten minutes');
      // A change outside function bodies runs cold inside the worker: the limit goes with it.
      writeFileSync(module, `SCALE = 1\n${original.replace('return sum(values) * len(values)', 'while True:\n        pass')}`);
      const cold = await worker.run({ testIds: [FAILING[0]], files: [module], signal: safety.signal, perTestTimeoutMs: 700 });
      assert.equal(cold.tests[0]?.outcome, 'failed');
      assert.match(cold.tests[0]?.message ?? '', /timed out after 0\.7/);
      assert.equal(safety.signal.aborted, false);
      // The limit belongs to that run only: a slow (not endless) test passes in the next run.
      writeFileSync(module, original.replace('return sum(values) * len(values)', 'import time\n    time.sleep(1.5)\n    return sum(values) / len(values)'));
      assert.equal((await worker.run({ testIds: [FAILING[0]], files: [module], signal: safety.signal })).tests[0]?.outcome, 'passed');
    } finally {
      clearTimeout(timer);
    }
  });

  test('a run that stops after a hang runs no test after the one that hung, swapped or cold; other runs run them all', async () => {
    const worker = await start({ perTestTimeoutMs: 600_000 });
    const signal = new AbortController().signal;
    const endless = original.replace('return sum(values) * len(values)', 'while True:\n        pass');
    writeFileSync(module, endless);
    const stopped = await worker.run({ testIds: FAILING, files: [module], signal, perTestTimeoutMs: 700, stopAfterTimeout: true });
    assert.deepEqual(stopped.tests.map((entry) => [entry.id, entry.outcome, entry.timedOut === true]), [[FAILING[0], 'failed', true]], 'the second test did not run');
    const all = await worker.run({ testIds: FAILING, files: [module], signal, perTestTimeoutMs: 700 });
    assert.deepEqual(all.tests.map((entry) => [entry.id, entry.outcome]), [[FAILING[0], 'failed'], [FAILING[1], 'failed']]);
    // A change outside function bodies runs cold inside the worker: the same answer.
    writeFileSync(module, `SCALE = 1\n${endless}`);
    const cold = await worker.run({ testIds: FAILING, files: [module], signal, perTestTimeoutMs: 700, stopAfterTimeout: true });
    assert.deepEqual(cold.tests.map((entry) => [entry.id, entry.outcome, entry.timedOut === true]), [[FAILING[0], 'failed', true]]);
    assert.deepEqual(worker.modes, { swap: 2, fresh: 1 });
  });

  test('cancelling a run kills its process group; the worker serves the next run', async () => {
    const worker = await start({ perTestTimeoutMs: 0 });
    writeFileSync(module, original.replace('return sum(values) * len(values)', 'import time\n    time.sleep(600)'));
    const controller = new AbortController();
    const running = run(worker, [FAILING[0]], controller.signal);
    setTimeout(() => controller.abort(), 500);
    const stopped = await running;
    assert.notEqual(stopped.tests[0]?.outcome, 'passed');
    writeFileSync(module, original.replace('sum(values) * len(values)', 'sum(values) / len(values)'));
    assert.equal((await run(worker, [FAILING[0]])).tests[0]?.outcome, 'passed');
  });

  test('a project that starts a thread at import cannot be forked safely: the worker says so', async () => {
    writeFileSync(path.join(root, 'conftest.py'), 'import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n');
    await assert.rejects(start(), (error: unknown) => error instanceof WorkerUnavailable && /thread/.test(error.message));
  });

  test('the worker leaves nothing in the project', async () => {
    const before = readdirSync(root).sort();
    const worker = await start();
    await run(worker);
    await worker.dispose();
    assert.deepEqual(readdirSync(root).sort(), before);
  });
});
