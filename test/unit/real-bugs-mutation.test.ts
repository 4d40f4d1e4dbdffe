import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gridFit, logisticFit, rankUnder, type BugRows } from '../../bench/real-bugs/mutation';

/** A line row: spectrum logit, repair features (fixed fraction, plausible, no fix), faulty or not. */
function row(line: number, base: number, repair: [number, number, number], faulty = false) {
  return { base, repair, ochiai: 0.5, deepest: 0, file: '/p/a.py', line, faulty };
}

void test('rankUnder ranks the faulty line as localizeFaults would under the given repair weights', () => {
  // The faulty line 3 has the weaker spectrum, but a candidate there fixed every failing test; line 1's fixed nothing.
  const rows = [row(1, 0, [0, 0, 1]), row(2, -2, [0, 0, 0]), row(3, -1, [1, 1, 0], true)];
  assert.equal(rankUnder(rows, [0, 0, 0]), 2);
  assert.equal(rankUnder(rows, [1.5, 1.5, -0.5]), 1);
  // Equal probabilities: Ochiai, then the file and the line break the tie.
  assert.equal(rankUnder([row(1, 0, [0, 0, 0]), row(2, 0, [0, 0, 0], true)], [0, 0, 0]), 2);
  assert.equal(rankUnder([row(1, 0, [0, 0, 0])], [0, 0, 0]), undefined);
});

void test('the grid fit keeps the priors without repair evidence and moves towards evidence that finds the faulty line', () => {
  const priors: [number, number, number] = [1.5, 1.5, -0.5];
  const none: BugRows[] = [{ id: 'a', project: 'p', language: 'python', rows: [row(1, 0, [0, 0, 0]), row(2, -1, [0, 0, 0], true)] }];
  assert.deepEqual(gridFit(none, priors), priors);
  // The faulty line needs more than +3 log-odds from a plausible candidate to pass a line 4 log-odds ahead.
  const strong: BugRows[] = [{ id: 'b', project: 'p', language: 'python', rows: [row(1, 0, [0, 0, 0]), row(2, -4, [1, 1, 0], true)] }];
  const fitted = gridFit(strong, priors);
  assert.ok(fitted[0] + fitted[1] > 4, `fitted ${fitted.join(', ')}`);
  assert.equal(rankUnder(strong[0].rows, fitted), 1);
});

void test('the logistic fit gives a positive weight to a feature that marks faulty lines and a negative one to a feature that marks clean lines', () => {
  const bugs: BugRows[] = [];
  for (let index = 0; index < 20; index++) {
    const rows = [row(1, -2, [1, 0, 0], true), row(2, -2, [0, 0, 1]), row(3, -2, [0, 0, 1]), row(4, -2, [0, 0, 0]), row(5, -2, [0, 0, 0], index % 4 === 0)];
    bugs.push({ id: `b${index}`, project: 'p', language: 'python', rows });
  }
  const [fixedFraction, , noFix] = logisticFit(bugs);
  assert.ok(fixedFraction > 1, `repairFixedFraction ${fixedFraction}`);
  assert.ok(noFix < 0, `repairNoFix ${noFix}`);
});
