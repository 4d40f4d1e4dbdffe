/**
 * The project's tests as an oracle for a task's worked examples (`bounce/input/asserted`): what the tests
 * assert for a call, read from their text, and the task examples that state another result.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { assertedCalls, assessDocstring, assessTask, checkExamplesAgainstTests } from '../../extension/src/core/bounce/input/index';
import { parseTask } from '../../extension/src/core/bounce/input/parse';
import { DEFAULT_SETTINGS, runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir, repoRoot, writeProject } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;

const brief = (calls: ReturnType<typeof assertedCalls>) => calls.map((call) => `${call.functionName}(${call.argumentsText}) ${'literal' in call.expected ? `= ${call.expected.literal}` : call.expected.truthy ? 'truthy' : 'falsy'} @${call.where}`);

test('reads the results Python tests assert for a function: assert ==, either side, is, not, abs(…) < tol, unittest', () => {
  const source = [
    'import calc',
    'from calc import add, is_even',
    '',
    'def test_add():',
    '    assert add(2, 3) == 5',
    '    assert 7 == calc.add(3, 4), "sum"',
    '    assert add(1, 1) == expected  # not a literal: skipped',
    '    assert add(0.1, 0.2) != 1  # not an equality: skipped',
    '    assert abs(add(0.1, 0.2) - 0.3) < 1e-6',
    '    assert is_even(4)',
    '    assert not is_even(3)',
    '    assert is_even(8) is True',
    '    assert other(1) == 2',
    '    assert self.box.add(1, 2) == 9  # a method of an object: another function',
    '    assert a.b.add(1, 2) == 9',
    '    assert (add([1], [2]) == [1, 2])',
    '',
    'class T(unittest.TestCase):',
    '    def test_it(self):',
    "        self.assertEqual(add('a', 'b'), 'ab')",
    '        self.assertTrue(is_even(2))',
    '        self.assertFalse(is_even(5))',
  ].join('\n');
  assert.deepEqual(brief(assertedCalls(source, ['add', 'is_even'], 'tests/test_calc.py')), [
    'add(2, 3) = 5 @tests/test_calc.py:5',
    'add(3, 4) = 7 @tests/test_calc.py:6',
    'add(0.1, 0.2) = 0.3 @tests/test_calc.py:9',
    'is_even(4) truthy @tests/test_calc.py:10',
    'is_even(3) falsy @tests/test_calc.py:11',
    'is_even(8) = True @tests/test_calc.py:12',
    'add([1], [2]) = [1, 2] @tests/test_calc.py:16',
    "add('a', 'b') = 'ab' @tests/test_calc.py:20",
    'is_even(2) truthy @tests/test_calc.py:21',
    'is_even(5) falsy @tests/test_calc.py:22',
  ]);
  assert.deepEqual(assertedCalls(source, [], 'x'), [], 'no name: nothing to look for');
});

test('reads the results JavaScript tests assert: node:assert, Jest and Chai expect, console.assert with JSON.stringify', () => {
  const source = [
    "const { sum, sorted } = require('../lib');",
    "test('sum', () => {",
    '  assert.strictEqual(sum([1, 2]), 3);',
    "  assert.deepStrictEqual(sorted([3, 1]), [1, 3], 'sorted');",
    '  expect(sum([])).toBe(0);',
    '  expect(sorted([2, 1])).toEqual([1, 2]); // comment',
    '  expect(sum([5])).toBeTruthy();',
    '  expect(sum([1])).toBeGreaterThan(0);',
    '  console.assert(JSON.stringify(sorted([1])) === JSON.stringify([1]));',
    '  assert.ok(sum([2]) === 2);',
    '  assert.notStrictEqual(sum([1, 1]), 3);',
    '  expect(sum([4])).to.equal(4);',
    '  expect(sorted([9, 8])).to.deep.equal([8, 9]);',
    '  expect(sum([0])).to.be.false;',
    '  expect(sum([7])).to.be.above(1);',
    '});',
  ].join('\n');
  assert.deepEqual(brief(assertedCalls(source, ['sum', 'sorted'], 'test/lib.test.js')), [
    'sum([1, 2]) = 3 @test/lib.test.js:3',
    'sorted([3, 1]) = [1, 3] @test/lib.test.js:4',
    'sum([]) = 0 @test/lib.test.js:5',
    'sorted([2, 1]) = [1, 2] @test/lib.test.js:6',
    'sum([5]) truthy @test/lib.test.js:7',
    'sorted([1]) = [1] @test/lib.test.js:9',
    'sum([2]) = 2 @test/lib.test.js:10',
    'sum([4]) = 4 @test/lib.test.js:12',
    'sorted([9, 8]) = [8, 9] @test/lib.test.js:13',
    'sum([0]) = false @test/lib.test.js:14',
  ]);
});

test('an example with the same call as a test and another result of the same kind contradicts the tests; agreement and other calls do not', () => {
  const asserted = assertedCalls(['assert add(2, 3) == 5', 'assert is_even(3) is False', 'assert seq(3) == [1, 3, 2, 8]', 'assert is_even(4)'].join('\n'), ['add', 'is_even', 'seq'], 'test_calc.py');
  const check = (text: string) => checkExamplesAgainstTests(parseTask(text), asserted);
  const wrong = check('>>> add(2, 3)\n6\n>>> add(1, 1)\n2');
  assert.equal(wrong.checked, 1, 'add(1, 1) has no test: not counted');
  assert.equal(wrong.mismatches.length, 1);
  assert.equal(wrong.mismatches[0].kind, 'tests');
  assert.match(wrong.mismatches[0].message, /`add\(2, 3\)` is said to return 6, but test_calc\.py:1 asserts 5/);
  assert.deepEqual(check('>>> add(2, 3)\n5').mismatches, []);
  assert.equal(check('>>> add(2, 3)\n5').checked, 1);
  assert.match(check('>>> is_even(3)\nTrue').mismatches[0]?.message ?? '', /asserts False/);
  assert.match(check('>>> is_even(4)\nFalse').mismatches[0]?.message ?? '', /asserts a true value/);
  assert.deepEqual(check('>>> is_even(4)\nTrue').mismatches, []);
  // A number where the tests show the function returns a list reads as prose defining a term, not a result.
  assert.deepEqual(check('seq(3) = 8 by the recurrence').mismatches, []);
  assert.equal(check('>>> seq(3)\n[1, 3, 2, 9]').mismatches.length, 1);
});

test('a task whose example contradicts the tests is vague with the test named; the same task without them is not', async () => {
  const text = 'def add(a: int, b: int) -> int:\n    """Return the sum of the two integers a and b.\n\n    >>> add(2, 3)\n    6\n    >>> add(0, 0)\n    0\n    """';
  const asserted = assertedCalls('def test_add():\n    assert add(2, 3) == 5\n', ['add'], 'tests/test_calc.py');
  const alone = await assessTask(text);
  assert.equal(alone.verdict, 'actionable', JSON.stringify(alone));
  const withTests = await assessTask(text, { testAssertions: asserted });
  assert.equal(withTests.verdict, 'vague');
  assert.match(withTests.missing?.[0] ?? '', /the examples contradict the tests: `add\(2, 3\)` is said to return 6, but tests\/test_calc\.py:2 asserts 5/);
  assert.deepEqual(withTests.testContradictions, [{ call: 'add(2, 3)', expected: '6', asserted: '5', file: 'tests/test_calc.py', line: 2 }]);
  assert.equal(alone.testContradictions, undefined);
  const located = assertedCalls('def test_add():\n    assert add(2, 3) == 5\n', ['add'], 'tests/test_calc.py', '/w/tests/test_calc.py');
  assert.deepEqual([located[0].where, located[0].file, located[0].line], ['tests/test_calc.py:2', '/w/tests/test_calc.py', 2]);
  // A docstring Revise took from the code is held to checkable evidence only: this is checkable.
  assert.equal((await assessDocstring(text, { testAssertions: asserted })).verdict, 'vague');
  assert.equal((await assessDocstring(text)).verdict, 'actionable');
});

test('Check with a failing test compares an explicit task\'s examples with what the tests assert (nothing runs the examples)', { skip: pythonMissing }, async () => {
  const root = writeProject('revise-asserted-', {
    'calc.py': 'def add(a, b):\n    return a - b\n',
    'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n',
    'pytest.ini': '[pytest]\npythonpath = .\n',
  });
  try {
    const check = async (output: number) => {
      const said: string[] = [];
      const result = await runCheck({
        root,
        mode: 'check',
        assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
        settings: { ...DEFAULT_SETTINGS, pythonPath: python },
        logger: { ...silentLogger, info: (message: string) => said.push(message), debug: (message: string) => said.push(message) },
        syntax: new SyntaxService(grammarsDir),
        task: `def add(a: int, b: int) -> int:\n    """Return the sum of the two integers a and b.\n\n    >>> add(2, 3)\n    ${output}\n    """`,
      });
      return { report: result.report, task: result.outcome.task, said };
    };
    const wrong = await check(6);
    assert.equal(wrong.report.tests.failed, 1);
    assert.equal(wrong.report.task?.verdict, 'vague', JSON.stringify(wrong.report.task));
    assert.match((wrong.report.task?.missing ?? []).join('\n'), /`add\(2, 3\)` is said to return 6, but tests\/test_calc\.py:4 asserts 5/);
    assert.ok(!wrong.said.some((line) => /task examples: \d+ of/.test(line)), 'the examples are not run while a test fails');
    // The editor's warning links the test line (the adapter reads this).
    assert.deepEqual(wrong.task?.testContradictions, [{ call: 'add(2, 3)', expected: '6', asserted: '5', file: path.join(root, 'tests', 'test_calc.py'), line: 4 }]);
    const right = await check(5);
    assert.ok(!(right.report.task?.missing ?? []).some((reason) => /contradict/.test(reason)), JSON.stringify(right.report.task));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
