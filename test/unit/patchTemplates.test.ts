import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { applyEdits, generateCandidates, generateCandidateSet, type TemplateName } from '../../extension/src/core/patch/index';
import type { SourceLanguage } from '../../extension/src/core/types';
import { grammarsDir } from './helpers';

const syntax = new SyntaxService(grammarsDir);

/** The patched texts one template proposes for `line` of `source`. */
async function proposals(language: SourceLanguage, source: string, line: number, template: TemplateName): Promise<string[]> {
  const candidates = await generateCandidates({ file: `/project/snippet.${language === 'python' ? 'py' : language === 'javascript' ? 'js' : 'ts'}`, source, language, lines: [{ line, score: 0.5 }], syntax, templates: [template] });
  for (const candidate of candidates) {
    assert.equal(candidate.origin, `template:${template}`);
    assert.equal(applyEdits(source, candidate.edits), candidate.newText);
    assert.ok(candidate.title.length > 0);
  }
  return candidates.map((candidate) => candidate.newText);
}

/** The text of 1-based `line` in each proposal. */
function linesOf(texts: string[], line: number): string[] {
  return texts.map((text) => text.split('\n')[line - 1].trim());
}

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

describe('comparison-operator', () => {
  test('Python: boundary, flip and negation of a comparison; membership and identity', async () => {
    const source = lines('def f(a, b, xs):', '    if a in xs and b is None:', '        return 1', '    return a < b');
    assert.deepEqual(new Set(linesOf(await proposals('python', source, 4, 'comparison-operator'), 4)), new Set(['return a <= b', 'return a > b', 'return a >= b', 'return a == b', 'return a != b']));
    const membership = linesOf(await proposals('python', source, 2, 'comparison-operator'), 2);
    assert.ok(membership.includes('if a not in xs and b is None:'));
    assert.ok(membership.includes('if a in xs and b is not None:'));
  });

  test('JavaScript keeps strict equality strict', async () => {
    const source = lines('function f(a, b) {', '  if (a === b) return 1;', '  return 0;', '}');
    const changed = linesOf(await proposals('javascript', source, 2, 'comparison-operator'), 2);
    assert.ok(changed.includes('if (a !== b) return 1;'));
    assert.ok(!changed.some((text) => text.includes(' != ') || text.includes(' == ')));
  });

  test('TypeScript comparisons, but not type arguments or shifts', async () => {
    const source = lines('function f(a: number, b: number): boolean {', '  const xs: Array<number> = [a << 2];', '  return a >= b;', '}');
    assert.ok(linesOf(await proposals('typescript', source, 3, 'comparison-operator'), 3).includes('return a > b;'));
    assert.deepEqual(await proposals('typescript', source, 2, 'comparison-operator'), []);
  });
});

describe('arithmetic-operator', () => {
  test('Python binary and augmented operators', async () => {
    const source = lines('def f(a, b):', '    c = a + b // 2', '    c += 1', '    return -c');
    const changed = linesOf(await proposals('python', source, 2, 'arithmetic-operator'), 2);
    assert.ok(changed.includes('c = a - b // 2'));
    assert.ok(changed.includes('c = a + b / 2'));
    const augmented = linesOf(await proposals('python', source, 3, 'arithmetic-operator'), 3);
    assert.ok(augmented.includes('c -= 1'));
    assert.ok(augmented.includes('c = 1'));
    assert.deepEqual(await proposals('python', source, 4, 'arithmetic-operator'), [], 'a unary minus is not a binary operator');
  });

  test('JavaScript and TypeScript', async () => {
    assert.ok(linesOf(await proposals('javascript', lines('const r = a * b;'), 1, 'arithmetic-operator'), 1).includes('const r = a / b;'));
    assert.ok(linesOf(await proposals('typescript', lines('let r: number = a - b;'), 1, 'arithmetic-operator'), 1).includes('let r: number = a + b;'));
  });
});

describe('boolean-operator', () => {
  test('and/or and &&/||, not on a plain negation', async () => {
    assert.deepEqual(linesOf(await proposals('python', lines('ok = a and b'), 1, 'boolean-operator'), 1), ['ok = a or b']);
    assert.deepEqual(linesOf(await proposals('javascript', lines('const ok = a && b;'), 1, 'boolean-operator'), 1), ['const ok = a || b;']);
    assert.deepEqual(linesOf(await proposals('typescript', lines('const v = a ?? b;'), 1, 'boolean-operator'), 1), ['const v = a || b;']);
    assert.deepEqual(await proposals('python', lines('ok = not a'), 1, 'boolean-operator'), []);
  });
});

describe('negate-condition', () => {
  test('Python: negates the condition and its clauses, removes a negation', async () => {
    const source = lines('def f(x, y, done):', '    if x > 0 and y:', '        return 1', '    while not done:', '        done = True');
    const negated = linesOf(await proposals('python', source, 2, 'negate-condition'), 2);
    assert.ok(negated.includes('if not (x > 0 and y):'));
    assert.ok(negated.includes('if x > 0 and not y:'));
    assert.ok(!negated.includes('if not (x > 0) and y:'), 'a comparison is negated by the operator swap instead');
    assert.deepEqual(linesOf(await proposals('python', source, 4, 'negate-condition'), 4), ['while done:']);
  });

  test('JavaScript and TypeScript conditions', async () => {
    const source = lines('function f(ready, done) {', '  if (ready) {', '    return 1;', '  }', '  while (!done) done = true;', '}');
    assert.deepEqual(linesOf(await proposals('javascript', source, 2, 'negate-condition'), 2), ['if (!ready) {']);
    assert.deepEqual(linesOf(await proposals('typescript', source, 5, 'negate-condition'), 5), ['while (done) done = true;']);
  });

  test('nothing to negate on a plain assignment', async () => {
    assert.deepEqual(await proposals('python', lines('x = y'), 1, 'negate-condition'), []);
  });
});

describe('drop-condition-clause', () => {
  test('keeps either side of a combination', async () => {
    assert.deepEqual(new Set(linesOf(await proposals('python', lines('if a and b:', '    pass'), 1, 'drop-condition-clause'), 1)), new Set(['if a:', 'if b:']));
    assert.deepEqual(new Set(linesOf(await proposals('typescript', lines('if (a || b) {}'), 1, 'drop-condition-clause'), 1)), new Set(['if (a) {}', 'if (b) {}']));
    assert.deepEqual(await proposals('javascript', lines('if (a) {}'), 1, 'drop-condition-clause'), []);
  });
});

describe('off-by-one', () => {
  test('Python range bounds, slices and indexes', async () => {
    const source = lines('def f(xs, n, k, i):', '    for j in range(1, n):', '        pass', '    return xs[:k] + [xs[i - 1]]');
    const ranges = linesOf(await proposals('python', source, 2, 'off-by-one'), 2);
    for (const expected of ['for j in range(1, n + 1):', 'for j in range(1, n - 1):', 'for j in range(0, n):', 'for j in range(2, n):']) assert.ok(ranges.includes(expected), expected);
    const slices = linesOf(await proposals('python', source, 4, 'off-by-one'), 4);
    assert.ok(slices.includes('return xs[:k + 1] + [xs[i - 1]]'));
    assert.ok(slices.includes('return xs[:k] + [xs[i]]'), 'drops the adjustment');
  });

  test('JavaScript loop headers and slice arguments; TypeScript indexes', async () => {
    const loop = linesOf(await proposals('javascript', lines('for (let i = 0; i < n; i++) {}'), 1, 'off-by-one'), 1);
    assert.ok(loop.includes('for (let i = 1; i < n; i++) {}'));
    assert.ok(linesOf(await proposals('javascript', lines('const head = s.slice(0, n);'), 1, 'off-by-one'), 1).includes('const head = s.slice(0, n + 1);'));
    assert.ok(linesOf(await proposals('typescript', lines('const last: number = xs[xs.length - 1];'), 1, 'off-by-one'), 1).includes('const last: number = xs[xs.length];'));
  });

  test('leaves floats, strings and plain names alone', async () => {
    assert.deepEqual(await proposals('python', lines('x = y * 0.5 + len("12")'), 1, 'off-by-one'), []);
  });
});

describe('swap-operands and swap-arguments', () => {
  test('non-commutative operands swap with the grouping kept', async () => {
    assert.deepEqual(linesOf(await proposals('python', lines('d = a - b - c'), 1, 'swap-operands'), 1).sort(), ['d = b - a - c', 'd = c - (a - b)']);
    assert.deepEqual(linesOf(await proposals('javascript', lines('const r = x / y;'), 1, 'swap-operands'), 1), ['const r = y / x;']);
    assert.deepEqual(await proposals('python', lines('s = a + b'), 1, 'swap-operands'), []);
  });

  test('positional arguments swap; keyword arguments do not', async () => {
    assert.deepEqual(linesOf(await proposals('python', lines('r = f(a, b)'), 1, 'swap-arguments'), 1), ['r = f(b, a)']);
    assert.deepEqual(await proposals('python', lines('r = f(a, key=b)'), 1, 'swap-arguments'), []);
    assert.deepEqual(linesOf(await proposals('typescript', lines('const p = Math.pow(x, y);'), 1, 'swap-arguments'), 1), ['const p = Math.pow(y, x);']);
  });
});

describe('replace-identifier', () => {
  test('Python: other in-scope values, never attributes, builtins or keyword names', async () => {
    const source = lines('LIMIT = 3', '', 'def area(width, height, shape):', '    return width * width + shape.width + len(shape.name) + f(key=1)');
    const changed = linesOf(await proposals('python', source, 4, 'replace-identifier'), 4);
    assert.ok(changed.includes('return height * width + shape.width + len(shape.name) + f(key=1)'));
    assert.ok(changed.includes('return width * height + shape.width + len(shape.name) + f(key=1)'));
    assert.ok(changed.includes('return LIMIT * width + shape.width + len(shape.name) + f(key=1)'), 'module-level values are in scope');
    assert.ok(!changed.some((text) => text.includes('shape.height')), 'attributes are not variables');
    assert.ok(changed.every((text) => text.includes(' len(')), 'builtins are not in scope, so they are never replaced');
    assert.ok(!changed.some((text) => /\b(width|height|LIMIT|shape)\(/.test(text)), 'a value never becomes a callee');
    assert.ok(!changed.some((text) => text.includes('f(width=')), 'keyword names are not replaced');
  });

  test('JavaScript and TypeScript: locals and parameters; callees only by other functions', async () => {
    const source = lines('function helper(v) { return v; }', 'function other(v) { return v; }', 'function f(a, b) {', '  const c = a + 1;', '  return helper(a) + c;', '}');
    const changed = linesOf(await proposals('javascript', source, 5, 'replace-identifier'), 5);
    assert.ok(changed.includes('return helper(b) + c;'));
    assert.ok(changed.includes('return helper(a) + b;'));
    assert.ok(changed.includes('return other(a) + c;'));
    assert.ok(!changed.includes('return a(a) + c;'), 'a value never replaces a function');
    const ts = linesOf(await proposals('typescript', lines('function g(x: number, y: number): number {', '  return x;', '}'), 2, 'replace-identifier'), 2);
    assert.deepEqual(ts, ['return y;']);
  });
});

describe('swap-function', () => {
  test('confusable functions and methods', async () => {
    assert.deepEqual(linesOf(await proposals('python', lines('m = max(xs)'), 1, 'swap-function'), 1), ['m = min(xs)']);
    assert.deepEqual(linesOf(await proposals('python', lines('u = s.upper()'), 1, 'swap-function'), 1), ['u = s.lower()']);
    assert.deepEqual(linesOf(await proposals('javascript', lines('const m = Math.min(a, b);'), 1, 'swap-function'), 1), ['const m = Math.max(a, b);']);
    assert.deepEqual(linesOf(await proposals('typescript', lines('const e: boolean = s.startsWith(p);'), 1, 'swap-function'), 1), ['const e: boolean = s.endsWith(p);']);
    assert.deepEqual(await proposals('python', lines('r = foo(x)'), 1, 'swap-function'), []);
  });
});

describe('boolean-literal', () => {
  test('flips literals in each language', async () => {
    assert.deepEqual(linesOf(await proposals('python', lines('def f():', '    return True'), 2, 'boolean-literal'), 2), ['return False']);
    assert.deepEqual(linesOf(await proposals('javascript', lines('let done = false;'), 1, 'boolean-literal'), 1), ['let done = true;']);
    assert.deepEqual(await proposals('typescript', lines('let done = 0;'), 1, 'boolean-literal'), []);
  });
});

describe('return-value', () => {
  test('negates a returned value; gives a bare return a value', async () => {
    const source = lines('def f(x):', '    total = x * 2', '    if x:', '        return', '    return valid(x)');
    assert.deepEqual(linesOf(await proposals('python', source, 5, 'return-value'), 5), ['return not valid(x)']);
    assert.ok(linesOf(await proposals('python', source, 4, 'return-value'), 4).includes('return total'));
    assert.deepEqual(linesOf(await proposals('javascript', lines('function f(ok) {', '  return ok;', '}'), 2, 'return-value'), 2), ['return !ok;']);
    assert.deepEqual(await proposals('typescript', lines('function f(a: number) {', '  return a < 1;', '}'), 2, 'return-value'), [], 'a comparison is negated by the operator swap');
  });
});

describe('add-return', () => {
  test('appends a return to a function that falls off its end', async () => {
    const source = lines('def clamp(value, low, high):', '    if value < low:', '        return low', '    if value > high:', '        return high');
    const texts = await proposals('python', source, 2, 'add-return');
    assert.ok(texts.includes(`${source}    return value\n`));
    const js = await proposals('javascript', lines('function sum(xs) {', '  let total = 0;', '  for (const x of xs) total += x;', '}'), 2, 'add-return');
    assert.ok(js.some((text) => text.includes('  for (const x of xs) total += x;\n  return total;\n}')));
  });

  test('not when the function already ends with a return', async () => {
    assert.deepEqual(await proposals('python', lines('def f(x):', '    y = x', '    return y'), 2, 'add-return'), []);
    assert.deepEqual(await proposals('typescript', lines('function f(x: number) {', '  const y = x;', '  return y;', '}'), 2, 'add-return'), []);
  });
});

describe('insert-guard', () => {
  test('Python: a zero guard before a division inside a loop', async () => {
    const source = lines('def f(values):', '    total = 0', '    for value in values:', '        total += 1 / value', '    return total');
    const texts = await proposals('python', source, 4, 'insert-guard');
    assert.ok(texts.includes(source.replace('        total += 1 / value\n', '        if value == 0:\n            continue\n        total += 1 / value\n')));
  });

  test('JavaScript and TypeScript guards', async () => {
    const source = lines('function f(values) {', '  let total = 0;', '  for (const value of values) {', '    total += 1 / value;', '  }', '  return total;', '}');
    const texts = await proposals('javascript', source, 4, 'insert-guard');
    assert.ok(texts.some((text) => text.includes('    if (value === 0) continue;\n    total += 1 / value;')));
    const ts = await proposals('typescript', lines('function first(xs: number[]): number {', '  if (xs.length > 5) return 0;', '  return xs[0];', '}'), 3, 'insert-guard');
    assert.ok(ts.some((text) => text.includes('  if (xs.length === 0) return 0;\n  return xs[0];')));
  });

  test('not outside functions', async () => {
    assert.deepEqual(await proposals('python', lines('x = 1 / y'), 1, 'insert-guard'), []);
  });
});

describe('insert-control', () => {
  test('break, continue or return after a statement in a loop', async () => {
    const source = lines('def find(xs, target):', '    found = None', '    for x in xs:', '        found = x', '    return found');
    const texts = await proposals('python', source, 4, 'insert-control');
    assert.ok(texts.includes(source.replace('        found = x\n', '        found = x\n        break\n')));
    assert.ok(texts.includes(source.replace('        found = x\n', '        found = x\n        return found\n')));
    const js = await proposals('typescript', lines('function f(xs: number[]) {', '  let last = 0;', '  for (const x of xs) {', '    last = x;', '  }', '  return last;', '}'), 4, 'insert-control');
    assert.ok(js.some((text) => text.includes('    last = x;\n    break;\n')));
    assert.deepEqual(await proposals('javascript', lines('const a = 1;'), 1, 'insert-control'), [], 'nothing to break out of or return from');
  });
});

describe('delete-statement', () => {
  test('deletes whole lines; a sole Python statement becomes pass', async () => {
    const source = lines('import os', 'def f(x):', '    x += 1', '    return x', 'def g():', '    print(1)');
    assert.deepEqual(await proposals('python', source, 3, 'delete-statement'), [source.replace('    x += 1\n', '')]);
    assert.deepEqual(await proposals('python', source, 6, 'delete-statement'), [source.replace('    print(1)', '    pass')]);
    assert.deepEqual(await proposals('python', source, 1, 'delete-statement'), [], 'imports stay');
    assert.deepEqual(await proposals('python', source, 2, 'delete-statement'), [], 'definitions stay');
    const js = lines('function f(x) {', '  x = x * 2;', '  return x;', '}');
    assert.deepEqual(await proposals('javascript', js, 2, 'delete-statement'), [js.replace('  x = x * 2;\n', '')]);
    assert.deepEqual(await proposals('typescript', js, 1, 'delete-statement'), []);
  });
});

describe('swap-branches', () => {
  test('if/else and conditional expressions', async () => {
    const source = lines('def f(x):', '    if x:', '        y = 1', '    else:', '        y = 2', '    return "a" if x else "b"');
    assert.deepEqual(await proposals('python', source, 2, 'swap-branches'), [source.replace('        y = 1\n    else:\n        y = 2', '        y = 2\n    else:\n        y = 1')]);
    assert.deepEqual(linesOf(await proposals('python', source, 6, 'swap-branches'), 6), ['return "b" if x else "a"']);
    const js = lines('function f(x) {', '  if (x) { return 1; } else { return 2; }', '  return x ? 3 : 4;', '}');
    assert.deepEqual(linesOf(await proposals('javascript', js, 2, 'swap-branches'), 2), ['if (x) { return 2; } else { return 1; }']);
    assert.deepEqual(linesOf(await proposals('typescript', js, 3, 'swap-branches'), 3), ['return x ? 4 : 3;']);
  });

  test('not on if/elif chains', async () => {
    const source = lines('def f(x):', '    if x:', '        y = 1', '    elif x is None:', '        y = 2', '    else:', '        y = 3');
    assert.deepEqual(await proposals('python', source, 2, 'swap-branches'), []);
  });
});

describe('candidate ranking', () => {
  const source = lines(
    'def f(xs, n):',
    '    total = 0',
    '    for i in range(1, len(xs) - 1):',
    '        if xs[i] < n and not xs[i] == 0:',
    '            total += xs[i] // 2',
    '    return total',
  );

  test('every candidate parses, none duplicates another, scores fall', async () => {
    const set = await generateCandidateSet({ file: '/p/f.py', source, language: 'python', lines: [3, 4, 5, 6].map((line) => ({ line, score: 0.5 })), syntax });
    assert.ok(set.candidates.length > 20);
    const texts = new Set(set.candidates.map((candidate) => candidate.newText));
    assert.equal(texts.size, set.candidates.length);
    assert.ok(!texts.has(source));
    for (let index = 1; index < set.candidates.length; index++) assert.ok(set.candidates[index - 1].score >= set.candidates[index].score);
    for (const candidate of set.candidates) {
      const tree = await syntax.parse('python', candidate.newText);
      try {
        assert.equal(tree.rootNode.hasError, false, `${candidate.title} does not parse`);
      } finally {
        tree.delete();
      }
      assert.ok(candidate.lines.length > 0 && candidate.editChars > 0 && candidate.editLines > 0);
    }
  });

  test('a more suspicious line ranks its candidates higher; priors come from data', async () => {
    const high = await generateCandidates({ file: '/p/f.py', source, language: 'python', lines: [{ line: 4, score: 0.9 }, { line: 5, score: 0.1 }], syntax });
    assert.equal(high[0].line, 4);
    const low = await generateCandidates({ file: '/p/f.py', source, language: 'python', lines: [{ line: 4, score: 0.1 }, { line: 5, score: 0.9 }], syntax });
    assert.equal(low[0].line, 5);
    const onlyComparisons = await generateCandidates({
      file: '/p/f.py',
      source,
      language: 'python',
      lines: [{ line: 4, score: 0.5 }],
      syntax,
      templates: ['comparison-operator'],
      priors: { 'comparison-operator': { prior: 1, variants: { flip: 100 } } } as never,
    });
    assert.equal(onlyComparisons[0].title, '`<` → `>`', 'variant weights reorder the candidates');
  });

  test('a limit stops the syntax check early, best candidates first', async () => {
    const lines = [3, 4, 5, 6].map((line) => ({ line, score: 0.5 }));
    const all = await generateCandidateSet({ file: '/p/f.py', source, language: 'python', lines, syntax });
    const limited = await generateCandidateSet({ file: '/p/f.py', source, language: 'python', lines, syntax, limit: 5 });
    assert.equal(limited.candidates.length, 5);
    assert.ok(limited.unchecked > 0);
    assert.deepEqual(limited.candidates.map((candidate) => candidate.newText), all.candidates.slice(0, 5).map((candidate) => candidate.newText));
  });

  test('edits that break the syntax are dropped', async () => {
    // `a--1` is not JavaScript: decrementing the literal next to a minus cannot parse.
    const set = await generateCandidateSet({ file: '/p/f.js', source: lines('const r = a-0;'), language: 'javascript', lines: [{ line: 1, score: 0.5 }], syntax, templates: ['off-by-one'] });
    assert.ok(set.droppedUnparsable >= 1);
    assert.ok(set.candidates.every((candidate) => !candidate.newText.includes('a--1')));
  });

  test('files with CRLF line endings keep them in inserted and deleted lines', async () => {
    const crlf = 'def clamp(value, low):\r\n    x = 1\r\n    if value < low:\r\n        return low\r\n';
    const set = await generateCandidateSet({ file: '/p/f.py', source: crlf, language: 'python', lines: [2, 3].map((line) => ({ line, score: 0.5 })), syntax });
    assert.ok(set.candidates.some((candidate) => candidate.template === 'add-return'));
    assert.ok(set.candidates.some((candidate) => candidate.template === 'delete-statement'));
    for (const candidate of set.candidates) assert.ok(!/[^\r]\n/.test(candidate.newText) && !candidate.newText.includes('\r\r'), candidate.title);
    const deleted = set.candidates.find((candidate) => candidate.template === 'delete-statement' && candidate.line === 2);
    assert.equal(deleted?.newText, 'def clamp(value, low):\r\n    if value < low:\r\n        return low\r\n');
  });

  test('non-ASCII text keeps offsets right', async () => {
    const source = lines('def f(a, b):', '    s = "héllo😀"; return a < b');
    const texts = await proposals('python', source, 2, 'comparison-operator');
    assert.ok(texts.includes(source.replace('a < b', 'a <= b')));
  });
});
