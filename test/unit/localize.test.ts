import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { SourceReader } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore, StackFrame, TestResult, TestRun } from '../../extension/src/core/types';
import {
  defaultModel,
  FEATURE_NAMES,
  lexicalFacts,
  localizeFaults,
  OPTIONAL_FEATURES,
  parseModel,
  rankFractions,
  spectrumCounts,
  type ScorerModel,
} from '../../extension/src/core/localize/index';
import { grammarsDir } from './helpers';

const root = path.resolve('/project');
const calc = path.join(root, 'src', 'calc.py');
const util = path.join(root, 'src', 'util.py');
const testFile = path.join(root, 'tests', 'test_calc.py');

const calcSource = [
  'def divide(a, b):', //               1
  '    if b < 0:', //                   2
  '        b = -b', //                  3
  '    result = a / b', //              4
  '    return result', //               5
  '', //                                6
  'def add(a, b):', //                  7
  '    return a + b', //                8
].join('\n');

/** An in-memory view of the project's files, standing in for the adapters' readers. */
function reader(files: Record<string, string>): SourceReader {
  return { read: async (file) => files[file] };
}

const sources = reader({ [calc]: calcSource, [util]: 'x = 1\ny = 2\nz = 3\n' });

function result(id: string, outcome: TestResult['outcome'], coveredLines: Record<string, number[]> | undefined, frames: StackFrame[] = []): TestResult {
  return { id: `tests/test_calc.py::${id}`, file: testFile, outcome, durationMs: 1, frames, coveredLines };
}

function testRun(tests: TestResult[], extra: Partial<TestRun> = {}): TestRun {
  return {
    framework: 'pytest',
    root,
    command: ['python3', '-m', 'pytest'],
    tests,
    problems: [],
    durationMs: 10,
    coverageMethod: 'coverage.py',
    complete: true,
    testFiles: [testFile],
    ...extra,
  };
}

function find(scores: LineScore[], file: string, line: number): LineScore {
  const score = scores.find((entry) => entry.file === file && entry.line === line);
  assert.ok(score, `no score for ${file}:${line}`);
  return score;
}

/** A model that gives every line the same score, to expose the tie-breaking order. */
const flatModel: ScorerModel = { intercept: 0, features: {} };

void test('a line run only by failing tests outranks one run by every test', async () => {
  const run = testRun([
    result('test_negative', 'failed', { [calc]: [1, 2, 3, 4, 5] }),
    result('test_positive', 'passed', { [calc]: [1, 2, 4, 5] }),
    result('test_other', 'passed', { [calc]: [1, 2, 4, 5] }),
  ]);
  const scores = await localizeFaults({ run, sources });
  assert.equal(scores[0].line, 3);
  assert.ok(find(scores, calc, 3).score > find(scores, calc, 4).score);
  assert.deepEqual(
    scores.map((score) => score.rank),
    scores.map((_, index) => index + 1),
  );
});

void test('counts the spectrum of each line, joining tracebacks to coverage and ignoring skipped tests', () => {
  const run = testRun([
    result('test_a', 'failed', { [calc]: [1, 2, 4] }),
    // No coverage (e.g. stopped by a timeout), but its traceback names line 4 and 5.
    result('test_b', 'failed', undefined, [
      { file: testFile, line: 10 },
      { file: calc, line: 5 },
      { file: calc, line: 4 },
    ]),
    result('test_c', 'passed', { [calc]: [1, 2, 4, 5, 8] }),
    result('test_d', 'skipped', { [calc]: [1, 2, 3] }),
    result('test_e', 'failed', undefined),
  ]);
  const counts = spectrumCounts(run);
  assert.equal(counts.totalFailed, 2, 'a failing test with no coverage and no traceback says nothing');
  assert.equal(counts.totalPassed, 1);
  const byLine = new Map(counts.lines.map((line) => [line.line, line]));
  assert.deepEqual([...byLine.keys()], [1, 2, 4, 5]);
  const four = byLine.get(4);
  assert.ok(four);
  assert.equal(four.failedCovering, 2);
  assert.equal(four.passedCovering, 1);
  assert.equal(four.failedNotCovering, 0);
  assert.equal(four.passedNotCovering, 0);
  assert.equal(four.deepestFrameTests, 1);
  assert.equal(four.raisedHereTests, 1);
  assert.deepEqual(four.deepestFrameTestIds, ['tests/test_calc.py::test_b']);
  assert.equal(byLine.get(5)?.tracebackTests, 1);
  assert.equal(byLine.get(5)?.deepestFrameTests, 0);
  assert.equal(byLine.get(1)?.failedNotCovering, 1);
});

void test('test files, files outside the root and installed packages are never scored', async () => {
  const outside = path.resolve('/elsewhere/lib.py');
  const installed = path.join(root, '.venv', 'lib', 'site-packages', 'pkg', 'mod.py');
  const run = testRun([
    result('test_a', 'failed', { [calc]: [4], [testFile]: [3, 4, 5], [outside]: [1], [installed]: [7] }, [
      { file: testFile, line: 5 },
      { file: installed, line: 7 },
    ]),
    result('test_b', 'passed', { [calc]: [8], [testFile]: [8] }),
  ]);
  const scores = await localizeFaults({ run, sources });
  assert.deepEqual(
    scores.map((score) => `${score.file}:${score.line}`),
    [`${calc}:4`],
  );
});

void test('ties break by Ochiai, then deepest frame, then file path, then line, whatever the test order', async () => {
  const tests = [
    result('test_a', 'failed', { [util]: [1, 2, 3], [calc]: [2, 4] }, [{ file: calc, line: 4 }]),
    result('test_b', 'failed', { [util]: [3, 2, 1], [calc]: [2, 4] }),
    result('test_c', 'passed', { [util]: [1], [calc]: [2] }),
  ];
  const expected = [`${calc}:4`, `${util}:2`, `${util}:3`, `${calc}:2`, `${util}:1`];
  for (const order of [tests, [...tests].reverse()]) {
    const scores = await localizeFaults({ run: testRun(order), sources, model: flatModel });
    // calc:4 and util:2/3 share the top Ochiai; calc:4 is a deepest frame; util:2 and util:3 differ by line.
    assert.deepEqual(
      scores.map((score) => `${score.file}:${score.line}`),
      expected,
    );
    assert.ok(scores.every((score) => score.score === 0.5));
  }
});

void test('a line where failing tests raised outranks an identical line without a traceback', async () => {
  const run = testRun([
    result('test_div', 'failed', { [calc]: [1, 2, 4, 5] }, [
      { file: testFile, line: 12 },
      { file: calc, line: 4 },
    ]),
    result('test_add', 'passed', { [calc]: [7, 8] }),
  ]);
  const scores = await localizeFaults({ run, sources });
  const raised = find(scores, calc, 4);
  assert.ok(raised.score > find(scores, calc, 5).score, 'traceback should raise line 4 above line 5');
  assert.equal(raised.rank, 1);
  assert.equal(raised.features.deepestFrameFraction, 1);
  const traceback = raised.evidence.find((item) => item.kind === 'traceback');
  assert.equal(traceback?.detail, 'raised here in tests/test_calc.py::test_div');
  assert.ok((traceback?.weight ?? 0) > 0);
});

void test('a repair candidate that fixes the failing tests raises its line; one that fixes nothing does not', async () => {
  const run = testRun([result('test_div', 'failed', { [calc]: [1, 2, 4, 5] }), result('test_add', 'passed', { [calc]: [7, 8] })]);
  const before = await localizeFaults({ run, sources });
  const after = await localizeFaults({
    run,
    sources,
    repairOutcomes: [
      { file: calc, line: 2, origin: 'template:comparison-operator', fixed: 1, broken: 0, failingBefore: 1 },
      { file: calc, line: 5, origin: 'template:return-value', fixed: 0, broken: 1, failingBefore: 1 },
    ],
  });
  assert.ok(find(after, calc, 2).score > find(before, calc, 2).score);
  assert.ok(find(after, calc, 5).score < find(before, calc, 5).score);
  assert.equal(after[0].line, 2);
  assert.equal(find(after, calc, 2).evidence[0].kind, 'repair');
  assert.equal(find(after, calc, 2).evidence[0].detail, 'a candidate fix here (template:comparison-operator) makes 1/1 failing tests pass and breaks no passing test');
  assert.equal(find(after, calc, 5).evidence.find((item) => item.kind === 'repair')?.detail, '1 candidate fix tried here fixed no failing test');
});

void test('a critic and a recent edit move a line in the direction they point', async () => {
  const run = testRun([result('test_div', 'failed', { [calc]: [1, 2, 4, 5] }), result('test_add', 'passed', { [calc]: [7, 8] })]);
  const base = await localizeFaults({ run, sources });
  const informed = await localizeFaults({
    run,
    sources,
    recentEdits: { [calc]: [4] },
    critic: new Map([
      [`${calc}:2`, { probability: 0.05, reason: 'the guard looks right' }],
      [`${calc}:5`, { probability: 0.9, reason: 'returns the wrong variable' }],
    ]),
  });
  assert.ok(find(informed, calc, 4).score > find(base, calc, 4).score);
  assert.ok(find(informed, calc, 5).score > find(base, calc, 5).score);
  assert.ok(find(informed, calc, 2).score < find(base, calc, 2).score);
  assert.equal(find(informed, calc, 4).evidence.find((item) => item.kind === 'edited')?.detail, 'changed since the last commit');
  assert.equal(find(informed, calc, 5).evidence.find((item) => item.kind === 'critic')?.detail, 'a reviewer rates it 90% likely faulty: returns the wrong variable');
  assert.equal(find(base, calc, 4).features.edited, 0);
  assert.equal(find(base, calc, 4).features.criticLogit, 0);
});

void test('evidence reads in plain words, strongest contribution first, with syntax roles from tree-sitter', async () => {
  const passing = Array.from({ length: 7 }, (_, index) => result(`test_pass_${index}`, 'passed', { [calc]: [1, 4, 5] }));
  const run = testRun([
    result('test_negative_1', 'failed', { [calc]: [1, 2, 3, 4, 5] }),
    result('test_negative_2', 'failed', { [calc]: [1, 2, 3, 4, 5] }),
    ...passing,
  ]);
  const syntax = new SyntaxService(grammarsDir);
  const scores = await localizeFaults({ run, sources, syntax });
  const condition = find(scores, calc, 2);
  assert.equal(condition.text, 'if b < 0:');
  assert.equal(condition.features.roleCondition, 1);
  assert.equal(condition.features.hasComparison, 1);
  const spectrum = condition.evidence.find((item) => item.kind === 'spectrum');
  assert.equal(spectrum?.detail, 'run by 2/2 failing and 0/7 passing tests');
  assert.equal(condition.evidence.find((item) => item.kind === 'syntax')?.detail, 'a condition with a comparison and an integer literal');
  assert.equal(find(scores, calc, 5).evidence.find((item) => item.kind === 'syntax')?.detail, 'a return statement that only moves a value');
  assert.equal(find(scores, calc, 4).evidence.find((item) => item.kind === 'syntax')?.detail, 'an assignment with arithmetic');
  for (const score of scores) {
    const strengths = score.evidence.map((item) => Math.abs(item.weight ?? 0));
    assert.deepEqual(
      strengths,
      [...strengths].sort((left, right) => right - left),
    );
  }
});

void test('scores are probabilities and ranks run 1..n', async () => {
  const tests: TestResult[] = [];
  for (let index = 0; index < 30; index++) {
    const lines = [1, 2, 4, 5, 7, 8].filter((line) => (line * 7 + index) % 3 !== 0);
    tests.push(result(`test_${index}`, index % 4 === 0 ? 'failed' : 'passed', { [calc]: lines, [util]: [1 + (index % 3)] }, index % 8 === 0 ? [{ file: calc, line: lines[0] }] : []));
  }
  const scores = await localizeFaults({ run: testRun(tests), sources });
  assert.ok(scores.length > 0);
  scores.forEach((score, index) => {
    assert.ok(score.score >= 0 && score.score <= 1 && Number.isFinite(score.score));
    assert.equal(score.rank, index + 1);
    if (index > 0) assert.ok(scores[index - 1].score >= score.score);
    for (const name of FEATURE_NAMES) assert.ok(Number.isFinite(score.features[name]), `${name} is not finite`);
  });
});

void test('no failing tests means nothing to score, and a cancelled check stops', async () => {
  const passingOnly = testRun([result('test_add', 'passed', { [calc]: [7, 8] })]);
  assert.deepEqual(await localizeFaults({ run: passingOnly, sources }), []);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    localizeFaults({ run: testRun([result('test_div', 'failed', { [calc]: [4] })]), sources, signal: controller.signal }),
    (error: Error) => error.name === 'ReviseError',
  );
});

void test('the shipped model is valid and weighs every fitted feature; bad models are refused', () => {
  const model = defaultModel();
  for (const name of Object.keys(model.features)) assert.ok(FEATURE_NAMES.includes(name), `unknown feature ${name} in weights.json`);
  for (const name of OPTIONAL_FEATURES) assert.ok(name in model.features, `optional feature ${name} needs a prior weight`);
  assert.throws(() => parseModel({ intercept: 'x', features: {} }));
  assert.throws(() => parseModel({ intercept: 0, features: { ochiai: { weight: Number.NaN } } }));
});

void test('rank fractions share the best rank among ties', () => {
  assert.deepEqual([...rankFractions(new Float64Array([0.2, 0.9, 0.9, 0.1]))], [0.5, 1, 1, 0.25]);
});

void test('lexical facts ignore strings and comments', () => {
  const facts = lexicalFacts('    message = "a < b + 1"  # i + 1', true);
  assert.equal(facts.hasComparison, false);
  assert.equal(facts.hasArithmetic, false);
  assert.equal(facts.hasIntegerLiteral, false);
  const loop = lexicalFacts('    for i in range(len(xs) - 1):', true);
  assert.equal(loop.hasComparison, false);
  assert.equal(loop.hasArithmetic, true);
  assert.equal(loop.hasIntegerLiteral, true);
  assert.equal(lexicalFacts('if (a[i] !== b && !done) {', false).hasBooleanOperator, true);
  assert.equal(lexicalFacts('def f(x: List[int]) -> bool:', true).isDefinition, true);
  assert.equal(lexicalFacts('def f(x: List[int]) -> bool:', true).hasCall, false);
  assert.equal(lexicalFacts('    return sorted(values)', true).hasCall, true);
  assert.equal(lexicalFacts('    return True', true).isTrivial, true);
  assert.equal(lexicalFacts('    return x + 1', true).isTrivial, false);
});

void test('method-level and call-stack features: the function, the line inside it, its distance from the traceback end', async () => {
  const syntax = new SyntaxService(grammarsDir);
  // divide (lines 2-5) calls nothing; the failing test's traceback goes through add (line 8) and ends in divide (line 4).
  const run = testRun([
    result('test_fails', 'failed', { [calc]: [1, 2, 4, 5, 7, 8] }, [
      { file: testFile, line: 3 },
      { file: calc, line: 8 },
      { file: calc, line: 4 },
    ]),
    result('test_passes', 'passed', { [calc]: [1, 2, 3, 4, 5] }),
  ]);
  const scores = await localizeFaults({ run, sources, syntax });
  const features = (line: number) => find(scores, calc, line).features;
  // `def` lines run at import time: module level; body lines are not.
  assert.equal(features(1).moduleLevel, 1);
  assert.equal(features(7).moduleLevel, 1);
  assert.equal(features(4).moduleLevel, 0);
  // add's body (line 8) is run only by the failing test: add is the most suspicious function, and line 8 its best line.
  assert.ok(features(8).methodOchiai > features(4).methodOchiai);
  assert.equal(features(8).methodRank, 1);
  assert.equal(features(8).lineInMethod, 1);
  assert.equal(features(4).lineInMethod, 1);
  // Both functions are on the one failing test's stack; divide is the deepest frame, add one above it.
  assert.equal(features(4).stackFunction, 1);
  assert.equal(features(4).stackProximity, 1);
  assert.equal(features(8).stackFunction, 1);
  assert.equal(features(8).stackProximity, 0.5);
  assert.equal(features(1).stackFunction, 0, 'module level is not on the stack');
  // Without a syntax service nothing is known about functions: all 0.
  const plain = await localizeFaults({ run, sources });
  assert.equal(find(plain, calc, 8).features.methodRank, 0);
  assert.equal(find(plain, calc, 1).features.moduleLevel, 0);
});
