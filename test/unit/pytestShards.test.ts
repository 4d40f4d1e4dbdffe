/**
 * A big pytest suite's whole-suite runs split over processes side by side (capture/python/shards.ts and
 * ShardFilter in revise_pytest.py): how the modules are shared out, how the processes' results read as
 * one run, and that a split capture gives the same tests, outcomes and coverage as one process.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capturePytest } from '../../extension/src/core/capture/python/index';
import { withRenamedParameters } from '../../extension/src/core/capture/python/capture';
import { MIN_BYTES_PER_SHARD, MIN_MODULES_PER_SHARD, listTestModules, shardFilters, splitModules } from '../../extension/src/core/capture/python/shards';
import { combineShardResults } from '../../extension/src/core/capture/shards';
import type { Logger, ProcessResult } from '../../extension/src/core/ports';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { TestRun } from '../../extension/src/core/types';
import { grammarsDir, repoRoot } from './helpers';

const modules = (sizes: number[]) => sizes.map((bytes, index) => ({ file: `/p/tests/test_${index}.py`, bytes }));
const big = MIN_BYTES_PER_SHARD;

describe('splitModules', () => {
  test('a suite too small to repay a second process is not split', () => {
    assert.equal(splitModules(modules(Array(MIN_MODULES_PER_SHARD * 2 - 1).fill(big)), 4), undefined, 'too few modules');
    assert.equal(splitModules(modules(Array(40).fill(Math.floor((2 * big - 1) / 40))), 4), undefined, 'too little test code');
    assert.equal(splitModules(modules(Array(40).fill(big)), 1), undefined, 'one process wanted');
  });

  test('shares every module once, at most `wanted` ways, the largest first to the lightest share', () => {
    const input = modules([9, 1, 8, 2, 7, 3, 6, 4].map((size) => size * big));
    const shares = splitModules(input, 2)!;
    assert.equal(shares.length, 2);
    assert.deepEqual(shares.flat().sort(), input.map((module) => module.file).sort());
    const weight = (share: string[]) => share.reduce((sum, file) => sum + input.find((module) => module.file === file)!.bytes, 0);
    assert.deepEqual(shares.map(weight), [20 * big, 20 * big]);
    assert.deepEqual(splitModules([...input].reverse(), 2), shares, 'the same suite always splits the same way');
    assert.equal(splitModules(modules(Array(40).fill(big)), 16)!.length, 10, 'no share below MIN_MODULES_PER_SHARD modules');
  });

  test('the first process runs everything but the others’ modules; the others only their own', () => {
    assert.deepEqual(shardFilters([['/a'], ['/b'], ['/c', '/d']]), [{ skip: ['/b', '/c', '/d'] }, { keep: ['/b'] }, { keep: ['/c', '/d'] }]);
  });
});

describe('combineShardResults', () => {
  const result = (exitCode: number | null, extra: Partial<ProcessResult> = {}): ProcessResult => ({ exitCode, stdout: '', stderr: '', durationMs: 10, timedOut: false, cancelled: false, ...extra });

  test('reads as one pytest run: failures win over passes, "no tests" only when no process had any', () => {
    assert.equal(combineShardResults([result(0), result(1)]).exitCode, 1);
    assert.equal(combineShardResults([result(0), result(5)]).exitCode, 0);
    assert.equal(combineShardResults([result(5), result(5)]).exitCode, 5);
    assert.equal(combineShardResults([result(1), result(2), result(null)]).exitCode, 2, 'the first unfinished process speaks for the run');
    assert.equal(combineShardResults([result(0), result(null)]).exitCode, null);
  });

  test('keeps every process’s output, the longest duration, and any timeout, cancellation or spawn error', () => {
    const combined = combineShardResults([result(1, { stdout: 'a', durationMs: 30 }), result(0, { stdout: 'b', stderr: 'e', timedOut: true, spawnError: 'ENOENT' })]);
    assert.equal(combined.stdout, 'a\nb');
    assert.equal(combined.stderr, 'e');
    assert.equal(combined.durationMs, 30);
    assert.equal(combined.timedOut, true);
    assert.equal(combined.cancelled, false);
    assert.equal(combined.spawnError, 'ENOENT');
  });
});

const interpreters = ['/usr/bin/python3', 'python3'];
const runner = new NodeProcessRunner();
const assets = { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') };

/** Eight test modules big enough to split two ways, one found only through `python_files`, one that does not collect. */
function writeProject(root: string): void {
  mkdirSync(path.join(root, 'tests'), { recursive: true });
  writeFileSync(path.join(root, 'pytest.ini'), '[pytest]\npython_files = test_*.py check_*.py\n');
  writeFileSync(path.join(root, 'calc.py'), 'SCALE = 2\n\n\ndef double(value):\n    return value * SCALE\n\n\ndef half(value):\n    return value / SCALE\n');
  writeFileSync(path.join(root, 'tests', 'conftest.py'), 'import os\nimport pytest\n\n\n@pytest.fixture\ndef base():\n    return 3\n');
  // Each run of the module's tests leaves a mark outside the project, to count how often it ran.
  const mark = 'def _mark(name):\n    with open(os.environ["REVISE_SHARD_TEST_MARKS"], "a") as handle:\n        handle.write(name + "\\n")\n';
  const padding = `# ${'padding '.repeat(12)}\n`.repeat(Math.ceil(MIN_BYTES_PER_SHARD / 100));
  for (let index = 0; index < 8; index++) {
    const body = [
      'import os\nfrom calc import double, half\n',
      mark,
      `def test_double_${index}(base):\n    _mark("test_double_${index}")\n    assert double(base + ${index}) == ${2 * (3 + index)}\n`,
      `def test_half_${index}():\n    _mark("test_half_${index}")\n    assert half(${index}) == ${index === 3 ? 99 : index / 2}\n`,
      padding,
    ].join('\n\n');
    writeFileSync(path.join(root, 'tests', `test_calc_${index}.py`), body);
  }
  writeFileSync(path.join(root, 'tests', 'check_extra.py'), `import os\nfrom calc import double\n\n\n${mark}\n\ndef test_extra():\n    _mark("test_extra")\n    assert double(1) == 2\n`);
  writeFileSync(path.join(root, 'tests', 'test_broken.py'), 'def test_never(:\n    pass\n');
}

for (const python of interpreters) {
  const probe = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
  describe(`a split capture with ${python}`, { skip: probe.status === 0 ? undefined : `${python} with pytest is not available here` }, () => {
    let folder = '';
    let marks = '';
    beforeEach(() => {
      folder = mkdtempSync(path.join(os.tmpdir(), 'revise-shards-'));
      marks = path.join(folder, 'marks.txt');
      process.env.REVISE_SHARD_TEST_MARKS = marks;
      writeProject(path.join(folder, 'project'));
    });
    afterEach(() => {
      delete process.env.REVISE_SHARD_TEST_MARKS;
      rmSync(folder, { recursive: true, force: true });
    });

    const capture = async (parallelRuns: number): Promise<{ run: TestRun; log: string[]; ran: string[] }> => {
      const log: string[] = [];
      const logger: Logger = { ...silentLogger, debug: (message: string) => log.push(message) };
      writeFileSync(marks, '');
      const run = await capturePytest({ root: path.join(folder, 'project'), runner, logger, assets, pythonPath: python, perTestTimeoutMs: 20_000, totalTimeoutMs: 120_000, parallelRuns });
      return { run, log, ran: readFileSync(marks, 'utf8').split('\n').filter(Boolean).sort() };
    };

    test('gives the same tests, outcomes, coverage and problems as one process, each test run once', async () => {
      const single = await capture(1);
      const split = await capture(2);
      assert.ok(!single.log.some((line) => line.includes('split over')));
      assert.ok(split.log.some((line) => /split over 2 processes \(\d+ \+ \d+ modules\)/.test(line)), split.log.join('\n'));
      assert.equal(single.ran.length, 17, 'sixteen tests in the eight modules and the one found through python_files');
      assert.deepEqual(split.ran, single.ran, 'no test ran twice or not at all');

      const view = (run: TestRun) =>
        run.tests
          .map((test) => ({ id: test.id, outcome: test.outcome, lines: test.coveredLines, frames: test.frames.length, loadError: test.loadError !== undefined }))
          .sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(view(split.run), view(single.run));
      assert.deepEqual(
        split.run.tests.filter((test) => test.outcome === 'failed').map((test) => test.id).sort(),
        ['tests/test_calc_3.py::test_half_3', ...single.run.tests.filter((test) => test.id.startsWith('tests/test_broken.py')).map((test) => test.id)].sort(),
      );
      const problems = (run: TestRun) => run.problems.map((problem) => `${problem.kind} ${problem.file ?? ''}`).sort();
      assert.deepEqual(problems(split.run), problems(single.run), 'the module that does not collect is one problem, not one per process');
      assert.equal(split.run.problems.filter((problem) => problem.file?.endsWith('test_broken.py')).length, 1);
      assert.deepEqual(split.run.testFiles, single.run.testFiles);
      assert.equal(split.run.complete, true);
      const calc = path.join(folder, 'project', 'calc.py');
      assert.ok(split.run.tests.find((test) => test.id === 'tests/test_calc_5.py::test_double_5')?.coveredLines?.[calc]?.includes(1), 'import-time lines are credited in a split run too');
    });

    test('a run of chosen tests is never split', async () => {
      const log: string[] = [];
      const logger: Logger = { ...silentLogger, debug: (message: string) => log.push(message) };
      writeFileSync(marks, '');
      const run = await capturePytest({
        root: path.join(folder, 'project'),
        runner,
        logger,
        assets,
        pythonPath: python,
        perTestTimeoutMs: 20_000,
        totalTimeoutMs: 120_000,
        parallelRuns: 4,
        testIds: ['tests/test_calc_1.py::test_half_1'],
      });
      assert.deepEqual(run.tests.map((test) => `${test.id} ${test.outcome}`), ['tests/test_calc_1.py::test_half_1 passed']);
      assert.ok(!log.some((line) => line.includes('split over')));
    });
  });
}

test('listTestModules finds test_*.py and *_test.py outside hidden folders, virtual environments and node_modules', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'revise-shards-list-'));
  try {
    for (const file of ['tests/test_a.py', 'tests/unit/b_test.py', 'tests/helper.py', '.tox/test_c.py', 'node_modules/x/test_d.py', 'venv/test_e.py', 'test_root.py']) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), 'x = 1\n');
    }
    const found = (await listTestModules(root, new Set(['node_modules', 'venv']))).map((module) => path.relative(root, module.file)).sort();
    assert.deepEqual(found, ['test_root.py', 'tests/test_a.py', 'tests/unit/b_test.py']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

describe('a run of chosen tests whose parametrized id changed since the capture', () => {
  test('withRenamedParameters swaps only the parametrized ids pytest did not find, for their test function', () => {
    const output = 'no tests ran in 0.00s\nERROR: not found: /p/tests/test_a.py::test_s[03:24:57]\n(no name \'/p/tests/test_a.py::test_s[03:24:57]\' in any of [<Module tests/test_a.py>])\n';
    assert.deepEqual(withRenamedParameters(['tests/test_a.py::test_s[03:24:57]', 'tests/test_a.py::test_t', 'tests/test_a.py::test_u[1]'], output, '/p'), ['tests/test_a.py::test_s', 'tests/test_a.py::test_t', 'tests/test_a.py::test_u[1]']);
    assert.deepEqual(withRenamedParameters(['tests/test_a.py::test_s[03:24:57]'], 'ERROR: not found: /p/tests/test_a.py::test_s\n(no match in any of [<Module test_a.py>])\n', '/p'), ['tests/test_a.py::test_s'], 'pytest 8 and later name the test function');
    assert.equal(withRenamedParameters(['tests/test_a.py::test_t'], 'ERROR: not found: /p/tests/test_a.py::test_t\n', '/p'), undefined, 'a plain id that is not found stays a problem');
    assert.equal(withRenamedParameters(['tests/test_a.py::test_s[1]'], 'some other usage error\n', '/p'), undefined);
  });

  for (const python of interpreters) {
    const probe = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
    test(`runs the test under its new id, and the others asked for, with ${python}`, { skip: probe.status === 0 ? undefined : `${python} with pytest is not available here` }, async () => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'revise-renamed-'));
      try {
        mkdirSync(path.join(root, 'tests'));
        writeFileSync(path.join(root, 'tests', 'test_a.py'), 'import time\n\nimport pytest\n\n\n@pytest.mark.parametrize("stamp", [time.time_ns()])\ndef test_stamped(stamp):\n    assert stamp > 0\n\n\ndef test_plain():\n    assert False\n');
        const run = await capturePytest({
          root,
          runner,
          logger: silentLogger,
          assets,
          pythonPath: python,
          perTestTimeoutMs: 20_000,
          totalTimeoutMs: 120_000,
          testIds: ['tests/test_a.py::test_stamped[1]', 'tests/test_a.py::test_plain'],
        });
        const outcomes = run.tests.map((entry) => `${entry.id.replace(/\[\d+\]$/, '[new]')} ${entry.outcome}`).sort();
        assert.deepEqual(outcomes, ['tests/test_a.py::test_plain failed', 'tests/test_a.py::test_stamped[new] passed']);
        assert.ok(!run.tests.some((entry) => entry.id === 'tests/test_a.py::test_stamped[1]'));
        assert.deepEqual(run.problems, []);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
