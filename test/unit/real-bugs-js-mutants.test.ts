import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { javascriptMutants } from '../../bench/real-bugs/jsMutate';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir } from './helpers';

const source = [
  "const LIMIT = 10; // module level: never mutated",
  'function clamp(value, ok) {',
  '  if (value >= LIMIT && !ok) return LIMIT - 1;',
  "  const label = 'a < b';",
  '  return value * 2 === 4 ? true : value;',
  '}',
  'module.exports = { clamp };',
].join('\n');

void test('JavaScript mutants: one token on one line, inside functions only, the mutated line as text', async () => {
  const mutants = await javascriptMutants(source, new SyntaxService(grammarsDir));
  const listed = mutants.map((mutant) => `${mutant.line}:${mutant.operator}:${mutant.original}→${mutant.replacement}`);
  assert.deepEqual(listed, [
    '3:boolean-operator:&&→||',
    '3:comparison-operator:>=→>',
    '3:negation-dropped:!ok→ok',
    '3:arithmetic-operator:-→+',
    '3:constant-off-by-one:1→0',
    '5:comparison-operator:===→!==',
    '5:arithmetic-operator:*→/',
    '5:constant-off-by-one:2→1',
    '5:constant-off-by-one:4→3',
    '5:boolean-flipped:true→false',
  ]);
  assert.equal(mutants.find((mutant) => mutant.operator === 'negation-dropped')?.text, '  if (value >= LIMIT && ok) return LIMIT - 1;');
  assert.equal(mutants.find((mutant) => mutant.original === '===')?.text, '  return value * 2 !== 4 ? true : value;');
  // Nothing on line 1 (module level) or inside the string on line 4.
  assert.ok(mutants.every((mutant) => mutant.line !== 1 && mutant.line !== 4));
});
