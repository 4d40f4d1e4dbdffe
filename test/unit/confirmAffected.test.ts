/**
 * `revise.patch.confirm: affected` in Check and Fix: the patch to propose is confirmed, cold, by the
 * tests whose coverage reaches its file only, and the report says how many others were not run again.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, runCheck, type CheckSettings } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir, repoRoot, writeProject } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest, coverage'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest and coverage is not available here`;

const FILES: Record<string, string> = {
  'calc.py': 'def add(a, b):\n    return a - b\n',
  'other.py': 'def mul(a, b):\n    return a * b\n',
  'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n\ndef test_zero():\n    assert add(0, 0) == 0\n',
  'tests/test_other.py': 'from other import mul\n\ndef test_mul():\n    assert mul(2, 3) == 6\n',
  'pytest.ini': '[pytest]\npythonpath = .\n',
};

test('Check and Fix with confirm: affected confirms the patch with the tests that run its file only, and says so', { skip: pythonMissing }, async () => {
  const root = writeProject('revise-affected-', FILES);
  try {
    const fix = async (confirm?: CheckSettings['confirm']) => {
      const said: string[] = [];
      const result = await runCheck({
        root,
        mode: 'fix',
        assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
        settings: { ...DEFAULT_SETTINGS, pythonPath: python, targetPrecision: 0, runTaskExamples: false, ...(confirm ? { confirm } : {}), patch: { ...DEFAULT_SETTINGS.patch, workers: 1 } },
        logger: { ...silentLogger, info: (message: string) => said.push(message) },
        syntax: new SyntaxService(grammarsDir),
      });
      const proposed = result.report.patches.find((patch) => patch.id === result.report.decision?.patch);
      return { result, proposed, said };
    };
    const affected = await fix('affected');
    assert.equal(affected.result.report.decision?.action, 'propose', affected.result.report.decision?.reasons.join(' | '));
    assert.deepEqual(affected.proposed?.checked?.affected, { ran: 2, notRun: 1 });
    assert.equal(affected.proposed?.checked?.fullSuite, 'confirmed');
    assert.ok(affected.said.some((line) => /confirmation: 2 tests run calc\.py; the other 1 not run again/.test(line)), affected.said.join('\n'));
    assert.ok(affected.result.report.decision?.reasons.some((reason) => /the 2 tests that run its file confirmed it, cold \(the other 1 test never runs it and was not run again\)/.test(reason)), affected.result.report.decision?.reasons.join(' | '));

    const suite = await fix();
    assert.equal(suite.proposed?.checked?.affected, undefined);
    assert.equal(suite.proposed?.checked?.fullSuite, 'confirmed');
    assert.ok(suite.result.report.decision?.reasons.some((reason) => /the whole suite confirmed it \(3 tests\)/.test(reason)), suite.result.report.decision?.reasons.join(' | '));
    assert.equal(readFileSync(path.join(root, 'calc.py'), 'utf8'), FILES['calc.py'], "the user's file is untouched");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('with a JavaScript runner, confirm: affected confirms with the whole suite, and the log says why', async () => {
  const root = writeProject('revise-affected-js-', {
    'package.json': '{ "name": "affected-js", "version": "1.0.0", "private": true, "scripts": { "test": "node --test" } }\n',
    'calc.js': 'function add(a, b) {\n  return a - b;\n}\nmodule.exports = { add };\n',
    'other.js': 'function mul(a, b) {\n  return a * b;\n}\nmodule.exports = { mul };\n',
    'test/calc.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('../calc');\ntest('add', () => assert.strictEqual(add(2, 3), 5));\ntest('zero', () => assert.strictEqual(add(0, 0), 0));\n",
    'test/other.test.js': "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { mul } = require('../other');\ntest('mul', () => assert.strictEqual(mul(2, 3), 6));\n",
  });
  try {
    const said: string[] = [];
    const result = await runCheck({
      root,
      mode: 'fix',
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      settings: { ...DEFAULT_SETTINGS, targetPrecision: 0, runTaskExamples: false, confirm: 'affected', patch: { ...DEFAULT_SETTINGS.patch, workers: 1 } },
      logger: { ...silentLogger, debug: (message: string) => said.push(message) },
      syntax: new SyntaxService(grammarsDir),
    });
    const proposed = result.report.patches.find((patch) => patch.id === result.report.decision?.patch);
    assert.equal(result.report.decision?.action, 'propose', result.report.decision?.reasons.join(' | '));
    assert.equal(proposed?.checked?.fullSuite, 'confirmed');
    assert.equal(proposed?.checked?.affected, undefined);
    assert.ok(said.some((line) => /confirmation: the whole suite \(revise\.patch\.confirm: affected applies to pytest only/.test(line)), said.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
