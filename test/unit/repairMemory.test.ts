/**
 * Check (Localize Only) after Check and Fix of the same code reuses the patch search's repair evidence,
 * so both commands rank the lines alike; any change to the code or the test results drops it.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fingerprint, RepairMemory } from '../../extension/src/core/localize/repairMemory';
import { DEFAULT_SETTINGS, runCheck, type CheckResult } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { TestRun } from '../../extension/src/core/types';
import { grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const skip = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;
const syntax = new SyntaxService(grammarsDir);

/** `rate` uses `>` where the tests want `>=`; the spectrum alone cannot tell its two branches apart well. */
const FILES = {
  'shop.py': 'def rate(amount):\n    if amount >= 500:\n        return 0.2\n    if amount > 100:\n        return 0.1\n    return 0\n\n\ndef total(amount):\n    return round(amount * (1 - rate(amount)), 2)\n',
  'tests/test_shop.py':
    'from shop import rate, total\n\n\ndef test_nothing_below_100():\n    assert rate(99) == 0\n\n\ndef test_ten_from_100():\n    assert rate(100) == 0.1\n\n\ndef test_ten_between():\n    assert rate(250) == 0.1\n\n\ndef test_twenty():\n    assert rate(800) == 0.2\n\n\ndef test_total():\n    assert total(100) == 90\n',
  'pytest.ini': '[pytest]\npythonpath = .\n',
};

function check(root: string, mode: 'check' | 'fix'): Promise<CheckResult> {
  return runCheck({
    root,
    mode,
    assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
    settings: { ...DEFAULT_SETTINGS, pythonPath: python, perTestTimeoutMs: 10_000, totalTimeoutMs: 120_000, patch: { ...DEFAULT_SETTINGS.patch, workers: 1 } },
    logger: silentLogger,
    syntax,
  });
}

const ranking = (result: CheckResult) => result.report.suspects.map((suspect) => [suspect.file, suspect.line, suspect.score]);
const repairSaid = (result: CheckResult) => result.report.suspects.some((suspect) => suspect.evidence.some((item) => item.kind === 'repair'));

describe('repair evidence remembered between checks', { skip }, () => {
  let root = '';
  before(() => {
    root = path.join(mkdtempSync(path.join(os.tmpdir(), 'revise-memory-')), 'project');
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), text);
    }
  });
  after(() => rmSync(path.dirname(root), { recursive: true, force: true }));

  test('Check after Check and Fix of the same code ranks the lines as Check and Fix did', async () => {
    const fresh = await check(root, 'check');
    assert.equal(repairSaid(fresh), false, 'before any Check and Fix, no repair evidence');
    const fixed = await check(root, 'fix');
    assert.ok(repairSaid(fixed), 'Check and Fix tried candidates');
    const again = await check(root, 'check');
    assert.deepEqual(ranking(again), ranking(fixed));
    assert.equal(again.report.patches.length, 0, 'Check still proposes nothing');
  });

  test('a change to the code drops the remembered evidence', async () => {
    const file = path.join(root, 'shop.py');
    const original = readFileSync(file, 'utf8');
    await check(root, 'fix');
    // Same test results, different text: a comment is enough.
    writeFileSync(file, `# pricing\n${original}`);
    try {
      const changed = await check(root, 'check');
      assert.equal(repairSaid(changed), false);
    } finally {
      writeFileSync(file, original);
    }
  });
});

test('the fingerprint follows outcomes and file contents, and an unreadable file means no reuse', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'revise-fingerprint-'));
  try {
    const source = path.join(dir, 'a.py');
    writeFileSync(source, 'x = 1\n');
    const run = (outcome: 'passed' | 'failed', file = source) =>
      ({ framework: 'pytest', tests: [{ id: 't1', outcome, durationMs: 1, file: path.join(dir, 'test_a.py'), coveredLines: { [file]: [1] } }] }) as unknown as TestRun;
    writeFileSync(path.join(dir, 'test_a.py'), 'def test(): pass\n');
    const first = await fingerprint(run('failed'));
    assert.ok(first);
    assert.equal(await fingerprint(run('failed')), first);
    assert.notEqual(await fingerprint(run('passed')), first);
    writeFileSync(source, 'x = 2\n');
    assert.notEqual(await fingerprint(run('failed')), first);
    assert.equal(await fingerprint(run('failed', path.join(dir, 'missing.py'))), undefined);

    const memory = new RepairMemory();
    const outcomes = [{ file: source, line: 1, origin: 'template:x', fixed: 1, broken: 0, failingBefore: 1 }];
    await memory.remember(dir, run('failed'), outcomes);
    assert.deepEqual(await memory.recall(dir, run('failed')), outcomes);
    assert.equal(await memory.recall(dir, run('passed')), undefined);
    assert.equal(await memory.recall(path.join(dir, 'other'), run('failed')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
