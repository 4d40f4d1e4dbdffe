import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReviseError } from '../../extension/src/core/errors';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { TestResult, TestRun } from '../../extension/src/core/types';
import type { CaptureOptions } from '../../extension/src/core/capture/types';
import { captureJavaScript, detectJavaScript, isJavaScriptTestFile } from '../../extension/src/core/capture/javascript/index';
import { extractJsonObject } from '../../extension/src/core/capture/javascript/json';
import { looksLikeMochaReport, parseMochaReport } from '../../extension/src/core/capture/javascript/reports';
import { captureTests } from '../../extension/src/core/capture/index';
import { localizeFaults } from '../../extension/src/core/localize/index';
import { DiskSourceReader } from '../../extension/src/core/sources';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { fixturesDir, grammarsDir, repoRoot } from './helpers';

const fixtures = path.join(fixturesDir, 'js');
const assets = { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') };
const runner = new NodeProcessRunner();

function fixture(name: string): string {
  return path.join(fixtures, name);
}

function options(root: string, extra: Partial<CaptureOptions> = {}): CaptureOptions {
  return { root, runner, logger: silentLogger, assets, perTestTimeoutMs: 10_000, totalTimeoutMs: 120_000, ...extra };
}

/** 1-based line of the first line of `file` that contains `text` (so tests do not hard-code numbers). */
function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} not found in ${file}`);
  return index + 1;
}

/** Every file under `root` with a content hash, node_modules left out, to prove a run wrote nothing. */
function treeListing(root: string): string[] {
  const listing: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules') continue;
      const full = path.join(folder, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        listing.push(`${relative}/`);
        walk(full);
      } else {
        listing.push(`${relative} ${createHash('sha1').update(readFileSync(full)).digest('hex')}`);
      }
    }
  };
  walk(root);
  return listing;
}

/** Runs a capture and checks that the fixture's files (node_modules aside) are unchanged. */
async function captureUnchanged(root: string, extra: Partial<CaptureOptions> = {}): Promise<TestRun> {
  const before = treeListing(root);
  const run = await captureJavaScript(options(root, extra));
  assert.deepEqual(treeListing(root), before, 'the capture must not write into the project');
  return run;
}

function byId(run: TestRun): Map<string, TestResult> {
  return new Map(run.tests.map((test) => [test.id, test]));
}

function get(run: TestRun, id: string): TestResult {
  const test = byId(run).get(id);
  assert.ok(test, `no test ${id}; have ${run.tests.map((entry) => entry.id).join(', ')}`);
  return test;
}

function covers(test: TestResult, file: string, line: number): boolean {
  return test.coveredLines?.[file]?.includes(line) ?? false;
}

/** Common checks of a fixture with exactly one bug: the failing tests run its line, and say where they failed. */
function assertBugSpectrum(run: TestRun, sourceFile: string, buggyLine: number, failingIds: string[]): void {
  assert.equal(run.complete, true);
  assert.equal(run.coverageMethod, 'v8');
  const failing = run.tests.filter((test) => test.outcome === 'failed').map((test) => test.id).sort();
  assert.deepEqual(failing, [...failingIds].sort());
  for (const id of failingIds) {
    const test = get(run, id);
    assert.ok(covers(test, sourceFile, buggyLine), `${id} should cover ${path.basename(sourceFile)}:${buggyLine}; covered ${JSON.stringify(test.coveredLines)}`);
    assert.ok(test.frames.length > 0, `${id} has frames`);
    assert.ok(test.message && test.message.length > 0, `${id} has a message`);
  }
  const passing = run.tests.filter((test) => test.outcome === 'passed');
  assert.ok(passing.length > 0);
  for (const test of passing) assert.ok(test.coveredLines, `${test.id} has coverage`);
  assert.ok(!run.testFiles.includes(sourceFile), 'the source file is not a test file');
  for (const test of run.tests) {
    assert.ok(test.file && path.isAbsolute(test.file), `${test.id} has an absolute file`);
    for (const file of Object.keys(test.coveredLines ?? {})) {
      assert.ok(path.isAbsolute(file) && !file.includes(`${path.sep}node_modules${path.sep}`), file);
      const lines = test.coveredLines![file]!;
      assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
    }
    for (const frame of test.frames) assert.ok(!frame.file.includes('node_modules') && !frame.file.startsWith('node:'), frame.file);
  }
}

before(() => {
  // The fixtures' pinned frameworks (Jest, Vitest, Mocha) live in their own node_modules.
  execFileSync(process.execPath, [path.join(repoRoot, 'test', 'fixtures-setup', 'install-js-fixtures.cjs')], { stdio: 'ignore' });
});

describe('detectJavaScript', () => {
  test('names each fixture\'s framework from its test script, config or imports', async () => {
    assert.equal(await detectJavaScript(fixture('node-test')), 'node:test');
    assert.equal(await detectJavaScript(fixture('typescript')), 'node:test');
    assert.equal(await detectJavaScript(fixture('tsx')), 'node:test');
    assert.equal(await detectJavaScript(fixture('jest')), 'jest');
    assert.equal(await detectJavaScript(fixture('vitest')), 'vitest');
    assert.equal(await detectJavaScript(fixture('mocha')), 'mocha');
    assert.equal(await detectJavaScript(fixture('missing-framework')), 'jest');
    assert.equal(await detectJavaScript(fixture('no-script')), undefined);
    assert.equal(await detectJavaScript(path.join(fixtures, 'does-not-exist')), undefined);
  });
});

describe('captureJavaScript on real frameworks', () => {
  test('node:test (ES modules): outcomes, frames, and per-test coverage of the buggy line', async () => {
    const root = fixture('node-test');
    const source = path.join(root, 'src', 'stats.js');
    const testFile = path.join(root, 'test', 'stats.test.js');
    // The bug: `return value;` right after `if (value > high) {` should return high.
    const buggy = lineOf(source, 'if (value > high)') + 1;
    const run = await captureUnchanged(root);
    assert.equal(run.framework, 'node:test');
    assert.equal(run.tests.length, 8);
    const failingId = 'test/stats.test.js > clamp > lowers values above the range';
    assertBugSpectrum(run, source, buggy, [failingId]);
    const failing = get(run, failingId);
    assert.match(failing.message!, /15 !== 10/);
    assert.equal(failing.file, testFile);
    assert.equal(failing.line, lineOf(testFile, "it('lowers values above the range'"));
    assert.deepEqual(failing.frames.at(-1), { file: testFile, line: lineOf(testFile, 'clamp(15, 0, 10)'), column: failing.frames.at(-1)!.column, functionName: 'TestContext.<anonymous>' });
    assert.equal(failing.assertion, 'assert.equal(clamp(15, 0, 10), 10);');
    // Only the failing test reaches the buggy return; a passing clamp test runs the check but not the return.
    const inside = get(run, 'test/stats.test.js > clamp > keeps values inside the range');
    assert.ok(!covers(inside, source, buggy));
    assert.ok(covers(inside, source, buggy - 1));
    // The count-0 branch of a function that ran is not covered.
    const below = get(run, 'test/stats.test.js > clamp > raises values below the range');
    assert.ok(covers(below, source, lineOf(source, 'return low;')));
    assert.ok(!covers(below, source, lineOf(source, 'if (value > high)')));
    // A function that returns early: the rest of its body did not run, also on the first call in the file.
    const empty = get(run, 'test/stats.test.js > mean > is zero for no values');
    assert.ok(covers(empty, source, lineOf(source, 'if (values.length === 0) return 0;')));
    assert.ok(!covers(empty, source, lineOf(source, 'total += value;')), JSON.stringify(empty.coveredLines));
    assert.deepEqual(run.testFiles, [testFile]);
    assert.deepEqual(run.problems, []);
  });

  test('Jest (CommonJS, Babel-transformed): coverage maps back through Jest\'s source maps', async () => {
    const root = fixture('jest');
    const source = path.join(root, 'src', 'cart.js');
    const testFile = path.join(root, 'test', 'cart.test.js');
    const run = await captureUnchanged(root);
    assert.equal(run.framework, 'jest');
    assert.equal(run.tests.length, 7);
    assertBugSpectrum(run, source, lineOf(source, 'if (amount > 100)'), [
      'test/cart.test.js > discountRate > gives 10 % from 100',
      'test/cart.test.js > total applies the discount',
    ]);
    const failing = get(run, 'test/cart.test.js > discountRate > gives 10 % from 100');
    assert.match(failing.message!, /Expected: 0\.1 Received: 0/);
    assert.equal(failing.line, lineOf(testFile, "test('gives 10 % from 100'"));
    assert.equal(failing.frames.at(-1)!.file, testFile);
    assert.equal(failing.frames.at(-1)!.line, lineOf(testFile, 'discountRate(100)'));
    // A test that returns early from discountRate does not run the buggy comparison.
    assert.ok(!covers(get(run, 'test/cart.test.js > discountRate > gives 20 % from 500'), source, lineOf(source, 'if (amount > 100)')));
    assert.deepEqual(run.problems, []);
  });

  test('Vitest on TypeScript: lines and frames are the .ts lines', async () => {
    const root = fixture('vitest');
    const source = path.join(root, 'src', 'text.ts');
    const testFile = path.join(root, 'test', 'text.test.ts');
    const run = await captureUnchanged(root);
    assert.equal(run.framework, 'vitest');
    assert.equal(run.tests.length, 5);
    const failingId = 'test/text.test.ts > wrap > fills a line up to exactly the width';
    assertBugSpectrum(run, source, lineOf(source, 'candidate.length < options.width'), [failingId]);
    const failing = get(run, failingId);
    assert.equal(failing.frames.at(-1)!.file, testFile);
    assert.equal(failing.frames.at(-1)!.line, lineOf(testFile, "wrap('ab cd ef'"));
    assert.ok(!covers(get(run, 'test/text.test.ts > words > splits on any whitespace'), source, lineOf(source, 'candidate.length < options.width')));
    // The wrapped-only `else` branch ran for the failing test, not for the one-line test.
    const elseLine = lineOf(source, 'current = word;');
    assert.ok(covers(failing, source, elseLine));
    assert.ok(!covers(get(run, 'test/text.test.ts > wrap > keeps short text on one line'), source, elseLine));
    assert.deepEqual(run.problems, []);
  });

  test('Mocha (ES modules, tests printing to stdout): title paths, outcomes and coverage', async () => {
    const root = fixture('mocha');
    const source = path.join(root, 'src', 'range.js');
    const run = await captureUnchanged(root);
    assert.equal(run.framework, 'mocha');
    assert.equal(run.tests.length, 5);
    const failingId = 'test/range.test.js > range > counts down';
    assertBugSpectrum(run, source, lineOf(source, 'value >= end'), [failingId]);
    assert.match(get(run, failingId).message!, /strictly deep-equal/);
    assert.ok(!covers(get(run, 'test/range.test.js > range > counts up'), source, lineOf(source, 'value >= end')));
    // Mocha loads every spec and source before the first test; their branches are still told apart.
    const zero = get(run, 'test/range.test.js > range > rejects a zero step');
    assert.ok(covers(zero, source, lineOf(source, "throw new RangeError('step must not be zero')")));
    assert.ok(!covers(zero, source, lineOf(source, 'const values = [];')), JSON.stringify(zero.coveredLines));
  });

  test('TypeScript compiled by tsc: frames and coverage land on the .ts lines, not lib/', async () => {
    const root = fixture('typescript');
    const source = path.join(root, 'src', 'inventory.ts');
    const testFile = path.join(root, 'test', 'inventory.test.ts');
    const run = await captureUnchanged(root);
    const failingId = 'test/inventory.test.ts > Inventory > removes the last units of an item';
    assertBugSpectrum(run, source, lineOf(source, 'count >= item.quantity'), [failingId]);
    const failing = get(run, failingId);
    assert.equal(failing.file, testFile);
    assert.equal(failing.line, lineOf(testFile, "it('removes the last units of an item'"));
    assert.deepEqual(
      failing.frames.map((frame) => [path.relative(root, frame.file), frame.line]),
      [
        ['test/inventory.test.ts', lineOf(testFile, "inventory.remove('nut', 3)")],
        ['src/inventory.ts', lineOf(source, 'throw new Error(`only')],
      ],
    );
    assert.equal(failing.frames.at(-1)!.functionName, 'Inventory.remove');
    assert.match(failing.message!, /only 3 of nut left/);
    for (const test of run.tests) {
      for (const file of Object.keys(test.coveredLines ?? {})) assert.ok(file.endsWith('.ts'), `coverage of ${file} should be mapped to TypeScript`);
    }
    // A method header is not "run" by constructing the class; a method body only by calling it.
    const adds = get(run, 'test/inventory.test.ts > Inventory > adds to an existing item');
    assert.ok(!covers(adds, source, lineOf(source, 'remove(sku: string')));
    assert.ok(!covers(adds, source, lineOf(source, 'const item = this.items.get(sku);')));
    assert.ok(covers(adds, source, lineOf(source, 'private readonly items')));
    assert.deepEqual(run.testFiles, [testFile]);
    assert.deepEqual(run.problems, []);
  });

  test('TypeScript loaded by tsx (minified on the fly): tests, lines and frames in .ts coordinates', async () => {
    const root = fixture('tsx');
    const source = path.join(root, 'src', 'money.ts');
    const testFile = path.join(root, 'test', 'money.test.ts');
    const run = await captureUnchanged(root);
    const failingId = 'test/money.test.ts > money > splits a remainder over the first shares';
    assertBugSpectrum(run, source, lineOf(source, 'index < remainder - 1'), [failingId]);
    for (const test of run.tests) {
      const title = test.id.split(' > ').at(-1)!;
      assert.equal(test.line, lineOf(testFile, `it('${title}'`), `${test.id} is defined where its title is`);
    }
    // tsx puts everything on one line: headers still do not count, one-line arrow functions do.
    const formats = get(run, 'test/money.test.ts > money > formats an amount');
    assert.deepEqual(formats.coveredLines?.[source], [lineOf(source, 'export const format')]);
    const parses = get(run, 'test/money.test.ts > money > parses an amount');
    assert.ok(!covers(parses, source, lineOf(source, 'export function parse')));
    assert.ok(!covers(parses, source, lineOf(source, 'throw new Error')));
    assert.ok(covers(get(run, 'test/money.test.ts > money > rejects text that is not an amount'), source, lineOf(source, 'throw new Error')));
    assert.deepEqual(run.problems, []);

    const quick = await captureUnchanged(root, { coverage: false, testIds: [failingId] });
    assert.deepEqual(quick.tests.map((test) => [test.id, test.outcome, test.line]), [[failingId, 'failed', lineOf(testFile, "it('splits a remainder")]]);
  });

  test('testIds run only those tests; coverage can be switched off', async () => {
    const root = fixture('node-test');
    const ids = ['test/stats.test.js > clamp > lowers values above the range', 'test/stats.test.js > mean > averages values'];
    const run = await captureUnchanged(root, { testIds: ids, coverage: false });
    assert.deepEqual(run.tests.map((test) => [test.id, test.outcome]), [
      [ids[0], 'failed'],
      [ids[1], 'passed'],
    ]);
    assert.equal(run.coverageMethod, 'none');
    for (const test of run.tests) assert.equal(test.coveredLines, undefined);
    assert.ok(run.command.join(' ').includes('--test-name-pattern'));

    const jestRun = await captureUnchanged(fixture('jest'), { testIds: ['test/cart.test.js > total applies the discount'], coverage: false });
    assert.deepEqual(jestRun.tests.map((test) => [test.id, test.outcome]), [['test/cart.test.js > total applies the discount', 'failed']]);
  });
});

describe('where tests are defined, without the frameworks\' per-test stack traces', () => {
  test('Jest: a failing test\'s line from its definition, a passing one\'s from its titles, also for a title used twice', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-jest-lines-'));
    try {
      await fs.mkdir(path.join(root, 'test'));
      await fs.mkdir(path.join(root, 'src'));
      await fs.writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'lines', private: true, scripts: { test: 'jest' } }));
      await fs.writeFile(path.join(root, 'jest.config.json'), JSON.stringify({ testMatch: ['**/test/**/*.test.js'] }));
      await fs.writeFile(path.join(root, 'src', 'add.js'), 'exports.add = (a, b) => (a > 10 ? a - b : a + b);\n');
      const testFile = path.join(root, 'test', 'add.test.js');
      await fs.writeFile(
        testFile,
        [
          "const { add } = require('../src/add');",
          "describe('first', () => {",
          "  test('works', () => {",
          '    expect(add(11, 2)).toBe(13);',
          '  });',
          '});',
          "describe('second', () => {",
          "  test('works', () => {",
          '    expect(add(1, 2)).toBe(3);',
          '  });',
          '});',
          'test.each([',
          '  [20, 1, 21],',
          "])('add(%i, %i) is %i', (a, b, sum) => {",
          '  expect(add(a, b)).toBe(sum);',
          '});',
          '',
        ].join('\n'),
      );
      await fs.symlink(path.join(fixture('jest'), 'node_modules'), path.join(root, 'node_modules'), 'dir');
      const run = await captureJavaScript(options(root));
      assert.deepEqual(
        run.tests.map((test) => [test.id, test.outcome, test.line]),
        [
          ['test/add.test.js > add(20, 1) is 21', 'failed', lineOf(testFile, "])('add(%i, %i) is %i'")],
          ['test/add.test.js > first > works', 'failed', 3],
          ['test/add.test.js > second > works', 'passed', 8],
        ],
      );
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('captureJavaScript on bad input', () => {
  test('no test script: a clear error that says what to add', async () => {
    await assert.rejects(captureJavaScript(options(fixture('no-script'))), (error: unknown) => {
      assert.ok(error instanceof ReviseError);
      assert.equal(error.code, 'no-tests');
      assert.match(error.message, /has no "test" script/);
      assert.match(error.hint ?? '', /Add a "test" script/);
      return true;
    });
  });

  test('a framework that is not installed: says which command installs it', async () => {
    await assert.rejects(captureJavaScript(options(fixture('missing-framework'))), (error: unknown) => {
      assert.ok(error instanceof ReviseError);
      assert.equal(error.code, 'framework-missing');
      assert.match(error.message, /Jest is not installed/);
      assert.equal(error.hint, 'Install it with: npm install --save-dev jest');
      return true;
    });
  });

  test('missing and broken source maps: generated lines, and a source-map problem for each file', async () => {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-js-maps-'));
    try {
      await fs.cp(fixture('typescript'), copy, { recursive: true });
      await fs.rm(path.join(copy, 'lib', 'src', 'inventory.js.map'));
      await fs.writeFile(path.join(copy, 'lib', 'test', 'inventory.test.js.map'), '{ "version": 3, "sources": ["../../test/inventory.test.ts"], "mappings": "AA!!" }');
      const run = await captureJavaScript(options(copy));
      const generatedSource = path.join(copy, 'lib', 'src', 'inventory.js');
      const generatedTest = path.join(copy, 'lib', 'test', 'inventory.test.js');
      assert.deepEqual(
        run.problems.filter((problem) => problem.kind === 'source-map').map((problem) => problem.file).sort(),
        [generatedSource, generatedTest].sort(),
      );
      assert.ok(run.problems.some((problem) => /inventory\.js\.map is missing/.test(problem.message)));
      assert.ok(run.problems.some((problem) => /inventory\.test\.js\.map is broken/.test(problem.message)));
      const failing = run.tests.find((test) => test.outcome === 'failed')!;
      assert.equal(failing.id, 'lib/test/inventory.test.js > Inventory > removes the last units of an item');
      assert.deepEqual(
        failing.frames.map((frame) => [frame.file, frame.line]),
        [
          [generatedTest, lineOf(generatedTest, "inventory.remove('nut', 3)")],
          [generatedSource, lineOf(generatedSource, 'throw new Error(`only')],
        ],
      );
      assert.ok(covers(failing, generatedSource, lineOf(generatedSource, 'count >= item.quantity')));
      assert.ok(!Object.keys(failing.coveredLines ?? {}).some((file) => file.endsWith('.ts')));
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  });

  test('a syntax error in the code under test: a syntax-error problem at its line', async () => {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-js-syntax-'));
    try {
      await fs.cp(fixture('node-test'), copy, { recursive: true });
      const source = path.join(copy, 'src', 'stats.js');
      const text = await fs.readFile(source, 'utf8');
      await fs.writeFile(source, text.replace('let total = 0;', 'let total = 0 0;'));
      const run = await captureJavaScript(options(copy));
      assert.equal(run.tests.length, 0);
      assert.deepEqual(
        run.problems.map((problem) => [problem.kind, problem.file, problem.line]),
        [['syntax-error', source, lineOf(source, 'let total = 0 0;')]],
      );
      assert.match(run.problems[0]!.message, /^src\/stats\.js:\d+: SyntaxError: /);
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  });

  test('tests that never finish: the watchdog stops them, lingering processes are ended', async () => {
    const root = fixture('hanging');
    const run = await captureUnchanged(root, { perTestTimeoutMs: 2000, totalTimeoutMs: 60_000 });
    assert.equal(run.complete, false);
    const loop = get(run, 'test/loop.test.js > counts down past zero');
    assert.equal(loop.outcome, 'failed');
    assert.equal(loop.timedOut, true);
    assert.match(loop.message!, /still running after 2 s/);
    // Before stopping it, the watchdog had the busy process record the coverage of the endless loop.
    const poll = path.join(root, 'src', 'poll.js');
    assert.ok(covers(loop, poll, lineOf(poll, 'n -= step;')), `the looping test covers its loop: ${JSON.stringify(loop.coveredLines)}`);
    const never = get(run, 'test/never-settles.test.js > waits for a check that never passes');
    assert.equal(never.timedOut, true);
    // The tests before the endless loop in the same file kept their results and coverage.
    const exact = get(run, 'test/loop.test.js > counts down in exact steps');
    assert.equal(exact.outcome, 'passed');
    assert.ok(covers(exact, poll, lineOf(poll, 'n -= step;')));
    assert.equal(get(run, 'test/open-handle.test.js > polls until the check passes').outcome, 'passed');
    assert.ok(run.problems.some((problem) => problem.kind === 'timeout' && /open-handle\.test\.js kept running after its last test/.test(problem.message)));
    assert.ok(run.problems.some((problem) => problem.kind === 'timeout' && /ran past the per-test timeout/.test(problem.message)));
  });

  test('a run past the total timeout is killed; what finished is kept, the running test is marked', async () => {
    const root = fixture('hanging');
    const run = await captureUnchanged(root, { perTestTimeoutMs: 60_000, totalTimeoutMs: 4000 });
    assert.equal(run.complete, false);
    assert.ok(run.problems.some((problem) => problem.kind === 'timeout' && /stopped after 4 s/.test(problem.message)));
    const stopped = run.tests.filter((test) => test.timedOut);
    assert.ok(stopped.length > 0, 'the test that was running is marked');
    for (const test of stopped) assert.match(test.message!, /total timeout of 4 s/);
    assert.ok(run.tests.some((test) => test.outcome === 'passed'), 'finished tests are kept');
  });

  test('cancellation stops the run and keeps partial results', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2500);
    const run = await captureJavaScript(options(fixture('hanging'), { perTestTimeoutMs: 60_000, signal: controller.signal }));
    assert.equal(run.complete, false);
    assert.ok(run.problems.some((problem) => problem.kind === 'cancelled'));
  });

  test('a reporter that prints around its JSON: the report is still read', () => {
    // Mocha's JSON reporter writing to stdout, shared with the tests' own console.log output.
    const root = fixture('mocha');
    const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, [mocha, '--reporter', 'json'], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_TEST_CONTEXT: '' } });
    } catch (error) {
      stdout = (error as { stdout: string }).stdout;
    }
    assert.ok(stdout.startsWith('{ "note": "range tests starting" }'), 'the fixture prints before the report');
    const report = extractJsonObject(stdout, looksLikeMochaReport);
    assert.ok(report);
    const parsed = parseMochaReport(report, root);
    assert.deepEqual(parsed.tests.map((test) => [test.name, test.outcome]).sort(), [
      ['chunk splits into equal parts', 'passed'],
      ['range counts down', 'failed'],
      ['range counts up', 'passed'],
      ['range rejects a zero step', 'passed'],
      ['range steps up', 'passed'],
    ]);
  });

  test('isJavaScriptTestFile on the fixtures', () => {
    assert.equal(isJavaScriptTestFile(path.join(fixture('jest'), 'test', 'cart.test.js')), true);
    assert.equal(isJavaScriptTestFile(path.join(fixture('jest'), 'src', 'cart.js')), false);
    assert.equal(isJavaScriptTestFile(path.join(fixture('typescript'), 'lib', 'test', 'inventory.test.js')), true);
  });
});

describe('runners as projects have them', () => {
  for (const version of ['3', '10']) {
    test(`Mocha ${version} with the project's own bail flag: every test runs, ids carry their file, coverage is recorded`, async () => {
      const root = fixture(`mocha${version}`);
      const source = path.join(root, 'src', 'words.js');
      const run = await captureUnchanged(root);
      assert.equal(run.framework, 'mocha');
      // The script says `-b` / `--bail`: with it only the first failure would run.
      assertBugSpectrum(run, source, lineOf(source, 'words(text).length + 1'), [
        'test/count.test.js > countWords > counts the words of a sentence',
        'test/words.test.js > words > counts no words in an empty text',
      ]);
      assert.equal(run.tests.length, 4);
      const line = run.command.join(' ');
      assert.ok(!/ (-b|--bail)( |$)/.test(line) || / --no-bail( |$)/.test(line), line);
    });
  }
});

describe("the project's bail in Mocha's own configuration", () => {
  /** A copy of a Mocha fixture (its installed node_modules linked) with files replaced; removed afterwards. */
  async function withMochaCopy(name: string, files: Record<string, string>, body: (root: string) => Promise<void>): Promise<void> {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), `revise-bail-${name}-`));
    try {
      await fs.cp(fixture(name), copy, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
      await fs.symlink(path.join(fixture(name), 'node_modules'), path.join(copy, 'node_modules'), 'dir');
      for (const [file, text] of Object.entries(files)) await fs.writeFile(path.join(copy, file), text);
      await body(copy);
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  }
  const manifest = (name: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...JSON.parse(readFileSync(path.join(fixture(name), 'package.json'), 'utf8')), scripts: { test: 'mocha' }, ...extra }, null, 2);
  const configs: Array<{ name: string; fixture: string; files: (fixtureName: string) => Record<string, string> }> = [
    { name: 'test/mocha.opts (Mocha 3)', fixture: 'mocha3', files: (name) => ({ 'package.json': manifest(name), 'test/mocha.opts': '--reporter dot\n--bail\n' }) },
    { name: '--opts FILE in the script (Mocha 3)', fixture: 'mocha3', files: (name) => ({ 'package.json': JSON.stringify({ ...JSON.parse(manifest(name)), scripts: { test: 'mocha --opts test/ci.opts test/' } }), 'test/ci.opts': '-b\n' }) },
    { name: '.mocharc.json (Mocha 10)', fixture: 'mocha10', files: (name) => ({ 'package.json': manifest(name), '.mocharc.json': '{ "bail": true }\n' }) },
    { name: 'package.json "mocha" (Mocha 10)', fixture: 'mocha10', files: (name) => ({ 'package.json': manifest(name, { mocha: { bail: true } }) }) },
  ];
  for (const config of configs) {
    test(`--bail in ${config.name} is switched off for the capture: every test runs`, async () => {
      await withMochaCopy(config.fixture, config.files(config.fixture), async (root) => {
        const run = await captureJavaScript(options(root));
        assert.equal(run.framework, 'mocha');
        assert.deepEqual(
          run.tests.map((test) => [test.id, test.outcome]).sort(),
          [
            ['test/count.test.js > countWords > counts the words of a sentence', 'failed'],
            ['test/words.test.js > words > counts no words in an empty text', 'failed'],
            ['test/words.test.js > words > finds the longest word', 'passed'],
            ['test/words.test.js > words > splits on spaces', 'passed'],
          ],
          JSON.stringify(run.command),
        );
        assert.equal(run.complete, true);
      });
    });
  }
});

describe('code that does not load', () => {
  const cases: Array<{ name: string; file: string; from: string; to: string; testId: string }> = [
    { name: 'node-test', file: 'src/stats.js', from: 'let total = 0;', to: 'let total = (0;', testId: 'test/stats.test.js' },
    { name: 'jest', file: 'src/cart.js', from: 'let total = 0;', to: "let total = '0;", testId: 'test/cart.test.js' },
    { name: 'vitest', file: 'src/text.ts', from: 'export function', to: 'export functio', testId: 'test/text.test.ts' },
    { name: 'mocha', file: 'src/range.js', from: 'if (step === 0) {', to: 'if (step === 0 {', testId: 'test/range.test.js' },
  ];
  for (const item of cases) {
    test(`${item.name}: a syntax error makes the test file that imports it a failed test, placed at the broken line`, async () => {
      const copy = await fs.mkdtemp(path.join(os.tmpdir(), `revise-load-${item.name}-`));
      try {
        await fs.cp(fixture(item.name), copy, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
        const installed = path.join(fixture(item.name), 'node_modules');
        if (await fs.stat(installed).then(() => true, () => false)) await fs.symlink(installed, path.join(copy, 'node_modules'), 'dir');
        const source = path.join(copy, item.file);
        const text = await fs.readFile(source, 'utf8');
        assert.ok(text.includes(item.from), `${item.file} holds ${item.from}`);
        await fs.writeFile(source, text.replace(item.from, item.to));
        const run = await captureTests(options(copy));
        const failed = get(run, item.testId);
        assert.equal(failed.outcome, 'failed');
        assert.ok(failed.loadError, JSON.stringify(failed));
        assert.equal(failed.loadError.kind, 'syntax');
        assert.ok(!run.problems.some((problem) => problem.kind === 'syntax-error' || problem.kind === 'collection-error'), JSON.stringify(run.problems));
        const scores = await localizeFaults({ run, sources: new DiskSourceReader(), syntax: new SyntaxService(grammarsDir) });
        assert.deepEqual([scores[0]?.file, scores[0]?.line], [source, lineOf(source, item.to)], JSON.stringify(scores.slice(0, 3).map((score) => [score.file, score.line, score.evidence[0]?.detail])));
        // Validation asks for the file-level id: it fails while the file does not load.
        const again = await captureTests(options(copy, { testIds: [item.testId], coverage: false }));
        assert.deepEqual(again.tests.map((test) => [test.id, test.outcome]), [[item.testId, 'failed']]);
        await fs.writeFile(source, text);
        const fixed = await captureTests(options(copy, { testIds: [item.testId], coverage: false }));
        assert.deepEqual(fixed.tests.map((test) => test.id), [item.testId]);
      } finally {
        await fs.rm(copy, { recursive: true, force: true });
      }
    });
  }
});

describe('projects that cannot run', () => {
  test('a broken package.json and a test script whose program is missing: one clear error each', async () => {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-js-broken-'));
    try {
      await fs.cp(fixture('node-test'), copy, { recursive: true });
      await fs.writeFile(path.join(copy, 'package.json'), '{ "name": "x",\n  "scripts": { "test": "node --test", }\n}\n');
      await assert.rejects(captureTests(options(copy)), (error: unknown) => {
        assert.ok(error instanceof ReviseError);
        assert.match(error.message, /package\.json is not valid JSON: .*\(line 2, column \d+\)\.$/);
        assert.equal(error.message.includes('\n'), false);
        return true;
      });
      await fs.writeFile(path.join(copy, 'package.json'), '{ "name": "x", "type": "module", "scripts": { "test": "no-such-test-runner-here --test" } }\n');
      await assert.rejects(captureJavaScript(options(copy, { command: undefined })), (error: unknown) => {
        assert.ok(error instanceof ReviseError, String(error));
        assert.match(error.message, /could not start \(exit code 127\): .*not found/);
        return true;
      });
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  });
});
