import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isFileLevelId, loadErrorKind, loadFailuresAsTests, resultsForRequestedIds } from '../../extension/src/core/capture/loadFailures';
import { loadFailure } from '../../extension/src/core/capture/javascript/reports';
import { localizeFaults } from '../../extension/src/core/localize/index';
import type { SourceReader } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { TestRun } from '../../extension/src/core/types';
import { grammarsDir } from './helpers';

const root = path.resolve('/project');
const at = (...parts: string[]) => path.join(root, ...parts);

function reader(files: Record<string, string>): SourceReader {
  return { read: async (file) => files[file] };
}

function run(partial: Partial<TestRun>): TestRun {
  return { framework: 'node:test', root, command: ['node'], tests: [], problems: [], durationMs: 1, coverageMethod: 'v8', complete: true, testFiles: [], ...partial };
}

test('a load-failure problem becomes one failed test per test file, with the error and its place', () => {
  const problem = { kind: 'syntax-error' as const, message: 'src/a.js:4: SyntaxError: Invalid or unexpected token', file: at('src', 'a.js'), line: 4 };
  const converted = loadFailuresAsTests(
    run({
      problems: [
        { ...problem, testFile: at('test', 'a.test.js') },
        { ...problem, testFile: at('test', 'b.test.js') },
        { kind: 'coverage-unavailable', message: 'no coverage' },
      ],
    }),
  );
  assert.deepEqual(
    converted.tests.map((item) => [item.id, item.outcome, item.loadError?.kind, item.loadError?.line, item.frames.at(-1)?.line]),
    [
      ['test/a.test.js', 'failed', 'syntax', 4, 4],
      ['test/b.test.js', 'failed', 'syntax', 4, 4],
    ],
  );
  assert.equal(converted.tests[0]!.message, problem.message);
  assert.deepEqual(converted.problems.map((item) => item.kind), ['coverage-unavailable']);
  assert.deepEqual(converted.testFiles, [at('test', 'a.test.js'), at('test', 'b.test.js')]);
});

test('file-level ids: told from single tests, answered from the tests of the file once it loads', () => {
  assert.equal(isFileLevelId('tests/test_x.py', 'pytest'), true);
  assert.equal(isFileLevelId('tests/test_x.py::test_a', 'pytest'), false);
  assert.equal(isFileLevelId('test/a.test.js', 'mocha'), true);
  assert.equal(isFileLevelId('test/a.test.js > adds', 'jest'), false);
  const loaded = run({
    tests: [
      { id: 'test/a.test.js > adds', outcome: 'passed', durationMs: 1, frames: [] },
      { id: 'test/a.test.js > subtracts', outcome: 'passed', durationMs: 2, frames: [] },
      { id: 'test/b.test.js > waits', outcome: 'failed', durationMs: 1, frames: [], message: 'boom' },
      { id: 'test/c.test.js > other', outcome: 'passed', durationMs: 1, frames: [] },
    ],
  });
  const answered = resultsForRequestedIds(loaded, ['test/a.test.js', 'test/b.test.js', 'test/c.test.js > other', 'test/d.test.js']);
  assert.deepEqual(
    answered.tests.map((item) => [item.id, item.outcome]),
    [
      ['test/a.test.js', 'passed'],
      ['test/b.test.js', 'failed'],
      ['test/c.test.js > other', 'passed'],
      // A file that names no test and is no test file: passes only when nothing failed; here b failed.
      ['test/d.test.js', 'failed'],
    ],
  );
  const stillBroken = loadFailuresAsTests(run({ problems: [{ kind: 'syntax-error', message: 'SyntaxError', file: at('src', 'a.js'), line: 2, testFile: at('test', 'a.test.js') }] }));
  assert.deepEqual(resultsForRequestedIds(stillBroken, ['test/a.test.js']).tests.map((item) => item.outcome), ['failed']);
});

test('load error kinds and places from each runner\'s words', () => {
  assert.equal(loadErrorKind("ModuleNotFoundError: No module named 'x'"), 'import');
  assert.equal(loadErrorKind("Error: Cannot find module './gone'"), 'import');
  assert.equal(loadErrorKind('ReferenceError: x is not defined'), 'runtime');
  assert.equal(loadErrorKind('src/a.ts(3,5): error TS1005: \';\' expected.'), 'syntax');
  // Babel (Jest).
  assert.deepEqual(loadFailure('    SyntaxError: /project/src/cart.js: Unexpected token, expected "," (9:16)\n\n    > 9 | x', root), {
    kind: 'syntax-error',
    message: 'SyntaxError: /project/src/cart.js: Unexpected token, expected "," (9:16)',
    file: at('src', 'cart.js'),
    line: 9,
    column: 17,
  });
  // esbuild (Vitest).
  const esbuild = loadFailure('Error: Transform failed with 1 error:\n/project/src/text.ts:15:18: ERROR: Unterminated string literal', root);
  assert.deepEqual([esbuild?.kind, esbuild?.file, esbuild?.line], ['syntax-error', at('src', 'text.ts'), 15]);
  // Mocha with ES modules names the importing file and no line.
  const mocha = loadFailure("Exception during run: SyntaxError[ @/project/test/range.test.js ]: Unexpected token '{'\n    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)", root);
  assert.deepEqual([mocha?.kind, mocha?.file, mocha?.line], ['syntax-error', at('test', 'range.test.js'), undefined]);
  // An error thrown while loading: the innermost project frame.
  const thrown = loadFailure('ReferenceError: helper is not defined\n    at Object.<anonymous> (/project/src/a.js:7:3)\n    at Module._compile (node:internal/modules/cjs/loader:1554:14)', root);
  assert.deepEqual([thrown?.kind, thrown?.file, thrown?.line], ['collection-error', at('src', 'a.js'), 7]);
});

test('the load error\'s line is the top suspect; an unclosed bracket reported at the end of the file moves to tree-sitter\'s place', async () => {
  const syntax = new SyntaxService(grammarsDir);
  const module = at('src', 'digits.js');
  const source = ['function sum(a) {', '  let s = 0;', '  for (let i = 0; i < a.length; i++) {', '    s += Number(a[i];', '  }', '  return s;', '}', 'module.exports = { sum };', ''].join('\n');
  const failing = (line: number, message: string) =>
    run({
      tests: [
        { id: 'test/digits.test.js', file: at('test', 'digits.test.js'), outcome: 'failed', durationMs: 0, frames: [], message, loadError: { kind: 'syntax', file: module, line, message } },
        { id: 'test/other.test.js > passes', outcome: 'passed', durationMs: 1, frames: [], coveredLines: { [at('src', 'other.js')]: [1] } },
      ],
    });
  const sources = reader({ [module]: source });
  const direct = await localizeFaults({ run: failing(4, "SyntaxError: missing ) after argument list"), sources, syntax });
  assert.equal(direct[0]!.line, 4);
  assert.equal(direct[0]!.evidence[0]!.kind, 'load-error');
  assert.match(direct[0]!.evidence[0]!.detail, /cannot load: SyntaxError/);
  const atEnd = await localizeFaults({ run: failing(8, 'SyntaxError: Unexpected end of input'), sources, syntax });
  assert.equal(atEnd[0]!.line, 4, 'tree-sitter finds the unclosed parenthesis on line 4');
  assert.ok(atEnd.find((score) => score.line === 8)!.score < atEnd[0]!.score);
});

test('a runner that names only the importing test file: the broken import is found by parsing', async () => {
  const syntax = new SyntaxService(grammarsDir);
  const testSource = "import { range } from '../src/range.js';\nimport assert from 'node:assert';\n";
  const broken = 'export function range(a, b) {\n  if (a === 0 {\n    return [];\n  }\n  return [a, b];\n}\n';
  const sources = reader({ [at('test', 'range.test.js')]: testSource, [at('src', 'range.js')]: broken });
  const scores = await localizeFaults({
    run: run({
      framework: 'mocha',
      tests: [{ id: 'test/range.test.js', outcome: 'failed', durationMs: 0, frames: [], loadError: { kind: 'syntax', file: at('test', 'range.test.js'), message: "SyntaxError: Unexpected token '{'" } }],
    }),
    sources,
    syntax,
  });
  assert.deepEqual([scores[0]!.file, scores[0]!.line], [at('src', 'range.js'), 2]);
});
