/**
 * Fits the line scorer: L2-regularized logistic regression by Newton's method on standardized
 * features (deterministic: no random starts, no sampling), on HumanEvalFix runs plus mutants of the
 * example programs. Writes `extension/src/core/localize/weights.json` with `--write`.
 *
 * Usage: node out/bench/localize/fit.js [--language python] [--l2 300] [--write]
 * (capture first: humanevalfix.js and mutants.js fill the cache in bench/results/tmp/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEATURE_NAMES, OPTIONAL_FEATURES, type ScorerModel } from '../../extension/src/core/localize/index';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { labelCase, type LabeledCase } from './cases';
import { languageOption, parseArguments, readCachedCases, repoRoot, type BenchLanguage } from './common';

/**
 * Prior weights of the features that cannot be fitted on benchmark runs (they are 0 there), with
 * why. They are applied to the raw feature value (reference 0, so an absent feature adds nothing).
 */
export const PRIOR_WEIGHTS: Record<string, { weight: number; why: string }> = {
  edited: {
    weight: 0.7,
    why: 'Recently changed lines are where new bugs are (about 2× the odds): a modest nudge, since in a fresh clone nothing is edited and in a big refactor everything is.',
  },
  repairFixedFraction: {
    weight: 1.5,
    why: 'A candidate edit that turns failing tests green implicates its line (mutation-based localization, Metallaxis/MUSE); scaled by the share of failing tests fixed.',
  },
  repairPlausible: {
    weight: 1.5,
    why: 'On top of the above when the candidate fixes every failing test and breaks no passing one: a plausible patch. Together +3 log-odds (×20 odds), strong but not able to override a line that no failing test reaches.',
  },
  repairNoFix: {
    weight: -0.5,
    why: 'Candidates were tried on the line and none fixed any failing test: weak evidence against it (templates cover only some bug kinds).',
  },
  criticLogit: {
    weight: 0.6,
    why: "The critic's probability enters as its log-odds (clamped to [0.02, 0.98]) shrunk by 0.6, because language-model confidence is over-confident and overlaps the test evidence it was shown.",
  },
};

/** Features fitted from data: everything the scorer computes except the optional evidence. */
export const FITTED_FEATURES: readonly string[] = FEATURE_NAMES.filter((name) => !OPTIONAL_FEATURES.includes(name));

/**
 * Signs the spectrum evidence must keep, whatever the training data: a line run by more of the failing
 * tests, or named in more of their tracebacks, is never less suspicious; one run by more passing tests is
 * never more suspicious. Unconstrained, the real-project re-fit gave `failedCoverage` a negative weight
 * (collinear with Ochiai), which ranked a line run by half the failing tests above the faulty line run
 * by all of them in a plain two-test case.
 */
export const FEATURE_SIGNS: Readonly<Record<string, 1 | -1>> = {
  failedCoverage: 1,
  passedCoverage: -1,
  ochiai: 1,
  dstar: 1,
  ochiaiRank: 1,
  ochiaiAbove: -1,
  dstarRank: 1,
  onlyFailing: 1,
  tracebackFraction: 1,
  deepestFrameFraction: 1,
};

export interface FitOptions {
  /** L2 penalty on standardized coefficients (not the intercept). */
  l2: number;
  features?: readonly string[];
  /** Sign constraints (default `FEATURE_SIGNS`); `{}` fits without any. */
  signs?: Readonly<Record<string, 1 | -1>>;
  /** Weight of each case's rows (default 1). */
  caseWeight?: (labeled: LabeledCase) => number;
  maxIterations?: number;
}

/** A fitted model plus what the fit saw. */
export interface FitResult {
  model: ScorerModel;
  rows: number;
  positives: number;
  iterations: number;
  /** Features left out because they never vary in the training rows. */
  constantFeatures: string[];
  /** Features fixed at 0 because the data pulled them against their sign (`FEATURE_SIGNS`). */
  pinnedFeatures: string[];
}

/** Fits on the fittable cases; returns a model with training means as references and the priors added. */
export function fitLogistic(cases: LabeledCase[], options: FitOptions): FitResult {
  const names = [...(options.features ?? FITTED_FEATURES)];
  const rows: number[][] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  for (const labeled of cases) {
    if (!labeled.fittable) continue;
    const weight = options.caseWeight?.(labeled) ?? 1;
    labeled.lines.forEach((line, index) => {
      rows.push(names.map((name) => line.features[name] ?? 0));
      labels.push(labeled.labels[index]);
      weights.push(weight);
    });
  }
  if (rows.length === 0) throw new Error('no training rows');
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const means = names.map((_, column) => rows.reduce((sum, row, index) => sum + weights[index] * row[column], 0) / totalWeight);
  const deviations = names.map((_, column) => Math.sqrt(rows.reduce((sum, row, index) => sum + weights[index] * (row[column] - means[column]) ** 2, 0) / totalWeight));
  let kept = names.map((_, column) => column).filter((column) => deviations[column] > 1e-9);
  const constantFeatures = names.filter((_, column) => deviations[column] <= 1e-9);
  const signs = options.signs ?? FEATURE_SIGNS;
  // Active set: the feature most against its sign is fixed at 0 and the fit repeated, until none is.
  const pinned: number[] = [];
  let coefficients: number[];
  let iterations = 0;
  for (;;) {
    const standardized = rows.map((row) => [1, ...kept.map((column) => (row[column] - means[column]) / deviations[column])]);
    const fitted = newtonLogistic(standardized, labels, weights, options.l2, options.maxIterations ?? 100);
    coefficients = fitted.coefficients;
    iterations += fitted.iterations;
    let worst = -1;
    let worstValue = 0;
    kept.forEach((column, index) => {
      const sign = signs[names[column]];
      const value = sign === undefined ? 0 : sign * coefficients[index + 1];
      if (value < worstValue) {
        worstValue = value;
        worst = index;
      }
    });
    if (worst < 0) break;
    pinned.push(kept[worst]);
    kept = kept.filter((_, index) => index !== worst);
  }

  const features: ScorerModel['features'] = {};
  kept.forEach((column, index) => {
    features[names[column]] = { weight: round6(coefficients[index + 1] / deviations[column]), reference: round6(means[column]) };
  });
  for (const column of pinned) features[names[column]] = { weight: 0, reference: round6(means[column]) };
  for (const [name, prior] of Object.entries(PRIOR_WEIGHTS)) features[name] = { weight: prior.weight, reference: 0 };
  return {
    model: { intercept: round6(coefficients[0]), features },
    rows: rows.length,
    positives: labels.filter((label) => label === 1).length,
    iterations,
    constantFeatures,
    pinnedFeatures: pinned.map((column) => names[column]),
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Minimizes Σ weight·logloss + (l2/2)·‖β₁..‖² by Newton's method. Column 0 is the intercept and is
 * not penalized. Converges in a handful of steps on a few dozen features; the same input always
 * gives the same output.
 */
export function newtonLogistic(rows: number[][], labels: number[], weights: number[], l2: number, maxIterations: number): { coefficients: number[]; iterations: number } {
  const size = rows[0].length;
  const beta = new Array<number>(size).fill(0);
  let iteration = 0;
  for (; iteration < maxIterations; iteration++) {
    const gradient = new Array<number>(size).fill(0);
    const hessian = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    rows.forEach((row, index) => {
      let logit = 0;
      for (let column = 0; column < size; column++) logit += beta[column] * row[column];
      const probability = 1 / (1 + Math.exp(-logit));
      const residual = weights[index] * (probability - labels[index]);
      const curvature = weights[index] * Math.max(probability * (1 - probability), 1e-12);
      for (let first = 0; first < size; first++) {
        gradient[first] += residual * row[first];
        const scaled = curvature * row[first];
        for (let second = 0; second <= first; second++) hessian[first][second] += scaled * row[second];
      }
    });
    for (let first = 0; first < size; first++) {
      for (let second = 0; second < first; second++) hessian[second][first] = hessian[first][second];
      if (first > 0) {
        gradient[first] += l2 * beta[first];
        hessian[first][first] += l2;
      }
    }
    hessian[0][0] += 1e-9; // keeps the system solvable when every label in a fold is the same
    const step = choleskySolve(hessian, gradient);
    let change = 0;
    for (let column = 0; column < size; column++) {
      beta[column] -= step[column];
      change = Math.max(change, Math.abs(step[column]));
    }
    if (change < 1e-9) {
      iteration += 1;
      break;
    }
  }
  return { coefficients: beta, iterations: iteration };
}

/** Solves A·x = b for symmetric positive-definite A. */
export function choleskySolve(matrix: number[][], vector: number[]): number[] {
  const size = vector.length;
  const lower = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let row = 0; row < size; row++) {
    for (let column = 0; column <= row; column++) {
      let sum = matrix[row][column];
      for (let inner = 0; inner < column; inner++) sum -= lower[row][inner] * lower[column][inner];
      if (row === column) {
        if (sum <= 0) throw new Error('matrix is not positive definite');
        lower[row][row] = Math.sqrt(sum);
      } else lower[row][column] = sum / lower[column][column];
    }
  }
  const forward = new Array<number>(size).fill(0);
  for (let row = 0; row < size; row++) {
    let sum = vector[row];
    for (let inner = 0; inner < row; inner++) sum -= lower[row][inner] * forward[inner];
    forward[row] = sum / lower[row][row];
  }
  const solution = new Array<number>(size).fill(0);
  for (let row = size - 1; row >= 0; row--) {
    let sum = forward[row];
    for (let inner = row + 1; inner < size; inner++) sum -= lower[inner][row] * solution[inner];
    solution[row] = sum / lower[row][row];
  }
  return solution;
}

/** Small deterministic generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Assigns groups to `folds` folds by a seeded shuffle of the sorted group names. */
export function assignFolds(groups: string[], folds: number, seed = 1): Map<string, number> {
  const unique = [...new Set(groups)].sort();
  const next = seededRandom(seed);
  for (let index = unique.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [unique[index], unique[other]] = [unique[other], unique[index]];
  }
  return new Map(unique.map((group, index) => [group, index % folds]));
}

/** The L2 penalty shipped: the lowest held-out log-loss on HumanEvalFix-Python in a grid of 10 to 1,000. */
export const DEFAULT_L2 = 300;

/**
 * Alternative weighting (compared in the benchmark, not shipped): every case (bug) weighs the same in
 * total, however many lines it has. Plain per-line weights ranked and calibrated better.
 */
export function equalCaseWeight(labeled: LabeledCase): number {
  return 1 / Math.max(1, labeled.lines.length);
}

/** Loads and labels every cached case of a language (HumanEvalFix and mutants). */
export async function loadLabeledCases(language: BenchLanguage): Promise<{ humanEvalFix: LabeledCase[]; mutants: LabeledCase[] }> {
  const syntax = new SyntaxService(path.join(repoRoot, 'grammars'));
  const label = async (kind: string) => {
    const labeled: LabeledCase[] = [];
    for (const record of readCachedCases(kind)) labeled.push(await labelCase(record, syntax));
    return labeled;
  };
  return { humanEvalFix: await label(`humanevalfix-${language}`), mutants: await label(`mutants-${language}`) };
}

/** Fits the shipped model on everything cached for `language`. */
export function fitShippedModel(cases: LabeledCase[], l2: number, language: BenchLanguage): FitResult {
  const result = fitLogistic(cases, { l2 });
  const humanEvalFix = cases.filter((labeled) => labeled.origin === 'humanevalfix' && labeled.fittable).length;
  const mutants = cases.filter((labeled) => labeled.origin === 'mutant' && labeled.fittable).length;
  result.model.description =
    `L2 logistic regression (l2 = ${l2} on standardized features, one row per scored line) fitted by bench/localize/fit.ts on ` +
    `${humanEvalFix} HumanEvalFix-${language} bugs and ${mutants} injected bugs in bench/localize/programs (${result.rows} lines, ${result.positives} faulty). ` +
    `Optional features (edited, repair*, criticLogit) carry hand-set priors, documented in fit.ts PRIOR_WEIGHTS.`;
  return result;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const language = languageOption(options);
  const l2 = Number(options.get('l2') ?? DEFAULT_L2);
  const { humanEvalFix, mutants } = await loadLabeledCases(language);
  console.log(`${humanEvalFix.length} HumanEvalFix cases, ${mutants.length} mutants`);
  const result = fitShippedModel([...humanEvalFix, ...mutants], l2, language);
  console.log(`fitted on ${result.rows} lines (${result.positives} faulty) in ${result.iterations} Newton steps; constant: ${result.constantFeatures.join(', ') || 'none'}`);
  const ordered = Object.entries(result.model.features).sort((left, right) => Math.abs(right[1].weight) - Math.abs(left[1].weight));
  for (const [name, { weight, reference }] of ordered) console.log(`  ${name.padEnd(22)} ${weight.toFixed(3).padStart(8)}  (reference ${reference})`);
  if (options.has('write')) {
    const target = path.join(repoRoot, 'extension', 'src', 'core', 'localize', 'weights.json');
    fs.writeFileSync(target, `${JSON.stringify({ description: result.model.description, intercept: result.model.intercept, features: result.model.features }, null, 2)}\n`);
    console.log(`wrote ${target}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
