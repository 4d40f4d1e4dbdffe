/** "Check and Fix from This Test": the chosen test is the only failing one of the check. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { failingTestAt, focusOnTest } from '../../extension/src/core/focus';
import { DEFAULT_SETTINGS, runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { TestResult, TestRun } from '../../extension/src/core/types';
import { grammarsDir, repoRoot } from './helpers';

const file = '/project/tests/test_x.py';
const result = (id: string, outcome: TestResult['outcome'], line: number): TestResult => ({ id, outcome, file, line, durationMs: 1, frames: [] });
const run: TestRun = {
  framework: 'pytest',
  root: '/project',
  command: [],
  tests: [result('tests/test_x.py::test_a', 'failed', 4), result('tests/test_x.py::test_b', 'passed', 8), result('tests/test_x.py::test_c', 'failed', 12)],
  problems: [],
  durationMs: 1,
  coverageMethod: 'none',
  complete: true,
  testFiles: [file],
};

describe('focus on one test', () => {
  test('the failing test defined at or before the place is chosen', () => {
    assert.equal(failingTestAt(run, { file, line: 12 }), 'tests/test_x.py::test_c');
    assert.equal(failingTestAt(run, { file, line: 14 }), 'tests/test_x.py::test_c', 'a place inside the test body');
    assert.equal(failingTestAt(run, { file, line: 9 }), 'tests/test_x.py::test_a', 'test_b passed: the failing one before it');
    assert.equal(failingTestAt(run, { file, line: 2 }), undefined);
    assert.equal(failingTestAt(run, { file: '/project/tests/test_y.py', line: 12 }), undefined);
  });

  test('the other failing tests are left out, and the report says so', () => {
    const focused = focusOnTest(run, { file, line: 4 });
    assert.deepEqual(focused.tests.map((entry) => entry.id), ['tests/test_x.py::test_a', 'tests/test_x.py::test_b']);
    assert.match(focused.problems[0]?.message ?? '', /Checked with tests\/test_x.py::test_a as the failing test; 1 other failing test was left out/);
    const unchanged = focusOnTest(run, { file, line: 1 });
    assert.equal(unchanged.tests.length, 3);
    assert.match(unchanged.problems[0]?.message ?? '', /did not fail/);
  });
});

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;

test('a check from one test localizes that test\'s bug only', { skip: pythonMissing }, async () => {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'revise-focus-')), 'project');
  const files: Record<string, string> = {
    'calc.py': 'def add(a, b):\n    return a - b\n\n\ndef half(x):\n    return x * 2\n',
    'tests/test_calc.py': 'from calc import add, half\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_half():\n    assert half(8) == 4\n',
    'pytest.ini': '[pytest]\npythonpath = .\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  try {
    const check = (line: number) =>
      runCheck({
        root,
        mode: 'check',
        assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
        settings: { ...DEFAULT_SETTINGS, pythonPath: python },
        logger: silentLogger,
        syntax: new SyntaxService(grammarsDir),
        focusTest: { file: path.join(root, 'tests', 'test_calc.py'), line },
      });
    const onHalf = await check(8);
    assert.equal(onHalf.report.tests.failed, 1);
    assert.deepEqual([onHalf.report.suspects[0]?.file, onHalf.report.suspects[0]?.line], ['calc.py', 6]);
    assert.ok(!onHalf.report.suspects.some((suspect) => suspect.line === 2), 'add() is not run by the chosen test');
    const onAdd = await check(4);
    assert.deepEqual([onAdd.report.suspects[0]?.file, onAdd.report.suspects[0]?.line], ['calc.py', 2]);
  } finally {
    rmSync(path.dirname(root), { recursive: true, force: true });
  }
});
