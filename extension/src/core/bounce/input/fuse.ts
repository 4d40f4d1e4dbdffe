/**
 * Fusing an outside judge (the optional LLM judge) with the embedded vagueness model. The judge answers on
 * BouncerBench's four labels with a probability; the embedded model gives a calibrated probability of its
 * own. Both are pooled in log-odds, so a confident judge can move a borderline task across the boundary
 * but one reply cannot overrule a model that is sure, and without a judge nothing changes.
 */
import type { TaskAssessment } from '../../types';

/** BouncerBench's labels (SWE-bench Verified's underspecification scores 0–3), clearest first. */
export type JudgeLabel = 'well-specified' | 'reasonably-specified' | 'vague' | 'impossible';

/** What an outside judge said about a task description. */
export interface TaskJudgeVerdict {
  label: JudgeLabel;
  /** The judge's probability, in [0, 1], that the task is too unclear to act on. */
  vagueProbability: number;
  /** What a developer would have to ask for, in short phrases. */
  missing: string[];
}

/** The probability each label stands for on its own (the judge's own number refines it). */
export const LABEL_VAGUENESS: Readonly<Record<JudgeLabel, number>> = {
  'well-specified': 0.05,
  'reasonably-specified': 0.25,
  vague: 0.75,
  impossible: 0.95,
};

/**
 * Weight of the judge in the pooled log-odds (the embedded model gets the rest). Hand-set, not fitted:
 * equal trust, because the embedded model is calibrated on benchmark data but sees only surface features,
 * while a model reads the meaning but is known to be over-confident.
 */
export const JUDGE_WEIGHT = 0.5;

/** Probabilities are kept inside [CLAMP, 1 − CLAMP] before pooling, so neither side can be infinitely sure. */
const CLAMP = 0.02;

/** At most this many "missing" phrases are reported. */
const MAX_MISSING = 5;

/** The judge's vagueness: its label's probability and its own number, averaged (a label with no number counts alone). */
export function judgeVagueness(verdict: TaskJudgeVerdict): number {
  const own = Number.isFinite(verdict.vagueProbability) ? Math.min(1, Math.max(0, verdict.vagueProbability)) : LABEL_VAGUENESS[verdict.label];
  return (LABEL_VAGUENESS[verdict.label] + own) / 2;
}

/**
 * Fuses the judge's verdict into an embedded assessment: vagueness = σ((1 − w)·logit(embedded) +
 * w·logit(judge)), verdict vague at 0.5 as before. When the fused verdict is vague, the judge's missing
 * items join the embedded ones (duplicates dropped, at most five).
 */
export function fuseTaskJudgement(assessment: TaskAssessment, verdict: TaskJudgeVerdict, weight: number = JUDGE_WEIGHT): TaskAssessment {
  const share = Math.min(1, Math.max(0, weight));
  const logit = (probability: number) => {
    const clamped = Math.min(1 - CLAMP, Math.max(CLAMP, probability));
    return Math.log(clamped / (1 - clamped));
  };
  const pooled = (1 - share) * logit(assessment.vagueness) + share * logit(judgeVagueness(verdict));
  const vagueness = 1 / (1 + Math.exp(-pooled));
  const verdictWord: TaskAssessment['verdict'] = vagueness >= 0.5 ? 'vague' : 'actionable';
  const missing = verdictWord === 'vague' ? mergeMissing(assessment.missing ?? [], verdict.missing) : (assessment.missing ?? []);
  return { ...assessment, vagueness, verdict: verdictWord, ...(missing.length > 0 ? { missing } : {}) };
}

function mergeMissing(embedded: readonly string[], judged: readonly string[]): string[] {
  const seen = new Set<string>();
  const merged: string[] = [];
  for (const item of [...embedded, ...judged]) {
    const key = item.trim().toLowerCase().replace(/[.\s]+$/, '');
    if (!key || seen.has(key)) continue;
    seen.add(key);
    merged.push(item.trim());
  }
  return merged.slice(0, MAX_MISSING);
}
