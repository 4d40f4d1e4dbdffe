/**
 * The warm JavaScript workers (extension/javascript/node-test-worker.mjs, mocha-worker.cjs, jest-worker.cjs
 * through exec/): one Node process per copy, the project's modules loaded afresh for each run, results
 * identical to a cold run's; a worker that cannot reproduce the capture, or whose tests end its process,
 * is not used.
 */
import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeTestWorkerCommand, runnerWorkerCommand } from '../../extension/src/core/capture/javascript/invocation';
import { loadFailuresAsTests } from '../../extension/src/core/capture/loadFailures';
import { verifyReplay, type JsWorker } from '../../extension/src/core/exec/jsWorker';
import { startJestWorker } from '../../extension/src/core/exec/jestWorker';
import { startMochaWorker } from '../../extension/src/core/exec/mochaWorker';
import { startVitestWorker } from '../../extension/src/core/exec/vitestWorker';
import { startNodeTestWorker } from '../../extension/src/core/exec/nodeTestWorker';
import { WorkerUnavailable } from '../../extension/src/core/exec/types';
import { silentLogger } from '../../extension/src/core/ports';
import type { TestRun } from '../../extension/src/core/types';
import { fixturesDir, repoRoot } from './helpers';

const javascriptDir = path.join(repoRoot, 'extension', 'javascript');
const tsxInstalled = existsSync(path.join(fixturesDir, 'js', 'tsx', 'node_modules', 'tsx'));

function outcomes(run: TestRun): Record<string, string> {
  return Object.fromEntries(run.tests.map((entry) => [entry.id, entry.outcome]));
}

/** A copy of a fixture (its node_modules linked, not copied) in a fresh temporary folder. */
function copyFixture(name: string): string {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'revise-node-worker-test-')), 'project');
  const source = path.join(fixturesDir, 'js', name);
  cpSync(source, root, { recursive: true, filter: (file) => !file.includes(`${path.sep}node_modules`) });
  if (existsSync(path.join(source, 'node_modules'))) symlinkSync(path.join(source, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** A project written from `files` (path → text) with `node --test` as its test script. */
function writeProject(files: Record<string, string>, script = 'node --test'): string {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'revise-node-worker-test-')), 'project');
  for (const [name, text] of Object.entries({ 'package.json': JSON.stringify({ type: 'module', scripts: { test: script } }), ...files })) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('node:test worker command', () => {
  const command = (test: string, pretest?: string) =>
    nodeTestWorkerCommand({ root: '/project', baseEnv: { PATH: '/usr/bin' }, manifest: { scripts: { test, ...(pretest ? { pretest } : {}) } } as never });

  test('keeps the project\'s node flags and leaves out runner flags and test files', () => {
    const found = command('NODE_ENV=test node --import tsx --test --test-reporter spec --test-concurrency 1 -r ./setup.cjs test/*.test.ts');
    assert.ok(typeof found !== 'string', String(found));
    assert.deepEqual(found.flags, ['--import', 'tsx', '-r', './setup.cjs']);
    assert.equal(found.program, 'node');
    assert.equal(found.env.NODE_ENV, 'test');
    assert.match(found.env.PATH ?? '', /node_modules\/\.bin/);
  });

  test('says why a script cannot be served by one process', () => {
    assert.match(String(command('tsc && node --test dist/')), /more than one command/);
    assert.match(String(command('node --test', 'tsc')), /pretest/);
    assert.match(String(command('jest')), /not a plain `node --test`/);
    assert.match(String(command('tsx --test')), /not a plain `node --test`/);
  });
});

describe('node:test worker', () => {
  const workers: JsWorker[] = [];
  const roots: string[] = [];
  const start = async (root: string) => {
    roots.push(root);
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const command = nodeTestWorkerCommand({ root, baseEnv: process.env, manifest: { scripts: manifest.scripts } as never });
    assert.ok(typeof command !== 'string', String(command));
    const worker = await startNodeTestWorker({ root, command, javascriptDir, perTestTimeoutMs: 30_000, loadTimeoutMs: 120_000, signal: new AbortController().signal, logger: silentLogger });
    workers.push(worker);
    return worker;
  };
  const run = async (worker: JsWorker, testIds: string[], signal = new AbortController().signal) => loadFailuresAsTests(await worker.run({ testIds, files: [], signal }));

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.dispose()));
    for (const root of roots.splice(0)) rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('runs each candidate against the code on disk, from one process (TypeScript through tsx)', { skip: tsxInstalled ? undefined : 'the tsx fixture is not installed' }, async () => {
    const root = copyFixture('tsx');
    const module = path.join(root, 'src', 'money.ts');
    const original = readFileSync(module, 'utf8');
    const remainder = 'test/money.test.ts > money > splits a remainder over the first shares';
    const evenly = 'test/money.test.ts > money > splits evenly';
    const worker = await start(root);
    assert.match(worker.description, /--import tsx/);
    assert.deepEqual(outcomes(await run(worker, [remainder, evenly])), { [remainder]: 'failed', [evenly]: 'passed' });

    writeFileSync(module, original.replace('index < remainder - 1', 'index < remainder'));
    assert.deepEqual(outcomes(await run(worker, [remainder, evenly])), { [remainder]: 'passed', [evenly]: 'passed' }, 'the patched module is imported afresh');

    writeFileSync(module, original);
    assert.deepEqual(outcomes(await run(worker, [remainder, evenly])), { [remainder]: 'failed', [evenly]: 'passed' }, 'and the original again');

    // A candidate that does not compile fails the test file that imports it, as a cold run reports it.
    writeFileSync(module, original.replace('const shares: Money[] = [];', 'const shares: Money[] = [;'));
    const broken = await run(worker, [remainder, evenly]);
    const failed = broken.tests.filter((entry) => entry.outcome === 'failed');
    assert.deepEqual(failed.map((entry) => entry.id), ['test/money.test.ts']);
    assert.equal(failed[0]!.loadError?.kind, 'syntax');
    assert.equal(worker.modes.fresh, 4);
  });

  test('only the requested files run; tests in them report under the same ids as a capture', async () => {
    const root = copyFixture('node-test');
    const worker = await start(root);
    const lowers = 'test/stats.test.js > clamp > lowers values above the range';
    const result = await run(worker, [lowers]);
    assert.deepEqual(outcomes(result), { [lowers]: 'failed' });
    assert.match(result.tests[0]!.message ?? '', /Expected values to be strictly equal/);
    writeFileSync(path.join(root, 'src', 'stats.js'), readFileSync(path.join(root, 'src', 'stats.js'), 'utf8').replace('if (value > high) {\n    return value;', 'if (value > high) {\n    return high;'));
    assert.deepEqual(outcomes(await run(worker, [lowers])), { [lowers]: 'passed' });
  });

  test('a worker whose tests leave state for the next run is refused by the replay check', async () => {
    const root = writeProject({
      'src/counter.js': 'export const bump = () => (globalThis.revisedCount = (globalThis.revisedCount ?? 0) + 1);\n',
      'test/counter.test.js': "import { test } from 'node:test';\nimport * as assert from 'node:assert/strict';\nimport { bump } from '../src/counter.js';\ntest('counts from one', () => assert.equal(bump(), 1));\n",
    });
    const worker = await start(root);
    const id = 'test/counter.test.js > counts from one';
    await assert.rejects(
      verifyReplay(worker, new Map([[id, 'passed']]), new AbortController().signal),
      (error: unknown) => error instanceof WorkerUnavailable && /a second time the test test\/counter\.test\.js > counts from one failed, where the capture saw it passed/.test(error.message),
    );
  });

  test('a clean project passes the replay check', async () => {
    const root = copyFixture('node-test');
    const worker = await start(root);
    const lowers = 'test/stats.test.js > clamp > lowers values above the range';
    const keeps = 'test/stats.test.js > clamp > keeps values inside the range';
    await verifyReplay(worker, new Map([[lowers, 'failed'], [keeps, 'passed']]), new AbortController().signal);
    assert.equal(worker.modes.fresh, 2);
  });

  test('a test that ends the process ends the worker, and it says so', async () => {
    const root = writeProject({
      'test/exit.test.js': "import { test } from 'node:test';\ntest('leaves', () => { process.exit(3); });\n",
    });
    const worker = await start(root);
    await assert.rejects(run(worker, ['test/exit.test.js > leaves']), (error: unknown) => error instanceof WorkerUnavailable && /exit status 3/.test(error.message));
    await assert.rejects(run(worker, ['test/exit.test.js > leaves']), WorkerUnavailable);
  });

  test('a run stopped from outside (cancelled, or past its time) stops the worker', async () => {
    const root = writeProject({
      'test/hang.test.js': "import { test } from 'node:test';\ntest('hangs', () => new Promise(() => { setInterval(() => undefined, 1000); }));\n",
    });
    const worker = await start(root);
    const controller = new AbortController();
    const pending = run(worker, ['test/hang.test.js > hangs'], controller.signal);
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(pending, WorkerUnavailable);
    await assert.rejects(run(worker, ['test/hang.test.js > hangs']), (error: unknown) => error instanceof WorkerUnavailable && /stopped/.test(error.message));
  });
});

describe('Mocha and Jest worker commands', () => {
  const command = (runner: 'mocha' | 'jest' | 'vitest', test: string) => runnerWorkerCommand(runner, { root: '/project', baseEnv: { PATH: '/usr/bin' }, manifest: { scripts: { test } } as never });

  test('pass the runner\'s own words on, for its own option loader', () => {
    const mocha = command('mocha', 'NODE_ENV=test mocha --recursive --bail test/');
    assert.ok(typeof mocha !== 'string', String(mocha));
    assert.deepEqual(mocha.args, ['--recursive', '--bail', 'test/']);
    assert.equal(mocha.env.NODE_ENV, 'test');
    const jest = command('jest', 'npx jest --config jest.config.js');
    assert.ok(typeof jest !== 'string', String(jest));
    assert.deepEqual(jest.args, ['--config', 'jest.config.js']);
    // A wrapper that runs Vitest out of sight (`ts-scripts test`): the capture runs `vitest run`, and so does the worker.
    const wrapped = command('vitest', 'ts-scripts test');
    assert.ok(typeof wrapped !== 'string', String(wrapped));
    assert.deepEqual(wrapped.args, ['run']);
  });

  test('decline what one process cannot reproduce', () => {
    assert.match(String(command('mocha', 'npm run build && mocha')), /more than one command/);
    assert.match(String(command('jest', 'c8 jest')), /not a plain `jest` command/);
    assert.match(String(command('mocha', 'mocha $SPEC')), /needs a shell/);
  });
});

describe('Mocha, Jest and Vitest workers', () => {
  const workers: JsWorker[] = [];
  const roots: string[] = [];
  const start = async (runner: 'mocha' | 'jest' | 'vitest', root: string) => {
    roots.push(root);
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const command = runnerWorkerCommand(runner, { root, baseEnv: process.env, manifest: { scripts: manifest.scripts } as never });
    assert.ok(typeof command !== 'string', String(command));
    const options = { root, command, javascriptDir, perTestTimeoutMs: 30_000, loadTimeoutMs: 120_000, signal: new AbortController().signal, logger: silentLogger };
    const worker = await { mocha: startMochaWorker, jest: startJestWorker, vitest: startVitestWorker }[runner](options);
    workers.push(worker);
    return worker;
  };
  const run = async (worker: JsWorker, testIds: string[], files: string[] = []) => loadFailuresAsTests(await worker.run({ testIds, files, signal: new AbortController().signal }));
  const installed = (name: string) => (existsSync(path.join(fixturesDir, 'js', name, 'node_modules')) ? undefined : `the ${name} fixture is not installed`);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.dispose()));
    for (const root of roots.splice(0)) rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('Mocha 10 (CommonJS, --bail in the script): every requested test runs, against the code on disk', { skip: installed('mocha10') }, async () => {
    const root = copyFixture('mocha10');
    const worker = await start('mocha', root);
    assert.match(worker.description, /Mocha 10\./);
    const sentence = 'test/count.test.js > countWords > counts the words of a sentence';
    const empty = 'test/words.test.js > words > counts no words in an empty text';
    const spaces = 'test/words.test.js > words > splits on spaces';
    assert.deepEqual(outcomes(await run(worker, [sentence, empty, spaces])), { [sentence]: 'failed', [empty]: 'failed', [spaces]: 'passed' });
    const module = path.join(root, 'src', 'words.js');
    const original = readFileSync(module, 'utf8');
    writeFileSync(module, original.replace('words(text).length + 1', 'words(text).length'));
    assert.deepEqual(outcomes(await run(worker, [sentence, empty, spaces])), { [sentence]: 'passed', [empty]: 'passed', [spaces]: 'passed' }, 'the require cache was emptied');
    writeFileSync(module, original.replace('function countWords', 'function countWords(('));
    const broken = await run(worker, [sentence]);
    assert.deepEqual(broken.tests.map((entry) => [entry.id, entry.outcome, entry.loadError?.kind]), [['test/count.test.js', 'failed', 'syntax']]);
  });

  test('Mocha 11 with ES modules: the module hooks give each run fresh modules', { skip: installed('mocha') }, async () => {
    const root = copyFixture('mocha');
    const worker = await start('mocha', root);
    const zero = 'test/range.test.js > range > rejects a zero step';
    const down = 'test/range.test.js > range > counts down';
    assert.deepEqual(outcomes(await run(worker, [zero, down])), { [zero]: 'passed', [down]: 'failed' });
    const module = path.join(root, 'src', 'range.js');
    writeFileSync(module, readFileSync(module, 'utf8').replace(/throw new [^;]*;/, 'return [];'));
    assert.deepEqual(outcomes(await run(worker, [zero, down])), { [zero]: 'failed', [down]: 'failed' }, 'the edited module (a zero step no longer throws) is what the test imported');
  });

  test('Jest 29: runs the requested file in band with a fresh module registry per run', { skip: installed('jest') }, async () => {
    const root = copyFixture('jest');
    const worker = await start('jest', root);
    assert.match(worker.description, /Jest 29\./);
    const from100 = 'test/cart.test.js > discountRate > gives 10 % from 100';
    const below = 'test/cart.test.js > discountRate > gives nothing below 100';
    assert.deepEqual(outcomes(await run(worker, [from100, below])), { [from100]: 'failed', [below]: 'passed' });
    const module = path.join(root, 'src', 'cart.js');
    writeFileSync(module, readFileSync(module, 'utf8').replace('if (amount > 100) {', 'if (amount >= 100) {'));
    assert.deepEqual(outcomes(await run(worker, [from100, below])), { [from100]: 'passed', [below]: 'passed' });
  });

  test('Vitest 3: the changed module is invalidated and the requested file re-run in the live Vitest', { skip: installed('vitest') }, async () => {
    const root = copyFixture('vitest');
    const worker = await start('vitest', root);
    assert.match(worker.description, /Vitest 3\./);
    const exactly = 'test/text.test.ts > wrap > fills a line up to exactly the width';
    const short = 'test/text.test.ts > wrap > keeps short text on one line';
    assert.deepEqual(outcomes(await run(worker, [exactly, short])), { [exactly]: 'failed', [short]: 'passed' });
    const module = path.join(root, 'src', 'text.ts');
    const original = readFileSync(module, 'utf8');
    writeFileSync(module, original.replace('candidate.length < options.width', 'candidate.length <= options.width'));
    assert.deepEqual(outcomes(await run(worker, [exactly, short], [module])), { [exactly]: 'passed', [short]: 'passed' });
    writeFileSync(module, original);
    assert.deepEqual(outcomes(await run(worker, [exactly, short], [module])), { [exactly]: 'failed', [short]: 'passed' });
  });
});
