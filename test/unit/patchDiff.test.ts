import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unifiedDiff } from '../../extension/src/core/patch/index';

/** Applies `diff` to `oldText` with `git apply` in a scratch folder and returns the result. */
function gitApply(oldText: string, diff: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'revise-diff-test-'));
  try {
    mkdirSync(path.join(folder, 'src'));
    writeFileSync(path.join(folder, 'src', 'x.py'), oldText);
    writeFileSync(path.join(folder, 'change.diff'), diff);
    const result = spawnSync('git', ['apply', '--whitespace=nowarn', 'change.diff'], { cwd: folder, encoding: 'utf8' });
    assert.equal(result.status, 0, `git apply failed: ${result.stderr}\n${diff}`);
    return readFileSync(path.join(folder, 'src', 'x.py'), 'utf8');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test('a one-line change has three lines of context and a/ b/ paths', () => {
  const diff = unifiedDiff('src/x.py', 'a\nb\nc\nd\ne\nf\ng\nh\n', 'a\nb\nc\nD\ne\nf\ng\nh\n');
  assert.equal(diff, ['--- a/src/x.py', '+++ b/src/x.py', '@@ -1,7 +1,7 @@', ' a', ' b', ' c', '-d', '+D', ' e', ' f', ' g', ''].join('\n'));
});

test('equal texts give no diff', () => {
  assert.equal(unifiedDiff('src/x.py', 'a\n', 'a\n'), '');
});

test('distant changes make two hunks, near ones one', () => {
  const old = Array.from({ length: 30 }, (_, index) => `line ${index}`).join('\n') + '\n';
  const far = old.replace('line 2\n', 'LINE 2\n').replace('line 25\n', 'LINE 25\n');
  assert.equal(unifiedDiff('src/x.py', old, far).match(/^@@/gm)?.length, 2);
  const near = old.replace('line 2\n', 'LINE 2\n').replace('line 8\n', 'LINE 8\n');
  assert.equal(unifiedDiff('src/x.py', old, near).match(/^@@/gm)?.length, 1);
  assert.equal(gitApply(old, unifiedDiff('src/x.py', old, far)), far);
  assert.equal(gitApply(old, unifiedDiff('src/x.py', old, near)), near);
});

test('insertions, deletions and missing final newlines apply with git', () => {
  const cases: [string, string][] = [
    ['a\nb\nc\n', 'new\na\nb\nc\n'],
    ['a\nb\nc\n', 'a\nb\n'],
    ['a\nb\nc', 'a\nb\nC'],
    ['a\nb\nc', 'a\nb\nc\n'],
    ['a\nb\nc\n', 'a\nb\nc'],
    ['', 'x = 1\n'],
    ['only\n', ''],
    ['def f(x):\n    return x\n', 'def f(x):\n    if not x:\n        return 0\n    return x\n'],
  ];
  for (const [oldText, newText] of cases) assert.equal(gitApply(oldText, unifiedDiff('src/x.py', oldText, newText)), newText, JSON.stringify([oldText, newText]));
});

test('random edits round-trip through git apply', () => {
  // A fixed-seed generator keeps the cases the same on every run.
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < 25; round++) {
    const lines = Array.from({ length: 5 + Math.floor(random() * 30) }, () => `v${Math.floor(random() * 6)}`);
    const edited = [...lines];
    for (let edit = 0; edit < 1 + Math.floor(random() * 4); edit++) {
      const at = Math.floor(random() * edited.length);
      const kind = random();
      if (kind < 0.33) edited.splice(at, 1);
      else if (kind < 0.66) edited.splice(at, 0, `new${edit}`);
      else edited[at] = `changed${edit}`;
    }
    const oldText = `${lines.join('\n')}\n`;
    const newText = edited.length > 0 ? `${edited.join('\n')}\n` : '';
    if (oldText === newText) continue;
    assert.equal(gitApply(oldText, unifiedDiff('src/x.py', oldText, newText)), newText);
  }
});
