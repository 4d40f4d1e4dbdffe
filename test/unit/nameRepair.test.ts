import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { generateCandidates, applyEdits } from '../../extension/src/core/patch/index';
import type { ProjectNames } from '../../extension/src/core/patch/nameRepair';
import { indexProjectDefinitions, javascriptDefinitions, pythonDefinitions } from '../../extension/src/core/patch/projectNames';
import type { SourceLanguage } from '../../extension/src/core/types';
import { grammarsDir } from './helpers';

const syntax = new SyntaxService(grammarsDir);

/** What the syntax-repair template proposes for one line: titles and resulting texts, best first. */
async function repairs(language: SourceLanguage, source: string, line: number, file?: string, project?: ProjectNames): Promise<Array<{ title: string; text: string; variant: string }>> {
  const candidates = await generateCandidates({
    file: file ?? `/p/f.${language === 'python' ? 'py' : language === 'typescript' ? 'ts' : 'js'}`,
    source,
    language,
    lines: [{ line, score: 0.9 }],
    syntax,
    templates: ['syntax-repair'],
    ...(project ? { project: async () => project } : {}),
  });
  return candidates.map((candidate) => ({ title: candidate.title, text: candidate.newText, variant: candidate.variant }));
}

test('misspelled name (Python): the nearest name in scope, only a few candidates', async () => {
  const broken = 'def total(prices, discount):\n    result = 0\n    for price in prices:\n        result += pirce - discount\n    return result\n';
  const proposed = await repairs('python', broken, 4);
  assert.ok(proposed.length >= 1 && proposed.length <= 3, JSON.stringify(proposed));
  assert.equal(proposed[0]!.text, broken.replace('pirce', 'price'));
  assert.equal(proposed[0]!.title, '`pirce` → `price`');
  assert.ok(proposed.every((item) => item.variant === 'misspelled-name'));
});

test('misspelled name (Python): names of other functions and of comprehensions are not in scope', async () => {
  // `valeu` is bound only inside `other`: not visible in `f`, so it is no candidate; `value` (a parameter) is.
  const broken = 'def other():\n    valeu = 1\n    return valeu\n\ndef f(value):\n    return [x for x in range(valu)]\n';
  const proposed = await repairs('python', broken, 6);
  assert.deepEqual(proposed.map((item) => item.title), ['`valu` → `value`']);
});

test('misspelled name (Python): a builtin is a candidate too', async () => {
  const broken = 'def f(xs):\n    return lne(xs)\n';
  const proposed = await repairs('python', broken, 2);
  assert.ok(proposed.some((item) => item.text === broken.replace('lne', 'len')), JSON.stringify(proposed));
});

test('misspelled name (JavaScript): every occurrence on the line, parameters and outer declarations in scope', async () => {
  const broken = 'const limit = 10;\nfunction f(values) {\n  let count = 0;\n  for (const v of vaules) if (v < limti) count++;\n  return count;\n}\n';
  const proposed = await repairs('javascript', broken, 4);
  const texts = proposed.map((item) => item.text);
  assert.ok(texts.includes(broken.replace('vaules', 'values')), JSON.stringify(proposed));
  assert.ok(texts.includes(broken.replace('limti', 'limit')), JSON.stringify(proposed));
});

test('name repair stays quiet where every name resolves, and on attributes, keywords and properties', async () => {
  assert.deepEqual(await repairs('python', 'import math\n\ndef f(x, *rest, **opts):\n    y = math.sqrt(x)\n    return dict(key=y).get("key") + len(rest) + len(opts)\n', 5), []);
  assert.deepEqual(await repairs('javascript', 'const { a, b: c } = require("./m");\nfunction f(x = 1, ...ys) {\n  return Math.max(x, a, c, ys.length, { a }.a, this);\n}\n', 3), []);
  assert.deepEqual(await repairs('typescript', 'export function f(a: number, b?: Item): Item {\n  return b ?? { a };\n}\n', 2), []);
  // A star import hides which names exist: no guess.
  assert.deepEqual(await repairs('python', 'from helpers import *\n\ndef f(x):\n    return helpr(x)\n', 4), []);
});

test('missing import (Python): a name another project file defines is imported, after the existing imports', async () => {
  const project: ProjectNames = { root: '/p', definitions: (name) => (name === 'is_prime' ? [{ file: '/p/pkg/numbers.py', name }] : []) };
  const broken = '"""Counting."""\nimport math\n\ndef count_primes(n):\n    return sum(1 for k in range(n) if is_prime(k))\n';
  const proposed = await repairs('python', broken, 5, '/p/pkg/count.py', project);
  const imports = proposed.filter((item) => item.variant === 'missing-import');
  assert.ok(imports.length >= 1 && imports.length <= 3, JSON.stringify(proposed));
  assert.equal(imports[0]!.text, '"""Counting."""\nimport math\nfrom pkg.numbers import is_prime\n\ndef count_primes(n):\n    return sum(1 for k in range(n) if is_prime(k))\n');
  // A sibling module may also be imported by its own name or relatively; validation decides.
  assert.ok(imports.some((item) => item.text.includes('from .numbers import is_prime\n')), JSON.stringify(imports));
});

test('missing import (Python): an existing import of the same module gets the name added', async () => {
  const project: ProjectNames = { root: '/p', definitions: (name) => (name === 'poly' ? [{ file: '/p/helpers.py', name }] : []) };
  const broken = 'from helpers import derivative\n\ndef find_zero(xs):\n    return poly(xs, 0) + derivative(xs)\n';
  const proposed = await repairs('python', broken, 4, '/p/solution.py', project);
  assert.ok(proposed.some((item) => item.text === broken.replace('import derivative', 'import derivative, poly')), JSON.stringify(proposed));
});

test('missing import (JavaScript): CommonJS require, ES import, default export', async () => {
  const named: ProjectNames = { root: '/p', definitions: (name) => (name === 'isPrime' ? [{ file: '/p/lib/primes.js', name }] : []) };
  const cjs = "'use strict';\nconst fs = require('fs');\n\nfunction count(n) {\n  return [...Array(n).keys()].filter((k) => isPrime(k)).length;\n}\nmodule.exports = { count };\n";
  const fixedCjs = cjs.replace("require('fs');\n", "require('fs');\nconst { isPrime } = require('./primes');\n");
  assert.ok((await repairs('javascript', cjs, 5, '/p/lib/count.js', named)).some((item) => item.text === fixedCjs));
  const esm = "import { readFile } from './io.js';\n\nexport function count(n) {\n  return isPrime(n) ? 1 : 0;\n}\n";
  const fixedEsm = esm.replace("'./io.js';\n", "'./io.js';\nimport { isPrime } from './primes.js';\n");
  assert.ok((await repairs('javascript', esm, 4, '/p/lib/count.js', named)).some((item) => item.text === fixedEsm));
  const byDefault: ProjectNames = { root: '/p', definitions: (name) => (name === 'slugify' ? [{ file: '/p/src/slugify.ts', name, isDefault: true }] : []) };
  const ts = 'export function title(s: string): string {\n  return slugify(s);\n}\n';
  assert.ok((await repairs('typescript', ts, 2, '/p/src/title.ts', byDefault)).some((item) => item.text === "import slugify from './slugify';\n" + ts));
});

test('project definitions: Python top level, JavaScript exports; test files and node_modules left out', async () => {
  assert.deepEqual(
    pythonDefinitions('/p/m.py', 'import os\nLIMIT = 3\n\ndef f():\n    inner = 1\n\nclass C:\n    x = 2\nasync def g(): pass\n').map((item) => item.name).sort(),
    ['C', 'LIMIT', 'f', 'g'],
  );
  assert.deepEqual(
    javascriptDefinitions('/p/m.js', 'export function a() {}\nexport const b = 1;\nexport { c, d as e };\nexports.f = 1;\nmodule.exports.g = 2;\nconst h = 3;\n').map((item) => item.name).sort(),
    ['a', 'b', 'c', 'e', 'f', 'g'],
  );
  assert.deepEqual(javascriptDefinitions('/p/m.js', 'function slug() {}\nmodule.exports = slug;\n'), [{ file: '/p/m.js', name: 'slug', isDefault: true }]);
  assert.deepEqual(javascriptDefinitions('/p/m.js', 'module.exports = { one, two: three };\n').map((item) => item.name), ['one', 'two']);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-names-'));
  try {
    await fs.mkdir(path.join(root, 'pkg'));
    await fs.mkdir(path.join(root, 'node_modules', 'dep'), { recursive: true });
    await fs.writeFile(path.join(root, 'pkg', 'util.py'), 'def helper():\n    return 1\n');
    await fs.writeFile(path.join(root, 'test_util.py'), 'def helper_in_test():\n    pass\n');
    await fs.writeFile(path.join(root, 'node_modules', 'dep', 'x.py'), 'def vendored():\n    pass\n');
    const index = await indexProjectDefinitions(root, 'python', (file) => path.basename(file).startsWith('test_'));
    assert.deepEqual(index.definitions('helper').map((item) => path.relative(root, item.file)), [path.join('pkg', 'util.py')]);
    assert.deepEqual(index.definitions('helper_in_test'), []);
    assert.deepEqual(index.definitions('vendored'), []);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('applyEdits of a missing import keeps the rest of the file byte for byte', async () => {
  const project: ProjectNames = { root: '/p', definitions: (name) => (name === 'helper' ? [{ file: '/p/util.py', name }] : []) };
  const broken = 'def f():\n    return helper()\n';
  const proposed = await repairs('python', broken, 2, '/p/main.py', project);
  const first = proposed.find((item) => item.variant === 'missing-import');
  assert.equal(first?.text, 'from util import helper\ndef f():\n    return helper()\n');
  assert.equal(applyEdits(broken, []), broken);
});
