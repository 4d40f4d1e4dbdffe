/**
 * Fits the output bouncer's trust model on the repair benchmark's validated patches (label: the hidden
 * tests pass), calibrates the trust threshold, measures precision and coverage on held-out tasks, and
 * (with `--write`) ships the model and its calibration table as `extension/src/core/bounce/output/trust-model.json`.
 *
 * Honest numbers: every reported proposal comes from a model fitted, and a threshold calibrated, without
 * the task it is about.
 * - Curve: 10-fold cross-validation by task gives every task an out-of-fold trust; sweeping the threshold
 *   over those gives the precision–coverage curve.
 * - Operating points: nested cross-validation. For each outer fold, the threshold for the target precision
 *   is looked up in a calibration table built from inner cross-validated trusts of the other folds only,
 *   the model is fitted on the other folds, and the fold's tasks are decided with both.
 * - Two halves: fit and calibrate on one half of the tasks, report on the other, both ways round.
 * The shipped table is built from the 10-fold out-of-fold trusts over all tasks (each trust from a model
 * that did not see its task), and the shipped model is fitted on all tasks.
 *
 * Usage: node out/bench/repair/fit-bouncer.js [--sets python,js,python-extended] [--l2 1] [--write]
 *        node out/bench/repair/fit-bouncer.js [--language python|js|all] [--visible examples|extended] …
 * `--sets` pools the named record sets (`<language>` or `<language>-extended`, see `humanevalfix.ts`);
 * `--language X [--visible V]` is shorthand for the one set, and `all` for both languages at that
 * visibility (one trust model serves Python and JavaScript alike). Folds group rows by the bare task id
 * (`Python/12`), so a task's variants in several sets are always on the same side of a split. Results go
 * to `bench/results/output-bouncer-<name>.{json,md}`, `<name>` the language (`all`) or the sets joined by `+`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { columnStatistics, solveLinearSystem } from '../../extension/src/core/bounce/input/logistic';
import { calibrationTable, FEATURE_TRANSFORMS, featureRow, thresholdFor, trustOf } from '../../extension/src/core/bounce/output/model';
import { riskAdjustedTarget } from '../../extension/src/core/bounce/output/risk';
import type { CalibrationRow, TrustModel } from '../../extension/src/core/bounce/output/types';
import type { BouncerRecord } from './bouncer-evidence';
import {
  parseArguments,
  readRecords,
  recordSetsOption,
  repoRoot,
  resultsRoot,
  round,
  splitFold,
  visibilityDescription,
  writeJson,
  type RepairRecord,
} from './common';

/** A fixed prior for vague tasks: HumanEvalFix has none to fit it on (see `VAGUENESS_ALLOWANCE`). */
const VAGUENESS_PENALTY = 4;
const FOLDS = 10;
const TARGETS = [0.8, 0.85, 0.9, 0.95];

interface Row {
  /** One check: the record set and the task (`python-extended|Python/12`); picks and weights are per check. */
  key: string;
  /** The bare task id (`Python/12`): folds group by it, so no task is on both sides of a split. */
  taskId: string;
  set: string;
  x: number[];
  correct: boolean;
  record: BouncerRecord;
  index: number;
}

interface Fit {
  model: TrustModel;
  dropped: string[];
}

/**
 * Weighted L2 logistic regression by Newton's method, with some coefficients held fixed (`fixed[j]`
 * defined): the others are fitted around them. Deterministic; rows are standardised by the caller.
 */
function fitLogistic(x: number[][], labels: number[], sampleWeights: number[], l2: number, fixed: (number | undefined)[]): { weights: number[]; bias: number } {
  const dimension = x[0]?.length ?? 0;
  const weights = fixed.map((value) => value ?? 0);
  let bias = 0;
  const free = weights.map((_, index) => index).filter((index) => fixed[index] === undefined);
  const meanWeight = sampleWeights.reduce((sum, value) => sum + value, 0) / Math.max(1, sampleWeights.length);
  const scaled = sampleWeights.map((value) => value / meanWeight);
  const loss = (candidateWeights: number[], candidateBias: number) => {
    let total = 0;
    x.forEach((row, index) => {
      let z = candidateBias;
      for (let column = 0; column < dimension; column++) z += candidateWeights[column] * row[column];
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      total += scaled[index] * (softplus - labels[index] * z);
    });
    for (const column of free) total += 0.5 * l2 * candidateWeights[column] ** 2;
    return total;
  };
  let current = loss(weights, bias);
  for (let iteration = 0; iteration < 100; iteration++) {
    // Parameters: the free weights, then the bias.
    const size = free.length + 1;
    const gradient = new Array<number>(size).fill(0);
    const hessian = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    x.forEach((row, index) => {
      let z = bias;
      for (let column = 0; column < dimension; column++) z += weights[column] * row[column];
      const probability = 1 / (1 + Math.exp(-z));
      const residual = scaled[index] * (probability - labels[index]);
      const curvature = scaled[index] * probability * (1 - probability);
      const extended = [...free.map((column) => row[column]), 1];
      for (let outer = 0; outer < size; outer++) {
        gradient[outer] += residual * extended[outer];
        for (let inner = 0; inner < size; inner++) hessian[outer][inner] += curvature * extended[outer] * extended[inner];
      }
    });
    free.forEach((column, position) => {
      gradient[position] += l2 * weights[column];
      hessian[position][position] += l2;
    });
    hessian[size - 1][size - 1] += 1e-9;
    const step = solveLinearSystem(hessian, gradient);
    let scale = 1;
    let candidateWeights = [...weights];
    let candidateBias = bias;
    for (;;) {
      candidateWeights = [...weights];
      free.forEach((column, position) => (candidateWeights[column] = weights[column] - scale * step[position]));
      candidateBias = bias - scale * step[size - 1];
      const candidateLoss = loss(candidateWeights, candidateBias);
      if (candidateLoss <= current + 1e-12 || scale < 1e-6) {
        current = candidateLoss;
        break;
      }
      scale /= 2;
    }
    const moved = Math.max(...step.map((value) => Math.abs(value * scale)));
    free.forEach((column) => (weights[column] = candidateWeights[column]));
    bias = candidateBias;
    if (moved < 1e-9) break;
  }
  return { weights, bias };
}

/** Smallest effect (log-odds per standard deviation) a feature with a known direction keeps. */
const MINIMUM_DIRECTED_EFFECT = 0.15;

/**
 * Fits the trust model. Features with a known direction (`FeatureTransform.sign`) are constrained to
 * push trust their way by at least `MINIMUM_DIRECTED_EFFECT` per standard deviation: with a few dozen
 * wrong patches the benchmark cannot estimate every effect, and a model that trusted a patch more
 * because candidates disagree would be wrong whatever the sample says. Constraints are enforced by
 * holding violators at the bound and refitting the rest (an active-set method for this convex problem).
 */
function fitModel(rows: Row[], names: string[], l2: number): Fit {
  const x = rows.map((row) => row.x);
  const { means, scales } = columnStatistics(x);
  const standardised = x.map((row) => row.map((value, column) => (value - means[column]) / scales[column]));
  // Each task weighs the same in total, up to a square root, so tasks with many plausible patches do not dominate.
  const perTask = new Map<string, number>();
  for (const row of rows) perTask.set(row.key, (perTask.get(row.key) ?? 0) + 1);
  const sampleWeights = rows.map((row) => 1 / Math.sqrt(perTask.get(row.key) ?? 1));
  const labels = rows.map((row) => (row.correct ? 1 : 0));
  const signs = names.map((name) => FEATURE_TRANSFORMS.find((transform) => transform.name === name)?.sign);
  const fixed: (number | undefined)[] = names.map(() => undefined);
  const held: string[] = [];
  for (;;) {
    const fit = fitLogistic(standardised, labels, sampleWeights, l2, fixed);
    const violators = names
      .map((name, column) => ({ name, column, sign: signs[column] }))
      .filter(({ column, sign }) => sign !== undefined && fixed[column] === undefined && fit.weights[column] * sign < MINIMUM_DIRECTED_EFFECT);
    if (violators.length === 0) {
      return {
        model: { version: 1, features: names, weights: fit.weights, means, scales, bias: fit.bias, vaguenessPenalty: VAGUENESS_PENALTY, calibration: [], calibrationChecks: 0 },
        dropped: held,
      };
    }
    for (const { name, column, sign } of violators) {
      fixed[column] = (sign ?? 1) * MINIMUM_DIRECTED_EFFECT;
      held.push(name);
    }
  }
}

/** The most trusted validated patch of each check (record set and task) under `model`. */
function topPicks(rows: Row[], model: TrustModel): Map<string, { trust: number; correct: boolean; row: Row }> {
  const picks = new Map<string, { trust: number; correct: boolean; row: Row }>();
  for (const row of rows) {
    const trust = trustOf(model, row.record.rows[row.index].features);
    const current = picks.get(row.key);
    if (!current || trust > current.trust) picks.set(row.key, { trust, correct: row.correct, row });
  }
  return picks;
}

/** Out-of-fold top picks: each task's trust comes from a model fitted without its fold. */
function crossValidatedPicks(rows: Row[], names: string[], l2: number, folds: number, salt = ''): Map<string, { trust: number; correct: boolean; row: Row }> {
  const picks = new Map<string, { trust: number; correct: boolean; row: Row }>();
  for (let fold = 0; fold < folds; fold++) {
    const { training, testing } = splitFold(rows, fold, folds, salt);
    if (testing.length === 0) continue;
    const { model } = fitModel(training, names, l2);
    for (const [task, pick] of topPicks(testing, model)) picks.set(task, pick);
  }
  return picks;
}

interface OperatingPoint {
  target: number;
  proposals: number;
  correct: number;
  harmful: number;
  precision: number | null;
  coverage: number;
  coverageOfTasksWithPatch: number;
}

function operatingPoint(target: number, decided: { proposed: boolean; correct: boolean }[], tasks: number, tasksWithPatch: number): OperatingPoint {
  const proposals = decided.filter((item) => item.proposed);
  const correct = proposals.filter((item) => item.correct).length;
  return {
    target,
    proposals: proposals.length,
    correct,
    harmful: proposals.length - correct,
    precision: proposals.length === 0 ? null : round(correct / proposals.length),
    coverage: round(proposals.length / Math.max(1, tasks)),
    coverageOfTasksWithPatch: round(proposals.length / Math.max(1, tasksWithPatch)),
  };
}

/** A held-out decision on one check. */
interface Decided {
  /** The check's key (record set and task). */
  task: string;
  set: string;
  proposed: boolean;
  correct: boolean;
}

/**
 * Decides held-out tasks with a model and threshold made only from `training` (inner CV for the table).
 * With `riskBars`, as `assessPatches` decides: each patch must reach the threshold for its risk-adjusted
 * target (`bounce/output/risk.ts`), and the most trusted patch that does is proposed.
 */
function decideHeldOut(training: Row[], testing: Row[], names: string[], l2: number, trainingTasks: number, targets: number[], riskBars = false): Map<number, Decided[]> {
  const inner = crossValidatedPicks(training, names, l2, 5, 'inner');
  const table = calibrationTable([...inner.values()].map((pick) => ({ trust: pick.trust, correct: pick.correct })), trainingTasks);
  const { model } = fitModel(training, names, l2);
  const picks = topPicks(testing, model);
  const result = new Map<number, Decided[]>();
  for (const target of targets) {
    const { threshold } = thresholdFor(table, target);
    if (!riskBars) {
      result.set(
        target,
        [...picks].map(([task, pick]) => ({ task, set: pick.row.set, proposed: pick.trust >= threshold, correct: pick.correct })),
      );
      continue;
    }
    const byTask = new Map<string, { trust: number; row: Row }[]>();
    for (const row of testing) {
      const list = byTask.get(row.key) ?? [];
      list.push({ trust: trustOf(model, row.record.rows[row.index].features), row });
      byTask.set(row.key, list);
    }
    const decided: Decided[] = [];
    for (const [task, list] of byTask) {
      const clearing = list.filter((item) => {
        const risks = item.row.record.rows[item.row.index].risks?.length ?? 0;
        return item.trust >= (risks > 0 ? thresholdFor(table, riskAdjustedTarget(target, risks)).threshold : threshold);
      });
      const chosen = clearing.reduce<{ trust: number; row: Row } | undefined>((top, item) => (!top || item.trust > top.trust ? item : top), undefined);
      decided.push({ task, set: list[0].row.set, proposed: chosen !== undefined, correct: chosen?.row.correct ?? false });
    }
    result.set(target, decided);
  }
  return result;
}

function curve(picks: { trust: number; correct: boolean }[], tasks: number): { threshold: number; proposals: number; precision: number; coverage: number }[] {
  return calibrationTable(picks, tasks).map((row) => ({ threshold: row.threshold, proposals: row.selected, precision: round(row.precision), coverage: round(row.coverage) }));
}

/** Precision at the largest coverage where precision is still at least `target` (empirical). */
function bestCoverageAt(points: { precision: number; coverage: number }[], target: number): { precision: number; coverage: number } | undefined {
  return points.filter((point) => point.precision >= target).sort((a, b) => b.coverage - a.coverage)[0];
}

function asciiCurve(points: { precision: number; coverage: number }[]): string[] {
  // Precision at each coverage step of 5 % (the best threshold reaching at least that coverage).
  const lines = ['| Coverage ≥ | Precision | Proposals |', '|---:|---:|---:|'];
  const maxCoverage = Math.max(0, ...points.map((point) => point.coverage));
  for (let step = 0.05; step <= maxCoverage + 1e-9; step += 0.05) {
    const point = points.filter((item) => item.coverage >= step - 1e-9).sort((a, b) => a.coverage - b.coverage)[0];
    if (point) lines.push(`| ${(step * 100).toFixed(0)} % | ${point.precision.toFixed(3)} | ${'█'.repeat(Math.round(point.precision * 20))} |`);
  }
  return lines;
}

function main(): void {
  const options = parseArguments(process.argv.slice(2));
  const { sets, name: outputName } = recordSetsOption(options);
  const l2 = Number(options.get('l2') ?? '1');
  const dataName =
    sets.length === 1
      ? `HumanEvalFix-${sets[0].language}${sets[0].visibility === 'examples' ? '' : ` (${sets[0].visibility} visible tests)`}`
      : `HumanEvalFix (${sets.map((set) => set.name).join(' + ')} pooled)`;
  // Every set's tasks count: the same task at two visibilities is two checks (grouped in one fold).
  const repairsBySet = new Map(sets.map((set) => [set.name, readRecords<RepairRecord>(`repair-${set.name}`)]));
  const evidenceBySet = new Map(sets.map((set) => [set.name, readRecords<BouncerRecord>(`bouncer-${set.name}`)]));
  for (const set of sets) {
    if ((repairsBySet.get(set.name) ?? []).length === 0) throw new Error(`no repair records in bench/results/tmp/repair-${set.name}/`);
    if ((evidenceBySet.get(set.name) ?? []).length === 0) throw new Error(`no bouncer evidence in bench/results/tmp/bouncer-${set.name}/; run bouncer-evidence.js first`);
  }
  const repairs = [...repairsBySet.values()].flat();
  const evidence = [...evidenceBySet.values()].flat();
  const setOfEvidence = new Map<BouncerRecord, string>([...evidenceBySet].flatMap(([set, records]) => records.map((record) => [record, set] as const)));
  const tasks = repairs.length;
  const tasksWithPatch = evidence.filter((record) => record.rows.length > 0).length;
  // `--features a,b,…` fits a model on a subset of the trust features (default: all of them).
  const names = options.get('features')?.split(',').map((name) => name.trim()).filter(Boolean) ?? FEATURE_TRANSFORMS.map((transform) => transform.name);
  const unknown = names.filter((name) => !FEATURE_TRANSFORMS.some((transform) => transform.name === name));
  if (unknown.length > 0) throw new Error(`unknown trust features: ${unknown.join(', ')}`);
  const rows: Row[] = evidence.flatMap((record) => {
    const set = setOfEvidence.get(record) ?? '';
    return record.rows.map((row, index) => ({ key: `${set}|${record.taskId}`, taskId: record.taskId, set, x: featureRow(row.features, names), correct: row.correct, record, index }));
  });
  if (rows.length === 0) throw new Error('no bouncer evidence; run bouncer-evidence.js first');

  // Baselines without a trust model.
  const baseline = (rule: (record: BouncerRecord) => number | undefined) => {
    const decided = evidence
      .filter((record) => record.rows.length > 0)
      .map((record) => {
        const index = rule(record);
        return { proposed: index !== undefined, correct: index !== undefined && record.rows[index].correct };
      });
    return operatingPoint(NaN, decided, tasks, tasksWithPatch);
  };
  const baselines = {
    alwaysFirstPatch: baseline(() => 0),
    onlyPatch: baseline((record) => (record.rows.length === 1 ? 0 : undefined)),
    allAgreeOnExtraInputs: baseline((record) => (record.rows.length === 1 || (record.differential !== undefined && record.differential.inputs > 0 && record.differential.disagreements === 0) ? 0 : undefined)),
    largestBehaviourClass: baseline((record) => {
      const largest = record.differential?.behaviorClasses[0];
      if (!largest || record.rows.length === 1) return 0;
      return record.rows.findIndex((row) => largest.includes(row.patchId));
    }),
  };

  // L2 from a small grid by cross-validated log-loss of each validated patch's trust.
  const grid = [0.1, 0.3, 1, 3, 10, 30].map((penalty) => {
    let loss = 0;
    for (let fold = 0; fold < FOLDS; fold++) {
      const { training, testing } = splitFold(rows, fold, FOLDS);
      if (testing.length === 0) continue;
      const { model } = fitModel(training, names, penalty);
      for (const row of testing) {
        const trust = Math.min(1 - 1e-9, Math.max(1e-9, trustOf(model, row.record.rows[row.index].features)));
        loss -= row.correct ? Math.log(trust) : Math.log(1 - trust);
      }
    }
    return { l2: penalty, logLoss: round(loss / rows.length) };
  });
  const chosenL2 = options.has('l2') ? l2 : [...grid].sort((a, b) => a.logLoss - b.logLoss)[0].l2;

  // Out-of-fold curve.
  const picks = crossValidatedPicks(rows, names, chosenL2, FOLDS);
  const pickList = [...picks.values()].map((pick) => ({ trust: pick.trust, correct: pick.correct }));
  const oofCurve = curve(pickList, tasks);
  const changedPick = [...picks.values()].filter((pick) => pick.row.index !== 0);

  // Nested cross-validation at the targets.
  // Each fold decided twice: as the model alone would, and with the risk bars `assessPatches` applies.
  const nested = new Map<number, Decided[]>(TARGETS.map((target) => [target, []]));
  const nestedRisk = new Map<number, Decided[]>(TARGETS.map((target) => [target, []]));
  for (let fold = 0; fold < FOLDS; fold++) {
    const { training, testing } = splitFold(rows, fold, FOLDS);
    if (testing.length === 0) continue;
    const trainingTasks = splitFold(repairs, fold, FOLDS).training.length;
    for (const [target, decided] of decideHeldOut(training, testing, names, chosenL2, trainingTasks, TARGETS)) nested.get(target)?.push(...decided);
    for (const [target, decided] of decideHeldOut(training, testing, names, chosenL2, trainingTasks, TARGETS, true)) nestedRisk.get(target)?.push(...decided);
  }
  const nestedPoints = TARGETS.map((target) => operatingPoint(target, nested.get(target) ?? [], tasks, tasksWithPatch));
  const nestedRiskPoints = TARGETS.map((target) => operatingPoint(target, nestedRisk.get(target) ?? [], tasks, tasksWithPatch));
  const riskyPatches = rows.filter((row) => (row.record.rows[row.index].risks?.length ?? 0) > 0);
  // The same held-out decisions, per record set (coverage over that set's tasks).
  const nestedBySet = sets.map((set) => {
    const setTasks = repairsBySet.get(set.name)?.length ?? 0;
    const setWithPatch = (evidenceBySet.get(set.name) ?? []).filter((record) => record.rows.length > 0).length;
    return {
      set: set.name,
      tasks: setTasks,
      tasksWithValidatedPatch: setWithPatch,
      points: TARGETS.map((target) => operatingPoint(target, (nested.get(target) ?? []).filter((item) => item.set === set.name), setTasks, setWithPatch)),
    };
  });

  // Two halves, both ways round.
  const halves = [0, 1].map((side) => {
    const { training, testing } = splitFold(rows, side, 2, 'half');
    const trainingTasks = splitFold(repairs, side, 2, 'half').training.length;
    const testingTasks = splitFold(repairs, side, 2, 'half').testing.length;
    const testingWithPatch = splitFold(evidence, side, 2, 'half').testing.filter((record) => record.rows.length > 0).length;
    const decided = decideHeldOut(training, testing, names, chosenL2, trainingTasks, TARGETS);
    return { reportedOn: `half ${side}`, tasks: testingTasks, points: TARGETS.map((target) => operatingPoint(target, decided.get(target) ?? [], testingTasks, testingWithPatch)) };
  });

  // The shipped model: fitted on everything; its table from the out-of-fold trusts.
  const shipped = fitModel(rows, names, chosenL2);
  const table: CalibrationRow[] = calibrationTable(pickList, tasks).map((row) => ({
    ...row,
    precision: round(row.precision),
    correctedPrecision: round(row.correctedPrecision),
    precisionLowerBound: round(row.precisionLowerBound),
    coverage: round(row.coverage),
  }));
  const model: TrustModel = {
    ...shipped.model,
    weights: shipped.model.weights.map(round),
    means: shipped.model.means.map(round),
    scales: shipped.model.scales.map((value) => Math.max(1e-3, round(value))),
    bias: round(shipped.model.bias),
    calibration: table,
    calibrationChecks: tasks,
    training: {
      data: `${dataName}: ${rows.length} validated patches of ${tasksWithPatch} tasks (of ${tasks}); label: the hidden tests pass`,
      fit: `L2 logistic regression (Newton), standardised features, each task weighing 1/sqrt(patches), l2 ${chosenL2} chosen by 10-fold log-loss; features with a known direction are held at a minimum effect of ${MINIMUM_DIRECTED_EFFECT} per standard deviation in their direction when the fit would give less`,
      heldAtMinimumEffect: shipped.dropped,
      calibration: 'rows from 10-fold out-of-fold trusts of the top patch per task; a target precision selects the lowest threshold whose corrected precision (selected - wrong) / (selected + 1) reaches it (split-conformal correction)',
      vaguenessPenalty: `fixed prior: log-odds minus ${VAGUENESS_PENALTY} per unit of vagueness above the allowance; not fitted (no vague tasks here)`,
      date: new Date().toISOString().slice(0, 10),
    },
  };

  const results = {
    benchmark: `Output bouncer on ${dataName}`,
    date: new Date().toISOString(),
    setup: {
      tasks,
      tasksWithValidatedPatch: tasksWithPatch,
      validatedPatches: rows.length,
      correctValidatedPatches: rows.filter((row) => row.correct).length,
      sets: sets.map((set) => set.name),
      visible: Object.fromEntries(sets.map((set) => [set.name, visibilityDescription(set.visibility)])),
      correctness: 'the full hidden test',
      foldsGroupedBy: 'the bare task id (Python/12): all record sets of a task are in the same fold',
      decision: 'propose the most trusted validated patch when its trust reaches the threshold for the target precision; coverage = proposals / all tasks',
      folds: FOLDS,
      l2Grid: grid,
      l2: chosenL2,
    },
    baselines,
    crossValidated: {
      curve: oofCurve,
      bestCoverageAtPrecision: Object.fromEntries(TARGETS.map((target) => [target, bestCoverageAt(oofCurve, target) ?? null])),
      tasksWherePickIsNotTheFirstPatch: changedPick.length,
      ofWhichCorrect: changedPick.filter((pick) => pick.correct).length,
    },
    nestedCrossValidation: nestedPoints,
    nestedCrossValidationBySet: nestedBySet,
    nestedCrossValidationWithRiskBars: nestedRiskPoints,
    riskyPatches: { count: riskyPatches.length, correct: riskyPatches.filter((row) => row.correct).length },
    halves,
    shippedModel: { features: model.features, weights: model.weights, bias: model.bias, dropped: shipped.dropped, thresholds: Object.fromEntries(TARGETS.map((target) => [target, thresholdFor(model.calibration, target).threshold])) },
  };
  writeJson(path.join(resultsRoot, `output-bouncer-${outputName}.json`), results, true);
  if (options.has('write')) writeJson(path.join(repoRoot, 'extension', 'src', 'core', 'bounce', 'output', 'trust-model.json'), model, true);

  const pointRow = (name: string, point: OperatingPoint) =>
    `| ${name} | ${point.proposals} | ${point.correct} | ${point.harmful} | ${point.precision === null ? '–' : point.precision.toFixed(3)} | ${(point.coverage * 100).toFixed(1)} % | ${(point.coverageOfTasksWithPatch * 100).toFixed(1)} % |`;
  const md = [
    `# Output bouncer on ${dataName}`,
    '',
    `Measured ${results.date.slice(0, 10)}. ${tasks} tasks; ${tasksWithPatch} have at least one validated patch (${rows.length} validated patches, ${results.setup.correctValidatedPatches} of them pass the hidden tests). ${sets.length > 1 ? `Record sets pooled: ${sets.map((set) => `${set.name} (${repairsBySet.get(set.name)?.length ?? 0} tasks)`).join(', ')}; a task in several sets counts once per set, and folds group by the bare task id, so its variants are always held out together. ` : ''}Revise saw ${[...new Set(sets.map((set) => set.visibility))].map((visibility) => `${visibilityDescription(visibility)}${sets.length > 1 ? ` (${sets.filter((set) => set.visibility === visibility).map((set) => set.name).join(', ')})` : ''}`).join('; ')}; a proposal is correct when it passes the full hidden \`test\`. Coverage is the share of all ${tasks} tasks with a proposal (and, last column, of the ${tasksWithPatch} tasks that have a validated patch).`,
    '',
    '## Held-out operating points (nested 10-fold cross-validation)',
    '',
    'For each fold, the model is fitted and the threshold looked up (from a calibration table of inner 5-fold cross-validated trusts) on the other nine folds only.',
    '',
    '| Target precision | Proposals | Correct | Harmful | Precision | Coverage (all) | Coverage (with a patch) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...nestedPoints.map((point) => pointRow(String(point.target), point)),
    '',
    `### With the risk bars`,
    '',
    `The same folds, deciding as \`assessPatches\` does: a patch that deletes a guard, error handling or a branch, or adds an early exit, must reach the threshold for a stricter precision (each risk halves the error rate allowed; a line no passing test runs adds one more), and the most trusted patch that reaches its bar is proposed. ${riskyPatches.length} of the ${rows.length} validated patches carry a risk; ${riskyPatches.filter((row) => row.correct).length} of those pass the hidden tests.`,
    '',
    '| Target precision | Proposals | Correct | Harmful | Precision | Coverage (all) | Coverage (with a patch) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...nestedRiskPoints.map((point) => pointRow(String(point.target), point)),
    '',
    ...(sets.length > 1
      ? [
          '### Per record set',
          '',
          'The same held-out decisions, split by record set; coverage over that set\'s tasks.',
          '',
          '| Set | Target precision | Proposals | Correct | Harmful | Precision | Coverage (all) | Coverage (with a patch) |',
          '|---|---|---:|---:|---:|---:|---:|---:|',
          ...nestedBySet.flatMap((entry) => entry.points.map((point) => `| ${entry.set} (${entry.tasks} tasks, ${entry.tasksWithValidatedPatch} with a patch) |${pointRow(String(point.target), point).slice(1)}`)),
          '',
        ]
      : []),
    '## Two halves (fit and calibrate on one, report on the other)',
    '',
    '| Reported on | Target | Proposals | Correct | Harmful | Precision | Coverage (all) | Coverage (with a patch) |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...halves.flatMap((side) => side.points.map((point) => `| ${side.reportedOn} (${side.tasks} tasks) |${pointRow(String(point.target), point).slice(1)}`)),
    '',
    '## Baselines (no trust model)',
    '',
    '| Rule | Proposals | Correct | Harmful | Precision | Coverage (all) | Coverage (with a patch) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    pointRow('always the first validated patch', baselines.alwaysFirstPatch),
    pointRow('only when a single patch validates', baselines.onlyPatch),
    pointRow('only when all validated patches agree on extra inputs', baselines.allAgreeOnExtraInputs),
    pointRow('a patch of the largest behaviour class', baselines.largestBehaviourClass),
    '',
    '## Precision–coverage curve (10-fold out-of-fold trusts)',
    '',
    ...asciiCurve(oofCurve),
    '',
    `Best coverage with precision ≥ 0.9 (out-of-fold, empirical): ${(() => {
      const point = bestCoverageAt(oofCurve, 0.9);
      return point ? `${(point.coverage * 100).toFixed(1)} % at precision ${point.precision.toFixed(3)}` : 'none';
    })()}. The trust model picks a patch other than the first validated one in ${changedPick.length} tasks (${changedPick.filter((pick) => pick.correct).length} of those picks are correct).`,
    '',
    `## Shipped model`,
    '',
    `Fitted on all tasks (l2 ${chosenL2}; held at the minimum effect in their known direction: ${shipped.dropped.join(', ') || 'none'}). Weights on standardised features: ${model.features.map((name, index) => `${name} ${model.weights[index]}`).join(', ')}; bias ${model.bias}. Thresholds looked up from the shipped table: ${TARGETS.map((target) => `${target} → ${thresholdFor(model.calibration, target).threshold}`).join(', ')}.`,
    '',
    `Reproduce: \`npm run build:tests\`, then per set \`node out/bench/repair/humanevalfix.js --language L [--visible extended]\` and \`node out/bench/repair/bouncer-evidence.js --language L [--visible extended]\`, then \`node out/bench/repair/fit-bouncer.js --sets ${sets.map((set) => set.name).join(',')}${options.has('features') ? ` --features ${names.join(',')}` : ''} [--write]\`.`,
    '',
  ];
  fs.writeFileSync(path.join(resultsRoot, `output-bouncer-${outputName}.md`), md.join('\n'));
  console.log(md.join('\n'));
}

main();
