import type { EvidenceKind } from '../types';
import shippedWeights from './weights.json';

/** One feature's coefficient in the logistic model. */
export interface FeatureWeight {
  /** Change in log-odds per unit of the raw feature value. */
  weight: number;
  /**
   * The value contributions are measured from (the training mean for fitted features, 0 for the
   * optional ones). It only shifts `intercept`; it makes each evidence item read as "compared with
   * a typical line".
   */
  reference: number;
}

/**
 * A logistic line scorer: `score = sigmoid(intercept + Σ weight·(x − reference))`, which is
 * `sigmoid(w·x + b)` with `b = intercept − Σ weight·reference`. Features missing from `features`
 * are computed and reported but carry no weight.
 */
export interface ScorerModel {
  /** Log-odds of a line whose every feature sits at its reference value. */
  intercept: number;
  features: Record<string, FeatureWeight>;
  /** How the model was obtained (data, regularization, date), for people reading the JSON. */
  description?: string;
}

/** Which evidence item a model feature contributes to. */
export const FEATURE_KINDS: Record<string, EvidenceKind> = {
  failedCoverage: 'spectrum',
  passedCoverage: 'spectrum',
  ochiai: 'spectrum',
  dstar: 'spectrum',
  ochiaiRank: 'spectrum',
  dstarRank: 'spectrum',
  onlyFailing: 'spectrum',
  candidateLines: 'spectrum',
  tracebackFraction: 'traceback',
  deepestFrameFraction: 'traceback',
  edited: 'edited',
  roleCondition: 'syntax',
  roleLoop: 'syntax',
  roleReturn: 'syntax',
  roleAssignment: 'syntax',
  roleCall: 'syntax',
  roleRaise: 'syntax',
  roleOther: 'syntax',
  hasComparison: 'syntax',
  hasArithmetic: 'syntax',
  hasIntegerLiteral: 'syntax',
  hasIndexing: 'syntax',
  hasBooleanOperator: 'syntax',
  hasCall: 'syntax',
  isTrivial: 'syntax',
  isDefinition: 'syntax',
  tokenCount: 'syntax',
  methodOchiai: 'spectrum',
  methodRank: 'spectrum',
  lineInMethod: 'spectrum',
  moduleLevel: 'syntax',
  stackFunction: 'traceback',
  stackProximity: 'traceback',
  testNamesFunction: 'syntax',
  testFileNamesModule: 'syntax',
  ochiaiAbove: 'spectrum',
  repairFixedFraction: 'repair',
  repairPlausible: 'repair',
  repairNoFix: 'repair',
  criticLogit: 'critic',
};

/** Names of the features the scorer computes for every line, in a fixed order (fitting uses it). */
export const FEATURE_NAMES: readonly string[] = Object.keys(FEATURE_KINDS);

/** Features that are 0 unless the caller passes the optional evidence; their weights are priors, not fitted. */
export const OPTIONAL_FEATURES: readonly string[] = ['edited', 'repairFixedFraction', 'repairPlausible', 'repairNoFix', 'criticLogit'];

/** The model shipped in `weights.json`. */
export function defaultModel(): ScorerModel {
  return parseModel(shippedWeights);
}

/** Checks that a JSON value is a usable model, so a bad file fails loudly instead of scoring NaN. */
export function parseModel(value: unknown): ScorerModel {
  if (typeof value !== 'object' || value === null) throw new Error('scorer model: not an object');
  const record = value as Record<string, unknown>;
  const intercept = record.intercept;
  if (typeof intercept !== 'number' || !Number.isFinite(intercept)) throw new Error('scorer model: intercept must be a finite number');
  const rawFeatures = record.features;
  if (typeof rawFeatures !== 'object' || rawFeatures === null) throw new Error('scorer model: features must be an object');
  const features: Record<string, FeatureWeight> = {};
  for (const [name, entry] of Object.entries(rawFeatures as Record<string, unknown>)) {
    const weight = (entry as Record<string, unknown> | null)?.weight;
    const reference = (entry as Record<string, unknown> | null)?.reference ?? 0;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || typeof reference !== 'number' || !Number.isFinite(reference)) {
      throw new Error(`scorer model: feature ${name} needs finite weight and reference`);
    }
    features[name] = { weight, reference };
  }
  const description = typeof record.description === 'string' ? record.description : undefined;
  return { intercept, features, description };
}

/** The logistic function, safe for large magnitudes. */
export function sigmoid(logit: number): number {
  if (logit >= 0) return 1 / (1 + Math.exp(-logit));
  const exponential = Math.exp(logit);
  return exponential / (1 + exponential);
}

/** The model's log-odds for one line's features (features the model does not name count as 0). */
export function modelLogit(model: ScorerModel, features: Record<string, number>): number {
  let logit = model.intercept;
  for (const name in model.features) {
    const { weight, reference } = model.features[name];
    logit += weight * ((features[name] ?? 0) - reference);
  }
  return logit;
}
