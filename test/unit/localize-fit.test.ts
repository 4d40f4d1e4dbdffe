import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { assignFolds, choleskySolve, newtonLogistic, seededRandom } from '../../bench/localize/fit';
import { reliability, summarizeRanks } from '../../bench/localize/metrics';

void test('Cholesky solves a symmetric positive-definite system', () => {
  const solution = choleskySolve(
    [
      [4, 2, 0],
      [2, 5, 1],
      [0, 1, 3],
    ],
    [2, 9, 7],
  );
  assert.ok(Math.abs(4 * solution[0] + 2 * solution[1] - 2) < 1e-9);
  assert.ok(Math.abs(2 * solution[0] + 5 * solution[1] + solution[2] - 9) < 1e-9);
  assert.ok(Math.abs(solution[1] + 3 * solution[2] - 7) < 1e-9);
});

void test('Newton logistic regression recovers the coefficients that generated the labels', () => {
  const next = seededRandom(7);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let index = 0; index < 4000; index++) {
    const first = next() * 2 - 1;
    const second = next() * 2 - 1;
    const probability = 1 / (1 + Math.exp(-(-0.5 + 2 * first - 1 * second)));
    rows.push([1, first, second]);
    labels.push(next() < probability ? 1 : 0);
  }
  const weights = rows.map(() => 1);
  const { coefficients } = newtonLogistic(rows, labels, weights, 0.001, 50);
  assert.ok(Math.abs(coefficients[0] + 0.5) < 0.2, `intercept ${coefficients[0]}`);
  assert.ok(Math.abs(coefficients[1] - 2) < 0.3, `first ${coefficients[1]}`);
  assert.ok(Math.abs(coefficients[2] + 1) < 0.3, `second ${coefficients[2]}`);
  // Deterministic, and a strong penalty shrinks the slopes towards zero but not the intercept's role.
  assert.deepEqual(newtonLogistic(rows, labels, weights, 0.001, 50).coefficients, coefficients);
  const shrunk = newtonLogistic(rows, labels, weights, 5000, 50).coefficients;
  assert.ok(Math.abs(shrunk[1]) < Math.abs(coefficients[1]) / 2);
});

void test('folds keep each group together and are the same every time', () => {
  const groups = Array.from({ length: 25 }, (_, index) => `task/${index}`);
  const folds = assignFolds([...groups, ...groups], 5);
  assert.equal(folds.size, 25);
  assert.deepEqual([...assignFolds(groups, 5)].sort(), [...folds].sort());
  const sizes = [0, 0, 0, 0, 0];
  for (const fold of folds.values()) sizes[fold] += 1;
  assert.deepEqual(sizes, [5, 5, 5, 5, 5]);
});

void test('rank summaries and reliability tables count what they claim', () => {
  const summary = summarizeRanks([1, 2, 4, undefined]);
  assert.deepEqual(summary.hits, { top1: 1, top3: 2, top5: 3 });
  assert.equal(summary.notRanked, 1);
  assert.equal(summary.meanReciprocalRank, Math.round(((1 + 0.5 + 0.25) / 4) * 10000) / 10000);
  const table = reliability([
    { probability: 0.05, label: 0 },
    { probability: 0.05, label: 0 },
    { probability: 0.95, label: 1 },
    { probability: 1, label: 0 },
  ]);
  assert.equal(table.bins[0].count, 2);
  assert.equal(table.bins[9].count, 2);
  assert.equal(table.bins[9].observedRate, 0.5);
  // |0 − 0.05|·2/4 + |0.5 − 0.975|·2/4
  assert.equal(table.ece, Math.round((0.025 + 0.2375) * 10000) / 10000);
});
