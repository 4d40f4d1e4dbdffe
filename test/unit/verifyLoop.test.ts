/**
 * The verify loop end to end (runCheck, real pytest): candidates validated in warm workers on the failing
 * tests and the tests that run the patched lines; the patch to propose confirmed by one cold run of the
 * whole suite; a patch that passes the selected tests but fails the suite is never proposed; and warm
 * and cold validation reach the same answer.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeChecks } from '../../extension/src/core/patch/describe';
import { DEFAULT_SETTINGS, runCheck, type CheckResult } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;
const syntax = new SyntaxService(grammarsDir);

/**
 * `scale` multiplies by 3 where `test_scale` wants 2. `test_cli` runs `scale` in a subprocess, which
 * per-test coverage does not see: it says only `test_scale` runs `scale`'s line. The one-token fix
 * `3` → `2` passes `test_scale` and breaks `test_cli`, which only the whole suite shows.
 */
const TRAP = {
  'conv.py': 'def scale(x):\n    return x * 3\n',
  'tests/test_conv.py':
    'import os\nimport subprocess\nimport sys\n\nfrom conv import scale\n\nROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n\n\ndef test_scale():\n    assert scale(4) == 8\n\n\ndef test_cli():\n    out = subprocess.run([sys.executable, "-c", "from conv import scale; print(scale(1))"], cwd=ROOT, capture_output=True, text=True, check=True).stdout\n    assert out.strip() == "3"\n',
  'pytest.ini': '[pytest]\npythonpath = .\n',
};

/**
 * `FACTORS` is computed from `scale` at import time. A warm worker that swapped `scale`'s code would
 * leave `FACTORS` as the old code computed it; it must run such a candidate fresh, as a cold run does.
 */
const IMPORT_TIME = {
  'conv.py': 'def scale(x):\n    return x * 3\n\n\nFACTORS = [scale(1), scale(2)]\n',
  'tests/test_conv.py': 'from conv import FACTORS, scale\n\n\ndef test_scale():\n    assert scale(4) == 8\n\n\ndef test_factors():\n    assert FACTORS == [3, 6]\n',
  'pytest.ini': '[pytest]\npythonpath = .\n',
};

/** A plain bug with one right fix (`-` → `+`), checked by a test that runs the line and one that does not. */
const PLAIN = {
  'calc.py': 'def add(a, b):\n    return a - b\n\n\ndef name():\n    return "calc"\n',
  'tests/test_calc.py': 'from calc import add, name\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_zero():\n    assert add(4, 0) == 4\n\n\ndef test_name():\n    assert name() == "calc"\n',
  'pytest.ini': '[pytest]\npythonpath = .\n',
};

function project(files: Record<string, string>): string {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'revise-verify-loop-')), 'project');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

function check(root: string, warmWorkers: boolean, testCommand?: string[]): Promise<CheckResult> {
  return runCheck({
    root,
    mode: 'fix',
    assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
    settings: { ...DEFAULT_SETTINGS, pythonPath: python, perTestTimeoutMs: 10_000, totalTimeoutMs: 120_000, patch: { ...DEFAULT_SETTINGS.patch, workers: 2, warmWorkers }, targetPrecision: 0, ...(testCommand ? { testCommand } : {}) },
    logger: silentLogger,
    syntax,
  });
}

describe('the verify loop', { skip: pythonMissing }, () => {
  const roots: string[] = [];
  before(() => {
    roots.push(project(TRAP), project(PLAIN), project(IMPORT_TIME));
  });
  after(() => {
    for (const root of roots) rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('a patch that passes the selected tests but fails the whole suite is never proposed', async () => {
    const result = await check(roots[0], true);
    const trap = result.outcome.patches.find((patch) => patch.newText.includes('return x * 2'));
    assert.ok(trap, `the search found the one-token edit; patches: ${result.outcome.patches.map((patch) => patch.title).join(', ')}`);
    assert.equal(trap.validated, false, 'the whole suite took its validation back');
    assert.equal(trap.checked?.fullSuite, 'failed');
    assert.match(describeChecks(trap), /whole suite found 1 failing test/);
    assert.match(
      describeChecks({ validated: true, testsPassed: 25, testsFailed: 0, checked: { failing: 1, covering: 24, fullSuite: 'confirmed', affected: { ran: 25, notRun: 4975 } } }),
      /passes the 1 failing test and the 24 passing tests that run its lines; the 25 tests that run its file confirmed it, cold \(the other 4975 tests never run it and were not run again\)/,
    );
    assert.notEqual(result.report.decision?.patch, trap.id);
    assert.ok((result.patchStats?.warmRuns ?? 0) > 0, 'validation ran in warm workers');
  });

  test('the proposed patch is confirmed by the whole suite, and says how far it was checked', async () => {
    const result = await check(roots[1], true);
    assert.equal(result.report.decision?.action, 'propose');
    const proposed = result.outcome.patches.find((patch) => patch.id === result.report.decision?.patch);
    assert.ok(proposed && proposed.newText.includes('return a + b'));
    assert.deepEqual(proposed.checked, { failing: 1, covering: 1, fullSuite: 'confirmed' });
    assert.equal(proposed.testsPassed, 3, 'the confirmation ran all three tests');
    assert.match((result.report.decision?.reasons ?? []).join('\n'), /passes the 1 failing test and the 1 passing test that runs its lines; the whole suite confirmed it \(3 tests\)/);
  });

  test('a configured `python -m pytest …` command validates in warm workers, with its own arguments', async () => {
    // `test_name` is deselected by the command: the warm worker must load the same selection as the capture.
    const command = [python, '-m', 'pytest', '-p', 'no:cacheprovider', '--deselect', 'tests/test_calc.py::test_name', 'tests'];
    const warm = await check(roots[1], true, command);
    assert.deepEqual(warm.outcome.run.tests.map((test) => test.id).sort(), ['tests/test_calc.py::test_add', 'tests/test_calc.py::test_add_zero']);
    assert.ok((warm.patchStats?.warmRuns ?? 0) > 0, `validation ran warm (${warm.patchStats?.coldRuns ?? 0} cold runs)`);
    const proposed = warm.outcome.patches.find((patch) => patch.id === warm.report.decision?.patch);
    assert.ok(proposed && proposed.newText.includes('return a + b'));
    assert.equal(proposed.testsPassed, 2, 'the confirmation ran the command\'s two tests');
    // Any other shape of command (here the `env` prefix) keeps validation cold.
    const cold = await check(roots[1], true, ['env', `PYTHONDONTWRITEBYTECODE=1`, ...command]);
    assert.equal(cold.patchStats?.warmRuns ?? 0, 0);
    assert.equal(cold.report.decision?.patch !== undefined, true);
  });

  test('warm and cold validation give the same suspects, patches and decision', async () => {
    const summary = (result: CheckResult) => ({
      suspects: result.report.suspects.map((suspect) => [suspect.file, suspect.line, suspect.score]),
      patches: result.report.patches.map((patch) => [patch.title, patch.validated, patch.checked]),
      decision: [result.report.decision?.action, result.report.decision?.patch, result.report.decision?.reasons],
    });
    for (const root of roots) {
      const warm = await check(root, true);
      const cold = await check(root, false);
      assert.equal(cold.patchStats?.warmRuns ?? 0, 0);
      assert.deepEqual(summary(warm), summary(cold));
    }
  });
});

/**
 * A suite big enough to split (eight test modules of 32 KB and more): only `tests/test_add.py` runs `add`,
 * whose `-` should be `+`; the other modules test `name`.
 */
function splitSuite(): Record<string, string> {
  const padding = `# ${'padding '.repeat(12)}\n`.repeat(400);
  const files: Record<string, string> = { 'calc.py': PLAIN['calc.py'], 'pytest.ini': PLAIN['pytest.ini'] };
  files['tests/test_add.py'] = `from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_zero():\n    assert add(4, 0) == 4\n\n${padding}`;
  for (let index = 0; index < 7; index++) files[`tests/test_name_${index}.py`] = `from calc import name\n\n\ndef test_name_${index}():\n    assert name() == "calc"\n\n${padding}`;
  return files;
}

describe('the verify loop on a split suite', { skip: pythonMissing }, () => {
  let root = '';
  before(() => {
    root = project(splitSuite());
  });
  after(() => rmSync(path.dirname(root), { recursive: true, force: true }));

  test('gives the answer of one process; its workers load only the module validation asks for', async () => {
    const run = async (parallelRuns: number) => {
      const log: string[] = [];
      const logger = { ...silentLogger, debug: (message: string) => log.push(message) };
      const result = await runCheck({
        root,
        mode: 'fix',
        assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
        settings: { ...DEFAULT_SETTINGS, pythonPath: python, perTestTimeoutMs: 10_000, totalTimeoutMs: 120_000, parallelRuns, patch: { ...DEFAULT_SETTINGS.patch, workers: 2, warmWorkers: true }, targetPrecision: 0 },
        logger,
        syntax,
      });
      return { result, log };
    };
    const summary = (result: CheckResult) => ({
      tests: result.outcome.run.tests.map((entry) => `${entry.id} ${entry.outcome}`).sort(),
      suspects: result.report.suspects.map((suspect) => [suspect.file, suspect.line, suspect.score]),
      patches: result.report.patches.map((patch) => [patch.title, patch.validated, patch.checked]),
      decision: [result.report.decision?.action, result.report.decision?.patch, result.report.decision?.reasons],
    });
    const single = await run(1);
    const split = await run(2);
    assert.ok(split.log.filter((line) => line.includes('split over 2 processes')).length >= 2, 'the capture and the confirmation were split');
    assert.ok(!single.log.some((line) => line.includes('split over')));
    assert.ok(split.log.some((line) => line.includes('pytest workers load the 1 of 8 test modules that validation will ask for')), split.log.join('\n'));
    assert.ok(split.log.some((line) => /pytest worker \(Python [\d.]+, 2 tests loaded/.test(line)), 'the worker loaded the two tests of tests/test_add.py');
    assert.ok((split.result.patchStats?.warmRuns ?? 0) > 0, 'validation ran warm');
    assert.equal(split.result.report.decision?.action, 'propose');
    const proposed = split.result.outcome.patches.find((patch) => patch.id === split.result.report.decision?.patch);
    assert.ok(proposed?.newText.includes('return a + b'));
    assert.equal(proposed?.checked?.fullSuite, 'confirmed');
    assert.equal(proposed?.testsPassed, 9, 'the split confirmation ran every test');
    assert.deepEqual(summary(split.result), summary(single.result));
  });
});

/**
 * node:test with a warm worker: `count` counts down a `while` loop whose condition a candidate can turn
 * into an endless one (`>` → `>=` on a counter that never drops below zero… or `-=` → `+=`), so some
 * candidates end their worker; the copy opens a new one and the answer is the cold one.
 */
const NODE_PLAIN = {
  'package.json': JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }),
  'src/calc.js': 'export function add(a, b) {\n  return a - b;\n}\n\nexport function countdown(n) {\n  const out = [];\n  while (n > 0) {\n    out.push(n);\n    n -= 1;\n  }\n  return out;\n}\n',
  'test/calc.test.js':
    "import { test } from 'node:test';\nimport * as assert from 'node:assert/strict';\nimport { add, countdown } from '../src/calc.js';\n\ntest('adds', () => assert.equal(add(2, 3), 5));\ntest('adds zero', () => assert.equal(add(4, 0), 4));\ntest('counts down', () => assert.deepEqual(countdown(2), [2, 1]));\n",
};

describe('the verify loop on node:test', () => {
  let root = '';
  before(() => {
    root = project(NODE_PLAIN);
  });
  after(() => rmSync(path.dirname(root), { recursive: true, force: true }));

  test('warm and cold validation give the same patches and decision, and the warm one ran in a worker', async () => {
    const summary = (result: CheckResult) => ({
      suspects: result.report.suspects.map((suspect) => [suspect.file, suspect.line, suspect.score]),
      patches: result.report.patches.map((patch) => [patch.title, patch.validated, patch.checked]),
      decision: [result.report.decision?.action, result.report.decision?.patch],
    });
    const warm = await check(root, true);
    const cold = await check(root, false);
    assert.ok((warm.patchStats?.warmRuns ?? 0) > 0, 'validation ran in warm node:test workers');
    assert.equal(cold.patchStats?.warmRuns ?? 0, 0);
    assert.ok(warm.outcome.patches.some((patch) => patch.validated && patch.newText.includes('return a + b')), 'the fix was validated');
    assert.deepEqual(summary(warm), summary(cold));
  });
});

/** The bug makes `sumTo(3)` loop forever: the capture's watchdog stops that test. */
const NODE_HANG = {
  'package.json': JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }),
  'src/sum.js': 'export function sumTo(n) {\n  let total = 0;\n  let i = 1;\n  while (i <= n) {\n    total += i;\n    i -= 1;\n  }\n  return total;\n}\n',
  'test/sum.test.js':
    "import { test } from 'node:test';\nimport * as assert from 'node:assert/strict';\nimport { sumTo } from '../src/sum.js';\n\ntest('sums to three', () => assert.equal(sumTo(3), 6));\ntest('sums to zero', () => assert.equal(sumTo(0), 0));\n",
};

describe('a test that hangs in the capture (node:test)', () => {
  let root = '';
  before(() => {
    root = project(NODE_HANG);
  });
  after(() => rmSync(path.dirname(root), { recursive: true, force: true }));

  // The guard only turns a hang into a failure; nothing here depends on how fast the machine is.
  test('validation declines the warm worker, says why, and still finds the fix cold', { timeout: 900_000 }, async () => {
    const lines: string[] = [];
    const logger = { ...silentLogger, debug: (message: string) => lines.push(message), info: (message: string) => lines.push(message) };
    const result = await runCheck({
      root,
      mode: 'fix',
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      settings: { ...DEFAULT_SETTINGS, perTestTimeoutMs: 2_000, totalTimeoutMs: 120_000, patch: { ...DEFAULT_SETTINGS.patch, workers: 1, maxCandidates: 12 }, targetPrecision: 0 },
      logger,
      syntax,
    });
    assert.ok(result.outcome.run.tests.some((test) => test.timedOut), 'the capture stopped the hanging test');
    assert.equal(result.patchStats?.warmRuns ?? 0, 0);
    assert.ok(lines.some((line) => /ran past the per-test timeout in the capture/.test(line)), lines.join('\n'));
    assert.ok(result.outcome.patches.some((patch) => patch.validated && patch.newText.includes('i += 1')), result.outcome.patches.map((patch) => patch.title).join(', '));
  });
});
