import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SyntaxService, functionScopes, languageForFile } from '../../extension/src/core/syntax/treeSitter';
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

void test('functionScopes: each line maps to its innermost function; headers and one-line functions to the enclosing scope', async () => {
  const service = new SyntaxService(grammarsDir);
  const python = ['X = 1', '@wrap', 'def outer(a=X):', '    def inner():', '        return a', '    return inner', 'class K:', '    size = 2', '    def get(self):', '        return self.size'].join('\n');
  const tree = await service.parse('python', python);
  try {
    const scopes = functionScopes(tree.rootNode);
    assert.deepEqual([1, 2, 3, 7, 8, 9].map((line) => scopes.get(line)), [undefined, undefined, undefined, undefined, undefined, undefined]);
    assert.equal(scopes.get(4), 3);
    assert.equal(scopes.get(5), 4);
    assert.equal(scopes.get(6), 3);
    assert.equal(scopes.get(10), 9);
  } finally {
    tree.delete();
  }
  const js = ['const f = (x) => {', '  return [x].map((y) => y + 1);', '};', 'class A {', '  m() {', '    return 1;', '  }', '}'].join('\n');
  const jsTree = await service.parse('javascript', js);
  try {
    const scopes = functionScopes(jsTree.rootNode);
    assert.equal(scopes.get(1), undefined);
    assert.equal(scopes.get(2), 1);
    assert.equal(scopes.get(6), 5);
    assert.equal(scopes.get(5), undefined);
  } finally {
    jsTree.delete();
  }
});
