import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { taskOfFunctionAt } from '../../extension/src/core/bounce/task';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir } from './helpers';

const syntax = new SyntaxService(grammarsDir);

test('finds the docstring of the Python function around a line', async () => {
  const source = ['def other():', '    return 1', '', 'def points(total):', '    """One point per 10 spent.', '', '    >>> points(20)', '    2', '    """', '    return total // 10', ''].join('\n');
  const task = await taskOfFunctionAt(syntax, '/p/a.py', source, 10);
  assert.ok(task);
  assert.equal(task.text, 'One point per 10 spent.\n\n>>> points(20)\n2');
  assert.equal(task.line, 5);
  assert.equal(task.endLine, 9);
  assert.equal(task.signature, 'def points(total):');
  assert.equal(await taskOfFunctionAt(syntax, '/p/a.py', source, 2), undefined);
});

test('finds the JSDoc above a JavaScript or TypeScript function', async () => {
  const js = ['/**', ' * Sum of the even numbers.', ' * @param {number[]} xs', ' */', 'export function sumEven(xs) {', '  return xs.filter((x) => x % 2).reduce((a, b) => a + b, 0);', '}', ''].join('\n');
  const task = await taskOfFunctionAt(syntax, '/p/a.js', js, 6);
  assert.ok(task);
  assert.match(task.text, /^Sum of the even numbers\.\n@param/);
  assert.equal(task.line, 1);
  const ts = ['/** Doubles a number. */', 'const double = (x: number): number => x * 2;', ''].join('\n');
  const arrow = await taskOfFunctionAt(syntax, '/p/a.ts', ts, 2);
  assert.equal(arrow?.text, 'Doubles a number.');
  const humanEval = ['/* Sum of the list.', '  >>> sum([1, 2])', '  3', '  */', 'const sum = (xs) => {', '  return xs.reduce((a, b) => a + b, 0);', '}', ''].join('\n');
  assert.match((await taskOfFunctionAt(syntax, '/p/a.js', humanEval, 6))?.text ?? '', /^Sum of the list\./);
});

test('never takes a note or a callback\'s comment as the task', async () => {
  const notes = [
    '// restore obj props after function',
    'afterEach(function () {',
    '  Object.assign(obj, saved);',
    '});',
    '',
    'function layer(x) {',
    '  // this should be done for the layer',
    '  const scaled = x.map((value) => value * 2);',
    '  return scaled;',
    '}',
    '',
    '// Doubles a number.',
    'const double = (x) => x * 2;',
    '',
  ].join('\n');
  assert.equal(await taskOfFunctionAt(syntax, '/p/a.js', notes, 3), undefined, 'a callback has no description');
  assert.equal(await taskOfFunctionAt(syntax, '/p/a.js', notes, 8), undefined, 'an inline note is not the task');
  assert.equal(await taskOfFunctionAt(syntax, '/p/a.js', notes, 13), undefined, 'a line comment is a note');
  const method = ['class Cart {', '  /** Total price of the lines. */', '  total() {', '    return this.lines.reduce((sum, line) => sum + line.price, 0);', '  }', '}', ''].join('\n');
  assert.equal((await taskOfFunctionAt(syntax, '/p/a.js', method, 4))?.text, 'Total price of the lines.');
});
