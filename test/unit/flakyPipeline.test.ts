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

/**
 * The flaky test fails under a line tracer (the capture records coverage) and passes without one (the
 * re-run does not): the kind of test that only fails when instrumented, and the same for every path the
 * re-run can take (a fork in the warm worker of a sandboxed copy, or a cold run in the project).
 */
for (const warmWorkers of [true, false]) {
  test(`Check and Fix leaves a flaky failing test out of the evidence and says so (${warmWorkers ? 'warm worker' : 'cold'} re-run)`, { skip: pythonMissing }, async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'revise-flaky-'));
    const root = path.join(base, 'project');
    const files: Record<string, string> = {
      'calc.py': 'def add(a, b):\n    return a - b\n\n\ndef greet(name):\n    return "hi " + name\n',
      'tests/test_calc.py': [
        'import sys',
        'from calc import add, greet',
        '',
        '',
        'def test_add():',
        '    assert add(2, 3) == 5',
        '',
        '',
        'def test_greet_sometimes():',
        '    assert greet("x") == "hi x" and sys.gettrace() is None',
        '',
      ].join('\n'),
      'pytest.ini': '[pytest]\npythonpath = .\n',
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), text);
    }
    const said: string[] = [];
    const logger = { ...silentLogger, debug: (message: string) => said.push(message) };
    try {
      const result = await runCheck({
        root,
        mode: 'fix',
        assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
        settings: { ...DEFAULT_SETTINGS, pythonPath: python, patch: { ...DEFAULT_SETTINGS.patch, workers: 1, warmWorkers } },
        logger,
        syntax: new SyntaxService(grammarsDir),
      });
      assert.notEqual(result.report.tests.coverage, 'none', 'the capture traced lines');
      const flaky = result.report.problems.filter((problem) => problem.kind === 'flaky-test');
      assert.equal(flaky.length, 1, JSON.stringify(result.report.problems));
      assert.match(flaky[0].message, /test_greet_sometimes is flaky: it failed in the first run and passed when the same code ran again/);
      assert.deepEqual(result.report.tests.failures.map((failure) => failure.id), ['tests/test_calc.py::test_add']);
      assert.ok(!result.report.suspects.some((suspect) => suspect.line === 6), 'greet() is no suspect');
      assert.equal(result.report.suspects[0]?.line, 2);
      assert.equal(said.some((message) => /flaky re-run .* served by a warm worker/.test(message)), warmWorkers, said.join('\n'));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
}
