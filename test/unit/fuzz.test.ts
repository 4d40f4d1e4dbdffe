/**
 * A small seeded run of the parser fuzzing (the `bench/faults` run does ≥ 100,000 inputs): every parser of
 * foreign text returns a result or a typed error for every generated input.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fuzzParsers } from '../support/fuzz-targets';

const SEED = 20261204;
const RUNS = 150;

test('every parser of foreign text returns a result or a typed error (seeded fuzzing)', { timeout: 120_000 }, async () => {
  const outcomes = await fuzzParsers(RUNS, SEED);
  assert.ok(outcomes.length >= 10, 'all parsers are fuzzed');
  for (const outcome of outcomes) {
    assert.equal(outcome.failure, undefined, `${outcome.name}: ${outcome.failure}`);
    assert.equal(outcome.inputs, RUNS, `${outcome.name} saw every input`);
  }
});

test('the fuzzing can fail: a parser that throws a plain TypeError is caught', async () => {
  const fc = await import('fast-check');
  const details = await fc.check(
    fc.asyncProperty(fc.string(), async (text) => {
      if (text.length > 3) throw new TypeError('cannot read properties of undefined');
    }),
    { numRuns: 200, seed: SEED },
  );
  assert.equal(details.failed, true);
});
