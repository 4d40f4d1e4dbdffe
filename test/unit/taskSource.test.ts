import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeTaskSource, showsTaskWarning, vagueTaskMessage } from '../../extension/src/core/taskSource';

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

test('the editor warns about a vague docstring while tests fail only when a test contradicts one of its examples', () => {
  const location = { file: '/w/calc.py', line: 1, endLine: 4 };
  const docstring = { verdict: 'vague', source: 'docstring' as const, location };
  assert.equal(showsTaskWarning(docstring, 0), true, 'every test passes');
  assert.equal(showsTaskWarning(docstring, 2), false, 'tests fail: they are the specification');
  assert.equal(showsTaskWarning({ ...docstring, testContradictions: [{ call: 'add(2, 3)', expected: '6', asserted: '5', file: '/w/test_calc.py', line: 4 }] }, 2), true);
  assert.equal(showsTaskWarning({ ...docstring, source: 'user' }, 2), true, "the user's own task");
  assert.equal(showsTaskWarning({ ...docstring, verdict: 'actionable' }, 0), false);
  assert.equal(showsTaskWarning({ verdict: 'vague', source: 'docstring' }, 0), false, 'nowhere to show it');
  assert.equal(showsTaskWarning(undefined, 0), false);
});
