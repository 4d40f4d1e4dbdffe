/**
 * Lexical links between failing tests and code (extension/src/core/localize/names.ts): function names
 * from header lines, test ids split into file and name, module stems, and the shares the scorer weighs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { failingTestNames, functionName, moduleShare, moduleStem, nameShare, testIdParts } from '../../extension/src/core/localize/names';
import { logCountsAbove } from '../../extension/src/core/localize/structure';

test('reads the function name from Python and JavaScript headers', () => {
  assert.equal(functionName('    def camel_case(self, text):'), 'camel_case');
  assert.equal(functionName('async function parseArgs(argv) {'), 'parseArgs');
  assert.equal(functionName('export function camelCase (str: string): string {'), 'camelCase');
  assert.equal(functionName('const decamelize = (str, join) => {'), 'decamelize');
  assert.equal(functionName('  tokenize: function (text) {'), 'tokenize');
  assert.equal(functionName('  static fromString<T>(text: string) {'), 'fromString');
  assert.equal(functionName('  if (ready) {'), undefined);
  assert.equal(functionName('items.forEach((item) => {'), undefined);
});

test('splits pytest and JavaScript test ids into file and name', () => {
  assert.deepEqual(testIdParts('tests/test_urlutils.py::TestURL::test_parse[a]'), { file: 'tests/test_urlutils.py', name: 'TestURL::test_parse[a]' });
  assert.deepEqual(testIdParts('test/string-utils.mjs > string-utils > camelCase > removes hyphens'), { file: 'test/string-utils.mjs', name: 'string-utils > camelCase > removes hyphens' });
  assert.deepEqual(testIdParts('plain name'), { file: '', name: 'plain name' });
});

test('module stems drop test markers and separators', () => {
  assert.equal(moduleStem('tests/test_urlutils.py'), 'urlutils');
  assert.equal(moduleStem('test/string-utils.spec.ts'), 'stringutils');
  assert.equal(moduleStem('lib/string-utils.ts'), 'stringutils');
  assert.equal(moduleStem('src/parser_test.py'), 'parser');
});

test('shares of failing tests that name a function or a module', () => {
  const failing = failingTestNames([
    'test/string-utils.mjs > string-utils > camelCase > removes leading hyphens',
    'test/string-utils.mjs > string-utils > camelCase > keeps camel case',
    'test/yargs-parser.mjs > yargs-parser > alias > adds aliases',
    'test/yargs-parser.mjs > yargs-parser > camel-case expansion',
  ]);
  assert.equal(nameShare(failing, 'camelCase'), 0.75, 'camelCase and camel-case meet; the alias test names neither');
  assert.equal(nameShare(failing, 'decamelize'), 0);
  assert.equal(nameShare(failing, 'get'), 0, 'a short name is not evidence');
  assert.equal(nameShare(failing, undefined), 0);
  assert.equal(moduleShare(failing, 'lib/string-utils.ts'), 0.5);
  assert.equal(moduleShare(failing, 'lib/tokenize-arg-string.ts'), 0);
  assert.equal(nameShare(failingTestNames([]), 'camelCase'), 0);
});

test('log counts of values above: 0 for the top tier, ties share', () => {
  const above = logCountsAbove(Float64Array.from([0.9, 0.5, 0.9, 0.1]));
  assert.deepEqual(Array.from(above), [0, Math.log1p(2), 0, Math.log1p(3)]);
});
