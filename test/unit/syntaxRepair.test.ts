import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { generateCandidates } from '../../extension/src/core/patch/index';
import type { SourceLanguage } from '../../extension/src/core/types';
import { grammarsDir } from './helpers';

const syntax = new SyntaxService(grammarsDir);

/** The texts the syntax-repair template proposes for one line, best first. */
async function repairs(language: SourceLanguage, source: string, line: number): Promise<string[]> {
  const candidates = await generateCandidates({ file: `/p/f.${language === 'python' ? 'py' : 'js'}`, source, language, lines: [{ line, score: 0.9 }], syntax, templates: ['syntax-repair'] });
  for (const candidate of candidates) assert.equal(candidate.origin, 'template:syntax-repair');
  return candidates.map((candidate) => candidate.newText);
}

const cases: Array<{ name: string; language: SourceLanguage; broken: string; fixed: string; line: number }> = [
  { name: 'unclosed parenthesis (Python)', language: 'python', broken: 'def f(xs):\n    return len(xs\n', fixed: 'def f(xs):\n    return len(xs)\n', line: 2 },
  { name: 'unclosed bracket (JavaScript)', language: 'javascript', broken: 'function f(a, i) {\n  return a[i - 1;\n}\n', fixed: 'function f(a, i) {\n  return a[i - 1];\n}\n', line: 2 },
  { name: 'unclosed string (JavaScript)', language: 'javascript', broken: 'function f(a, i) {\n  return a[i] - "0;\n}\n', fixed: 'function f(a, i) {\n  return a[i] - "0";\n}\n', line: 2 },
  { name: 'missing colon', language: 'python', broken: 'def f(x):\n    if x > 0\n        return 1\n    return 0\n', fixed: 'def f(x):\n    if x > 0:\n        return 1\n    return 0\n', line: 2 },
  { name: 'missing comma', language: 'python', broken: 'def f():\n    return [1 2, 3]\n', fixed: 'def f():\n    return [1, 2, 3]\n', line: 2 },
  { name: '= in a condition', language: 'python', broken: 'def f(x):\n    if x = 0:\n        return 1\n    return 0\n', fixed: 'def f(x):\n    if x == 0:\n        return 1\n    return 0\n', line: 2 },
  { name: 'indentation of a line', language: 'python', broken: 'def f(x):\n    y = x + 1\n      return y\n', fixed: 'def f(x):\n    y = x + 1\n    return y\n', line: 3 },
  { name: 'a name declared twice', language: 'javascript', broken: 'function f(x) {\n  let y = x;\n  let y = y + 1;\n  return y;\n}\n', fixed: 'function f(x) {\n  let y = x;\n  y = y + 1;\n  return y;\n}\n', line: 3 },
  { name: 'misspelled keyword', language: 'python', broken: 'def f(x):\n    retrun x + 1\n', fixed: 'def f(x):\n    return x + 1\n', line: 2 },
];

for (const item of cases) {
  test(`syntax repair: ${item.name}`, async () => {
    const proposed = await repairs(item.language, item.broken, item.line);
    assert.ok(proposed.includes(item.fixed), `expected the repair among ${JSON.stringify(proposed)}`);
  });
}

test('syntax repair proposes nothing for a file that parses and breaks no rule', async () => {
  assert.deepEqual(await repairs('python', 'def f(x):\n    if x:\n        return x + 1\n    return 0\n', 3), []);
  assert.deepEqual(await repairs('javascript', 'function f(x) {\n  let y = x;\n  return y;\n}\nfunction g(x) {\n  let y = x;\n  return y;\n}\n', 6), []);
});
