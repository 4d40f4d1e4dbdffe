/**
 * The pieces that connect the LLM layer to the pipeline, one at a time and without test runs: fusing the
 * judge into the input bouncer, turning model edits into patch candidates, the session's failure rule,
 * and the CLI's flags.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_LLM_MODEL, main, parseArguments, UsageError } from '../../extension/src/cli/main';
import { fuseTaskJudgement, judgeVagueness, scoreAnalysis } from '../../extension/src/core/bounce/input/index';
import { analyzeTaskText } from '../../extension/src/core/bounce/input/analyze';
import { ReviseError } from '../../extension/src/core/errors';
import { applyLineEdit, LlmError, LlmSession, type LlmClient } from '../../extension/src/core/llm/index';
import { extraCandidateSet } from '../../extension/src/core/patch/index';
import { silentLogger, type Logger, type SourceReader } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore, TaskAssessment, TestRun } from '../../extension/src/core/types';
import { grammarsDir } from './helpers';

const syntax = new SyntaxService(grammarsDir);

function assessment(vagueness: number, missing: string[] = []): TaskAssessment {
  return { text: 'do the thing', vagueness, verdict: vagueness >= 0.5 ? 'vague' : 'actionable', missing };
}

void test('the judge moves a borderline task across the boundary, but not a clear-cut one', () => {
  const borderline = assessment(0.4);
  const judgedVague = fuseTaskJudgement(borderline, { label: 'vague', vagueProbability: 0.8, missing: ['the expected output format'] });
  assert.equal(judgedVague.verdict, 'vague');
  assert.ok(judgedVague.vagueness > 0.5 && judgedVague.vagueness < 0.8);
  assert.deepEqual(judgedVague.missing, ['the expected output format']);

  const judgedClear = fuseTaskJudgement(assessment(0.55, ['an example']), { label: 'well-specified', vagueProbability: 0.05, missing: [] });
  assert.equal(judgedClear.verdict, 'actionable');
  assert.ok(judgedClear.vagueness < 0.5);

  const sure = fuseTaskJudgement(assessment(0.02), { label: 'vague', vagueProbability: 0.7, missing: ['everything'] });
  assert.equal(sure.verdict, 'actionable', 'one reply does not overrule a model that is sure');
  assert.equal(sure.text, 'do the thing');

  // Pooling is symmetric in log-odds: equal and opposite opinions cancel out.
  const even = fuseTaskJudgement(assessment(0.8), { label: 'reasonably-specified', vagueProbability: 0.15, missing: [] });
  assert.ok(Math.abs(even.vagueness - 0.5) < 1e-9, String(even.vagueness));
});

void test('the judge\'s label and its own probability both count, and missing items merge without repeats', () => {
  assert.equal(judgeVagueness({ label: 'impossible', vagueProbability: 0.95, missing: [] }), 0.95);
  assert.equal(judgeVagueness({ label: 'vague', vagueProbability: 0.25, missing: [] }), 0.5);
  assert.equal(judgeVagueness({ label: 'well-specified', vagueProbability: Number.NaN, missing: [] }), 0.05);
  const fused = fuseTaskJudgement(assessment(0.7, ['An example input and output', 'the return type']), {
    label: 'impossible',
    vagueProbability: 0.9,
    missing: ['an example input and output.', 'what "fix" means', 'a', 'b', 'c'],
  });
  assert.deepEqual(fused.missing, ['An example input and output', 'the return type', 'what "fix" means', 'a', 'b']);
});

void test('fusing works on the embedded model\'s real output', () => {
  const embedded = { ...scoreAnalysis(analyzeTaskText('fix it')), text: 'fix it' };
  assert.equal(embedded.verdict, 'vague');
  const fused = fuseTaskJudgement(embedded, { label: 'impossible', vagueProbability: 0.97, missing: ['what is broken'] });
  assert.equal(fused.verdict, 'vague');
  assert.ok(fused.missing?.includes('what is broken'));
});

void test('applyLineEdit replaces, deletes and inserts whole lines and keeps CRLF endings', () => {
  const lf = 'a\nb\nc\n';
  assert.equal(applyLineEdit(lf, { startLine: 2, endLine: 2, replacement: 'B' }), 'a\nB\nc\n');
  assert.equal(applyLineEdit(lf, { startLine: 2, endLine: 3, replacement: '' }), 'a\n');
  assert.equal(applyLineEdit(lf, { startLine: 1, endLine: 1, replacement: 'x\ny' }), 'x\ny\nb\nc\n');
  assert.equal(applyLineEdit('a\r\nb\r\nc', { startLine: 3, endLine: 3, replacement: 'C1\nC2' }), 'a\r\nb\r\nC1\r\nC2');
});

void test('extraCandidateSet keeps well-formed edits as llm candidates and drops syntax errors, no-ops and repeats', async () => {
  const file = '/project/calc.py';
  const source = 'def f(a, b):\n    return a * b\n';
  const extra = (newText: string, score: number, title = 't') => ({ file, line: 2, origin: 'llm:m', title, newText, score });
  const set = await extraCandidateSet({
    file,
    source,
    language: 'python',
    syntax,
    extras: [
      extra('def f(a, b):\n    return a / b\n', 0.4, 'divide'),
      extra('def f(a, b):\n    return a / b\n', 0.3, 'the same again'),
      extra(source, 0.3, 'no change'),
      extra('def f(a, b):\n    return (a * b\n', 0.5, 'broken'),
      extra('def f(a, b):\n    return a + b  # sum\n', 0.45, 'add'),
    ],
  });
  assert.deepEqual(set.candidates.map((candidate) => candidate.title), ['add', 'divide'], 'best score first');
  assert.equal(set.droppedUnparsable, 1);
  assert.equal(set.droppedDuplicate, 2);
  const divide = set.candidates[1];
  assert.equal(divide.template, 'llm');
  assert.equal(divide.origin, 'llm:m');
  assert.deepEqual(divide.lines, [2]);
  assert.deepEqual(divide.edits, [{ start: source.indexOf('*'), end: source.indexOf('*') + 1, text: '/' }]);
  assert.equal(divide.editChars, 2);
  assert.equal(divide.editLines, 2);
  assert.match(divide.id, /^calc\.py:2:llm\d$/);
});

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, trace: keep('trace'), debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

const projectRoot = '/project';
const run: TestRun = {
  framework: 'pytest',
  root: projectRoot,
  command: ['pytest'],
  tests: [{ id: 'tests/test_calc.py::test_f', outcome: 'failed', durationMs: 1, message: 'assert 6 == 1.5', frames: [] }],
  problems: [],
  durationMs: 5,
  coverageMethod: 'coverage.py',
  complete: true,
  testFiles: ['/project/tests/test_calc.py'],
};
const scores: LineScore[] = [
  { file: '/project/calc.py', line: 2, score: 0.8, rank: 1, features: {}, evidence: [{ kind: 'spectrum', detail: 'run by 1/1 failing and 0/0 passing tests' }], text: 'return a * b' },
  { file: '/project/tests/test_calc.py', line: 3, score: 0.7, rank: 2, features: {}, evidence: [] },
];
const sources: SourceReader = { read: async (file) => (file === '/project/calc.py' ? 'def f(a, b):\n    return a * b\n' : 'x = 1\n') };

void test('a client that throws something other than an LlmError becomes a problem too, never a crash, and the key is redacted', async () => {
  const client: LlmClient = {
    complete: () => Promise.reject(new TypeError('cannot read properties of undefined (key sk-abcdefghijklmnopqrstuvwxyz)')),
  };
  const logger = recordingLogger();
  const session = new LlmSession({ client, model: 'm' }, logger);
  assert.equal(await session.critique({ run, scores, sources }), undefined);
  const [problem] = session.problems();
  assert.equal(problem.kind, 'llm');
  assert.match(problem.message, /^LLM critic \(m\) failed: cannot read properties of undefined \(key \[redacted\]\)\. Revise went on without it\.$/);
  assert.ok(logger.lines.every((line) => !line.includes('sk-abcdefghijklmnopqrstuvwxyz')));
  assert.equal(session.uses('judge'), true, 'an unexpected error does not end the model\'s part');
});

void test('an auth failure ends the model\'s part in the check; a bad reply does not', async () => {
  let calls = 0;
  const failing = (error: LlmError): LlmClient => ({
    complete: () => {
      calls++;
      return Promise.reject(error);
    },
  });
  const auth = new LlmSession({ client: failing(new LlmError('auth', 'http://x/v1 rejected the API key (401).')), model: 'm' }, silentLogger);
  assert.deepEqual(await auth.proposeCandidates({ root: projectRoot, run, scores, sources, isTestFile: () => false }), []);
  assert.equal(auth.uses('judge'), false);
  assert.equal(await auth.judge({ text: 'make f divide', vagueness: 0.2, verdict: 'actionable' }), undefined);
  assert.equal(calls, 1);
  assert.equal(auth.summary().failures[0].kind, 'auth');

  calls = 0;
  const garbled = new LlmSession({ client: failing(new LlmError('bad-reply', 'The model returned an empty reply.')), model: 'm' }, silentLogger);
  await garbled.critique({ run, scores, sources });
  assert.equal(garbled.uses('judge'), true);
  await garbled.judge({ text: 'make f divide', vagueness: 0.2, verdict: 'actionable' });
  assert.equal(calls, 2);
  // One problem per endpoint and cause, naming every role that met it.
  assert.equal(garbled.problems().length, 1);
  assert.match(garbled.problems()[0].message, /^LLM critic and task judge \(m\) failed: The model returned an empty reply\. Revise went on without them\.$/);
  assert.deepEqual(garbled.summary().failures[0].roles, ['critic', 'judge']);
});

void test('the repairer sees only source files: test files are not offered to the model', async () => {
  const prompts: string[] = [];
  const client: LlmClient = {
    complete: async (request) => {
      prompts.push(request.user);
      return { text: JSON.stringify({ patches: [{ startLine: 2, endLine: 2, replacement: '    return a / b', rationale: 'divide' }] }) };
    },
  };
  const session = new LlmSession({ client, model: 'm', patchFiles: 5 }, silentLogger);
  const candidates = await session.proposeCandidates({ root: projectRoot, run, scores, sources, isTestFile: (file) => file.includes('/tests/') });
  assert.equal(prompts.length, 1);
  assert.match(prompts[0], /File: calc\.py \(python\)/);
  assert.deepEqual(candidates, [
    { file: '/project/calc.py', line: 2, origin: 'llm:m', title: '`return a * b` → `return a / b`', newText: 'def f(a, b):\n    return a / b\n', score: 0.8 * 0.5 },
  ]);
});

void test('cancellation during a model call surfaces as the check\'s cancellation', async () => {
  const abort = new AbortController();
  const client: LlmClient = {
    complete: () => {
      abort.abort();
      return Promise.reject(new LlmError('cancelled', 'The LLM request was cancelled.'));
    },
  };
  const session = new LlmSession({ client, model: 'm' }, silentLogger, abort.signal);
  await assert.rejects(session.critique({ run, scores, sources }), (error: unknown) => error instanceof ReviseError && error.code === 'cancelled');
  assert.deepEqual(session.problems(), []);
});

void test('CLI: the model is on with --llm, a base URL or a model, never from a key alone, and off with --no-llm', () => {
  const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const options = parseArguments(['check', ...argv], env);
    assert.ok(options !== 'help');
    return options;
  };
  assert.equal(parse([]).llm, undefined, 'off by default');
  assert.deepEqual(parse(['--llm-base-url', 'http://localhost:11434/v1', '--llm-model', 'qwen2.5-coder:7b']).llm, {
    baseUrl: 'http://localhost:11434/v1',
    model: 'qwen2.5-coder:7b',
    maxRequests: 8,
    timeoutMs: 60_000,
  });
  assert.equal(parse([], { OPENAI_API_KEY: 'sk-from-env-0123456789' }).llm, undefined, 'a key in the environment alone sends nothing');
  const fromEnvironment = parse(['--llm'], { OPENAI_API_KEY: 'sk-from-env-0123456789' }).llm;
  assert.equal(fromEnvironment?.apiKey, 'sk-from-env-0123456789');
  assert.equal(fromEnvironment?.model, DEFAULT_LLM_MODEL);
  assert.equal(fromEnvironment?.baseUrl, undefined);
  assert.equal(parse(['--llm'], { OPENAI_API_KEY: 'sk-a-0123456789', REVISE_LLM_API_KEY: 'revise-key-0123' }).llm?.apiKey, 'revise-key-0123');
  assert.equal(parse(['--no-llm', '--llm-base-url', 'http://localhost:8080/v1'], { OPENAI_API_KEY: 'sk-a-0123456789' }).llm, undefined);
  assert.equal(parse(['--llm-model', 'gpt-4.1-mini']).llm?.model, 'gpt-4.1-mini');
  const limited = parse(['--llm-base-url', 'http://127.0.0.1:8000/v1', '--llm-max-requests', '3', '--llm-timeout', '5']).llm;
  assert.equal(limited?.maxRequests, 3);
  assert.equal(limited?.timeoutMs, 5000);
  assert.throws(() => parse(['--llm-base-url', 'localhost:11434']), UsageError);
  assert.throws(() => parse(['--llm-base-url']), /needs a value/);
  assert.throws(() => parse(['--llm-max-requests', '0']), /positive whole number/);
});

void test('CLI usage text documents the LLM flags', async () => {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    assert.equal(await main(['--help']), 0);
  } finally {
    process.stdout.write = original;
  }
  const usage = chunks.join('');
  for (const flag of ['--llm ', '--llm-base-url URL', '--llm-model M', '--llm-max-requests N', '--llm-timeout S', '--no-llm', 'OPENAI_API_KEY', 'REVISE_LLM_API_KEY']) {
    assert.ok(usage.includes(flag), `usage mentions ${flag}`);
  }
});
