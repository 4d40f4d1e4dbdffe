/**
 * The training procedure shared by `fit.ts` (which ships its result) and `evaluate.ts` (which repeats it
 * inside cross-validation): feature rows, class-balanced L2 logistic fit, hyperparameter and threshold
 * selection by inner cross-validation grouped by task, and BouncerBench metrics.
 */
import { analyzeTask, type TaskAnalysis } from '../../extension/src/core/bounce/input/analyze';
import { FEATURE_NAMES } from '../../extension/src/core/bounce/input/features';
import { columnStatistics, fitLogisticRegression, sigmoid } from '../../extension/src/core/bounce/input/logistic';
import { applyRules, loadVaguenessModel, thresholdFor, type ProseModelFile, type VaguenessModelFile } from '../../extension/src/core/bounce/input/model';
import { assignFolds, MAIN_VARIANTS, type LabelledTask, type Variant } from './data';
import type { PythonExampleRunner } from './pythonRunner';

/** How a description was assessed: text alone, or with its examples run against the solution. */
export type View = 'text' | 'code';

/** One labelled description in one view, with its features. */
export interface FeatureRow {
  task: LabelledTask;
  view: View;
  vector: number[];
  analysis: TaskAnalysis;
}

/** Hyperparameters the selection searches. */
export interface TrainingOptions {
  l2: number;
  /** Total weight of IN3 rows relative to HumanEvalComm rows (0 leaves IN3 out). */
  in3Weight: number;
}

// IN3 (plain requests) has its own model now (`fitProseModel`), so the code-task model leaves it out.
export const HYPERPARAMETER_GRID: TrainingOptions[] = [0.3, 1, 3, 10, 30, 100].map((l2) => ({ l2, in3Weight: 0 }));
export const PROSE_L2_GRID = [1, 3, 10, 30, 100];
export const INNER_FOLDS = 5;

/** Computes feature rows: every task in the text view, and HumanEvalComm tasks also in the code view when a runner is given. */
export async function buildRows(tasks: LabelledTask[], runner?: PythonExampleRunner): Promise<FeatureRow[]> {
  const rows: FeatureRow[] = [];
  for (const task of tasks) {
    const textAnalysis = await analyzeTask(task.text);
    rows.push({ task, view: 'text', vector: FEATURE_NAMES.map((name) => textAnalysis.features[name]), analysis: textAnalysis });
    if (runner && task.solution && task.entryPoint) {
      const codeAnalysis = await analyzeTask(task.text, { runExample: runner.runnerFor(task.group, task.solution, task.entryPoint) });
      rows.push({ task, view: 'code', vector: FEATURE_NAMES.map((name) => codeAnalysis.features[name]), analysis: codeAnalysis });
    }
  }
  return rows;
}

/** Per-row weights: within each source both classes weigh the same; IN3 in total weighs `in3Weight` × HumanEvalComm. */
function sampleWeights(rows: FeatureRow[], in3Weight: number): number[] {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(`${row.task.source}:${row.task.vague}`, (totals.get(`${row.task.source}:${row.task.vague}`) ?? 0) + 1);
  return rows.map((row) => {
    const sourceShare = row.task.source === 'in3' ? in3Weight : 1;
    return sourceShare / 2 / totals.get(`${row.task.source}:${row.task.vague}`)!;
  });
}

/** Smallest scale a feature is standardised by (see `fitModel`). */
export const MINIMUM_SCALE = 0.25;

/** Fits the logistic model on `rows` and returns it in the shipped JSON shape (threshold 0.5 until chosen). */
export function fitModel(rows: FeatureRow[], options: TrainingOptions): VaguenessModelFile {
  const used = rows.filter((row) => options.in3Weight > 0 || row.task.source !== 'in3');
  const { means, scales: spreads } = columnStatistics(used.map((row) => row.vector));
  // A rare yes/no feature has a tiny spread, so standardising blows one occurrence up into several units
  // of log-odds; flooring the scale makes such a feature earn its weight against the L2 penalty.
  const scales = spreads.map((spread) => Math.max(spread, MINIMUM_SCALE));
  const standardized = used.map((row) => row.vector.map((value, index) => (value - means[index]) / scales[index]));
  const fit = fitLogisticRegression(
    standardized,
    used.map((row) => row.task.vague),
    { l2: options.l2, sampleWeights: sampleWeights(used, options.in3Weight) },
  );
  const record = (values: number[]): Record<string, number> => Object.fromEntries(FEATURE_NAMES.map((name, index) => [name, round(values[index])]));
  return {
    version: 1,
    model: 'logistic-regression',
    features: [...FEATURE_NAMES],
    weights: record(fit.weights),
    means: record(means),
    scales: record(scales),
    bias: round(fit.bias),
    threshold: 0.5,
  };
}

function round(value: number): number {
  return Number(value.toPrecision(10));
}

/** The model's raw probability of "vague" for a row (before the threshold and the hard rules). */
export function rawProbability(model: VaguenessModelFile, row: FeatureRow): number {
  let logOdds = model.bias;
  FEATURE_NAMES.forEach((name, index) => {
    logOdds += (model.weights[name] * (row.vector[index] - model.means[name])) / model.scales[name];
  });
  return sigmoid(logOdds);
}

/** Decision thresholds: for the text alone, and for when examples were run against the code. */
export interface Thresholds {
  threshold: number;
  codeThreshold: number;
}

/** The verdict `assessTask` gives: the hard rules, else the probability against the threshold that applies. */
export function predictVague(probability: number, thresholds: Thresholds, row: FeatureRow): boolean {
  const shifted = probability >= thresholdFor(thresholds, row.analysis.features) ? 0.5 + 1e-9 : 0.5 - 1e-9;
  return applyRules(shifted, row.analysis) >= 0.5;
}

/** BouncerBench metrics on code-task rows. */
export interface BouncerMetrics {
  count: number;
  clear: number;
  vague: number;
  /** Macro-F1 over the two classes (Fm). */
  macroF1: number;
  /** F1 of the "vague" (bounce) class. */
  f1Vague: number;
  /** F1 of the "clear" class. */
  f1Clear: number;
  /** Recall on vague descriptions (Rb). */
  recallVague: number;
  precisionVague: number;
  /** Share of clear descriptions wrongly bounced (FNRa in BouncerBench's naming for this task). */
  falseBounceRate: number;
  accuracy: number;
  /** Recall per vague variant; clear `prompt` shows its false-bounce rate. */
  perVariant: Partial<Record<Variant, { count: number; bounced: number; rate: number }>>;
}

function f1(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Computes the metrics for rows and their predictions (true = bounced as vague). */
export function bouncerMetrics(rows: FeatureRow[], predictions: boolean[]): BouncerMetrics {
  let truePositive = 0;
  let falsePositive = 0;
  let trueNegative = 0;
  let falseNegative = 0;
  const perVariant: BouncerMetrics['perVariant'] = {};
  rows.forEach((row, index) => {
    const bounced = predictions[index];
    if (row.task.vague === 1) {
      if (bounced) truePositive++;
      else falseNegative++;
    } else if (bounced) falsePositive++;
    else trueNegative++;
    const entry = (perVariant[row.task.variant] ??= { count: 0, bounced: 0, rate: 0 });
    entry.count++;
    if (bounced) entry.bounced++;
  });
  for (const entry of Object.values(perVariant)) entry.rate = entry.count > 0 ? entry.bounced / entry.count : 0;
  const precisionVague = truePositive + falsePositive > 0 ? truePositive / (truePositive + falsePositive) : 0;
  const recallVague = truePositive + falseNegative > 0 ? truePositive / (truePositive + falseNegative) : 0;
  const precisionClear = trueNegative + falseNegative > 0 ? trueNegative / (trueNegative + falseNegative) : 0;
  const recallClear = trueNegative + falsePositive > 0 ? trueNegative / (trueNegative + falsePositive) : 0;
  const f1Vague = f1(precisionVague, recallVague);
  const f1Clear = f1(precisionClear, recallClear);
  return {
    count: rows.length,
    clear: trueNegative + falsePositive,
    vague: truePositive + falseNegative,
    macroF1: (f1Vague + f1Clear) / 2,
    f1Vague,
    f1Clear,
    recallVague,
    precisionVague,
    falseBounceRate: 1 - recallClear,
    accuracy: rows.length > 0 ? (truePositive + trueNegative) / rows.length : 0,
    perVariant,
  };
}

/** Rows BouncerBench-style results are reported on: HumanEvalComm, main variants, one view. */
export function evaluationRows(rows: FeatureRow[], view: View): FeatureRow[] {
  return rows.filter((row) => row.task.source === 'humanevalcomm' && row.view === view && MAIN_VARIANTS.includes(row.task.variant));
}

/**
 * Share of clear training descriptions (out of fold) the chosen threshold may call vague. The product
 * target is at most 10 % on unseen tasks; the budget on training folds is lower, to leave room for a
 * new set of tasks to differ.
 */
export const FALSE_ALARM_BUDGET = 0.075;

function viewMetrics(rows: FeatureRow[], view: View, probabilities: Map<FeatureRow, number>, thresholds: Thresholds): BouncerMetrics {
  const subset = evaluationRows(rows, view);
  return bouncerMetrics(subset, subset.map((row) => predictVague(probabilities.get(row)!, thresholds, row)));
}

/**
 * The grid threshold in [0.05, 0.95] (step 0.01) with the best macro-F1 among those whose false-alarm rate
 * on clear descriptions is within the budget (ties: nearest 0.5); when none is, the one with the fewest
 * false alarms (ties: best macro-F1). The score is the macro-F1.
 */
function bestOnGrid(measure: (threshold: number) => BouncerMetrics, budget: number): { threshold: number; score: number; falseAlarms: number } {
  let best: { threshold: number; score: number; falseAlarms: number } | undefined;
  const key = (entry: { score: number; falseAlarms: number; threshold: number }): [number, number, number] => [
    entry.falseAlarms <= budget + 1e-12 ? 1 : 0,
    entry.falseAlarms <= budget + 1e-12 ? entry.score : -entry.falseAlarms,
    entry.falseAlarms <= budget + 1e-12 ? -Math.abs(entry.threshold - 0.5) : entry.score,
  ];
  for (let step = 5; step <= 95; step++) {
    const threshold = step / 100;
    const metrics = measure(threshold);
    const candidate = { threshold, score: metrics.macroF1, falseAlarms: metrics.falseBounceRate };
    if (!best) {
      best = candidate;
      continue;
    }
    const [a, b] = [key(candidate), key(best)];
    const better = a[0] !== b[0] ? a[0] > b[0] : Math.abs(a[1] - b[1]) > 1e-12 ? a[1] > b[1] : a[2] > b[2];
    if (better) best = candidate;
  }
  return best!;
}

/**
 * Thresholds: the text one within the false-alarm budget on the text view, then the code one within the
 * budget on the code view (where rows with no runnable example still use the text one). The score is the
 * mean macro-F1 over the views present, less a penalty for any view over the budget.
 */
export function chooseThresholds(rows: FeatureRow[], probabilities: Map<FeatureRow, number>, budget = FALSE_ALARM_BUDGET): Thresholds & { score: number } {
  const penalised = (entry: { score: number; falseAlarms: number }): number => entry.score - Math.max(0, entry.falseAlarms - budget) * 2;
  const text = bestOnGrid((threshold) => viewMetrics(rows, 'text', probabilities, { threshold, codeThreshold: threshold }), budget);
  if (!rows.some((row) => row.view === 'code')) return { threshold: text.threshold, codeThreshold: text.threshold, score: penalised(text) };
  const code = bestOnGrid((codeThreshold) => viewMetrics(rows, 'code', probabilities, { threshold: text.threshold, codeThreshold }), budget);
  return { threshold: text.threshold, codeThreshold: code.threshold, score: (penalised(text) + penalised(code)) / 2 };
}

/**
 * Out-of-fold probabilities for the HumanEvalComm rows, folds grouped by task; IN3 rows (when used) are
 * always on the training side, since the selection scores code tasks only.
 */
export function outOfFoldProbabilities(rows: FeatureRow[], options: TrainingOptions, folds: number, salt: string): Map<FeatureRow, number> {
  const codeRows = rows.filter((row) => row.task.source === 'humanevalcomm');
  const foldOf = assignFolds(codeRows.map((row) => row.task.group), folds, salt);
  const probabilities = new Map<FeatureRow, number>();
  for (let fold = 0; fold < folds; fold++) {
    const training = rows.filter((row) => row.task.source !== 'humanevalcomm' || foldOf.get(row.task.group) !== fold);
    const model = fitModel(training, options);
    for (const row of codeRows) if (foldOf.get(row.task.group) === fold) probabilities.set(row, rawProbability(model, row));
  }
  return probabilities;
}

/** The outcome of selecting hyperparameters and threshold, then fitting on all given rows. */
export interface TrainedModel {
  model: VaguenessModelFile;
  options: TrainingOptions;
  /** Inner cross-validated objective (mean macro-F1 over views) of the chosen options. */
  innerScore: number;
  /** Inner cross-validated score of every option tried. */
  grid: ({ options: TrainingOptions; score: number } & Thresholds)[];
}

/** Picks hyperparameters and threshold by inner cross-validation on `rows`, then fits on all of them. */
export function selectAndFit(rows: FeatureRow[], grid: TrainingOptions[] = HYPERPARAMETER_GRID, folds = INNER_FOLDS): TrainedModel {
  const results = grid.map((options) => {
    const probabilities = outOfFoldProbabilities(rows, options, folds, 'inner:');
    const { threshold, codeThreshold, score } = chooseThresholds(rows, probabilities);
    return { options, threshold, codeThreshold, score };
  });
  // Best score; ties prefer more regularisation, then less IN3.
  const best = [...results].sort(
    (left, right) => right.score - left.score || right.options.l2 - left.options.l2 || left.options.in3Weight - right.options.in3Weight,
  )[0];
  const model = { ...fitModel(rows, best.options), threshold: best.threshold, codeThreshold: best.codeThreshold };
  loadVaguenessModel(model);
  return { model, options: best.options, innerScore: best.score, grid: results };
}

/** Metrics over IN3 rows (plain requests), one probability and threshold each. */
export function proseMetrics(rows: FeatureRow[], probabilities: Map<FeatureRow, number>, threshold: number): BouncerMetrics {
  return bouncerMetrics(rows, rows.map((row) => probabilities.get(row)! >= threshold || applyRules(0, row.analysis) >= 0.5));
}

/** The plain-request model that `fitProseModel` selected, with its inner cross-validated scores. */
export interface TrainedProseModel {
  model: ProseModelFile;
  l2: number;
  inner: { macroF1: number; falseAlarms: number; recallVague: number };
}

/**
 * Fits the plain-request model on IN3 rows (text view): L2 and threshold chosen by 5-fold cross-validation
 * by row, the threshold within the false-alarm budget on clear requests; then fitted on all rows.
 */
export function fitProseModel(rows: FeatureRow[], budget = FALSE_ALARM_BUDGET, folds = INNER_FOLDS): TrainedProseModel {
  const prose = rows.filter((row) => row.task.source === 'in3' && row.view === 'text');
  const foldOf = assignFolds(prose.map((row) => row.task.group), folds, 'prose:');
  const options = (l2: number): TrainingOptions => ({ l2, in3Weight: 1 });
  const results = PROSE_L2_GRID.map((l2) => {
    const probabilities = new Map<FeatureRow, number>();
    for (let fold = 0; fold < folds; fold++) {
      const model = fitModel(prose.filter((row) => foldOf.get(row.task.group) !== fold), options(l2));
      for (const row of prose) if (foldOf.get(row.task.group) === fold) probabilities.set(row, rawProbability(model, row));
    }
    const best = bestOnGrid((threshold) => proseMetrics(prose, probabilities, threshold), budget);
    const metrics = proseMetrics(prose, probabilities, best.threshold);
    return { l2, threshold: best.threshold, metrics };
  });
  const best = [...results].sort(
    (left, right) =>
      Number(right.metrics.falseBounceRate <= budget + 1e-12) - Number(left.metrics.falseBounceRate <= budget + 1e-12) ||
      right.metrics.macroF1 - left.metrics.macroF1 ||
      right.l2 - left.l2,
  )[0];
  const fitted = fitModel(prose, options(best.l2));
  return {
    model: { weights: fitted.weights, means: fitted.means, scales: fitted.scales, bias: fitted.bias, threshold: best.threshold },
    l2: best.l2,
    inner: { macroF1: best.metrics.macroF1, falseAlarms: best.metrics.falseBounceRate, recallVague: best.metrics.recallVague },
  };
}
