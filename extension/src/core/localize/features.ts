import type { LineRole, RepairOutcome } from '../types';
import type { LexicalFacts } from './lexical';
import type { LineSpectrum, SpectrumCounts } from './spectrum';
import type { StructureFacts } from './structure';

/** A reviewer's (e.g. an LLM critic's) probability that a line is faulty, with its reason. */
export interface CriticOpinion {
  probability: number;
  reason: string;
  /** Who said so, as the evidence should name it; default "a reviewer". */
  source?: string;
}

/** Everything known about one candidate line besides its spectrum. */
export interface LineContext {
  role?: LineRole;
  lexical: LexicalFacts;
  edited: boolean;
  /** Repair candidates validated on this line. */
  repairs: RepairOutcome[];
  /** A reviewer's view of the line; `source` names it in the evidence (e.g. `the LLM reviewer (gpt-4o-mini)`). */
  critic?: CriticOpinion;
  /** Method-level and call-stack facts (structure.ts); absent: all 0. */
  structure?: StructureFacts;
}

/** Ochiai suspiciousness: ef / sqrt(F · (ef + ep)). */
export function ochiai(failedCovering: number, passedCovering: number, totalFailed: number): number {
  const denominator = Math.sqrt(totalFailed * (failedCovering + passedCovering));
  return denominator === 0 ? 0 : failedCovering / denominator;
}

/** DStar with star 2: ef² / (ep + nf); infinite when only failing tests, all of them, run the line. */
export function dstar(failedCovering: number, passedCovering: number, failedNotCovering: number): number {
  const denominator = passedCovering + failedNotCovering;
  const numerator = failedCovering * failedCovering;
  return denominator === 0 ? (numerator === 0 ? 0 : Number.POSITIVE_INFINITY) : numerator / denominator;
}

/** DStar squashed into [0, 1] as d / (1 + d), with ∞ → 1. */
export function squashedDstar(value: number): number {
  return value === Number.POSITIVE_INFINITY ? 1 : value / (1 + value);
}

/**
 * For each value, 1 − (number of values strictly greater) / n: 1 for every line tied at the top,
 * falling towards 0 at the bottom. Ties share the best rank, so a run with one suspicious block
 * gives the whole block the same rank feature.
 */
export function rankFractions(values: Float64Array): Float64Array {
  const count = values.length;
  const order = Array.from({ length: count }, (_, index) => index).sort((left, right) => values[right] - values[left]);
  const result = new Float64Array(count);
  let position = 0;
  while (position < count) {
    let end = position;
    while (end + 1 < count && values[order[end + 1]] === values[order[position]]) end += 1;
    const fraction = 1 - position / count;
    for (let index = position; index <= end; index++) result[order[index]] = fraction;
    position = end + 1;
  }
  return result;
}

/** Lowest and highest probability the critic may assert, so one reply cannot swamp all other evidence. */
const CRITIC_CLAMP = 0.02;
/**
 * The more lines the failing tests run, the lower each one's prior odds of being the fault, so the
 * log of the candidate count is a feature. It is capped because the training runs had at most a few
 * dozen candidates and a large run's spectrum separates lines better than its size alone suggests.
 */
const CANDIDATE_CAP = 50;
/** Token counts above this add nothing: a long line is not endlessly more suspicious. */
const TOKEN_CAP = 40;

/**
 * Feature values of one line, named as in `FEATURE_KINDS`, plus raw counts for people and benchmarks
 * (`ef`, `ep`, `nf`, `np`, `tracebackTests`, `deepestFrameTests`) that the model does not weigh.
 */
export function lineFeatures(
  spectrum: LineSpectrum,
  counts: SpectrumCounts,
  ochiaiRank: number,
  dstarRank: number,
  context: LineContext,
): Record<string, number> {
  const { failedCovering, passedCovering, failedNotCovering, passedNotCovering } = spectrum;
  const { totalFailed, totalPassed } = counts;
  const repair = repairFeatures(context.repairs);
  const role = context.role;
  const lexical = context.lexical;
  const critic = context.critic;
  const structure = context.structure;
  let criticLogit = 0;
  if (critic && Number.isFinite(critic.probability)) {
    const probability = Math.min(1 - CRITIC_CLAMP, Math.max(CRITIC_CLAMP, critic.probability));
    criticLogit = Math.log(probability / (1 - probability));
  }
  return {
    ef: failedCovering,
    ep: passedCovering,
    nf: failedNotCovering,
    np: passedNotCovering,
    tracebackTests: spectrum.tracebackTests,
    deepestFrameTests: spectrum.deepestFrameTests,
    failedCoverage: totalFailed === 0 ? 0 : failedCovering / totalFailed,
    passedCoverage: totalPassed === 0 ? 0 : passedCovering / totalPassed,
    ochiai: ochiai(failedCovering, passedCovering, totalFailed),
    dstar: squashedDstar(dstar(failedCovering, passedCovering, failedNotCovering)),
    ochiaiRank,
    dstarRank,
    onlyFailing: passedCovering === 0 && totalPassed > 0 ? 1 : 0,
    candidateLines: Math.log(Math.min(counts.lines.length, CANDIDATE_CAP)),
    tracebackFraction: totalFailed === 0 ? 0 : spectrum.tracebackTests / totalFailed,
    deepestFrameFraction: totalFailed === 0 ? 0 : spectrum.deepestFrameTests / totalFailed,
    edited: context.edited ? 1 : 0,
    roleCondition: role === 'condition' ? 1 : 0,
    roleLoop: role === 'loop' ? 1 : 0,
    roleReturn: role === 'return' ? 1 : 0,
    roleAssignment: role === 'assignment' ? 1 : 0,
    roleCall: role === 'call' ? 1 : 0,
    roleRaise: role === 'raise' ? 1 : 0,
    roleOther: role === 'other' ? 1 : 0,
    hasComparison: lexical.hasComparison ? 1 : 0,
    hasArithmetic: lexical.hasArithmetic ? 1 : 0,
    hasIntegerLiteral: lexical.hasIntegerLiteral ? 1 : 0,
    hasIndexing: lexical.hasIndexing ? 1 : 0,
    hasBooleanOperator: lexical.hasBooleanOperator ? 1 : 0,
    hasCall: lexical.hasCall ? 1 : 0,
    isTrivial: lexical.isTrivial ? 1 : 0,
    isDefinition: lexical.isDefinition ? 1 : 0,
    tokenCount: Math.min(lexical.tokenCount, TOKEN_CAP),
    methodOchiai: structure?.methodOchiai ?? 0,
    methodRank: structure?.methodRank ?? 0,
    lineInMethod: structure?.lineInMethod ?? 0,
    moduleLevel: structure?.moduleLevel ?? 0,
    stackFunction: structure?.stackFunction ?? 0,
    stackProximity: structure?.stackProximity ?? 0,
    testNamesFunction: structure?.testNamesFunction ?? 0,
    testFileNamesModule: structure?.testFileNamesModule ?? 0,
    ochiaiAbove: structure?.ochiaiAbove ?? 0,
    repairFixedFraction: repair.fixedFraction,
    repairPlausible: repair.plausible,
    repairNoFix: repair.noFix,
    criticLogit,
  };
}

/**
 * Mutation-style evidence from validated repair candidates on a line: the best share of failing
 * tests any candidate fixed; whether one fixed them all without breaking a passing test (a plausible
 * patch); and whether candidates were tried here and none fixed anything.
 */
export function repairFeatures(repairs: RepairOutcome[]): { fixedFraction: number; plausible: number; noFix: number } {
  if (repairs.length === 0) return { fixedFraction: 0, plausible: 0, noFix: 0 };
  let fixedFraction = 0;
  let plausible = 0;
  for (const outcome of repairs) {
    if (outcome.failingBefore <= 0) continue;
    const fraction = Math.min(1, Math.max(0, outcome.fixed / outcome.failingBefore));
    fixedFraction = Math.max(fixedFraction, fraction);
    if (fraction === 1 && outcome.broken === 0) plausible = 1;
  }
  return { fixedFraction, plausible, noFix: fixedFraction === 0 ? 1 : 0 };
}
