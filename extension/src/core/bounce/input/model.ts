/**
 * The vagueness model: a logistic regression over `FEATURE_NAMES`, with weights fitted by
 * `bench/input-bouncer/fit.ts` and shipped as `weights.json`, plus two hard rules that no weight should
 * be able to overrule (examples that cannot all be right; a task of one or two words). A plain request
 * (prose only: no signature, no worked example) is judged by a second logistic model fitted on plain
 * requests, because the code-task model reads "no signature, no examples" as vague by itself.
 */
import type { TaskAnalysis } from './analyze';
import { FEATURE_NAMES, type FeatureName, type FeatureVector } from './features';
import { logit, sigmoid } from './logistic';

/** The JSON shape of `weights.json`. */
export interface VaguenessModelFile {
  version: 1;
  model: 'logistic-regression';
  /** Feature names, in the order the code computes them. */
  features: string[];
  /** Weights on standardised features: `(x - mean) / scale`. */
  weights: Record<string, number>;
  means: Record<string, number>;
  scales: Record<string, number>;
  bias: number;
  /** Probability at or above which a task is called vague. */
  threshold: number;
  /** The threshold when at least one example was run against the code (a different operating point). */
  codeThreshold?: number;
  /** How the weights were fitted (data, split, hyperparameters, cross-validated scores). */
  training?: Record<string, unknown>;
  /** The model for plain requests (no signature and no worked example); absent: the main model judges them too. */
  prose?: ProseModelFile;
}

/** The JSON shape of the plain-request model inside `weights.json`. */
export interface ProseModelFile {
  weights: Record<string, number>;
  means: Record<string, number>;
  scales: Record<string, number>;
  bias: number;
  threshold: number;
  training?: Record<string, unknown>;
}

/** One logistic model over standardised features, with its decision threshold. */
export interface LinearModel {
  weights: Record<FeatureName, number>;
  means: Record<FeatureName, number>;
  scales: Record<FeatureName, number>;
  bias: number;
  threshold: number;
}

/** A loaded, validated model. */
export interface VaguenessModel {
  weights: Record<FeatureName, number>;
  means: Record<FeatureName, number>;
  scales: Record<FeatureName, number>;
  bias: number;
  threshold: number;
  codeThreshold: number;
  /** The model for plain requests, when shipped. */
  prose?: LinearModel;
}

/** Vagueness at least this when the examples contradict each other, the signature, the prose or the code. */
export const CONTRADICTION_FLOOR = 0.9;
/** Vagueness at least this for a description of fewer than `TINY_WORDS` words without examples. */
export const TINY_FLOOR = 0.95;
export const TINY_WORDS = 3;

function isNumberRecord(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && Object.values(value).every((entry) => typeof entry === 'number' && Number.isFinite(entry));
}

function loadLinear(file: Partial<ProseModelFile>, what: string): LinearModel {
  if (!isNumberRecord(file.weights) || !isNumberRecord(file.means) || !isNumberRecord(file.scales)) {
    throw new Error(`${what}: weights, means or scales missing`);
  }
  for (const name of FEATURE_NAMES) {
    if (!(name in file.weights) || !(name in file.means) || !(name in file.scales) || file.scales[name] <= 0) {
      throw new Error(`${what}: feature ${name} lacks a weight, mean or positive scale`);
    }
  }
  if (typeof file.bias !== 'number' || typeof file.threshold !== 'number' || file.threshold <= 0 || file.threshold >= 1) {
    throw new Error(`${what}: bias or threshold invalid`);
  }
  return {
    weights: file.weights as Record<FeatureName, number>,
    means: file.means as Record<FeatureName, number>,
    scales: file.scales as Record<FeatureName, number>,
    bias: file.bias,
    threshold: file.threshold,
  };
}

/** Validates parsed `weights.json`; throws when it does not match the features this code computes. */
export function loadVaguenessModel(json: unknown): VaguenessModel {
  if (typeof json !== 'object' || json === null) throw new Error('vagueness weights: not an object');
  const file = json as Partial<VaguenessModelFile>;
  if (file.version !== 1 || file.model !== 'logistic-regression') throw new Error('vagueness weights: unknown version or model');
  if (!Array.isArray(file.features)) throw new Error('vagueness weights: features, weights, means or scales missing');
  const expected = [...FEATURE_NAMES].sort().join(',');
  if ([...file.features].sort().join(',') !== expected) {
    throw new Error(`vagueness weights: features ${file.features.join(',')} do not match the computed ${FEATURE_NAMES.join(',')}`);
  }
  const main = loadLinear(file, 'vagueness weights');
  const codeThreshold = file.codeThreshold ?? file.threshold;
  if (typeof codeThreshold !== 'number' || codeThreshold <= 0 || codeThreshold >= 1) throw new Error('vagueness weights: codeThreshold invalid');
  const prose = file.prose === undefined ? undefined : loadLinear(file.prose, 'vagueness weights (plain requests)');
  return { ...main, codeThreshold, ...(prose ? { prose } : {}) };
}

/** A plain request: prose only, with no signature and no worked example (nothing the code-task model can read). */
export function isPlainRequest(features: Pick<FeatureVector, 'hasSignature' | 'hasExamples' | 'codeChecked'>): boolean {
  return features.hasSignature === 0 && features.hasExamples === 0 && features.codeChecked === 0;
}

/** The logistic model that judges these features: the plain-request one when shipped and it applies. */
export function linearModelFor(model: VaguenessModel, features: FeatureVector): LinearModel {
  return model.prose && isPlainRequest(features) ? model.prose : model;
}

/** Each feature's signed contribution to the log-odds of "vague". */
export function featureContributions(model: VaguenessModel, features: FeatureVector): Record<FeatureName, number> {
  const linear = linearModelFor(model, features);
  const contributions = {} as Record<FeatureName, number>;
  for (const name of FEATURE_NAMES) contributions[name] = (linear.weights[name] * (features[name] - linear.means[name])) / linear.scales[name];
  return contributions;
}

/** The threshold that applies: the code one when examples were run against the code. */
export function thresholdFor(model: Pick<VaguenessModel, 'threshold' | 'codeThreshold'>, features: Pick<FeatureVector, 'codeChecked'>): number {
  return features.codeChecked > 0 ? model.codeThreshold : model.threshold;
}

/**
 * The model's vagueness, rescaled so that 0.5 is the fitted decision threshold (the log-odds are shifted
 * by `logit(threshold)`), before the hard rules.
 */
export function modelVagueness(model: VaguenessModel, features: FeatureVector): number {
  const contributions = featureContributions(model, features);
  const linear = linearModelFor(model, features);
  const logOdds = linear.bias + FEATURE_NAMES.reduce((sum, name) => sum + contributions[name], 0);
  const threshold = linear === model ? thresholdFor(model, features) : linear.threshold;
  return sigmoid(logOdds - logit(threshold));
}

/** Applies the hard rules to a model vagueness. */
export function applyRules(vagueness: number, analysis: Pick<TaskAnalysis, 'findings' | 'parsed'>): number {
  let result = vagueness;
  if (analysis.findings.contradictions.length > 0) result = Math.max(result, CONTRADICTION_FLOOR);
  if (analysis.findings.words < TINY_WORDS && analysis.parsed.examples.length === 0) result = Math.max(result, TINY_FLOOR);
  return result;
}
