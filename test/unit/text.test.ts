import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { minimalChange } from '../../extension/src/core/text';

function applied(before: string, after: string): string {
  const change = minimalChange(before, after);
  return before.slice(0, change.start) + change.text + before.slice(change.end);
}

test('finds the smallest replacement between two texts', () => {
  assert.deepEqual(minimalChange('return a + 2\n', 'return a * 2\n'), { start: 9, end: 10, text: '*' });
  assert.deepEqual(minimalChange('abc', 'abc'), { start: 3, end: 3, text: '' });
  for (const [before, after] of [['x < 1', 'x <= 1'], ['aaaa', 'aa'], ['', 'new'], ['old', ''], ['if a:\n  b\n', 'if a:\n  break\n  b\n']]) {
    assert.equal(applied(before, after), after);
  }
});
