import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { ignoredByGit, parseUnifiedZeroDiff } from '../../extension/src/core/git';
import { NodeProcessRunner } from '../../extension/src/core/process';

test('reads changed lines of the new side from a zero-context diff', () => {
  const diff = [
    'diff --git a/src/x.py b/src/x.py',
    '--- a/src/x.py',
    '+++ b/src/x.py',
    '@@ -3 +3 @@ def f():',
    '-    return 1',
    '+    return 2',
    '@@ -10,0 +11,2 @@',
    '+a',
    '+b',
    '@@ -20,2 +21,0 @@',
    '-gone',
    '-gone too',
    'diff --git a/old.py b/old.py',
    '--- a/old.py',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-x',
  ].join('\n');
  const changed = parseUnifiedZeroDiff(diff, '/repo');
  assert.deepEqual(changed, { [path.join('/repo', 'src/x.py')]: [3, 11, 12, 21] });
});

test('ignoredByGit names untracked files that git ignores (build output), nothing outside a repository', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'revise-git-ignored-'));
  try {
    const runner = new NodeProcessRunner();
    mkdirSync(path.join(root, 'dist'));
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'dist', 'index.js'), 'built\n');
    writeFileSync(path.join(root, 'src', 'index.ts'), 'source\n');
    writeFileSync(path.join(root, '.gitignore'), 'dist/\n');
    const files = [path.join(root, 'dist', 'index.js'), path.join(root, 'src', 'index.ts'), path.join(os.tmpdir(), 'elsewhere.js')];
    assert.deepEqual([...(await ignoredByGit(root, files, runner))], [], 'not a repository yet');
    spawnSync('git', ['init', '-q'], { cwd: root });
    assert.deepEqual([...(await ignoredByGit(root, files, runner))], [path.join(root, 'dist', 'index.js')]);
    assert.deepEqual([...(await ignoredByGit(root, [path.join(root, 'src', 'index.ts')], runner))], [], 'none ignored');
    // A project folder the enclosing repository ignores as a whole: nothing in it counts as build output.
    writeFileSync(path.join(root, '.gitignore'), 'dist/\nscratch/\n');
    const scratch = path.join(root, 'scratch');
    mkdirSync(path.join(scratch, 'src'), { recursive: true });
    writeFileSync(path.join(scratch, 'src', 'index.js'), 'source\n');
    assert.deepEqual([...(await ignoredByGit(scratch, [path.join(scratch, 'src', 'index.js')], runner))], []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
