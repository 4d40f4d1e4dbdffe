/**
 * Faults found by a hostile-input probe, each kept fixed: a model patch that writes outside its copy, a
 * dead, slow or babbling endpoint, a symbolic link loop in the project, a flaky test. Real pytest runs on a
 * copy of the one-bug fixture, and a fake OpenAI-compatible server on 127.0.0.1 behind the real SDK client.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureTests } from '../../extension/src/core/capture/index';
import { findSymlinkLoops } from '../../extension/src/core/capture/walk';
import { excludeFlakyTests, findFlakyTests } from '../../extension/src/core/flaky';
import { createOpenAiClient, type CheckLlmOptions } from '../../extension/src/core/llm/index';
import { DEFAULT_SETTINGS, runCheck, type CheckResult } from '../../extension/src/core/pipeline';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { TestRun } from '../../extension/src/core/types';
import { reply, startFakeOpenAiServer, type FakeHandler, type FakeOpenAiServer, type RecordedRequest } from '../support/fake-openai-server';
import { fixturesDir, grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;
const syntax = new SyntaxService(grammarsDir);
const assets = { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') };
const MODEL = 'fake-coder';
const BUGGY_TEXT = 'return total(values) * len(values)';

function systemPrompt(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as Array<{ role: string; content: string }>;
  return messages.find((message) => message.role === 'system')?.content ?? '';
}

async function withServer<T>(handler: FakeHandler, body: (server: FakeOpenAiServer) => Promise<T>): Promise<T> {
  const server = await startFakeOpenAiServer(handler);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

describe('hostile model and endpoint faults (one-bug Python fixture)', { skip: pythonMissing }, () => {
  let root = '';
  let buggyLine = 0;
  let outside = '';

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'revise-faults-'));
    outside = mkdtempSync(path.join(os.tmpdir(), 'revise-faults-outside-'));
    cpSync(path.join(fixturesDir, 'python', 'one-bug'), root, { recursive: true });
    buggyLine = readFileSync(path.join(root, 'stats.py'), 'utf8').split('\n').findIndex((line) => line.includes(BUGGY_TEXT)) + 1;
    assert.ok(buggyLine > 0);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  function check(mode: 'check' | 'fix', llm: CheckLlmOptions): Promise<CheckResult> {
    return runCheck({
      root,
      mode,
      assets,
      settings: { ...DEFAULT_SETTINGS, pythonPath: python, perTestTimeoutMs: 10_000, totalTimeoutMs: 60_000, patch: { maxCandidates: 12, timeMs: 30_000, workers: 2, maxLines: 3 } },
      logger: silentLogger,
      syntax,
      task: 'average(values) returns the arithmetic mean of the numbers in values, and 0 for an empty list.',
      llm,
    });
  }

  function llm(baseUrl: string, extra: { timeoutMs?: number; maxRetries?: number; roles?: CheckLlmOptions['roles'] } = {}): CheckLlmOptions {
    return {
      client: createOpenAiClient({ baseUrl, model: MODEL, timeoutMs: extra.timeoutMs ?? 10_000, maxRetries: extra.maxRetries ?? 0, logger: silentLogger }),
      model: MODEL,
      endpoint: baseUrl,
      ...(extra.roles ? { roles: extra.roles } : {}),
    };
  }

  test('a model patch that writes outside its copy is refused before it runs; the template fix is proposed', { timeout: 120_000 }, async () => {
    const escape = path.join(outside, 'escape.txt');
    const payload = `    open(${JSON.stringify(escape)}, 'a').write('x'); return sum(values) / len(values)`;
    const hostile: FakeHandler = (request) =>
      systemPrompt(request).includes('fixing a bug')
        ? reply(JSON.stringify({ patches: [{ startLine: buggyLine, endLine: buggyLine, replacement: payload, rationale: 'divide' }] }))
        : reply(JSON.stringify({ lines: [], label: 'well-specified', vagueProbability: 0.05, missing: [] }));
    await withServer(hostile, async (server) => {
      const result = await check('fix', llm(server.baseUrl, { roles: { critic: false, judge: false } }));
      const { report } = result;
      assert.ok(server.requests.some((request) => systemPrompt(request).includes('fixing a bug')), 'the model was asked for patches');
      const refused = report.problems.filter((problem) => problem.kind === 'refused-patch');
      assert.equal(refused.length, 1, JSON.stringify(report.problems));
      assert.match(refused[0].message, /^Refused llm:fake-coder's patch for stats\.py:\d+ before running it: it adds a file call \(`open\(` on line \d+\)/);
      assert.equal(existsSync(escape), false, 'the payload never ran');
      assert.equal(report.patches.some((patch) => patch.origin.startsWith('llm:')), false, 'the model patch is not among the patches');
      assert.ok(report.patches.some((patch) => patch.validated && patch.origin.startsWith('template:')), 'the template fixes are validated as before');
      assert.notEqual(report.decision?.patch !== undefined && report.patches.find((patch) => patch.id === report.decision?.patch)?.origin.startsWith('llm:'), true);
    });
  });

  test('without a sandbox, model-written patches are not run unless allowed, and that is said once', { timeout: 180_000 }, async () => {
    const asksForPatches = (server: FakeOpenAiServer) => server.requests.some((request) => systemPrompt(request).includes('fixing a bug'));
    const helpful: FakeHandler = (request) =>
      systemPrompt(request).includes('fixing a bug')
        ? reply(JSON.stringify({ patches: [{ startLine: buggyLine, endLine: buggyLine, replacement: '    return sum(values) / len(values)', rationale: 'divide' }] }))
        : reply('{}');
    const savedPath = process.env.PATH;
    // No bwrap on the PATH: detection finds no sandbox (python3 is given by its absolute path).
    process.env.PATH = path.join(os.tmpdir(), 'revise-no-such-bin');
    try {
      await withServer(helpful, async (server) => {
        const { report } = await check('fix', llm(server.baseUrl, { roles: { critic: false, judge: false } }));
        const sandbox = report.problems.filter((problem) => problem.kind === 'sandbox');
        assert.equal(sandbox.length, 1, JSON.stringify(report.problems));
        assert.match(sandbox[0].message, /^No sandbox for candidate code: bubblewrap \(bwrap\) is not installed.*model-written patches are not run at all \(turn on revise\.sandbox\.allowUnsandboxedModelCode/);
        assert.equal(asksForPatches(server), false, 'the model was not even asked for patches');
        assert.ok(report.patches.some((patch) => patch.validated && patch.origin.startsWith('template:')), 'template patches are still tested');
      });
      await withServer(helpful, async (server) => {
        const allowed = await runCheck({
          root,
          mode: 'fix',
          assets,
          settings: { ...DEFAULT_SETTINGS, sandbox: { allowUnsandboxedModelCode: true }, pythonPath: python, perTestTimeoutMs: 10_000, totalTimeoutMs: 60_000, patch: { maxCandidates: 12, timeMs: 30_000, workers: 2, maxLines: 3 } },
          logger: silentLogger,
          syntax,
          llm: llm(server.baseUrl, { roles: { critic: false, judge: false } }),
        });
        assert.match(allowed.report.problems.find((problem) => problem.kind === 'sandbox')?.message ?? '', /model-written patches too, because revise\.sandbox\.allowUnsandboxedModelCode is on/);
        assert.equal(asksForPatches(server), true, 'allowed, the model is asked');
      });
    } finally {
      process.env.PATH = savedPath;
    }
  });

  test('an endpoint that answers 200 with a body that is not JSON: one problem, in plain words', { timeout: 60_000 }, async () => {
    const babbling: FakeHandler = () => ({ kind: 'raw', status: 200, body: "{'not': json", contentType: 'application/json' });
    await withServer(babbling, async (server) => {
      const { report } = await check('check', llm(server.baseUrl));
      const problems = report.problems.filter((problem) => problem.kind === 'llm');
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.doesNotMatch(problems[0].message, /Expected property name|position \d|SyntaxError|Unexpected token/);
      assert.match(problems[0].message, /not a chat completion \(not JSON\)/);
    });
  });

  test('a server error is retried once when retries are allowed, then ends the model’s part with one problem', { timeout: 60_000 }, async () => {
    const broken: FakeHandler = () => ({ kind: 'json', status: 500, body: { error: { message: 'boom' } }, headers: { 'retry-after-ms': '1' } });
    await withServer(broken, async (server) => {
      const { report } = await check('check', llm(server.baseUrl, { maxRetries: 1 }));
      const problems = report.problems.filter((problem) => problem.kind === 'llm');
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0].message, /server error \(500\)/);
      assert.equal(server.requests.length, 2, 'one request and one retry, then no other role tries again');
    });
  });

  test('a hung endpoint is asked once: no retry after a timeout, and one problem', { timeout: 60_000 }, async () => {
    await withServer(() => ({ kind: 'hang' }), async (server) => {
      const { report } = await check('check', llm(server.baseUrl, { timeoutMs: 1000, maxRetries: 2 }));
      const problems = report.problems.filter((problem) => problem.kind === 'llm');
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0].message, /did not answer within 1 s/);
      assert.equal(server.requests.length, 1, 'a timeout is not retried, and ends the model’s part in the check');
    });
  });
});

describe('a symbolic link loop in the project', { skip: pythonMissing }, () => {
  let root = '';
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'revise-loop-'));
    writeFileSync(path.join(root, 'calc.py'), 'def add(a, b):\n    return a - b\n');
    writeFileSync(path.join(root, 'test_calc.py'), 'from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n');
    mkdirSync(path.join(root, 'pkg'));
    symlinkSync('..', path.join(root, 'pkg', 'up'));
    symlinkSync('self', path.join(root, 'self'));
    symlinkSync(grammarsDir, path.join(root, 'elsewhere'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('is found (links back up the tree and to themselves), and only those', async () => {
    const loops = await findSymlinkLoops(root, { skipped: new Set() });
    assert.deepEqual(loops.map((loop) => loop.link).sort(), ['pkg/up', 'self']);
  });

  test('is named as such and skipped: the test runs once, not once per trip around the loop', { timeout: 60_000 }, async () => {
    const run = await captureTests({ root, runner: new NodeProcessRunner(), logger: silentLogger, assets, pythonPath: python, perTestTimeoutMs: 10_000, totalTimeoutMs: 60_000 });
    assert.equal(run.tests.length, 1, run.tests.map((test) => test.id).join(', '));
    const named = run.problems.filter((problem) => /symbolic link loop/.test(problem.message)).sort((a, b) => a.message.localeCompare(b.message));
    assert.equal(named.length, 2, JSON.stringify(run.problems));
    assert.match(named[0].message, /^Skipped pkg\/up: it is a symbolic link loop \(it points to \.\./);
  });
});

describe('flaky tests', () => {
  const run = (outcomes: Record<string, 'passed' | 'failed' | 'skipped'>, root = '/p'): TestRun => ({
    framework: 'pytest',
    root,
    command: ['pytest'],
    tests: Object.entries(outcomes).map(([id, outcome]) => ({ id: `${root}/${id}`, outcome, durationMs: 1, frames: [], ...(outcome === 'failed' ? { message: 'boom' } : {}) })),
    problems: [],
    durationMs: 1,
    coverageMethod: 'none',
    complete: true,
    testFiles: [],
  });

  test('a test that changes outcome on a re-run of the same code is flaky, reported and excluded from evidence', () => {
    const capture = run({ a: 'failed', b: 'passed', c: 'failed', d: 'skipped', e: 'passed' });
    const rerun = run({ a: 'passed', b: 'passed', c: 'failed', d: 'failed' }, '/copy');
    const flaky = findFlakyTests(capture, rerun, (id) => id.replace('/copy/', '/p/'));
    assert.deepEqual(flaky, [{ id: '/p/a', first: 'failed', second: 'passed' }]);
    const cleaned = excludeFlakyTests(capture, flaky);
    assert.deepEqual(cleaned.tests.map((test) => test.id), ['/p/b', '/p/c', '/p/d', '/p/e']);
    assert.equal(cleaned.problems.length, 1);
    assert.equal(cleaned.problems[0].kind, 'flaky-test');
    assert.equal(cleaned.problems[0].message, '/p/a is flaky: it failed in the first run and passed when the same code ran again, so it is not used as evidence.');
    assert.equal(capture.tests.length, 5, 'the capture itself is not changed');
    assert.equal(excludeFlakyTests(capture, []), capture);
  });
});
