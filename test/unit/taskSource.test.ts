import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeTaskSource, vagueTaskMessage } from '../../extension/src/core/taskSource';

test('where the task came from, in words', () => {
  assert.equal(describeTaskSource({ source: 'user' }, 'given with --task'), 'given with --task');
  assert.equal(describeTaskSource({ source: 'docstring', function: 'total', file: 'src/cart.py', line: 3 }, ''), 'docstring of `total`, src/cart.py:3');
  // The assessment itself holds an absolute location; the caller says how to show it.
  assert.equal(
    describeTaskSource({ source: 'docstring', function: 'mean', location: { file: '/w/lib/stats.js', line: 7 } }, '', (file) => file.replace('/w/', '')),
    'docstring of `mean`, lib/stats.js:7',
  );
  assert.equal(describeTaskSource({ source: 'docstring' }, ''), 'docstring of the suspect function');
  assert.equal(describeTaskSource({}, 'given'), undefined);
});

test("the editor's vague-task warning names the task's origin", () => {
  assert.equal(
    vagueTaskMessage({ source: 'docstring', function: 'loyalty_points', location: { file: '/w/shop/cart.py', line: 27 }, vagueness: 0.734, missing: ['what "points" are'] }, (file) => file.replace('/w/', '')),
    'The task text (docstring of `loyalty_points`, shop/cart.py:27) is too vague to act on (vagueness 73%): what "points" are.',
  );
  assert.equal(vagueTaskMessage({ source: 'user', vagueness: 0.9 }), 'Your task description is too vague to act on (vagueness 90%).');
});
