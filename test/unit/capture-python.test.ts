import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReviseError } from '../../extension/src/core/errors';
import { localizeFaults } from '../../extension/src/core/localize/index';
import { DiskSourceReader } from '../../extension/src/core/sources';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { TestResult, TestRun } from '../../extension/src/core/types';
import type { CaptureOptions } from '../../extension/src/core/capture/types';
import {
  assembleTestRun,
  capturePytest,
  detectPytest,
  isPythonTestFile,
  junitCasesToResults,
  parseCoverageFile,
  parseJUnitXml,
  parsePluginOutput,
  pytestInvocation,
} from '../../extension/src/core/capture/python/index';
import { captureTests } from '../../extension/src/core/capture/index';
import { fixturesDir, grammarsDir, repoRoot } from './helpers';

const fixtures = path.join(fixturesDir, 'python');
const assets = { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') };
const runner = new NodeProcessRunner();

/** The two interpreters the plugin must serve: coverage.py present, and absent (line tracer). */
const interpreters = [
  { label: '/usr/bin/python3 (coverage.py)', python: '/usr/bin/python3', method: 'coverage.py' as const },
  { label: 'pyenv python3 (trace plugin)', python: 'python3', method: 'trace-plugin' as const },
];

/** Why an interpreter cannot serve these tests on this machine, or undefined when it can. */
function unavailable(python: string): string | undefined {
  const probe = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `${python} with pytest is not available here`;
}

function fixture(name: string): string {
  return path.join(fixtures, name);
}

/** 1-based line of the first line of `file` that contains `text` (so tests do not hard-code numbers). */
function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} not found in ${file}`);
  return index + 1;
}

/** Every file and folder under `root` (dot-files included) with a content hash, to prove a run wrote nothing. */
function treeListing(root: string): string[] {
  const listing: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        listing.push(`${relative}/`);
        walk(full);
      } else {
        listing.push(`${relative} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
      }
    }
  };
  walk(root);
  return listing;
}

/** Runs the real capture on a fixture and checks that the fixture tree is byte-identical afterwards. */
async function capture(name: string, python: string, overrides: Partial<CaptureOptions> = {}): Promise<TestRun> {
  const root = fixture(name);
  const before = treeListing(root);
  const run = await capturePytest({
    root,
    runner,
    logger: silentLogger,
    assets,
    pythonPath: python,
    perTestTimeoutMs: 20_000,
    totalTimeoutMs: 120_000,
    ...overrides,
  });
  assert.deepEqual(treeListing(root), before, `capturing ${name} changed files in the fixture`);
  return run;
}

function byId(run: TestRun): Map<string, TestResult> {
  return new Map(run.tests.map((test) => [test.id, test]));
}

function get(run: TestRun, id: string): TestResult {
  const test = byId(run).get(id);
  assert.ok(test, `no result for ${id}; got ${run.tests.map((item) => item.id).join(', ')}`);
  return test;
}

function failedIds(run: TestRun): string[] {
  return run.tests.filter((test) => test.outcome === 'failed').map((test) => test.id).sort();
}

function covers(test: TestResult, file: string, line: number): boolean {
  return test.coveredLines?.[file]?.includes(line) ?? false;
}

function assertCoverageShape(run: TestRun): void {
  for (const test of run.tests) {
    for (const [file, lines] of Object.entries(test.coveredLines ?? {})) {
      assert.ok(path.isAbsolute(file), `relative coverage path ${file}`);
      assert.ok(lines.length > 0);
      assert.ok(lines.every((line, index) => Number.isInteger(line) && line >= 1 && (index === 0 || lines[index - 1]! < line)), `unsorted lines for ${file}`);
    }
    for (const frame of test.frames) assert.ok(path.isAbsolute(frame.file), `relative frame path ${frame.file}`);
  }
}

for (const interpreter of interpreters) {
  const skip = unavailable(interpreter.python);
  describe(`capturePytest with ${interpreter.label}`, { skip }, () => {
    const { python, method } = interpreter;

    test('clean project: every test passes, coverage recorded per test', async () => {
      const run = await capture('clean', python);
      const calc = path.join(fixture('clean'), 'calc.py');
      assert.equal(run.framework, 'pytest');
      assert.equal(run.coverageMethod, method);
      assert.equal(run.complete, true);
      assert.deepEqual(run.problems, []);
      assert.equal(run.tests.length, 5);
      assert.ok(run.tests.every((test) => test.outcome === 'passed' && test.frames.length === 0));
      const low = get(run, 'test_calc.py::test_clamp_low');
      assert.ok(covers(low, calc, lineOf(calc, 'return low')));
      assert.ok(!covers(low, calc, lineOf(calc, 'return high')));
      assert.equal(low.file, path.join(fixture('clean'), 'test_calc.py'));
      assert.equal(low.line, lineOf(low.file!, 'def test_clamp_low'));
      assert.deepEqual(run.testFiles, [path.join(fixture('clean'), 'test_calc.py')]);
      assertCoverageShape(run);
    });

    test('one bug: failing tests, the buggy line in their coverage, frames and assertion', async () => {
      const run = await capture('one-bug', python);
      const stats = path.join(fixture('one-bug'), 'stats.py');
      const testFile = path.join(fixture('one-bug'), 'tests', 'test_stats.py');
      const bug = lineOf(stats, 'return total(values) * len(values)');
      assert.deepEqual(failedIds(run), ['tests/test_stats.py::test_average_of_four', 'tests/test_stats.py::test_average_of_two']);
      assert.equal(run.tests.filter((test) => test.outcome === 'passed').length, 4);
      const two = get(run, 'tests/test_stats.py::test_average_of_two');
      assert.ok(covers(two, stats, bug));
      assert.ok(covers(get(run, 'tests/test_stats.py::test_average_of_four'), stats, bug));
      assert.ok(covers(get(run, 'tests/test_stats.py::test_average_of_one'), stats, bug), 'a passing test also runs the bug');
      assert.ok(!covers(get(run, 'tests/test_stats.py::test_average_of_nothing'), stats, bug));
      assert.equal(two.message, 'AssertionError: assert 12 == 3');
      assert.equal(two.assertion, 'assert average([2, 4]) == 3');
      assert.deepEqual(
        two.frames.map((frame) => [frame.file, frame.line, frame.functionName]),
        [[testFile, lineOf(testFile, 'assert average([2, 4]) == 3'), 'test_average_of_two']],
      );
      assert.ok(run.testFiles.includes(path.join(fixture('one-bug'), 'tests', 'conftest.py')));
      assert.ok(run.testFiles.includes(testFile));
      assert.ok(!run.testFiles.includes(stats));
      assert.deepEqual(run.problems, []);
      assertCoverageShape(run);
    });

    test('two interacting bugs: an exception raised in the source has frames into it, outermost first', async () => {
      const run = await capture('two-bugs', python);
      const series = path.join(fixture('two-bugs'), 'series.py');
      const checks = path.join(fixture('two-bugs'), 'check_series.py');
      assert.deepEqual(failedIds(run), ['check_series.py::test_mean', 'check_series.py::test_normalize_centered', 'check_series.py::test_normalize_constant']);
      const constant = get(run, 'check_series.py::test_normalize_constant');
      assert.match(constant.message ?? '', /^ZeroDivisionError: /);
      assert.equal(constant.frames[0]!.file, checks);
      assert.equal(constant.frames[0]!.functionName, 'test_normalize_constant');
      const raising = lineOf(series, 'return [(value - center) / width');
      assert.ok(constant.frames.some((frame) => frame.file === series && frame.line === raising && frame.functionName === 'normalize'));
      assert.equal(constant.frames.at(-1)!.line, raising);
      assert.ok(covers(constant, series, lineOf(series, '/ (len(values) + 1)')), 'first bug covered');
      assert.ok(covers(constant, series, lineOf(series, 'if width < 0:')), 'second bug covered');
      assert.ok(!covers(get(run, 'check_series.py::test_spread'), series, lineOf(series, '/ (len(values) + 1)')));
      assert.deepEqual(run.testFiles, [checks]);
      assertCoverageShape(run);
    });

    test('through captureTests, each module that does not load is a failed test with its load error', async () => {
      const root = fixture('syntax-error');
      const run = await captureTests({ root, runner, logger: silentLogger, assets, pythonPath: python, perTestTimeoutMs: 20_000, totalTimeoutMs: 120_000 });
      assert.deepEqual(
        run.tests.map((test) => [test.id, test.outcome, test.loadError?.kind, test.loadError ? path.relative(root, test.loadError.file) : undefined]),
        [
          ['test_fine.py::test_still_runs', 'passed', undefined, undefined],
          ['test_missing_module.py', 'failed', 'import', 'test_missing_module.py'],
          ['test_wordsplit.py', 'failed', 'syntax', 'wordsplit.py'],
        ],
      );
      assert.equal(byId(run).get('test_wordsplit.py')!.loadError!.line, lineOf(path.join(root, 'wordsplit.py'), 'result.append(word.strip'));
      assert.ok(!run.problems.some((problem) => problem.kind === 'syntax-error' || problem.kind === 'collection-error'));
      // Validation asks for the module as a whole: it fails while the module does not load.
      const again = await captureTests({ root, runner, logger: silentLogger, assets, pythonPath: python, perTestTimeoutMs: 20_000, totalTimeoutMs: 120_000, testIds: ['test_wordsplit.py'], coverage: false });
      assert.deepEqual(again.tests.map((test) => [test.id, test.outcome]), [['test_wordsplit.py', 'failed']]);
    });

    test('syntax and import errors become located problems; other modules still run', async () => {
      const run = await capture('syntax-error', python);
      const root = fixture('syntax-error');
      const syntax = run.problems.find((problem) => problem.kind === 'syntax-error');
      assert.ok(syntax, JSON.stringify(run.problems));
      assert.equal(syntax.file, path.join(root, 'wordsplit.py'));
      assert.equal(syntax.line, lineOf(path.join(root, 'wordsplit.py'), 'result.append(word.strip'));
      assert.ok(syntax.column !== undefined && syntax.column > 1);
      assert.match(syntax.message, /^SyntaxError: /);
      const missing = run.problems.find((problem) => problem.kind === 'collection-error');
      assert.ok(missing, JSON.stringify(run.problems));
      assert.equal(missing.file, path.join(root, 'test_missing_module.py'));
      assert.equal(missing.line, 1);
      assert.match(missing.message, /ModuleNotFoundError: .*helpers_that_do_not_exist/);
      assert.deepEqual(run.tests.map((test) => [test.id, test.outcome]), [['test_fine.py::test_still_runs', 'passed']]);
      assert.ok(run.testFiles.includes(path.join(root, 'test_wordsplit.py')));
      assert.ok(run.testFiles.includes(path.join(root, 'test_missing_module.py')));
    });

    test('per-test timeout fails the hanging test fast and the run goes on', async () => {
      const run = await capture('hanging', python, { perTestTimeoutMs: 1500 });
      const worker = path.join(fixture('hanging'), 'worker.py');
      const hang = get(run, 'test_b_hang.py::test_hangs');
      assert.equal(hang.outcome, 'failed');
      assert.equal(hang.timedOut, true);
      assert.match(hang.message ?? '', /timed out after 1\.5s/);
      assert.ok(hang.frames.some((frame) => frame.file === worker && frame.functionName === 'wait_forever'));
      assert.ok(covers(hang, worker, lineOf(worker, 'time.sleep(0.05)')));
      assert.equal(get(run, 'test_c_after.py::test_after_the_hang').outcome, 'passed');
      assert.equal(run.complete, true);
      assert.equal(run.tests.length, 4);
    });

    test('--doctest-modules: a source module with doctests stays code under test, scored and blamed', async () => {
      const run = await capture('doctest-modules', python);
      const root = fixture('doctest-modules');
      const source = path.join(root, 'pricing.py');
      assert.deepEqual(
        run.tests.map((test) => [test.id, test.outcome]).sort(),
        [
          ['pricing.py::pricing.total', 'passed'],
          ['test_pricing.py::test_discount', 'failed'],
          ['test_pricing.py::test_no_discount', 'passed'],
        ],
      );
      assert.ok(!run.testFiles.includes(source), `pricing.py counted as a test file: ${run.testFiles.join(', ')}`);
      assert.ok(run.testFiles.includes(path.join(root, 'test_pricing.py')));
      const scores = await localizeFaults({ run, sources: new DiskSourceReader() });
      assert.deepEqual([scores[0]?.file, scores[0]?.line], [source, lineOf(source, 'discount * 2')]);
    });

    test('a test the timeout interrupted leaves a thread running: the run still ends and is complete', async () => {
      // Without the plugin ending the process itself, the interpreter waits for the thread at exit until
      // the total timeout kills the run, and the run is incomplete.
      const run = await capture('hanging-thread', python, { perTestTimeoutMs: 1000, totalTimeoutMs: 90_000 });
      const hang = get(run, 'test_server.py::test_waits_for_the_server');
      assert.equal(hang.outcome, 'failed');
      assert.equal(hang.timedOut, true);
      assert.equal(get(run, 'test_server.py::test_quick').outcome, 'passed');
      assert.equal(run.complete, true, JSON.stringify(run.problems));
      assert.ok(!run.problems.some((problem) => problem.kind === 'timeout'), JSON.stringify(run.problems));
    });

    test('total timeout kills the run and keeps what finished, coverage included', async () => {
      const run = await capture('hanging', python, { perTestTimeoutMs: 600_000, totalTimeoutMs: 8000 });
      const worker = path.join(fixture('hanging'), 'worker.py');
      assert.equal(run.complete, false);
      assert.ok(run.problems.some((problem) => problem.kind === 'timeout'), JSON.stringify(run.problems));
      const quick = get(run, 'test_a_quick.py::test_quick');
      assert.equal(quick.outcome, 'passed');
      assert.ok(covers(quick, worker, lineOf(worker, 'return value * 2')), 'coverage of finished tests survives SIGINT');
      const hang = get(run, 'test_b_hang.py::test_hangs');
      assert.equal(hang.outcome, 'failed');
      assert.equal(hang.timedOut, true);
      assert.ok(hang.frames.some((frame) => frame.file === worker && frame.line === lineOf(worker, 'time.sleep(0.05)')));
      assert.ok(!byId(run).has('test_c_after.py::test_after_the_hang'));
    });

    test('no tests: a no-tests problem, no results', async () => {
      const run = await capture('no-tests', python);
      assert.deepEqual(run.tests, []);
      assert.deepEqual(run.problems.map((problem) => problem.kind), ['no-tests']);
      assert.equal(run.complete, true);
    });

    test('src layout: conftest fixtures count as the test\'s lines; frames reach into src/', async () => {
      const run = await capture('src-layout', python);
      const root = fixture('src-layout');
      const stock = path.join(root, 'src', 'inventory', 'stock.py');
      const conftest = path.join(root, 'tests', 'conftest.py');
      assert.deepEqual(failedIds(run), ['tests/test_stock.py::test_remove_missing_item']);
      const missing = get(run, 'tests/test_stock.py::test_remove_missing_item');
      assert.equal(missing.message, "KeyError: 'pear'");
      assert.equal(missing.frames.at(-1)!.file, stock);
      assert.equal(missing.frames.at(-1)!.line, lineOf(stock, 'left = self.counts[name] - quantity'));
      const count = get(run, 'tests/test_stock.py::test_count');
      assert.ok(covers(count, conftest, lineOf(conftest, 'store.add("apple", 3)')), 'fixture setup is part of the test');
      assert.ok(covers(count, stock, lineOf(stock, 'self.counts[name] = self.counts.get(name, 0) + quantity')));
      assert.ok(run.testFiles.includes(conftest));
      assert.ok(!run.testFiles.some((file) => file.startsWith(path.join(root, 'src'))));
      assertCoverageShape(run);
    });

    test('parametrized tests and a test class keep pytest node ids; a Latin-1 file is left out of coverage', async () => {
      const run = await capture('parametrized', python);
      const root = fixture('parametrized');
      const shapes = path.join(root, 'shapes.py');
      const units = path.join(root, 'units.py');
      assert.deepEqual(failedIds(run), ['test_shapes.py::test_classify[sides3-isosceles]']);
      assert.equal(get(run, 'test_shapes.py::TestRectangle::test_area').outcome, 'passed');
      assert.equal(get(run, 'test_shapes.py::TestRectangle::test_diagonal').outcome, 'skipped');
      assert.equal(get(run, 'test_shapes.py::TestRectangle::test_square').outcome, 'skipped', 'xfail counts as skipped');
      assert.equal(get(run, 'test_shapes.py::test_classify_rejects[-1]').outcome, 'passed');
      assert.equal(run.tests.length, 12);
      const failing = get(run, 'test_shapes.py::test_classify[sides3-isosceles]');
      assert.ok(covers(failing, shapes, lineOf(shapes, 'if a == b or b == c:')));
      assert.ok(!covers(failing, shapes, lineOf(shapes, 'return "isosceles"')));
      assert.ok(run.tests.every((test) => test.coveredLines !== undefined && !(units in test.coveredLines)));
      assert.deepEqual(
        run.problems.map((problem) => [problem.kind, problem.file]),
        [['skipped-file', units]],
      );
      assertCoverageShape(run);
    });

    test('import-time lines are credited to the tests that depend on them', async () => {
      const run = await capture('import-time', python);
      const root = fixture('import-time');
      const limits = path.join(root, 'limits.py');
      const settings = path.join(root, 'settings.py');
      assert.deepEqual(failedIds(run), ['test_limits.py::test_under_limit']);
      const failing = get(run, 'test_limits.py::test_under_limit');
      for (const text of ['LIMIT = 4', '@logged', 'def under_limit(value, limit=LIMIT):', 'return value < limit']) {
        assert.ok(covers(failing, limits, lineOf(limits, text)), `${text} is credited to the failing test`);
      }
      // A class body and a function header matter only to the tests that run that class or function.
      assert.ok(!covers(failing, limits, lineOf(limits, 'capacity = LIMIT * 2')));
      assert.ok(!covers(failing, limits, lineOf(limits, 'return count <= self.capacity')), 'a body the test does not run stays uncovered');
      const box = get(run, 'test_limits.py::test_box');
      for (const text of ['LIMIT = 4', 'class Box:', 'capacity = LIMIT * 2', 'def fits(self, count):']) {
        assert.ok(covers(box, limits, lineOf(limits, text)), `${text} is credited to test_box`);
      }
      assert.ok(!covers(box, limits, lineOf(limits, 'def under_limit(value, limit=LIMIT):')));
      // The module whose import a test module's collection ran: credited to that module's tests, even
      // those that run none of its functions; tests of other modules that never touch it are not.
      assert.ok(covers(get(run, 'test_settings.py::test_unrelated'), settings, lineOf(settings, 'GREETING')));
      assert.ok(covers(get(run, 'test_settings.py::test_greeting'), settings, lineOf(settings, 'GREETING')));
      assert.ok(!(limits in (get(run, 'test_settings.py::test_unrelated').coveredLines ?? {})));
      assertCoverageShape(run);
    });

    test('runs only the requested test ids, and without coverage when asked', async () => {
      const run = await capture('one-bug', python, { testIds: ['tests/test_stats.py::test_average_of_two'], coverage: false });
      assert.deepEqual(run.tests.map((test) => [test.id, test.outcome]), [['tests/test_stats.py::test_average_of_two', 'failed']]);
      assert.equal(run.coverageMethod, 'none');
      assert.equal(run.tests[0]!.coveredLines, undefined);
      assert.deepEqual(run.problems, []);
    });
  });
}

describe('capturePytest failures and fallbacks', () => {
  const systemSkip = unavailable('/usr/bin/python3');

  test('a missing interpreter is an interpreter-missing error', async () => {
    await assert.rejects(
      capturePytest({
        root: fixture('clean'),
        runner,
        logger: silentLogger,
        assets,
        pythonPath: path.join(os.tmpdir(), 'no-such-python-here', 'python3'),
        perTestTimeoutMs: 5000,
        totalTimeoutMs: 30_000,
      }),
      (error: unknown) => error instanceof ReviseError && error.code === 'interpreter-missing' && error.hint !== undefined,
    );
  });

  test('an interpreter without pytest is a framework-missing error with an install hint', { skip: process.platform === 'win32' ? 'POSIX shell wrapper' : systemSkip }, async () => {
    // `-S` skips site-packages, which is where pytest lives: a real interpreter without pytest.
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-python-'));
    const wrapper = path.join(folder, 'python-without-pytest');
    await fs.writeFile(wrapper, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
    try {
      await assert.rejects(
        capturePytest({ root: fixture('clean'), runner, logger: silentLogger, assets, pythonPath: wrapper, perTestTimeoutMs: 5000, totalTimeoutMs: 30_000 }),
        (error: unknown) =>
          error instanceof ReviseError &&
          error.code === 'framework-missing' &&
          error.message === `pytest is not installed for ${wrapper}` &&
          error.hint === `Install it with: ${wrapper} -m pip install pytest`,
      );
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });

  test('a custom command that leaves the plugin inactive falls back to the JUnit report', { skip: process.platform === 'win32' ? 'uses env(1)' : systemSkip }, async () => {
    const run = await capture('one-bug', '/usr/bin/python3', { command: ['env', '-u', 'REVISE_OUTPUT_DIR', '/usr/bin/python3', '-m', 'pytest'] });
    assert.equal(run.command[0], 'env');
    assert.deepEqual(failedIds(run), ['tests/test_stats.py::test_average_of_four', 'tests/test_stats.py::test_average_of_two']);
    const two = get(run, 'tests/test_stats.py::test_average_of_two');
    assert.equal(two.file, path.join(fixture('one-bug'), 'tests', 'test_stats.py'));
    assert.equal(two.line, lineOf(two.file!, 'def test_average_of_two'));
    assert.match(two.message ?? '', /assert 12 == 3/);
    assert.equal(run.coverageMethod, 'none');
    assert.ok(run.problems.some((problem) => problem.kind === 'coverage-unavailable'));
  });

  test('cancelling mid-run keeps finished tests and reports progress', { skip: systemSkip }, async () => {
    const controller = new AbortController();
    const progress: string[] = [];
    const run = await capture('hanging', '/usr/bin/python3', {
      perTestTimeoutMs: 600_000,
      signal: controller.signal,
      onProgress: (message) => {
        progress.push(message);
        // Both quick tests are done, so the hanging one is running: cancel now.
        if (message === 'ran 2/4 tests') controller.abort();
      },
    });
    assert.ok(progress.includes('ran 2/4 tests'), progress.join(', '));
    assert.equal(run.complete, false);
    assert.ok(run.problems.some((problem) => problem.kind === 'cancelled'));
    assert.equal(get(run, 'test_a_quick.py::test_quick_again').outcome, 'passed');
    assert.ok(!byId(run).has('test_b_hang.py::test_hangs'), 'a test stopped by the user is not a result');
  });

  test('cancellation before the run is a cancelled error', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      capturePytest({ root: fixture('clean'), runner, logger: silentLogger, assets, signal: controller.signal, perTestTimeoutMs: 5000, totalTimeoutMs: 30_000 }),
      (error: unknown) => error instanceof ReviseError && error.code === 'cancelled',
    );
  });
});

describe('detectPytest and isPythonTestFile', () => {
  test('recognises every fixture project', async () => {
    for (const name of ['clean', 'one-bug', 'two-bugs', 'syntax-error', 'hanging', 'no-tests', 'src-layout', 'parametrized', 'import-time']) {
      assert.equal(await detectPytest(fixture(name)), true, name);
    }
  });

  test('finds test files a few levels down, but not in node_modules, venvs or dot-folders', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-detect-'));
    try {
      assert.equal(await detectPytest(root), false, 'empty folder');
      await fs.mkdir(path.join(root, 'node_modules', 'pkg'), { recursive: true });
      await fs.writeFile(path.join(root, 'node_modules', 'pkg', 'test_a.py'), '');
      await fs.mkdir(path.join(root, '.tox', 'py'), { recursive: true });
      await fs.writeFile(path.join(root, '.tox', 'py', 'test_b.py'), '');
      await fs.mkdir(path.join(root, 'myenv', 'lib'), { recursive: true });
      await fs.writeFile(path.join(root, 'myenv', 'pyvenv.cfg'), 'home = /usr/bin\n');
      await fs.writeFile(path.join(root, 'myenv', 'lib', 'test_c.py'), '');
      await fs.writeFile(path.join(root, 'pyproject.toml'), '[project]\nname = "x"\n');
      assert.equal(await detectPytest(root), false, 'only ignored folders hold tests');
      await fs.mkdir(path.join(root, 'pkg', 'sub'), { recursive: true });
      await fs.writeFile(path.join(root, 'pkg', 'sub', 'thing_test.py'), '');
      assert.equal(await detectPytest(root), true, 'a *_test.py two levels down');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  test('reads pytest sections in pyproject.toml and setup.cfg', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-detect-'));
    try {
      await fs.writeFile(path.join(root, 'setup.cfg'), '[metadata]\nname = x\n');
      assert.equal(await detectPytest(root), false);
      await fs.writeFile(path.join(root, 'setup.cfg'), '[metadata]\nname = x\n\n[tool:pytest]\naddopts = -q\n');
      assert.equal(await detectPytest(root), true);
      await fs.rm(path.join(root, 'setup.cfg'));
      await fs.writeFile(path.join(root, 'pyproject.toml'), '[tool.pytest.ini_options]\nminversion = "7.0"\n');
      assert.equal(await detectPytest(root), true);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  test('classifies test and support files', () => {
    const root = path.resolve('/work/test/project');
    assert.equal(isPythonTestFile(path.join(root, 'test_calc.py')), true);
    assert.equal(isPythonTestFile(path.join(root, 'calc_test.py')), true);
    assert.equal(isPythonTestFile(path.join(root, 'conftest.py')), true);
    assert.equal(isPythonTestFile(path.join(root, 'tests', 'helpers', 'factory.py'), root), true);
    assert.equal(isPythonTestFile(path.join(root, 'tests', 'helpers', 'factory.py')), true);
    assert.equal(isPythonTestFile(path.join(root, 'src', 'calc.py'), root), false);
    assert.equal(isPythonTestFile(path.join(root, 'src', 'calc.py')), false, 'a `test` folder far above does not count');
    assert.equal(isPythonTestFile(path.join(root, 'tests', 'data.json'), root), false);
    assert.equal(isPythonTestFile(path.join(root, 'contest.py')), false, 'a `test` grandparent alone does not count');
    assert.equal(isPythonTestFile(path.join(root, 'test', 'fixtures.py')), true);
  });
});

describe('parsers for the plugin output and JUnit XML', () => {
  test('plugin JSON lines: malformed lines are reported and skipped, the rest kept', () => {
    const text = [
      '{"type":"session","python":"3.11.7","pytest":"9.0.3","coverage":"trace","note":null}',
      '{"type":"collected","count":3,"conftests":["/p/conftest.py", 7]}',
      '{"type":"test","nodeid":"t.py::a","file":"/p/t.py","line":3,"outcome":"passed","duration":0.0015,"coverage":{"/p/m.py":[4,2,-1,"x"]}}',
      'this is not json',
      '{"type":"test","outcome":"passed"}',
      '{"type":"test","nodeid":"t.py::b","outcome":"exploded","duration":1}',
      '[1, 2, 3]',
      '',
      '{"type":"from-the-future","x":1}',
      '{"type":"test","nodeid":"t.py::c","outcome":"failed","duration":0.2,"message":"ValueError: bad","frames":[{"file":"/p/m.py","line":9,"function":"f","column":5},{"file":"/p/m.py","line":0},"junk"],"timedOut":true}',
      '{"type":"collect-error","kind":"syntax-error","nodeid":"t2.py","message":"SyntaxError: x","file":"/p/m2.py","line":4,"column":7}',
      '{"type":"finished","exitstatus":1}',
      '{"type":"test","nodeid":"t.py::d","outcome":"pass', // truncated by a kill mid-write
    ].join('\n');
    const output = parsePluginOutput(text);
    assert.equal(output.session?.coverage, 'trace');
    assert.deepEqual(output.collected, { type: 'collected', count: 3, conftests: ['/p/conftest.py'] });
    assert.deepEqual(output.tests.map((test) => test.nodeid), ['t.py::a', 't.py::c']);
    assert.deepEqual(output.tests[0]!.coverage, { '/p/m.py': [4, 2] });
    assert.deepEqual(output.tests[1]!.frames, [{ file: '/p/m.py', line: 9, column: 5, function: 'f' }]);
    assert.equal(output.tests[1]!.timedOut, true);
    assert.deepEqual(output.collectErrors.map((error) => [error.kind, error.file, error.line, error.column]), [['syntax-error', '/p/m2.py', 4, 7]]);
    assert.equal(output.exitStatus, 1);
    assert.equal(output.problems.length, 5);
    assert.ok(output.problems.every((problem) => problem.kind === 'unparsable-output'));
    assert.match(output.problems[0]!.message, /line 4 .*not JSON/);
  });

  test('plugin JSON lines: a flood of bad lines is summarised', () => {
    const output = parsePluginOutput(Array.from({ length: 12 }, (_, index) => `garbage ${index}`).join('\n'));
    assert.equal(output.problems.length, 6);
    assert.match(output.problems[5]!.message, /^7 more/);
  });

  test('coverage.py file: shape checked', () => {
    assert.equal(parseCoverageFile('{"nope":1}'), undefined);
    assert.equal(parseCoverageFile('{"tests":'), undefined);
    const parsed = parseCoverageFile('{"tests":{"t.py::a":{"/p/m.py":[1,2]},"t.py::b":"bad"}}');
    assert.deepEqual([...(parsed ?? new Map()).entries()], [['t.py::a', { '/p/m.py': [1, 2] }]]);
  });

  test('JUnit XML: outcomes, entities, nameless and truncated cases', () => {
    const xml = [
      '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="5">',
      '<testcase classname="tests.test_x" name="test_ok" file="tests/test_x.py" line="3" time="0.010" />',
      '<testcase classname="tests.test_x.TestThing" name="test_bad[a&amp;b]" file="tests/test_x.py" line="10" time="0.2">',
      '<failure message="assert 1 == 2&#10;+  where 1 = f()">long text &lt;here&gt;</failure></testcase>',
      "<testcase classname='tests.test_x' name='test_err' time='x'><error message=\"fixture &quot;db&quot; failed\"/></testcase>",
      '<testcase classname="tests.test_x" name="test_skip" time="0"><skipped type="pytest.skip" message="later"/></testcase>',
      '<testcase time="0.000" />',
      '<testcase classname="tests.test_x" name="test_cut" time="0.1"><failure message="boom"', // truncated
    ].join('\n');
    const parsed = parseJUnitXml(xml);
    assert.equal(parsed.recognised, true);
    assert.deepEqual(
      parsed.cases.map((testCase) => [testCase.name, testCase.outcome, testCase.message]),
      [
        ['test_ok', 'passed', undefined],
        ['test_bad[a&b]', 'failed', 'assert 1 == 2\n+  where 1 = f()'],
        ['test_err', 'failed', 'fixture "db" failed'],
        ['test_skip', 'skipped', 'later'],
      ],
    );
    assert.equal(parsed.cases[2]!.time, 0);
    const root = path.resolve('/p');
    const results = junitCasesToResults(parsed.cases, root, () => false);
    assert.deepEqual(results.map((result) => result.id), [
      'tests/test_x.py::test_ok',
      'tests/test_x.py::TestThing::test_bad[a&b]',
      'tests.test_x::test_err',
      'tests.test_x::test_skip',
    ]);
    assert.equal(results[1]!.message, 'assert 1 == 2');
    assert.equal(results[1]!.line, 11, 'pytest writes 0-based lines');
    assert.equal(results[1]!.file, path.join(root, 'tests', 'test_x.py'));
    // Without a file attribute the module is found on disk.
    const resolved = junitCasesToResults(parsed.cases.slice(2, 3), root, (file) => file === path.join(root, 'tests', 'test_x.py'));
    assert.equal(resolved[0]!.id, 'tests/test_x.py::test_err');
    assert.equal(parseJUnitXml('not xml at all').recognised, false);
  });

  test('assembling: JUnit fallback, conftest import error from stderr, interrupted test on cancel', () => {
    const root = path.resolve('/p');
    const base = {
      root,
      command: ['python3', '-m', 'pytest'],
      coverageRequested: true,
      pluginExpected: true,
      totalTimeoutMs: 60_000,
      durationMs: 10,
      isFile: () => false,
    };
    const junit = parseJUnitXml('<testsuite><testcase classname="t" name="test_a" file="t.py" line="0" time="0.5"/></testsuite>');
    const fallback = assembleTestRun({
      ...base,
      process: { exitCode: 0, stdout: '', stderr: 'ImportError: Error importing plugin "revise_pytest"', durationMs: 5, timedOut: false, cancelled: false },
      plugin: parsePluginOutput(''),
      junit,
    });
    assert.deepEqual(fallback.tests.map((test) => [test.id, test.outcome, test.durationMs, test.line]), [['t.py::test_a', 'passed', 500, 1]]);
    assert.ok(fallback.problems.some((problem) => problem.kind === 'unparsable-output' && /did not report/.test(problem.message)));
    assert.equal(fallback.coverageMethod, 'none');

    const stderr = [
      "ImportError while loading conftest '/p/tests/conftest.py'.",
      'tests/conftest.py:3: in <module>',
      '    import missing_thing',
      "E   ModuleNotFoundError: No module named 'missing_thing'",
    ].join('\n');
    const usage = assembleTestRun({
      ...base,
      process: { exitCode: 4, stdout: '', stderr, durationMs: 5, timedOut: false, cancelled: false },
      plugin: parsePluginOutput('{"type":"session","python":"3.11.7","pytest":"9","coverage":"trace"}'),
    });
    assert.equal(usage.complete, false);
    assert.deepEqual(
      usage.problems.map((problem) => [problem.kind, problem.file, problem.line]),
      [['collection-error', path.join(root, 'tests', 'conftest.py'), 3]],
    );
    assert.match(usage.problems[0]!.message, /exit code 4: ModuleNotFoundError: No module named 'missing_thing'/);

    const cancelled = assembleTestRun({
      ...base,
      process: { exitCode: null, stdout: '', stderr: '', durationMs: 5, timedOut: false, cancelled: true },
      plugin: parsePluginOutput(
        [
          '{"type":"session","python":"3.11.7","pytest":"9","coverage":"trace"}',
          '{"type":"test","nodeid":"t.py::a","outcome":"passed","duration":0.1,"coverage":{"m.py":[3,1,3]}}',
          '{"type":"interrupted","nodeid":"t.py::b","outcome":"passed","duration":3}',
        ].join('\n'),
      ),
    });
    assert.deepEqual(cancelled.tests.map((test) => test.id), ['t.py::a']);
    assert.deepEqual(cancelled.tests[0]!.coveredLines, { [path.join(root, 'm.py')]: [1, 3] });
    assert.deepEqual(cancelled.problems.map((problem) => problem.kind), ['cancelled']);
    assert.equal(cancelled.complete, false);
  });
});

void test('pytestInvocation: `python -m pytest …` gives its interpreter and arguments; other shapes give nothing', () => {
  assert.deepEqual(pytestInvocation(['/usr/bin/python3', '-m', 'pytest', '-k', 'not slow', 'tests']), { python: '/usr/bin/python3', args: ['-k', 'not slow', 'tests'] });
  assert.deepEqual(pytestInvocation(['python3.11', '-m', 'pytest']), { python: 'python3.11', args: [] });
  assert.deepEqual(pytestInvocation(['.venv/bin/python', '-m', 'pytest', '-x']), { python: '.venv/bin/python', args: ['-x'] });
  for (const other of [['pytest', 'tests'], ['tox', '-e', 'py'], ['env', 'A=1', 'python3', '-m', 'pytest'], ['python3', '-m', 'unittest'], ['python3', 'run_tests.py', 'x'], []]) {
    assert.equal(pytestInvocation(other), undefined, other.join(' '));
  }
  assert.equal(pytestInvocation(undefined), undefined);
});
