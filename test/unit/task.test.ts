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
  const ts = ['// Doubles a number.', 'const double = (x: number): number => x * 2;', ''].join('\n');
  const arrow = await taskOfFunctionAt(syntax, '/p/a.ts', ts, 2);
  assert.equal(arrow?.text, 'Doubles a number.');
});
