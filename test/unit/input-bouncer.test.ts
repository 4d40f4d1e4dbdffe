import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assessTask, FEATURE_NAMES, loadVaguenessModel, scoreVagueness } from '../../extension/src/core/bounce/input/index';
import { analyzeTaskText } from '../../extension/src/core/bounce/input/analyze';
import { fitLogisticRegression, sigmoid } from '../../extension/src/core/bounce/input/logistic';
import { literalsEqual, outputsEqual, parseLiteral } from '../../extension/src/core/bounce/input/literal';
import { parseTask } from '../../extension/src/core/bounce/input/parse';
import { ReviseError } from '../../extension/src/core/errors';
import { repoRoot } from './helpers';

// Written for these tests (not taken from the data the weights were fitted on).
const CLEAR_TASK = `
from typing import List


def running_max(values: List[int]) -> List[int]:
    """ Return a list of the same length as values where element i is the largest of values[0], ..., values[i].
    Return an empty list when values is empty.
    >>> running_max([1, 3, 2, 5])
    [1, 3, 3, 5]
    >>> running_max([4, 4, 1])
    [4, 4, 4]
    >>> running_max([])
    []
    """
`;

const CONTRADICTING_TASK = CLEAR_TASK.replace('>>> running_max([4, 4, 1])\n    [4, 4, 4]', '>>> running_max([1, 3, 2, 5])\n    [1, 2, 3, 5]');

/** A small real evaluator for `running_max(<list literal>)` calls, standing in for the adapter's runner. */
function runningMaxRunner(implementation: (values: number[]) => number[]): (call: string) => Promise<string | undefined> {
  return async (call) => {
    const match = /^running_max\((.*)\)$/.exec(call.trim());
    const argument = match ? parseLiteral(match[1]) : undefined;
    if (!argument || argument.kind !== 'list') return undefined;
    const values = argument.items.map((item) => (item.kind === 'number' ? item.value : NaN));
    return `[${implementation(values).join(', ')}]`;
  };
}

const correctRunningMax = (values: number[]): number[] => values.map((_, index) => Math.max(...values.slice(0, index + 1)));

void test('a clear HumanEval-style docstring is actionable', async () => {
  const assessment = await assessTask(CLEAR_TASK);
  assert.equal(assessment.verdict, 'actionable', JSON.stringify(assessment));
  assert.ok(assessment.vagueness < 0.5);
  assert.equal(assessment.text, CLEAR_TASK);
  assert.ok(!(assessment.missing ?? []).some((reason) => reason.includes('contradict')));
});

void test('examples that contradict each other make the task vague, with a "contradict" reason', async () => {
  const assessment = await assessTask(CONTRADICTING_TASK);
  assert.equal(assessment.verdict, 'vague');
  const reason = (assessment.missing ?? []).find((item) => item.includes('contradict'));
  assert.ok(reason, JSON.stringify(assessment.missing));
  assert.match(reason, /running_max\(\[1, 3, 2, 5\]\)/);
  assert.match(reason, /\[1, 3, 3, 5\]/);
});

void test('an example whose declared return type it breaks is a contradiction', async () => {
  const text = CLEAR_TASK.replace('-> List[int]', '-> bool');
  const assessment = await assessTask(text);
  assert.equal(assessment.verdict, 'vague');
  assert.ok((assessment.missing ?? []).some((reason) => /contradict the signature.*return type is bool/.test(reason)), JSON.stringify(assessment.missing));
});

void test('an empty or one-word task is vague', async () => {
  for (const text of ['', '   ', 'fix', 'Optimize.']) {
    const assessment = await assessTask(text);
    assert.equal(assessment.verdict, 'vague', `"${text}"`);
    assert.ok(assessment.vagueness >= 0.9);
    assert.ok((assessment.missing ?? []).length > 0);
    assert.ok(scoreVagueness(text) >= 0.5);
  }
});

void test('vague wording is reported in the words of the task', async () => {
  const text = `
def pick(items: list) -> list:
    """Return the items that meet a certain condition, sorted in ascending or descending order, etc."""
`;
  const assessment = await assessTask(text);
  assert.equal(assessment.verdict, 'vague');
  const joined = (assessment.missing ?? []).join('\n');
  assert.match(joined, /"ascending or descending"/);
  assert.match(joined, /certain/);
});

void test('running the examples against the code: agreement keeps the task actionable, disagreement bounces it', async () => {
  const agreeing = await assessTask(CLEAR_TASK, { runExample: runningMaxRunner(correctRunningMax) });
  assert.equal(agreeing.verdict, 'actionable', JSON.stringify(agreeing));

  // A running minimum: every example disagrees with it.
  const runningMin = (values: number[]): number[] => values.map((_, index) => Math.min(...values.slice(0, index + 1)));
  const disagreeing = await assessTask(CLEAR_TASK, { runExample: runningMaxRunner(runningMin) });
  assert.equal(disagreeing.verdict, 'vague');
  const reason = (disagreeing.missing ?? []).find((item) => item.includes('contradict the code'));
  assert.ok(reason, JSON.stringify(disagreeing.missing));
  assert.match(reason, /running_max\(\[1, 3, 2, 5\]\).*\[1, 3, 3, 5\].*\[1, 1, 1, 1\]/);
});

void test('examples the runner cannot evaluate are skipped, not held against the task', async () => {
  const assessment = await assessTask(CLEAR_TASK, { runExample: async () => undefined });
  assert.equal(assessment.verdict, 'actionable');
  assert.equal(analyzeTaskText(CLEAR_TASK).features.codeChecked, 0);
});

void test('a cancelled assessment stops running examples', async () => {
  const controller = new AbortController();
  let runs = 0;
  const runner = async (call: string): Promise<string | undefined> => {
    runs++;
    controller.abort();
    return runningMaxRunner(correctRunningMax)(call);
  };
  await assert.rejects(assessTask(CLEAR_TASK, { runExample: runner, signal: controller.signal }), (error: unknown) => error instanceof ReviseError && error.code === 'cancelled');
  assert.equal(runs, 1);
});

void test('the shipped weights load and cover exactly the features the code computes', () => {
  const file = JSON.parse(fs.readFileSync(path.join(repoRoot, 'extension', 'src', 'core', 'bounce', 'input', 'weights.json'), 'utf8')) as Record<string, unknown>;
  const model = loadVaguenessModel(file);
  const computed = Object.keys(analyzeTaskText(CLEAR_TASK).features).sort();
  assert.deepEqual(computed, [...FEATURE_NAMES].sort());
  assert.deepEqual([...(file.features as string[])].sort(), computed);
  for (const name of FEATURE_NAMES) assert.ok(Number.isFinite(model.weights[name]), name);
  assert.ok(model.threshold > 0 && model.threshold < 1);
  // A file that lacks a feature the code computes must be refused.
  const broken = { ...file, features: (file.features as string[]).slice(1) };
  assert.throws(() => loadVaguenessModel(broken), /do not match/);
});

void test('the logistic fit recovers a separable toy problem', () => {
  // Deterministic grid of points labelled by the line x + 2y > 0.5.
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let x = -2; x <= 2; x += 0.25) {
    for (let y = -2; y <= 2; y += 0.25) {
      const margin = x + 2 * y - 0.5;
      if (Math.abs(margin) < 0.1) continue;
      rows.push([x, y]);
      labels.push(margin > 0 ? 1 : 0);
    }
  }
  const fit = fitLogisticRegression(rows, labels, { l2: 0.01 });
  const correct = rows.filter((row, index) => (sigmoid(fit.weights[0] * row[0] + fit.weights[1] * row[1] + fit.bias) >= 0.5 ? 1 : 0) === labels[index]).length;
  assert.equal(correct, rows.length);
  // The boundary's direction and offset: w ∝ (1, 2), b / w0 ≈ -0.5.
  const cosine = (fit.weights[0] + 2 * fit.weights[1]) / (Math.hypot(fit.weights[0], fit.weights[1]) * Math.hypot(1, 2));
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
  assert.ok(Math.abs(fit.bias / fit.weights[0] + 0.5) < 0.15, `offset ${fit.bias / fit.weights[0]}`);
  // Stronger L2 shrinks the weights; the fit is deterministic.
  const shrunk = fitLogisticRegression(rows, labels, { l2: 100 });
  assert.ok(Math.hypot(...shrunk.weights) < Math.hypot(...fit.weights));
  assert.deepEqual(fitLogisticRegression(rows, labels, { l2: 0.01 }), fit);
});

void test('examples are found in the usual docstring styles', () => {
  const styles = parseTask(`
def f(s: str, c: str):
    """Remove from s every character in c.
    f("abc", "b") ==> "ac"
    f("abc", "") ➞ "abc"
    For s = "aa", c = "a", the result should be "".
    Input: s = "xy", c = "y"
    Output: "x"
    """
`);
  assert.equal(styles.signature?.name, 'f');
  assert.deepEqual(
    styles.examples.map((example) => [example.call, example.expected]),
    [
      ['f("abc", "b")', '"ac"'],
      ['f("abc", "")', '"abc"'],
      ['f("aa", "a")', '""'],
      ['f("xy", "y")', '"x"'],
    ],
  );
  assert.equal(styles.description, 'Remove from s every character in c.');

  const javascript = parseTask(`
/**
 * Adds two numbers.
 * @param {number} a
 * @param {number} b
 * @returns {number} the sum
 * add(2, 3) // => 5
 */
function add(a, b) {}
`);
  assert.equal(javascript.signature?.name, 'add');
  assert.deepEqual(javascript.signature?.parameters.map((parameter) => parameter.type), ['number', 'number']);
  assert.equal(javascript.signature?.returnType, 'number');
  assert.deepEqual(javascript.examples.map((example) => example.expected), ['5']);

  const plain = parseTask('Write a function that doubles a number, e.g. double(4) should return 8.');
  assert.equal(plain.hasCode, false);
  assert.match(plain.description, /doubles a number/);
});

void test('literals compare across Python and JavaScript spelling', () => {
  assert.ok(outputsEqual("('a', True, None)", '["a", true, null]'));
  assert.ok(outputsEqual('0.30000000000000004', '0.3'));
  assert.ok(!outputsEqual('[1, 2]', '[2, 1]'));
  assert.ok(outputsEqual('{1, 2}', '{2, 1}'));
  assert.ok(outputsEqual("{'a': 1, 'b': [2]}", '{b: [2], a: 1}'));
  assert.ok(!literalsEqual(parseLiteral('1')!, parseLiteral('True')!));
  assert.equal(parseLiteral('not a literal'), undefined);
});

void test('a bare >>> prompt and a lone ... parameter are read without throwing (boltons: Check and Fix stopped on one)', () => {
  const parsed = parseTask(['Pads a list.', '', '>>>', '>>> pad([1], 3)', '[1, None, None]', '>>>'].join('\n'), 'def pad(items, size, ...)');
  assert.deepEqual(
    parsed.examples.map((example) => [example.call, example.expected]),
    [['pad([1], 3)', '[1, None, None]']],
  );
  assert.deepEqual(
    parsed.signature?.parameters.map((parameter) => parameter.name),
    ['items', 'size'],
  );
});
