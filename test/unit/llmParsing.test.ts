import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { displayUrl, editableRanges, LlmError, parseJsonReply, redactSecrets } from '../../extension/src/core/llm/index';
import { readProbability } from '../../extension/src/core/llm/json';
import { formatFailures, numberedListing, splitLines } from '../../extension/src/core/llm/prompt';

void test('parseJsonReply finds the JSON in the ways models wrap it', () => {
  const expected = { lines: [{ line: 3, probability: 0.5 }] };
  const body = '{"lines":[{"line":3,"probability":0.5}]}';
  const wrappings = [
    body,
    `\uFEFF${body}\n`,
    '```json\n' + body + '\n```',
    '```\n' + body + '\n```\nHope this helps!',
    `Sure! Here you go: ${body} Anything else?`,
    `<think>Maybe {"lines": []}? No.</think>\n${body}`,
    '{"lines":[{"line":3,"probability":0.5,},],}',
    `Use {braces} carefully. ${body}`,
    `{"note": "a } inside a string", "lines":[{"line":3,"probability":0.5}]}`,
  ];
  for (const text of wrappings) {
    const parsed = parseJsonReply(text) as Record<string, unknown>;
    assert.deepEqual(parsed.lines, expected.lines, text);
  }
  assert.deepEqual(parseJsonReply('[1, 2]'), [1, 2]);
});

void test('parseJsonReply refuses text with no JSON object, with an excerpt of what came back', () => {
  for (const text of ['', 'The bug is on line 3.', '{"lines": [', '42', '"just a string"', '{broken: yes}']) {
    assert.throws(
      () => parseJsonReply(text),
      (error: unknown) => error instanceof LlmError && error.kind === 'bad-reply' && /reply/.test(error.message),
      text,
    );
  }
  assert.throws(() => parseJsonReply('The bug is on line 3.'), /it began: "The bug is on line 3\."/);
});

void test('parseJsonReply stays fast on a long reply full of unmatched braces', () => {
  const text = '{'.repeat(50_000) + ' and then {"ok": true}';
  assert.throws(() => parseJsonReply(text), LlmError);
});

void test('readProbability reads fractions, percentages and strings, and clamps', () => {
  const cases: Array<[unknown, number | undefined]> = [
    [0.3, 0.3],
    ['0.3', 0.3],
    [30, 0.3],
    ['30%', 0.3],
    ['12.5%', 0.125],
    [1, 1],
    [1.4, 1],
    [250, 1],
    [-1, 0],
    ['high', undefined],
    [null, undefined],
    [Number.NaN, undefined],
  ];
  for (const [input, expected] of cases) assert.equal(readProbability(input), expected, String(input));
});

void test('redactSecrets removes the key, key-shaped tokens and masked keys, and leaves prose alone', () => {
  const key = 'my-gateway-token-0123456789';
  const text = [
    `key ${key} rejected`,
    'Incorrect API key provided: sk-proj-abcDEF123456789.',
    'Authorization: Bearer abcdef0123456789',
    '{"api_key": "zzzzzzzzzzzz"}',
    'key sk-abc***wxyz is masked',
    'The task-runner risk-assessment passed.',
  ].join('\n');
  const redacted = redactSecrets(text, [key, undefined, '']);
  assert.ok(!redacted.includes(key));
  assert.ok(!redacted.includes('sk-proj-abcDEF123456789'));
  assert.ok(!redacted.includes('abcdef0123456789'));
  assert.ok(!redacted.includes('zzzzzzzzzzzz'));
  assert.ok(!redacted.includes('sk-abc'));
  assert.match(redacted, /Bearer \[redacted\]/);
  assert.match(redacted, /The task-runner risk-assessment passed\./);
  assert.equal(redactSecrets('short key abc', ['abc']), 'short key abc', 'secrets under four characters are not redacted');
});

void test('displayUrl drops credentials, query and trailing slashes', () => {
  assert.equal(displayUrl('http://127.0.0.1:11434/v1/'), 'http://127.0.0.1:11434/v1');
  assert.equal(displayUrl('https://user:pass@gateway.example/v1?key=secret#x'), 'https://gateway.example/v1');
  assert.equal(displayUrl('https://api.openai.com/'), 'https://api.openai.com');
  assert.equal(displayUrl('nonsense?key=secret'), 'nonsense');
});

void test('editableRanges merges overlapping windows and stays inside the file', () => {
  assert.deepEqual(editableRanges([10, 3, 12, 40], 2, 41), [
    [1, 5],
    [8, 14],
    [38, 41],
  ]);
  assert.deepEqual(editableRanges([5], 0, 10), [[5, 5]]);
});

void test('numberedListing shows a short file whole and a long one around the focus lines', () => {
  const short = splitLines('a\r\nb\nc');
  assert.equal(numberedListing(short, [2], 1), '1 | a\n2 | b\n3 | c');
  const long = Array.from({ length: 500 }, (_, index) => `line ${index + 1}`);
  const listing = numberedListing(long, [100, 103, 400], 2);
  assert.equal(
    listing,
    ['...', ' 98 | line 98', ' 99 | line 99', '100 | line 100', '101 | line 101', '102 | line 102', '103 | line 103', '104 | line 104', '105 | line 105', '...', '398 | line 398', '399 | line 399', '400 | line 400', '401 | line 401', '402 | line 402', '...'].join('\n'),
  );
  const wide = numberedListing(['x'.repeat(1000)], [1], 0);
  assert.ok(wide.length < 300);
});

void test('formatFailures caps the number of failures and frames', () => {
  const failures = Array.from({ length: 8 }, (_, index) => ({
    id: `test_${index}`,
    message: `AssertionError:\n  assert ${index} == 0`,
    frames: Array.from({ length: 10 }, (_, frame) => ({ file: '/p/x.py', line: frame + 1 })),
  }));
  const text = formatFailures(failures, 2, 3);
  assert.match(text, /^- test_0: AssertionError: assert 0 == 0$/m);
  assert.equal(text.match(/^ {4}at /gm)?.length, 6);
  assert.match(text, /at \/p\/x\.py:10$/m, 'the innermost frames are kept');
  assert.match(text, /\(and 6 more failing tests\)$/);
  assert.equal(formatFailures([]), '(no failing test details available)');
});
