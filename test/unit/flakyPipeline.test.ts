/** A test that fails in the capture and passes when the same code runs again is flaky: not evidence. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;

test('Check and Fix leaves a flaky failing test out of the evidence and says so', { skip: pythonMissing }, async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'revise-flaky-'));
  const root = path.join(base, 'project');
  // The flaky test fails the first time it runs (it leaves a marker outside the project) and passes after.
  const marker = path.join(base, 'ran-once');
  const files: Record<string, string> = {
    'calc.py': 'def add(a, b):\n    return a - b\n\n\ndef greet(name):\n    return "hi " + name\n',
    'tests/test_calc.py': [
      'import os',
      'from calc import add, greet',
      '',
      '',
      'def test_add():',
      '    assert add(2, 3) == 5',
      '',
      '',
      'def test_greet_sometimes():',
      `    marker = ${JSON.stringify(marker)}`,
      '    first = not os.path.exists(marker)',
      '    open(marker, "a").close()',
      '    assert greet("x") == "hi x" and not first',
      '',
    ].join('\n'),
    'pytest.ini': '[pytest]\npythonpath = .\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  try {
    const result = await runCheck({
      root,
      mode: 'fix',
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      settings: { ...DEFAULT_SETTINGS, pythonPath: python, patch: { ...DEFAULT_SETTINGS.patch, workers: 1 } },
      logger: silentLogger,
      syntax: new SyntaxService(grammarsDir),
    });
    const flaky = result.report.problems.filter((problem) => problem.kind === 'flaky-test');
    assert.equal(flaky.length, 1, JSON.stringify(result.report.problems));
    assert.match(flaky[0].message, /test_greet_sometimes is flaky: it failed in the first run and passed when the same code ran again/);
    assert.deepEqual(result.report.tests.failures.map((failure) => failure.id), ['tests/test_calc.py::test_add']);
    assert.ok(!result.report.suspects.some((suspect) => suspect.line === 6), 'greet() is no suspect');
    assert.equal(result.report.suspects[0]?.line, 2);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
