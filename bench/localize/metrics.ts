/** Ranking and calibration metrics for the localization benchmarks. */
import type { LineScore } from '../../extension/src/core/types';

/** Top-k hit rates over a set of bugs. */
export interface RankSummary {
  cases: number;
  /** Share of cases with a faulty line at rank ≤ k, for k = 1, 3, 5. */
  top1: number;
  top3: number;
  top5: number;
  hits: { top1: number; top3: number; top5: number };
  /** Mean of 1 / rank of the first faulty line (0 when it is not ranked). */
  meanReciprocalRank: number;
  /** Cases whose faulty lines were not among the scored lines at all (not run by a failing test). */
  notRanked: number;
}

/** The rank of the best-placed target line in `file`, or undefined when none was scored. */
export function firstTargetRank(scores: LineScore[], file: string, targets: ReadonlySet<number>): number | undefined {
  let best: number | undefined;
  for (const score of scores) {
    if (score.file === file && targets.has(score.line) && (best === undefined || score.rank < best)) best = score.rank;
  }
  return best;
}

export function summarizeRanks(ranks: (number | undefined)[]): RankSummary {
  const cases = ranks.length;
  const within = (limit: number) => ranks.filter((rank) => rank !== undefined && rank <= limit).length;
  const hits = { top1: within(1), top3: within(3), top5: within(5) };
  const share = (count: number) => (cases === 0 ? 0 : round(count / cases));
  return {
    cases,
    top1: share(hits.top1),
    top3: share(hits.top3),
    top5: share(hits.top5),
    hits,
    meanReciprocalRank: cases === 0 ? 0 : round(ranks.reduce<number>((sum, rank) => sum + (rank ? 1 / rank : 0), 0) / cases),
    notRanked: ranks.filter((rank) => rank === undefined).length,
  };
}

/** One bin of a reliability table. */
export interface ReliabilityBin {
  /** Predicted probabilities in [low, high) (the last bin includes 1). */
  low: number;
  high: number;
  count: number;
  meanPredicted: number;
  /** Share of lines in the bin that are faulty. */
  observedRate: number;
}

/** Reliability table, expected calibration error (weighted |observed − predicted| over bins) and Brier score. */
export function reliability(predictions: { probability: number; label: number }[], binCount = 10): { bins: ReliabilityBin[]; ece: number; brier: number; lines: number; faulty: number } {
  const bins: ReliabilityBin[] = [];
  let ece = 0;
  for (let index = 0; index < binCount; index++) {
    const low = index / binCount;
    const high = (index + 1) / binCount;
    const members = predictions.filter((prediction) => prediction.probability >= low && (index === binCount - 1 ? prediction.probability <= high : prediction.probability < high));
    const count = members.length;
    const meanPredicted = count === 0 ? 0 : members.reduce((sum, member) => sum + member.probability, 0) / count;
    const observedRate = count === 0 ? 0 : members.reduce((sum, member) => sum + member.label, 0) / count;
    if (predictions.length > 0) ece += (count / predictions.length) * Math.abs(observedRate - meanPredicted);
    bins.push({ low: round(low), high: round(high), count, meanPredicted: round(meanPredicted), observedRate: round(observedRate) });
  }
  const brier = predictions.length === 0 ? 0 : predictions.reduce((sum, prediction) => sum + (prediction.probability - prediction.label) ** 2, 0) / predictions.length;
  return { bins, ece: round(ece), brier: round(brier), lines: predictions.length, faulty: predictions.filter((prediction) => prediction.label === 1).length };
}

/** Four decimals: enough for rates over a few hundred cases, short enough to read. */
export function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

/** `0.4512` → `45.1 %`. */
export function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}
