// The Testing view's tree and failure details (extension/src/vscode/testTree.ts), in plain Node.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TestResult } from '../../extension/src/core/types';
import { buildTestTree, expectedActual, failureLocation, splitTestId, testsUnder, type TestNode } from '../../extension/src/vscode/testTree';

const root = path.resolve('/work/project');
const testFile = path.join(root, 'tests', 'test_cart.py');

function result(id: string, outcome: TestResult['outcome'], extra: Partial<TestResult> = {}): TestResult {
  return { id, outcome, durationMs: 3, frames: [], ...extra };
}

/** The tree as indented `kind label:line` lines, for compact comparisons. */
function outline(nodes: readonly TestNode[], depth = 0): string[] {
  return nodes.flatMap((node) => [`${'  '.repeat(depth)}${node.kind} ${node.label}${node.line !== undefined ? `:${node.line}` : ''}`, ...outline(node.children, depth + 1)]);
}

void test('pytest ids become file → class → test, with each test on its line', () => {
  const tree = buildTestTree(
    [
      result('tests/test_cart.py::test_total', 'passed', { file: testFile, line: 5 }),
      result('tests/test_cart.py::TestPoints::test_double[100]', 'failed', { file: testFile, line: 20 }),
      result('tests/test_cart.py::TestPoints::test_double[200]', 'failed', { file: testFile, line: 20 }),
      result('tests/test_a.py::test_a', 'passed', { file: path.join(root, 'tests', 'test_a.py'), line: 1 }),
    ],
    root,
    'pytest',
  );
  assert.deepEqual(outline(tree), [
    'file tests/test_a.py',
    '  test test_a:1',
    'file tests/test_cart.py',
    '  test test_total:5',
    '  suite TestPoints',
    '    test test_double[100]:20',
    '    test test_double[200]:20',
  ]);
  const cart = tree[1];
  assert.equal(cart.file, testFile);
  assert.deepEqual(
    testsUnder(cart).map((node) => node.id),
    ['test:tests/test_cart.py::test_total', 'test:tests/test_cart.py::TestPoints::test_double[100]', 'test:tests/test_cart.py::TestPoints::test_double[200]'],
  );
  assert.equal(testsUnder(cart)[1].result?.outcome, 'failed');
});

void test('JavaScript ids split on " > "; suites with the same name in two files stay apart; an unknown file comes from the id', () => {
  const tree = buildTestTree(
    [
      result('test/a.test.js > cart > adds', 'passed'),
      result('test/b.test.js > cart > adds', 'failed'),
      result('test/b.test.js > cart > totals > rounds', 'passed'),
    ],
    root,
    'node:test',
  );
  assert.deepEqual(outline(tree), [
    'file test/a.test.js',
    '  suite cart',
    '    test adds',
    'file test/b.test.js',
    '  suite cart',
    '    test adds',
    '    suite totals',
    '      test rounds',
  ]);
  assert.notEqual(tree[0].children[0].id, tree[1].children[0].id);
  assert.equal(tree[1].file, path.join(root, 'test', 'b.test.js'));
  assert.deepEqual(splitTestId('tests/x.py::T::t', 'pytest'), ['tests/x.py', 'T', 't']);
});

void test('expected and actual come from the failure messages that state them, and only from those', () => {
  assert.deepEqual(expectedActual('AssertionError: assert 12 == 20'), { actual: '12', expected: '20' });
  assert.deepEqual(expectedActual("AssertionError: assert 'a b' == 'a c'"), { actual: "'a b'", expected: "'a c'" });
  assert.deepEqual(expectedActual('AssertionError: expected 4 to equal 5'), { actual: '4', expected: '5' });
  assert.deepEqual(expectedActual('AssertionError [ERR_ASSERTION]: 4 !== 5'), { actual: '4', expected: '5' }, 'the error code is not part of the value');
  assert.deepEqual(expectedActual('4 !== 5'), { actual: '4', expected: '5' });
  assert.equal(expectedActual('ZeroDivisionError: division by zero'), undefined);
  assert.equal(expectedActual('AssertionError: assert x'), undefined);
  assert.equal(expectedActual(undefined), undefined);
});

void test('a failure is located at the innermost frame in the test file, else at the test', () => {
  const source = path.join(root, 'shop', 'cart.py');
  const failing = result('tests/test_cart.py::test_total', 'failed', {
    file: testFile,
    line: 10,
    frames: [
      { file: testFile, line: 12 },
      { file: source, line: 31 },
    ],
  });
  assert.deepEqual(failureLocation(failing), { file: testFile, line: 12 });
  assert.deepEqual(failureLocation({ ...failing, frames: [] }), { file: testFile, line: 10 });
  assert.deepEqual(failureLocation({ ...failing, file: undefined, line: undefined }), { file: source, line: 31 });
  assert.equal(failureLocation({ ...failing, file: undefined, line: undefined, frames: [] }), undefined);
});
