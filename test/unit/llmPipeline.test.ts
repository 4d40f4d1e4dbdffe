/**
 * The LLM in the whole pipeline, end to end: a copy of the one-bug Python fixture, real pytest runs, real
 * isolated validation, and a fake OpenAI-compatible server on 127.0.0.1 behind the real SDK client. The
 * model's answers are scripted per role (critic, patch proposals, task judge), so each test can show what
 * the model changed and that a dead or broken model changes nothing else.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReviseError } from '../../extension/src/core/errors';
import { createOpenAiClient, type CheckLlmOptions } from '../../extension/src/core/llm/index';
import { DEFAULT_SETTINGS, runCheck, type CheckResult } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { deadEndpointUrl, reply, startFakeOpenAiServer, type FakeHandler, type FakeOpenAiServer, type RecordedRequest } from '../support/fake-openai-server';
import { fixturesDir, grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;
const syntax = new SyntaxService(grammarsDir);
const MODEL = 'fake-coder';

/** The buggy line of the fixture, found by text so the test does not hard-code its number. */
const BUGGY_TEXT = 'return total(values) * len(values)';
const FIX_BY_LLM = '    return sum(values) / len(values)';

let root: string;
let buggyLine: number;

before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'revise-llm-pipeline-'));
  cpSync(path.join(fixturesDir, 'python', 'one-bug'), root, { recursive: true });
  buggyLine = readFileSync(path.join(root, 'stats.py'), 'utf8').split('\n').findIndex((line) => line.includes(BUGGY_TEXT)) + 1;
  assert.ok(buggyLine > 0);
});

after(() => rmSync(root, { recursive: true, force: true }));

type Role = 'critic' | 'patches' | 'judge' | 'unknown';

/** Which role a request is for, from its system prompt. */
function roleOf(request: RecordedRequest): Role {
  const messages = (request.body?.messages ?? []) as Array<{ role: string; content: string }>;
  const system = messages.find((message) => message.role === 'system')?.content ?? '';
  if (system.includes('careful code reviewer')) return 'critic';
  if (system.includes('fixing a bug')) return 'patches';
  if (system.includes('task description is clear enough')) return 'judge';
  return 'unknown';
}

function userText(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as Array<{ role: string; content: string }>;
  return messages.find((message) => message.role === 'user')?.content ?? '';
}

/** A model that answers every role sensibly for the one-bug fixture. */
const helpfulModel: FakeHandler = (request) => {
  switch (roleOf(request)) {
    case 'critic':
      return reply(JSON.stringify({ lines: [{ line: buggyLine, probability: 0.9, reason: 'multiplies by the count where it should divide' }] }));
    case 'patches':
      return reply(JSON.stringify({ patches: [{ startLine: buggyLine, endLine: buggyLine, replacement: FIX_BY_LLM, rationale: 'the mean divides the sum by the count' }] }));
    case 'judge':
      return reply(JSON.stringify({ label: 'well-specified', vagueProbability: 0.05, missing: [] }));
    default:
      return reply('unexpected request');
  }
};

function llmOptions(baseUrl: string, extra: Partial<CheckLlmOptions> = {}): CheckLlmOptions {
  return {
    client: createOpenAiClient({ baseUrl, model: MODEL, timeoutMs: 10_000, maxRetries: 0, logger: silentLogger }),
    model: MODEL,
    endpoint: baseUrl,
    ...extra,
  };
}

function check(mode: 'check' | 'fix', llm: CheckLlmOptions | undefined, signal?: AbortSignal): Promise<CheckResult> {
  return runCheck({
    root,
    mode,
    assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
    settings: {
      ...DEFAULT_SETTINGS,
      pythonPath: python,
      perTestTimeoutMs: 10_000,
      totalTimeoutMs: 60_000,
      // Bounded by candidates; the time budget is only the safety net (no wall-clock expectation here).
      patch: { ...DEFAULT_SETTINGS.patch, maxCandidates: 12, workers: 2, maxLines: 3 },
    },
    logger: silentLogger,
    syntax,
    task: 'average(values) returns the arithmetic mean of the numbers in values, and 0 for an empty list.',
    ...(llm ? { llm } : {}),
    ...(signal ? { signal } : {}),
  });
}

async function withServer<T>(handler: FakeHandler, body: (server: FakeOpenAiServer) => Promise<T>): Promise<T> {
  const server = await startFakeOpenAiServer(handler);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

/** The template path's result, which every LLM outcome must leave standing. */
function assertTemplateFixStands(result: CheckResult): void {
  const { report } = result;
  assert.equal(report.tests.failed, 2);
  assert.equal(report.suspects[0]?.file, 'stats.py');
  assert.equal(report.suspects[0]?.line, buggyLine, 'the buggy line is still the top suspect');
  const template = report.patches.find((patch) => patch.origin === 'template:arithmetic-operator' && patch.validated);
  assert.ok(template, `a validated template patch; got ${JSON.stringify(report.patches.map((patch) => [patch.origin, patch.validated]))}`);
  assert.match(template.diff, /^\+    return total\(values\) \/\/? len\(values\)$/m);
  assert.ok(report.decision, 'the output bouncer still decides');
}

describe('LLM in the pipeline (one-bug Python fixture)', { skip: pythonMissing }, () => {
  test('the critic adds evidence, the LLM patch is validated with origin llm:<model>, and the judge is asked about the task', { timeout: 60_000 }, async () => {
    await withServer(helpfulModel, async (server) => {
      const result = await check('fix', llmOptions(server.baseUrl));
      const { report } = result;
      assert.deepEqual(
        report.problems.filter((problem) => problem.kind === 'llm'),
        [],
        'a working model leaves no LLM problem',
      );

      // (a) Critic evidence on the suspect, explained in words, and in the score's features.
      const suspect = report.suspects.find((item) => item.file === 'stats.py' && item.line === buggyLine);
      assert.ok(suspect);
      const critic = suspect.evidence.find((item) => item.kind === 'critic');
      assert.ok(critic, `critic evidence on the buggy line; got ${JSON.stringify(suspect.evidence)}`);
      assert.equal(critic.detail, `the LLM reviewer (${MODEL}) rates it 90% likely faulty: multiplies by the count where it should divide`);
      const scored = result.outcome.scores.find((score) => score.line === buggyLine && score.file.endsWith('stats.py'));
      assert.ok(scored && Math.abs((scored.features.criticLogit ?? 0) - Math.log(0.9 / 0.1)) < 1e-9, 'the critic enters the scorer as its log-odds');
      assert.ok((scored.evidence.find((item) => item.kind === 'critic')?.weight ?? 0) > 0, 'and raises the score');
      const otherSuspects = result.outcome.scores.filter((score) => score.line !== buggyLine);
      assert.ok(otherSuspects.length > 0 && otherSuspects.every((score) => !score.evidence.some((item) => item.kind === 'critic')), 'lines the critic did not rate get no critic evidence');

      // The critic saw the suspects and the failing tests.
      const criticRequest = server.requests.find((request) => roleOf(request) === 'critic');
      assert.ok(criticRequest);
      assert.match(userText(criticRequest), new RegExp(`^${buggyLine} \\(\\d\\.\\d\\d\\): return total\\(values\\) \\* len\\(values\\)$`, 'm'));
      assert.match(userText(criticRequest), /test_stats\.py::test_average_of_two/);

      // (b) The LLM patch went through the same validation and is reported with its origin.
      const llmPatch = report.patches.find((patch) => patch.origin === `llm:${MODEL}`);
      assert.ok(llmPatch, `an LLM patch; got ${JSON.stringify(report.patches.map((patch) => patch.origin))}`);
      assert.equal(llmPatch.validated, true);
      assert.equal(llmPatch.testsFailed, 0);
      // Validation ran the failing tests and the passing tests that run the patched line; only the
      // proposed patch is confirmed by the whole suite (6 tests).
      assert.ok(llmPatch.checked);
      assert.equal(llmPatch.checked.failing, report.tests.failed);
      if (llmPatch.checked.fullSuite === 'confirmed') assert.equal(llmPatch.testsPassed, 6);
      else assert.equal(llmPatch.testsPassed, llmPatch.checked.failing + llmPatch.checked.covering);
      assert.match(llmPatch.diff, /^-    return total\(values\) \* len\(values\)$/m);
      assert.match(llmPatch.diff, /^\+    return sum\(values\) \/ len\(values\)$/m);
      assert.equal(llmPatch.title, '`return total(values) * len(values)` → `return sum(values) / len(values)`');
      const record = result.patchStats?.candidates.find((candidate) => candidate.origin === `llm:${MODEL}`);
      assert.equal(record?.status, 'validated');
      assert.equal(readFileSync(path.join(root, 'stats.py'), 'utf8').includes(BUGGY_TEXT), true, 'the project itself is untouched');

      // The judge was asked about the user's task and its verdict is recorded.
      const judgeRequest = server.requests.find((request) => roleOf(request) === 'judge');
      assert.ok(judgeRequest);
      assert.match(userText(judgeRequest), /arithmetic mean/);
      assert.equal(result.llm?.judgement?.label, 'well-specified');
      assert.equal(report.task?.verdict, 'actionable');

      assert.equal(result.llm?.calls, 3);
      assert.equal(result.llm?.criticVerdicts, 1);
      assert.equal(result.llm?.patchCandidates, 1);
      assertTemplateFixStands(result);
    });
  });

  test('a dead endpoint is one report problem, the model is not asked again, and the template path stands', { timeout: 60_000 }, async () => {
    const result = await check('fix', llmOptions(await deadEndpointUrl()));
    const problems = result.report.problems.filter((problem) => problem.kind === 'llm');
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0].message, /^LLM critic \(fake-coder\) failed: Could not reach http:\/\/127\.0\.0\.1:\d+\/v1: connection refused\. Is the server running\? Revise went on without the model\.$/);
    assert.doesNotMatch(problems[0].message, /\n/);
    assert.equal(result.llm?.calls, 1, 'after a refused connection the judge and the repairer are not tried');
    assert.equal(result.llm?.failures[0]?.kind, 'unreachable');
    assert.ok(result.report.suspects.every((suspect) => suspect.evidence.every((item) => item.kind !== 'critic')));
    assert.ok(result.report.patches.every((patch) => !patch.origin.startsWith('llm:')));
    assertTemplateFixStands(result);
  });

  test('a garbage reply is one report problem naming every role it met, and the template path stands', { timeout: 60_000 }, async () => {
    await withServer(
      () => reply('Sure! The bug is probably somewhere in stats.py, good luck.'),
      async (server) => {
        const result = await check('fix', llmOptions(server.baseUrl));
        const problems = result.report.problems.filter((problem) => problem.kind === 'llm').map((problem) => problem.message);
        // One problem per endpoint and cause, not one per role.
        assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.match(problems[0], /^LLM critic, (task judge and patch proposals|patch proposals and task judge) \(fake-coder\) failed: The model's reply was not the JSON asked for \(it began: "Sure! The bug/);
        assert.ok(problems[0].endsWith('Revise went on without them.'), problems[0]);
        assert.equal(server.requests.length, 3, 'an unreadable reply does not stop the other roles');
        assert.ok(result.report.patches.every((patch) => !patch.origin.startsWith('llm:')));
        assertTemplateFixStands(result);
      },
    );
  });

  test('the call budget is enforced and its end reported; roles switched off are not asked', { timeout: 30_000 }, async () => {
    await withServer(helpfulModel, async (server) => {
      const result = await check('check', llmOptions(server.baseUrl, { budget: { maxCalls: 1 }, roles: { patches: false } }));
      const problems = result.report.problems.filter((problem) => problem.kind === 'llm');
      assert.equal(server.requests.length, 1);
      assert.equal(roleOf(server.requests[0]), 'critic');
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0].message, /^LLM task judge \(fake-coder\) failed: The LLM call budget for this check is spent \(1 of 1 calls\)/);
      assert.ok(result.report.suspects[0].evidence.some((item) => item.kind === 'critic'), 'the one call that was allowed still counts');
      assert.deepEqual(result.llm?.roles, ['critic', 'judge']);
    });
  });

  test('cancelling the check aborts a model request in flight', { timeout: 30_000 }, async () => {
    await withServer(
      () => ({ kind: 'hang' }),
      async (server) => {
        const abort = new AbortController();
        const started = Date.now();
        const running = check('check', llmOptions(server.baseUrl, { client: createOpenAiClient({ baseUrl: server.baseUrl, model: MODEL, timeoutMs: 120_000, maxRetries: 0, logger: silentLogger }) }), abort.signal);
        await server.waitForRequests(1);
        abort.abort();
        await assert.rejects(running, (error: unknown) => error instanceof ReviseError && error.code === 'cancelled');
        assert.ok(Date.now() - started < 25_000, 'the hung request did not hold the check');
      },
    );
  });

  test('without an LLM the check never touches the network and reports no LLM problem', { timeout: 30_000 }, async () => {
    const result = await check('check', undefined);
    assert.equal(result.llm, undefined);
    assert.ok(result.report.problems.every((problem) => problem.kind !== 'llm'));
    assert.equal(result.report.suspects[0].line, buggyLine);
    assert.ok(result.report.suspects.every((suspect) => suspect.evidence.every((item) => item.kind !== 'critic')));
  });
});
