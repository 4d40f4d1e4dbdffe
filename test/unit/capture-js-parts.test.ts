import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildProbes, coveredTargets, RANGE_FIELDS, wrapperLength } from '../../extension/src/core/capture/javascript/coverage';
import { frameworkOfScript } from '../../extension/src/core/capture/javascript/detect';
import { buildInvocation, escapeRegExp, findRunnerCommand, runnerScript } from '../../extension/src/core/capture/javascript/invocation';
import { extractJsonObject } from '../../extension/src/core/capture/javascript/json';
import { loadFailure, parseJestLikeReport, parseMochaReport, parseNodeTestEvents } from '../../extension/src/core/capture/javascript/reports';
import { readCaptureRecords } from '../../extension/src/core/capture/javascript/records';
import { parseShellScript, quoteShellWord } from '../../extension/src/core/capture/javascript/shell';
import { decodeMappings, findSourceMappingUrl, loadSourceMap, originalPositionFor, parseSourceMap } from '../../extension/src/core/capture/javascript/sourceMap';
import { SourceMapResolver } from '../../extension/src/core/capture/javascript/sourceMaps';
import { mapFrames, messageOf, parseV8Stack } from '../../extension/src/core/capture/javascript/stack';
import { codeLines, isJavaScriptTestFile } from '../../extension/src/core/capture/javascript/testFiles';
import { placeFilelessTests, UNKNOWN_TEST_FILE } from '../../extension/src/core/capture/javascript/capture';
import type { TestResult } from '../../extension/src/core/types';
import { fixturesDir, repoRoot } from './helpers';

async function withTempDir<T>(body: (folder: string) => Promise<T>): Promise<T> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-js-parts-'));
  try {
    return await body(folder);
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
}

/** Encodes one Base64 VLQ value, to build mappings by hand. */
function vlq(value: number): string {
  const characters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += characters[digit];
  } while (rest > 0);
  return out;
}

describe('source maps', () => {
  test('decodes VLQ mappings, with relative fields across segments and lines', () => {
    // Line 0: col 0 → source 0 line 0 col 0; col 4 → line 2 col 2. Line 1: col 2 → source 1 line 5 col 0.
    const mappings = `${vlq(0)}${vlq(0)}${vlq(0)}${vlq(0)},${vlq(4)}${vlq(0)}${vlq(2)}${vlq(2)};${vlq(2)}${vlq(1)}${vlq(3)}${vlq(-2)}`;
    const lines = decodeMappings(mappings, 2);
    assert.deepEqual(lines, [
      [
        { generatedColumn: 0, source: 0, originalLine: 0, originalColumn: 0 },
        { generatedColumn: 4, source: 0, originalLine: 2, originalColumn: 2 },
      ],
      [{ generatedColumn: 2, source: 1, originalLine: 5, originalColumn: 0 }],
    ]);
    assert.equal(vlq(-2), 'F');
  });

  test('rejects mappings that are not VLQ or point outside the sources', () => {
    assert.throws(() => decodeMappings('AA!A', 1), /invalid character/);
    assert.throws(() => decodeMappings('ACAA', 1), /outside the map's sources/);
    assert.throws(() => decodeMappings('AAg', 1), /truncated/);
  });

  test('resolves sources against sourceRoot and the map folder, and finds original positions', () => {
    const map = parseSourceMap(JSON.stringify({ version: 3, sourceRoot: '../src', sources: ['a.ts'], mappings: 'AAAA,IAAI;AACA' }), '/project/lib');
    assert.deepEqual(map.sources, ['/project/src/a.ts']);
    assert.deepEqual(originalPositionFor(map, 1, 1), { file: '/project/src/a.ts', line: 1, column: 1 });
    assert.deepEqual(originalPositionFor(map, 1, 9), { file: '/project/src/a.ts', line: 1, column: 5 });
    // Original columns carry over from line to line.
    assert.deepEqual(originalPositionFor(map, 2, 3), { file: '/project/src/a.ts', line: 2, column: 5 });
    assert.equal(originalPositionFor(map, 3, 1), undefined);
  });

  test('reads inline and external maps, and says why a map is missing or broken', async () => {
    await withTempDir(async (folder) => {
      const read = async (file: string) => fs.readFile(file, 'utf8').catch(() => undefined);
      const inline = Buffer.from(JSON.stringify({ version: 3, sources: ['x.ts'], mappings: 'AAAA' })).toString('base64');
      const code = `var a = 1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${inline}\n`;
      const found = await loadSourceMap(code, path.join(folder, 'x.js'), read);
      assert.equal(found.kind, 'map');
      if (found.kind === 'map') assert.deepEqual(found.map.sources, [path.join(folder, 'x.ts')]);

      assert.equal(findSourceMappingUrl('a\n//# sourceMappingURL=one.map\nb\n//# sourceMappingURL=two.map\n'), 'two.map');
      assert.deepEqual(await loadSourceMap('var a;', path.join(folder, 'x.js'), read), { kind: 'none' });

      const missing = await loadSourceMap('var a;\n//# sourceMappingURL=x.js.map', path.join(folder, 'x.js'), read);
      assert.equal(missing.kind, 'broken');
      if (missing.kind === 'broken') assert.match(missing.reason, /x\.js\.map is missing/);

      await fs.writeFile(path.join(folder, 'y.js.map'), '{ not json');
      const broken = await loadSourceMap('var a;\n//# sourceMappingURL=y.js.map', path.join(folder, 'y.js'), read);
      assert.equal(broken.kind, 'broken');
      if (broken.kind === 'broken') assert.match(broken.reason, /broken: it is not valid JSON/);
    });
  });
});

describe('V8 coverage to lines', () => {
  const source = [
    'function pick(x) {', //       line 1
    '  if (x > 0) {', //           line 2
    '    return "positive";', //   line 3
    '  }', //                      line 4 (not code)
    '  // a comment', //           line 5 (not code)
    '  return "other";', //        line 6
    '}', //                        line 7
    'const unused = () => 1;', //  line 8
    'function one() { return 1; }', // line 9
    '',
  ].join('\n');
  const offsetOf = (text: string) => {
    const index = source.indexOf(text);
    assert.ok(index >= 0, text);
    return index;
  };
  const functionStart = offsetOf('function pick');
  const functionEnd = offsetOf('}\nconst') + 1;
  const afterReturn = offsetOf('"positive";') + '"positive";'.length;
  const oneStart = offsetOf('function one');
  const oneEnd = source.length - 1;

  async function probesFor(code: string) {
    return withTempDir(async (folder) => {
      const file = path.join(folder, 'pick.js');
      await fs.writeFile(file, code);
      const resolver = new SourceMapResolver(folder);
      const probes = await buildProbes(code, file, { resolver, keepFile: () => true });
      return { probes, lines: (covered: Set<number>) => [...covered].map((target) => probes.targets[target]!.line).sort((a, b) => a - b) };
    });
  }

  test('a count-0 block inside a function that ran did not run; headers and non-code lines are left out', async () => {
    const { probes, lines } = await probesFor(source);
    assert.deepEqual(probes.targets.map((target) => target.line).sort((a, b) => a - b), [1, 2, 3, 6, 8, 9]);
    // pick(5): the function ran once, the code after `return "positive";` did not.
    const positive = [functionStart, functionEnd, 1, 1, afterReturn, functionEnd - 1, 0, 0];
    assert.equal(positive.length % RANGE_FIELDS, 0);
    assert.deepEqual(lines(coveredTargets(probes, positive)), [2, 3]);
    // pick(-1): the `if` block did not run.
    const other = [functionStart, functionEnd, 1, 1, offsetOf('{\n    return'), afterReturn + 4, 0, 0];
    assert.deepEqual(lines(coveredTargets(probes, other)), [2, 6]);
  });

  test('a one-line function counts when it ran; nothing counts outside every range', async () => {
    const { probes, lines } = await probesFor(source);
    assert.deepEqual(lines(coveredTargets(probes, [oneStart, oneEnd, 2, 1])), [9]);
    assert.deepEqual(lines(coveredTargets(probes, [oneStart, oneEnd, 0, 1])), []);
    assert.deepEqual(lines(coveredTargets(probes, [])), []);
  });

  test('module wrappers of Jest and Vite shift only the first line', () => {
    const jest = '({"Object.<anonymous>":function(module,exports,require,__dirname,__filename,jest){';
    assert.equal(wrapperLength(`${jest}'use strict';`), jest.length);
    assert.equal(wrapperLength("'use strict';async (__vite_ssr_import__,require,exports)=>{{const a = 1;"), "'use strict';async (__vite_ssr_import__,require,exports)=>{{".length);
    assert.equal(wrapperLength('const a = 1;'), 0);
  });

  test('lines map through an inline source map to the original file', async () => {
    await withTempDir(async (folder) => {
      const original = path.join(folder, 'src.ts');
      await fs.writeFile(original, 'export function f(a: number): number {\n  return a + 1;\n}\n');
      // Generated line 1 `function f(a) {` ← original line 1; generated line 2 `  return a + 1;` ← original line 2, col 2.
      const map = { version: 3, sources: ['src.ts'], mappings: `AAAA;${vlq(2)}${vlq(0)}${vlq(1)}${vlq(2)}` };
      const code = `function f(a) {\n  return a + 1;\n}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
      const generated = path.join(folder, 'out.js');
      const resolver = new SourceMapResolver(folder);
      const probes = await buildProbes(code, generated, { resolver, keepFile: () => true });
      assert.deepEqual(
        probes.targets.map((target) => [target.file, target.line]).sort(),
        [
          [original, 1],
          [original, 2],
        ],
      );
      const covered = coveredTargets(probes, [0, code.indexOf('}\n//') + 1, 1, 1]);
      assert.deepEqual([...covered].map((target) => probes.targets[target]), [{ file: original, line: 2 }]);
    });
  });
});

describe('stack traces', () => {
  const stack = [
    'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    '',
    '15 !== 10',
    '',
    '    at clamp (/project/src/stats.js:27:11)',
    '    at TestContext.<anonymous> (file:///project/test/stats.test.js:31:12)',
    '    at async Promise.all (index 0)',
    '    at Test.runInAsyncScope (node:async_hooks:206:9)',
    '    at Object.<anonymous> (/project/node_modules/jest-circus/build/utils.js:298:28)',
    '    at new Promise (<anonymous>)',
    '    at /project/test/helper.js:4:1',
    '    at eval (eval at run (/project/src/x.js:1:1), <anonymous>:1:1)',
  ].join('\n');

  test('parses frames, dropping node internals, node_modules, native and eval code', () => {
    assert.deepEqual(parseV8Stack(stack), [
      { file: '/project/src/stats.js', line: 27, column: 11, functionName: 'clamp' },
      { file: '/project/test/stats.test.js', line: 31, column: 12, functionName: 'TestContext.<anonymous>' },
      { file: '/project/test/helper.js', line: 4, column: 1 },
    ]);
  });

  test('orders frames outermost first and maps them through source maps', async () => {
    await withTempDir(async (folder) => {
      await fs.writeFile(path.join(folder, 'a.ts'), 'x\ny\n');
      const generated = path.join(folder, 'a.js');
      await fs.writeFile(generated, 'line1\nline2\n//# sourceMappingURL=a.js.map\n');
      await fs.writeFile(path.join(folder, 'a.js.map'), JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAA;AACA' }));
      const other = path.join(folder, 'b.js');
      await fs.writeFile(other, 'plain\n');
      const resolver = new SourceMapResolver(folder);
      const frames = await mapFrames(
        [
          { file: generated, line: 2, column: 1, functionName: 'inner' },
          { file: other, line: 1, column: 3 },
        ],
        resolver,
      );
      assert.deepEqual(frames, [
        { file: other, line: 1, column: 3 },
        { file: path.join(folder, 'a.ts'), line: 2, column: 1, functionName: 'inner' },
      ]);
      assert.deepEqual(resolver.problems, []);
    });
  });

  test('a missing map keeps the generated line and is reported once', async () => {
    await withTempDir(async (folder) => {
      const generated = path.join(folder, 'a.js');
      await fs.writeFile(generated, 'line1\n//# sourceMappingURL=a.js.map\n');
      const resolver = new SourceMapResolver(folder);
      const frame = { file: generated, line: 1, column: 1 };
      assert.deepEqual(await mapFrames([frame, frame], resolver), [frame, frame]);
      assert.equal(resolver.problems.length, 1);
      assert.equal(resolver.problems[0]!.kind, 'source-map');
      assert.match(resolver.problems[0]!.message, /a\.js: its source map a\.js\.map is missing; its lines are reported as they are in the generated JavaScript/);
    });
  });

  test('messages keep the text before the stack, collapsed and without colours', () => {
    assert.equal(messageOf(stack), 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: 15 !== 10');
    assert.equal(messageOf('\u001b[31mError\u001b[39m: boom\n    at x (/a.js:1:1)'), 'Error: boom');
    assert.equal(messageOf('x'.repeat(600)).length, 500);
  });
});

describe('JSON among other output', () => {
  const report = { stats: { tests: 1 }, tests: [{ title: 'a {b}', fullTitle: 'x a {b}' }] };
  const accept = (value: Record<string, unknown>) => 'stats' in value;

  test('finds the report between log lines, skipping JSON the tests printed', () => {
    const noisy = `> pkg@1.0.0 test\n{ "note": "printed by a test" }\ncounting down {\n${JSON.stringify(report, null, 2)}\nnpm warn something }\n`;
    assert.deepEqual(extractJsonObject(noisy, accept), report);
  });

  test('returns the whole text when it is the report, undefined when no report is there', () => {
    assert.deepEqual(extractJsonObject(JSON.stringify(report), accept), report);
    assert.equal(extractJsonObject('no json here {', accept), undefined);
    assert.equal(extractJsonObject('{"other": true}', accept), undefined);
  });
});

describe('runtime helper in the test process', () => {
  test('saves the text each script ran as: a compiled text handed over, the file itself, else the debugger\'s', async () => {
    await withTempDir(async (folder) => {
      const root = path.join(folder, 'project');
      const captureDir = path.join(folder, 'capture');
      await fs.mkdir(root);
      await fs.mkdir(captureDir);
      // Run as it is on disk: nothing to save. Compiled from other text (a framework's wrapper, a
      // transform): that text, from `rememberSource` when it was handed over with the right length,
      // else from the debugger.
      await fs.writeFile(path.join(root, 'plain.cjs'), 'exports.f = function f(x) {\n  if (x) {\n    return 1;\n  }\n  return 2;\n};\n');
      await fs.writeFile(path.join(root, 'handed.js'), 'export const handed = (x) => x;\n');
      await fs.writeFile(path.join(root, 'asked.js'), 'export const asked = (x) => x + 1;\n');
      const handed = '(function () { return function handed(x) { if (x) { return 1; } return 2; }; })()';
      const asked = '(function () { return function asked(x) { return x + 1; }; })()';
      const driver = path.join(folder, 'driver.cjs');
      await fs.writeFile(
        driver,
        [
          "const path = require('node:path');",
          "const vm = require('node:vm');",
          `const runtime = require(${JSON.stringify(path.join(repoRoot, 'extension', 'javascript', 'runtime.cjs'))});`,
          `const root = ${JSON.stringify(root)};`,
          'runtime.startCoverage();',
          "const plain = require(path.join(root, 'plain.cjs'));",
          `runtime.rememberSource(path.join(root, 'handed.js'), ${JSON.stringify(handed)});`,
          `const handed = vm.runInThisContext(${JSON.stringify(handed)}, { filename: path.join(root, 'handed.js') });`,
          // A text of another length for the same file is not taken for it.
          `runtime.rememberSource(path.join(root, 'asked.js'), ${JSON.stringify(`${asked} `)});`,
          `const asked = vm.runInThisContext(${JSON.stringify(asked)}, { filename: path.join(root, 'asked.js') });`,
          "runtime.beginTest('/t.js', 't', ['t']);",
          'plain.f(1); handed(1); asked(1);',
          "runtime.endTest('/t.js', 't', { outcome: 'passed' });",
        ].join('\n'),
      );
      execFileSync(process.execPath, [driver], {
        env: { ...process.env, REVISE_CAPTURE_DIR: captureDir, REVISE_COVERAGE: '1', REVISE_ROOTS: JSON.stringify([root]), REVISE_WATCHDOG_MS: '0' },
      });
      const records = await readCaptureRecords(captureDir);
      const scripts = new Map([...records.scripts.values()].map((script) => [path.basename(script.file), script]));
      assert.deepEqual([...scripts.keys()].sort(), ['asked.js', 'handed.js', 'plain.cjs']);
      assert.equal(scripts.get('plain.cjs')!.sourceFile, undefined, 'a script that is its file is read from disk');
      assert.equal(await fs.readFile(scripts.get('handed.js')!.sourceFile!, 'utf8'), handed);
      assert.equal(await fs.readFile(scripts.get('asked.js')!.sourceFile!, 'utf8'), asked);
      // The test's coverage delta names all three scripts.
      assert.equal(records.deltas.length, 1);
      assert.deepEqual(records.deltas[0]!.tests, [{ file: '/t.js', name: 't' }]);
      const keys = new Set(records.deltas[0]!.scripts.map((script) => script.key));
      for (const script of scripts.values()) assert.ok(keys.has(script.key), `${script.file} ran in the test`);
      // Started before the module loaded, coverage tells the branch that did not run (`return 2;`).
      const plainDelta = records.deltas[0]!.scripts.find((script) => script.key === scripts.get('plain.cjs')!.key)!;
      const notRun = [];
      for (let index = 0; index < plainDelta.ranges.length; index += RANGE_FIELDS) if (plainDelta.ranges[index + 2] === 0) notRun.push(plainDelta.ranges[index]);
      assert.ok(notRun.length > 0, `a count-0 block in ${JSON.stringify(plainDelta.ranges)}`);
    });
  });
});

describe('scripts and detection', () => {
  test('splits scripts into commands and words, honouring quotes', () => {
    const commands = parseShellScript(`tsc -p . && NODE_ENV=test node --test "dist/a b.js" 'x'\\ y; echo done`);
    assert.deepEqual(
      commands.map((command) => command.map((word) => word.text)),
      [['tsc', '-p', '.'], ['NODE_ENV=test', 'node', '--test', 'dist/a b.js', 'x y'], ['echo', 'done']],
    );
    assert.equal(quoteShellWord('plain/path.js'), 'plain/path.js');
    assert.equal(quoteShellWord("it's (x)"), `'it'\\''s (x)'`);
  });

  test('recognises each framework in test scripts, through launchers and npm run', () => {
    assert.equal(frameworkOfScript('jest'), 'jest');
    assert.equal(frameworkOfScript('cross-env NODE_ENV=test jest --ci'), 'jest');
    assert.equal(frameworkOfScript('vitest run --coverage'), 'vitest');
    assert.equal(frameworkOfScript('npx mocha "test/**/*.spec.js"'), 'mocha');
    assert.equal(frameworkOfScript('tsc -p . && node --test dist/test/'), 'node:test');
    assert.equal(frameworkOfScript('node --import tsx --test src/**/*.test.ts'), 'node:test');
    assert.equal(frameworkOfScript('c8 mocha'), 'mocha');
    assert.equal(frameworkOfScript('npm run test:unit', { 'test:unit': 'vitest' }), 'vitest');
    assert.equal(frameworkOfScript('node scripts/run-tests.js'), undefined);
  });

  test('node:test flags go right after node; other frameworks get theirs appended', async () => {
    await withTempDir(async (folder) => {
      const common = { root: folder, coverageRoots: [folder], captureDir: folder, javascriptDir: '/helpers', perTestTimeoutMs: 5000, coverage: true, baseEnv: { PATH: '/usr/bin', NODE_TEST_CONTEXT: 'child-v8' } };
      const manifest = { root: folder, scripts: { pretest: 'tsc', test: 'node --test --test-reporter=spec dist/' }, dependencies: new Set<string>(), isModule: false, hasMochaConfig: false };
      const nodeTest = await buildInvocation({ ...common, framework: 'node:test', manifest, selected: [{ titles: ['suite', 'a (b)'] }] });
      assert.equal(nodeTest.program, 'sh');
      const script = nodeTest.args[1]!;
      assert.ok(script.startsWith('tsc && node --require /helpers/node-test-preload.cjs --test-reporter=/helpers/node-test-reporter.mjs'), script);
      assert.match(script, /--test-reporter=spec dist\/ --test-reporter-destination=stdout$/);
      assert.ok(script.includes(`'--test-name-pattern=^(?:suite|a \\(b\\))$'`), script);
      assert.equal(nodeTest.env.NODE_TEST_CONTEXT, undefined, 'an enclosing node --test run must not leak into the project run');
      assert.ok(nodeTest.env.PATH!.startsWith(path.join(folder, 'node_modules', '.bin')));

      const jest = await buildInvocation({ ...common, framework: 'jest', command: ['npx', 'jest', '--silent'] });
      assert.equal(jest.program, 'npx');
      assert.deepEqual(jest.args.slice(0, 2), ['jest', '--silent']);
      assert.ok(jest.args.includes('--testRunner=/helpers/jest-runner.cjs'));
      assert.ok(jest.args.includes(`--outputFile=${path.join(folder, 'report.json')}`));

      const fallback = await buildInvocation({ ...common, framework: 'node:test', command: ['npm', 'test'] });
      assert.deepEqual(fallback.args, ['test']);
      assert.match(fallback.env.NODE_OPTIONS ?? '', /^--require "\/helpers\/node-test-preload\.cjs" --test-reporter="\/helpers\/node-test-reporter\.mjs" --test-reporter-destination=".*events\.jsonl"$/);
    });
    assert.equal(escapeRegExp('a.b*(c)'), 'a\\.b\\*\\(c\\)');
  });

  test('runner flags go at the end of the command that runs the runner; a wrapper that hides it gets the plain runner', async () => {
    const scripts = { size: 'size-limit', 'test:unit': 'vitest run' };
    const words = (script: string, framework: 'vitest' | 'mocha' | 'jest') => findRunnerCommand(script, framework, scripts)?.map((word) => word.text);
    assert.deepEqual(words('vitest run && npm run size', 'vitest'), ['vitest', 'run']);
    assert.deepEqual(words('tsc && cross-env CI=1 jest --ci', 'jest'), ['cross-env', 'CI=1', 'jest', '--ci']);
    assert.deepEqual(words('c8 --reporter=text mocha test/*.mjs', 'mocha'), ['c8', '--reporter=text', 'mocha', 'test/*.mjs']);
    assert.deepEqual(words('npm run test:unit && npm run size', 'vitest'), ['npm', 'run', 'test:unit']);
    assert.equal(words('ts-scripts test && npm run size', 'vitest'), undefined);
    const manifest = (test: string) => ({ root: '/p', scripts: { ...scripts, test }, dependencies: new Set<string>(['vitest']), isModule: false, hasMochaConfig: false });
    assert.equal(runnerScript(manifest('ts-scripts test && npm run size'), 'vitest'), 'vitest run');
    assert.equal(runnerScript(manifest('vitest run && npm run size'), 'vitest'), 'vitest run && npm run size');
    assert.equal(runnerScript(manifest('node scripts/test.js'), 'node:test'), 'node scripts/test.js', 'node:test keeps its script (its hooks go in NODE_OPTIONS)');

    await withTempDir(async (folder) => {
      const common = { root: folder, coverageRoots: [folder], captureDir: folder, javascriptDir: '/helpers', perTestTimeoutMs: 5000, coverage: true, baseEnv: { PATH: '/usr/bin' } };
      const mochaFirst = await buildInvocation({ ...common, framework: 'mocha', manifest: { ...manifest('mocha test/ && npm run size'), dependencies: new Set(['mocha']) } });
      const script = mochaFirst.args[1]!;
      assert.ok(script.startsWith('mocha test/ --require /helpers/mocha-hooks.cjs --reporter json'), script);
      assert.ok(script.endsWith(' && npm run size'), script);
      const wrapped = await buildInvocation({ ...common, framework: 'mocha', manifest: { ...manifest('ts-scripts test'), scripts: { pretest: 'tsc', test: 'ts-scripts test' }, dependencies: new Set(['mocha']) } });
      assert.ok(wrapped.args[1]!.startsWith('tsc && mocha --require /helpers/mocha-hooks.cjs'), wrapped.args[1]);
    });
  });

  test('node:test is split into shares only when the script is the one `node --test` command', async () => {
    await withTempDir(async (folder) => {
      const common = { root: folder, coverageRoots: [folder], captureDir: folder, javascriptDir: '/helpers', perTestTimeoutMs: 5000, coverage: true, baseEnv: { PATH: '/usr/bin' }, shard: { index: 2, total: 2 } };
      const manifest = (scripts: Record<string, string>) => ({ root: folder, scripts, dependencies: new Set<string>(), isModule: false, hasMochaConfig: false });
      const plain = await buildInvocation({ ...common, framework: 'node:test', manifest: manifest({ test: 'node --test dist/test/' }) });
      assert.equal(plain.sharded, true);
      assert.match(plain.args[1]!, /--test-shard=2\/2/);
      // Each share would run the build again, deleting what the other share's tests import.
      for (const scripts of [{ pretest: 'npm run build', test: 'node --test dist/test/' }, { test: 'tsc && node --test dist/test/' }] as Record<string, string>[]) {
        const built = await buildInvocation({ ...common, framework: 'node:test', manifest: manifest(scripts) });
        assert.equal(built.sharded, undefined, JSON.stringify(scripts));
        assert.doesNotMatch(built.args[1]!, /--test-shard/);
      }
    });
  });

  test('test files are told apart from sources, also under a folder called test', () => {
    assert.equal(isJavaScriptTestFile('/p/src/math.test.ts'), true);
    assert.equal(isJavaScriptTestFile('/p/src/math.spec.mjs'), true);
    assert.equal(isJavaScriptTestFile('/p/src/__tests__/math.js'), true);
    assert.equal(isJavaScriptTestFile('/p/test/helpers.js'), true);
    assert.equal(isJavaScriptTestFile('/p/src/math.ts'), false);
    assert.equal(isJavaScriptTestFile('/p/src/math.py'), false);
    assert.equal(isJavaScriptTestFile('/repo/test/fixtures/js/app/src/math.js'), false);
    assert.equal(isJavaScriptTestFile('/repo/test/fixtures/js/app/src/math.js', '/repo/test/fixtures/js/app'), false);
    assert.equal(isJavaScriptTestFile('/repo/app/test/unit/helpers.js', '/repo/app'), true);
  });

  test('code lines leave out blanks, comments and lone brackets', () => {
    const text = ['/**', ' * doc {', ' */', 'function f(a) {', '  if (a) {', "    return '// not a comment';", '  } else {', '    return 2; /* c */', '  }', '});', '', '  // x'].join('\n');
    assert.deepEqual([...codeLines(text)], [4, 5, 6, 8]);
  });
});

describe('framework reports', () => {
  test('node:test events: full names from nesting, suites and parents of failing subtests left out', () => {
    const events = [
      { type: 'test:start', name: 'suite', nesting: 0, file: '/p/t.test.js' },
      { type: 'test:start', name: 'inner', nesting: 1, file: '/p/t.test.js', line: 4, column: 3 },
      { type: 'test:fail', name: 'inner', nesting: 1, file: '/p/t.test.js', line: 4, column: 3, durationMs: 2, error: { failureType: 'testCodeFailure', name: 'AssertionError', message: '1 == 2', stack: 'AssertionError [ERR_ASSERTION]: 1 == 2\n    at /p/t.test.js:4:30' } },
      { type: 'test:fail', name: 'suite', nesting: 0, file: '/p/t.test.js', kind: 'suite', error: { failureType: 'subtestsFailed' } },
      { type: 'test:start', name: 'top', nesting: 0, file: '/p/t.test.js' },
      { type: 'test:start', name: 'sub', nesting: 1, file: '/p/t.test.js' },
      { type: 'test:pass', name: 'sub', nesting: 1, file: '/p/t.test.js', skip: true },
      { type: 'test:pass', name: 'top', nesting: 0, file: '/p/t.test.js' },
      { type: 'test:fail', name: '/p/broken.test.js', nesting: 0, file: '/p/broken.test.js', error: { failureType: 'testCodeFailure', message: 'SyntaxError: Unexpected token' } },
      { type: 'test:fail', name: 'slow', nesting: 0, file: '/p/t.test.js', error: { failureType: 'testTimeoutFailure', message: 'test timed out after 5ms' } },
    ];
    const parsed = parseNodeTestEvents(`${events.map((event) => JSON.stringify(event)).join('\nnoise\n')}\n`, '/p');
    assert.deepEqual(
      parsed.tests.map((test) => [test.name, test.outcome, test.timedOut ?? false]),
      [
        ['suite > inner', 'failed', false],
        ['top > sub', 'skipped', false],
        ['slow', 'failed', true],
      ],
    );
    assert.equal(parsed.tests[0]!.message, 'AssertionError [ERR_ASSERTION]: 1 == 2');
    assert.deepEqual([parsed.tests[0]!.line, parsed.tests[0]!.column], [4, 3]);
    // A SyntaxError without a place is put on the file that did not load.
    assert.deepEqual(parsed.problems.map((problem) => [problem.kind, problem.file, problem.testFile]), [['syntax-error', '/p/broken.test.js', '/p/broken.test.js']]);
  });

  test('a file that cannot load: the error and its place come from its stderr', () => {
    const stderr = '/p/src/a.js:11\n  d.push(a  b)\n           ^\n\nSyntaxError: missing ) after argument list\n    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n';
    const events = [
      { type: 'test:stderr', file: '/p/test/a.test.js', message: stderr },
      { type: 'test:fail', name: '/p/test/a.test.js', nesting: 0, file: '/p/test/a.test.js', error: { failureType: 'testCodeFailure', message: 'test failed' } },
      { type: 'test:stderr', file: '/p/test/b.test.js', message: stderr },
      { type: 'test:fail', name: '/p/test/b.test.js', nesting: 0, file: '/p/test/b.test.js', error: { failureType: 'testCodeFailure', message: 'test failed' } },
    ];
    const parsed = parseNodeTestEvents(events.map((event) => JSON.stringify(event)).join('\n'), '/p');
    // One problem per test file that did not load: capture makes each one a failed test.
    const problem = { kind: 'syntax-error', message: 'src/a.js:11: SyntaxError: missing ) after argument list', file: '/p/src/a.js', line: 11 };
    assert.deepEqual(parsed.problems, [
      { ...problem, testFile: '/p/test/a.test.js' },
      { ...problem, testFile: '/p/test/b.test.js' },
    ]);
    assert.deepEqual(loadFailure('Error: Cannot find module \'./gone\'\nRequire stack:\n- /p/test/a.test.js', '/p'), {
      kind: 'collection-error',
      message: "Error: Cannot find module './gone'",
    });
    assert.equal(loadFailure('just some output', '/p'), undefined);
  });

  test('Jest and Vitest JSON: titles, outcomes, locations, file-level failures', () => {
    const report = {
      numTotalTests: 2,
      testResults: [
        {
          name: '/p/a.test.js',
          status: 'failed',
          message: '',
          assertionResults: [
            { ancestorTitles: ['math'], title: 'adds', status: 'passed', duration: 3, failureMessages: [], location: { line: 2, column: 3 } },
            { ancestorTitles: ['math'], title: 'waits', status: 'failed', duration: 5000, failureMessages: ['\u001b[31mthrown: "Exceeded timeout of 5000 ms for a test.\u001b[39m\n    at /p/a.test.js:5:3'] },
            { ancestorTitles: [], title: 'later', status: 'todo', failureMessages: [] },
          ],
        },
        { name: '/p/b.test.js', status: 'failed', message: '  ● Test suite failed to run\n\n    SyntaxError: Unexpected token (3:4)', assertionResults: [] },
      ],
    };
    const parsed = parseJestLikeReport(report, 'jest', '/p');
    assert.deepEqual(
      parsed.tests.map((test) => [test.name, test.outcome, test.line, test.timedOut ?? false]),
      [
        ['math adds', 'passed', 2, false],
        ['math waits', 'failed', undefined, true],
        ['later', 'skipped', undefined, false],
      ],
    );
    assert.equal(parsed.tests[1]!.message, 'thrown: "Exceeded timeout of 5000 ms for a test.');
    assert.deepEqual(parsed.problems.map((problem) => [problem.kind, problem.testFile]), [['syntax-error', '/p/b.test.js']]);
    assert.match(parsed.problems[0]!.message, /^b\.test\.js: SyntaxError: Unexpected token \(3:4\)$/);
  });

  test('Mocha JSON: failures, pending tests and failing hooks', () => {
    const report = {
      stats: { tests: 3 },
      tests: [
        { title: 'a', fullTitle: 's a', file: '/p/t.js', duration: 1, err: {} },
        { title: 'b', fullTitle: 's b', file: '/p/t.js', duration: 2, err: { message: 'boom', stack: 'Error: boom\n    at /p/t.js:3:9' } },
        { title: 'c', fullTitle: 's c', file: '/p/t.js', err: {} },
      ],
      pending: [{ title: 'c', fullTitle: 's c', file: '/p/t.js' }],
      failures: [
        { title: 'b', fullTitle: 's b', file: '/p/t.js', err: { message: 'boom', stack: 'Error: boom\n    at /p/t.js:3:9' } },
        { title: '"before each" hook for "d"', fullTitle: 's "before each" hook for "d"', file: '/p/t.js', err: { message: 'setup failed' } },
      ],
    };
    const parsed = parseMochaReport(report, '/p');
    assert.deepEqual(
      parsed.tests.map((test) => [test.name, test.outcome, test.message]),
      [
        ['s a', 'passed', undefined],
        ['s b', 'failed', 'Error: boom'],
        ['s c', 'skipped', undefined],
        ['s "before each" hook for "d"', 'failed', 'setup failed'],
      ],
    );
  });
});

describe('a test id always carries its file', () => {
  test('a test without a file is placed by its titles in the loaded test files, else says its file is unknown', async () => {
    const root = path.join(fixturesDir, 'js', 'mocha3');
    const words = path.join(root, 'test', 'words.test.js');
    const count = path.join(root, 'test', 'count.test.js');
    const tests: TestResult[] = [
      { id: ' > countWords > counts the words of a sentence', outcome: 'failed', durationMs: 1, frames: [] },
      { id: ' > words > splits on spaces', outcome: 'passed', durationMs: 1, frames: [] },
      { id: ' > nowhere > a test no file holds', outcome: 'passed', durationMs: 1, frames: [] },
    ];
    await placeFilelessTests(tests, root, [path.join(root, 'src', 'words.js'), count, words], new SourceMapResolver(root), new Map());
    assert.deepEqual(
      tests.map((test) => [test.id, test.file && path.relative(root, test.file), test.line]),
      [
        ['test/count.test.js > countWords > counts the words of a sentence', path.join('test', 'count.test.js'), 6],
        ['test/words.test.js > words > splits on spaces', path.join('test', 'words.test.js'), 6],
        [`${UNKNOWN_TEST_FILE} > nowhere > a test no file holds`, undefined, undefined],
      ],
    );
    assert.ok(tests.every((test) => !test.id.startsWith(' > ')));
  });
});
