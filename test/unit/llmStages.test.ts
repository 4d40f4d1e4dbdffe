import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { silentLogger } from '../../extension/src/core/ports';
import {
  createOpenAiClient,
  critiqueLines,
  judgeTask,
  LlmError,
  proposeLlmPatches,
  type LlmClient,
  type LlmFailure,
} from '../../extension/src/core/llm/index';
import { reply, startFakeOpenAiServer, type FakeHandler, type FakeOpenAiServer } from '../support/fake-openai-server';

const calcSource = [
  'def divide(a, b):', //                 1
  '    if b < 0:', //                     2
  '        b = -b', //                    3
  '    result = a / b', //                4
  '    return result', //                 5
  '', //                                  6
  'def clamp(value, low, high):', //      7
  '    if value < low:', //               8
  '        return low', //                9
  '    if value > high:', //             10
  '        return low', //               11
  '    return value', //                 12
].join('\n');

const failures: LlmFailure[] = [
  {
    id: 'tests/test_calc.py::test_clamp_high',
    message: 'AssertionError: assert 0 == 10',
    frames: [
      { file: '/project/tests/test_calc.py', line: 9, functionName: 'test_clamp_high' },
      { file: '/project/src/calc.py', line: 11, functionName: 'clamp' },
    ],
  },
];

/** A server that gives every request the same reply text, and a real SDK client pointed at it. */
async function withModel(answer: string | FakeHandler, body: (llm: LlmClient, server: FakeOpenAiServer) => Promise<void>): Promise<void> {
  const server = await startFakeOpenAiServer(typeof answer === 'string' ? () => reply(answer) : answer);
  try {
    await body(createOpenAiClient({ baseUrl: server.baseUrl, model: 'fake-model', timeoutMs: 10_000, maxRetries: 0, logger: silentLogger }), server);
  } finally {
    await server.close();
  }
}

async function llmFailure(action: () => Promise<unknown>): Promise<LlmError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof LlmError, `expected an LlmError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function userPrompt(server: FakeOpenAiServer, index = 0): string {
  const messages = server.requests[index].body?.messages as Array<{ role: string; content: string }>;
  return messages.find((message) => message.role === 'user')?.content ?? '';
}

const critiqueInput = {
  file: 'src/calc.py',
  language: 'python',
  source: calcSource,
  candidateLines: [
    { line: 10, text: 'if value > high:', score: 0.4 },
    { line: 11, text: 'return low', score: 0.6 },
    { line: 12, text: 'return value', score: 0.1 },
  ],
  failures,
  task: 'clamp should cap values at high',
};

void test('critiqueLines shows the numbered code and failures, and reads the verdicts', async () => {
  const answer = JSON.stringify({
    lines: [
      { line: 11, probability: 0.9, reason: 'returns low where high is expected' },
      { line: 10, probability: 0.2, reason: 'the comparison looks right' },
      { line: 12, probability: 0.05, reason: '' },
    ],
  });
  await withModel(answer, async (llm, server) => {
    const verdicts = await critiqueLines(llm, critiqueInput);
    assert.deepEqual([...verdicts.entries()].sort((left, right) => left[0] - right[0]), [
      [10, { probability: 0.2, reason: 'the comparison looks right' }],
      [11, { probability: 0.9, reason: 'returns low where high is expected' }],
      [12, { probability: 0.05, reason: '' }],
    ]);
    const prompt = userPrompt(server);
    assert.match(prompt, /File: src\/calc\.py \(python\)/);
    assert.match(prompt, /^11 \|         return low$/m, 'numbered listing');
    assert.match(prompt, /tests\/test_calc\.py::test_clamp_high: AssertionError: assert 0 == 10/);
    assert.match(prompt, /at \/project\/src\/calc\.py:11 in clamp/);
    assert.match(prompt, /^11 \(0\.60\): return low$/m, 'candidates, highest score first');
    assert.ok(prompt.indexOf('11 (0.60)') < prompt.indexOf('10 (0.40)'));
    assert.match(prompt, /<task>\nclamp should cap values at high\n<\/task>/);
    assert.deepEqual(server.requests[0].body?.response_format, { type: 'json_object' });
  });
});

void test('critiqueLines reads code-fenced JSON with prose and a think block around it', async () => {
  const answer = [
    '<think>The test expects 10 but got 0. {not json}</think>',
    'Here is my assessment:',
    '```json',
    '{"lines": [{"line": "11", "probability": "85%", "reason": "wrong bound",},]}',
    '```',
    'Let me know if you need more.',
  ].join('\n');
  await withModel(answer, async (llm) => {
    const verdicts = await critiqueLines(llm, critiqueInput);
    assert.deepEqual([...verdicts.entries()], [[11, { probability: 0.85, reason: 'wrong bound' }]]);
  });
});

void test('critiqueLines drops lines that do not exist or are blank, and clamps probabilities', async () => {
  const answer = JSON.stringify({
    lines: [
      { line: 0, probability: 0.9, reason: 'before the file' },
      { line: 99, probability: 0.9, reason: 'after the file' },
      { line: 6, probability: 0.9, reason: 'a blank line' },
      { line: 'eleven', probability: 0.9 },
      { line: 11, probability: 1.7, reason: 'certain' },
      { line: 10, probability: -0.3 },
      { line: 12, probability: 80 },
      { line: 8, probability: 'high' },
      { line: 11, probability: 0.1, reason: 'a second opinion is ignored' },
    ],
  });
  await withModel(answer, async (llm) => {
    const verdicts = await critiqueLines(llm, critiqueInput);
    assert.deepEqual([...verdicts.keys()].sort((left, right) => left - right), [10, 11, 12]);
    assert.deepEqual(verdicts.get(11), { probability: 1, reason: 'certain' });
    assert.equal(verdicts.get(10)?.probability, 0);
    assert.equal(verdicts.get(12)?.probability, 0.8);
  });
});

void test('critiqueLines turns an unreadable reply into a bad-reply error', async () => {
  for (const answer of ['I think line 11 is the problem.', '{"lines": "none"', '{"verdict": "line 11"}']) {
    await withModel(answer, async (llm) => {
      const error = await llmFailure(() => critiqueLines(llm, critiqueInput));
      assert.equal(error.kind, 'bad-reply', answer);
    });
  }
});

void test('critiqueLines with no candidates asks nothing, and a cancelled signal stops it', async () => {
  await withModel('{"lines":[]}', async (llm, server) => {
    assert.equal((await critiqueLines(llm, { ...critiqueInput, candidateLines: [{ line: 40, text: '', score: 1 }] })).size, 0);
    assert.equal(server.requests.length, 0);
    const error = await llmFailure(() => critiqueLines(llm, { ...critiqueInput, signal: AbortSignal.abort() }));
    assert.equal(error.kind, 'cancelled');
    assert.equal(server.requests.length, 0);
  });
});

const repairInput = {
  file: 'src/calc.py',
  language: 'python',
  source: calcSource,
  suspects: [{ line: 11, score: 0.7, evidence: ['run by 1/1 failing and 0/4 passing tests', 'raised the failing assertion'] }],
  failures,
  maxPatches: 5,
  windowLines: 2,
};

void test('proposeLlmPatches keeps well-formed edits near the suspects and drops the rest', async () => {
  const patches = [
    { startLine: 11, endLine: 11, replacement: '        return high', rationale: 'should cap at high' },
    { startLine: 2, endLine: 2, replacement: '    if b <= 0:', rationale: 'outside the window' },
    { startLine: 11, endLine: 10, replacement: '        return high', rationale: 'reversed' },
    { startLine: 12, endLine: 14, replacement: '    return value', rationale: 'past the end' },
    { startLine: 11, endLine: 11, replacement: '\t\treturn high', rationale: 'tabs in a spaces file' },
    { startLine: 11, endLine: 11, replacement: '        return low  ', rationale: 'no change' },
    { startLine: 11, endLine: 11, replacement: '        return high', rationale: 'a duplicate' },
    { startLine: 10, endLine: 11, replacement: 'if value >= high:\n    return high', rationale: 'dedented by the model' },
    { startLine: 11, endLine: 11, replacement: '   return high', rationale: 'indentation matches nothing' },
    { startLine: 12, endLine: 12, replacement: '', rationale: 'delete the line' },
  ];
  await withModel(JSON.stringify({ patches }), async (llm, server) => {
    const edits = await proposeLlmPatches(llm, repairInput);
    assert.deepEqual(edits, [
      { startLine: 11, endLine: 11, replacement: '        return high', rationale: 'should cap at high' },
      { startLine: 10, endLine: 11, replacement: '    if value >= high:\n        return high', rationale: 'dedented by the model' },
      { startLine: 12, endLine: 12, replacement: '', rationale: 'delete the line' },
    ]);
    const prompt = userPrompt(server);
    assert.match(prompt, /Editable ranges: lines 9-12\./);
    assert.match(prompt, /^11 \(0\.70\): return low \(run by 1\/1 failing and 0\/4 passing tests; raised the failing assertion\)$/m);
    assert.match(prompt, /at most 5 alternative fixes/);
  });
});

void test('proposeLlmPatches strips fences and echoed line numbers, and stops at maxPatches', async () => {
  const patches = [
    { startLine: 11, endLine: 11, replacement: '```python\n        return high\n```', rationale: 'fenced' },
    { start_line: 10, end_line: 10, replacement: '10 |     if value >= high:', reason: 'numbered' },
    { line: 9, replacement: '        return max(low, value)' },
  ];
  await withModel('Sure:\n' + JSON.stringify({ patches }), async (llm) => {
    const edits = await proposeLlmPatches(llm, { ...repairInput, maxPatches: 2 });
    assert.deepEqual(edits, [
      { startLine: 11, endLine: 11, replacement: '        return high', rationale: 'fenced' },
      { startLine: 10, endLine: 10, replacement: '    if value >= high:', rationale: 'numbered' },
    ]);
  });
});

void test('proposeLlmPatches turns a reply without patches into a bad-reply error', async () => {
  for (const answer of ['Change line 11 to return high.', '{"explanation": "the bound is wrong"}']) {
    await withModel(answer, async (llm) => {
      const error = await llmFailure(() => proposeLlmPatches(llm, repairInput));
      assert.equal(error.kind, 'bad-reply', answer);
    });
  }
});

void test('judgeTask reads the label, probability and missing information', async () => {
  const answer = JSON.stringify({ label: 'vague', vagueProbability: 0.72, missing: ['which function', '  what "faster" means  '] });
  await withModel(answer, async (llm, server) => {
    const judgement = await judgeTask(llm, { text: 'make it faster', signature: 'def solve(grid):' });
    assert.deepEqual(judgement, { label: 'vague', vagueProbability: 0.72, missing: ['which function', 'what "faster" means'] });
    const prompt = userPrompt(server);
    assert.match(prompt, /<task>\nmake it faster\n<\/task>/);
    assert.match(prompt, /<code>\ndef solve\(grid\):\n<\/code>/);
    assert.match(String((server.requests[0].body?.messages as Array<{ content: string }>)[0].content), /reasonably-specified/);
  });
});

void test('judgeTask accepts label spellings and fills in a missing probability', async () => {
  const cases: Array<[string, { label: string; vagueProbability: number }]> = [
    ['{"label":"Reasonably Specified","missing":[]}', { label: 'reasonably-specified', vagueProbability: 0.25 }],
    ['```json\n{"label":"WELL_SPECIFIED","vagueProbability":"5%"}\n```', { label: 'well-specified', vagueProbability: 0.05 }],
    ['{"label":3}', { label: 'impossible', vagueProbability: 0.95 }],
    ['{"vagueProbability":0.6}', { label: 'vague', vagueProbability: 0.6 }],
  ];
  let index = 0;
  await withModel(
    () => reply(cases[index++][0]),
    async (llm) => {
      for (const [answer, expected] of cases) {
        const judgement = await judgeTask(llm, { text: 'Fix the off-by-one in paginate() so page 2 starts at item 11.' });
        assert.equal(judgement.label, expected.label, answer);
        assert.equal(judgement.vagueProbability, expected.vagueProbability, answer);
      }
    },
  );
});

void test('judgeTask calls an empty task impossible without asking, and rejects an unreadable verdict', async () => {
  await withModel('{"label":"it depends"}', async (llm, server) => {
    assert.deepEqual(await judgeTask(llm, { text: '   ' }), { label: 'impossible', vagueProbability: 1, missing: ['a description of the task'] });
    assert.equal(server.requests.length, 0);
    const error = await llmFailure(() => judgeTask(llm, { text: 'do the thing' }));
    assert.equal(error.kind, 'bad-reply');
  });
});

void test('each stage works through a server that rejects response_format', async () => {
  const answers = [
    '{"lines":[{"line":11,"probability":0.9,"reason":"wrong bound"}]}',
    '{"patches":[{"startLine":11,"endLine":11,"replacement":"        return high","rationale":"cap"}]}',
    '{"label":"well-specified","vagueProbability":0.1,"missing":[]}',
  ];
  let answered = 0;
  const handler: FakeHandler = (request) =>
    request.body?.response_format !== undefined
      ? { kind: 'json', status: 400, body: { error: { message: "'response_format' is not supported by this server" } } }
      : reply(answers[answered++]);
  await withModel(handler, async (llm, server) => {
    assert.equal((await critiqueLines(llm, critiqueInput)).get(11)?.probability, 0.9);
    assert.equal((await proposeLlmPatches(llm, repairInput))[0]?.replacement, '        return high');
    assert.equal((await judgeTask(llm, { text: 'Make clamp() return high when value exceeds high.' })).label, 'well-specified');
    assert.equal(server.requests.length, 4, 'one rejected request, then three plain ones');
  });
});
