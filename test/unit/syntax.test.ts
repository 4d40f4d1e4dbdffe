import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SyntaxService, languageForFile } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir } from './helpers';

const syntax = new SyntaxService(grammarsDir);

test('classifies Python lines by syntactic role', async () => {
  const source = ['def f(xs):', '    total = 0', '    for x in xs:', '        if x < 0:', '            raise ValueError(x)', '        print(x)', '    return total', ''].join('\n');
  const roles = await syntax.lineRoles('python', source);
  assert.equal(roles.get(2), 'assignment');
  assert.equal(roles.get(3), 'loop');
  assert.equal(roles.get(4), 'condition');
  assert.equal(roles.get(5), 'raise');
  assert.equal(roles.get(6), 'call');
  assert.equal(roles.get(7), 'return');
});

test('classifies JavaScript and TypeScript lines', async () => {
  const js = ['function f(xs) {', '  let total = 0;', '  for (const x of xs) {', '    if (x < 0) throw new Error("neg");', '    total += x;', '  }', '  return total;', '}'].join('\n');
  const roles = await syntax.lineRoles('javascript', js);
  assert.equal(roles.get(2), 'assignment');
  assert.equal(roles.get(3), 'loop');
  assert.equal(roles.get(4), 'condition');
  assert.equal(roles.get(5), 'assignment');
  assert.equal(roles.get(7), 'return');
  const ts = await syntax.lineRoles('typescript', 'function g(a: number): number {\n  return a + 1;\n}\n');
  assert.equal(ts.get(2), 'return');
});

test('maps file extensions to grammars', () => {
  assert.equal(languageForFile('a/b.py'), 'python');
  assert.equal(languageForFile('x.mjs'), 'javascript');
  assert.equal(languageForFile('x.tsx'), 'tsx');
  assert.equal(languageForFile('x.txt'), undefined);
});
