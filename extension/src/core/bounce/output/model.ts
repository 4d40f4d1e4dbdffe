/**
 * The trust model: a logistic regression over transformed `TrustFeatures`, fitted on the repair
 * benchmark's validated patches (label: the hidden tests pass) by `bench/repair/fit-bouncer.ts`, plus a
 * fixed penalty for vague tasks, and a calibration table that maps a target precision to a trust
 * threshold at run time.
 */
import type { CalibrationRow, TrustFeatures, TrustModel } from './types';

/** One model input: a name, how it is computed from the features, and the sign it must have if constrained. */
export interface FeatureTransform {
  name: string;
  value(features: TrustFeatures): number;
  /** +1: more of it can only raise trust; -1: only lower it (enforced when fitting). */
  sign?: 1 | -1;
}

/** Every transform the model may use; the model file names the ones it was fitted with. */
export const FEATURE_TRANSFORMS: FeatureTransform[] = [
  { name: 'logCoveringPassing', value: (f) => Math.log1p(f.coveringPassing), sign: 1 },
  { name: 'logCoveringAssertions', value: (f) => Math.log1p(f.coveringAssertions), sign: 1 },
  { name: 'noPassingTestRunsLine', value: (f) => (f.coverageKnown === 1 && f.coveringPassing === 0 ? 1 : 0), sign: -1 },
  { name: 'logValidatedPatches', value: (f) => Math.log(Math.max(1, f.validatedPatches)) },
  { name: 'logBehaviorClasses', value: (f) => Math.log(Math.max(1, f.behaviorClasses)), sign: -1 },
  { name: 'classShare', value: (f) => f.classShare, sign: 1 },
  { name: 'disagreementRate', value: (f) => f.disagreementRate, sign: -1 },
  { name: 'differentialRan', value: (f) => (f.differentialInputs > 0 ? 1 : 0) },
  // Every compared validated patch behaves the same on the varied inputs (or there is only one).
  { name: 'allAgree', value: (f) => (f.behaviorClasses <= 1 && f.disagreementRate === 0 ? 1 : 0), sign: 1 },
  { name: 'logEditChars', value: (f) => Math.log1p(f.editChars) },
  { name: 'logTemplatePrior', value: (f) => Math.log(Math.max(1e-3, f.templatePrior)) },
  { name: 'lineScore', value: (f) => f.lineScore },
  { name: 'lineIsTopSuspect', value: (f) => (f.lineRank === 1 ? 1 : 0) },
  { name: 'localizationMargin', value: (f) => f.localizationMargin },
  { name: 'logCandidateRank', value: (f) => Math.log(Math.max(1, f.candidateRank)) },
];

const TRANSFORMS = new Map(FEATURE_TRANSFORMS.map((transform) => [transform.name, transform]));

/** The model's input row for `features`, in `names` order (unstandardised). */
export function featureRow(features: TrustFeatures, names: string[]): number[] {
  return names.map((name) => {
    const transform = TRANSFORMS.get(name);
    if (!transform) throw new Error(`unknown trust feature ${name}`);
    return transform.value(features);
  });
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const exponential = Math.exp(z);
  return exponential / (1 + exponential);
}

/** Log-odds of a correct patch, before the vagueness penalty, with each feature's contribution. */
export function trustLogit(model: TrustModel, features: TrustFeatures): { logit: number; contributions: Record<string, number> } {
  const row = featureRow(features, model.features);
  const contributions: Record<string, number> = {};
  let logit = model.bias;
  row.forEach((value, index) => {
    const contribution = (model.weights[index] * (value - model.means[index])) / model.scales[index];
    contributions[model.features[index]] = contribution;
    logit += contribution;
  });
  return { logit, contributions };
}

/** The input bouncer's boundary between actionable and vague; above it the penalty grows linearly. */
export const VAGUENESS_ALLOWANCE = 0.5;

/** Trust in [0, 1] that a validated patch is the right fix; 0 for a patch that does not pass every test. */
export function trustOf(model: TrustModel, features: TrustFeatures): number {
  if (features.passesAll !== 1) return 0;
  const { logit } = trustLogit(model, features);
  return sigmoid(logit - model.vaguenessPenalty * Math.max(0, features.vagueness - VAGUENESS_ALLOWANCE));
}

/** Validates a parsed `trust-model.json` (throws on a malformed file, so a bad refit fails loudly). */
export function loadTrustModel(data: unknown): TrustModel {
  const model = data as TrustModel;
  const length = model?.features?.length;
  if (model?.version !== 1 || !Array.isArray(model.features) || [model.weights, model.means, model.scales].some((column) => !Array.isArray(column) || column.length !== length)) {
    throw new Error('trust-model.json: expected version 1 with features, weights, means and scales of one length');
  }
  for (const name of model.features) if (!TRANSFORMS.has(name)) throw new Error(`trust-model.json: unknown feature ${name}`);
  if (!Array.isArray(model.calibration)) throw new Error('trust-model.json: missing calibration table');
  return model;
}

/** The lookup for one target precision. */
export interface ThresholdChoice {
  /** Trust at or above which the best patch is proposed (`Infinity`: never). */
  threshold: number;
  /** The calibration row that met the target, if any. */
  row?: CalibrationRow;
}

/**
 * The lowest trust threshold whose calibration row reaches `targetPrecision` after the split-conformal
 * correction (one extra wrong proposal counted: `(selected - wrong) / (selected + 1)`), i.e. the most
 * proposals that still meet the target on held-in data. `Infinity` when no row does.
 */
export function thresholdFor(calibration: CalibrationRow[], targetPrecision: number): ThresholdChoice {
  // No precision asked for: every validated patch is trusted enough (the best one is proposed).
  if (targetPrecision <= 0) return { threshold: 0 };
  let chosen: CalibrationRow | undefined;
  for (const row of calibration) {
    if (row.correctedPrecision >= targetPrecision && (!chosen || row.threshold < chosen.threshold)) chosen = row;
  }
  return chosen ? { threshold: chosen.threshold, row: chosen } : { threshold: Number.POSITIVE_INFINITY };
}

/** Clopper–Pearson lower bound of a binomial proportion `successes / trials` at one-sided `confidence`. */
export function binomialLowerBound(successes: number, trials: number, confidence = 0.9): number {
  if (trials === 0 || successes === 0) return 0;
  // Bisection on the binomial tail: the largest p with P(X >= successes | p) <= 1 - confidence.
  const alpha = 1 - confidence;
  let low = 0;
  let high = successes / trials;
  for (let iteration = 0; iteration < 60; iteration++) {
    const middle = (low + high) / 2;
    if (upperTail(successes, trials, middle) > alpha) high = middle;
    else low = middle;
  }
  return low;
}

/** P(X >= k) for X ~ Binomial(n, p). */
function upperTail(k: number, n: number, p: number): number {
  let logCoefficient = 0;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logCoefficient += Math.log(n - i + 1) - Math.log(i);
    if (i >= k) total += Math.exp(logCoefficient + i * Math.log(Math.max(p, 1e-300)) + (n - i) * Math.log(Math.max(1 - p, 1e-300)));
  }
  return total;
}

/**
 * Builds the calibration table from held-out (trust, correct) pairs, one per check that had a validated
 * patch, over `checks` checks in all (checks without a validated patch count in coverage only).
 */
export function calibrationTable(pairs: { trust: number; correct: boolean }[], checks: number): CalibrationRow[] {
  const sorted = [...pairs].sort((a, b) => b.trust - a.trust);
  const rows: CalibrationRow[] = [];
  let selected = 0;
  let wrong = 0;
  sorted.forEach((pair, index) => {
    selected++;
    if (!pair.correct) wrong++;
    // One row per distinct trust value (the last of a tie), so a threshold selects whole ties.
    if (index + 1 < sorted.length && sorted[index + 1].trust === pair.trust) return;
    rows.push({
      // Rounded down so the row still selects the patch whose trust defined it.
      threshold: Math.floor(pair.trust * 1e6) / 1e6,
      selected,
      wrong,
      precision: (selected - wrong) / selected,
      correctedPrecision: (selected - wrong) / (selected + 1),
      precisionLowerBound: binomialLowerBound(selected - wrong, selected),
      coverage: selected / Math.max(1, checks),
    });
  });
  return rows;
}
