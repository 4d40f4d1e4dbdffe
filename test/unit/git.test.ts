import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseUnifiedZeroDiff } from '../../extension/src/core/git';

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
