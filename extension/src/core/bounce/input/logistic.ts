/**
 * L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least squares).
 * Small, exact and deterministic: the same rows give the same weights on every machine, which keeps the
 * shipped `weights.json` reproducible from the bench script.
 */

/** Options for `fitLogisticRegression`. */
export interface LogisticFitOptions {
  /** L2 penalty on the weights (not the bias), in units of the mean sample weight; default 1. */
  l2?: number;
  /** Per-row weights (e.g. to balance classes); default all 1. They are rescaled to mean 1. */
  sampleWeights?: number[];
  /** Default 100. */
  maxIterations?: number;
  /** Stop when no coefficient moves more than this; default 1e-9. */
  tolerance?: number;
}

/** Fitted coefficients. */
export interface LogisticFit {
  weights: number[];
  bias: number;
  iterations: number;
  /** Final value of the penalised weighted log-loss. */
  loss: number;
}

/** The logistic function, safe for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const exponential = Math.exp(z);
  return exponential / (1 + exponential);
}

/** log(p / (1 - p)), clamped away from 0 and 1. */
export function logit(probability: number): number {
  const clamped = Math.min(1 - 1e-12, Math.max(1e-12, probability));
  return Math.log(clamped / (1 - clamped));
}

/** Solves `matrix · x = vector` by Gaussian elimination with partial pivoting (matrix is copied). */
export function solveLinearSystem(matrix: number[][], vector: number[]): number[] {
  const size = vector.length;
  const augmented = matrix.map((row, index) => [...row, vector[index]]);
  for (let column = 0; column < size; column++) {
    let pivot = column;
    for (let row = column + 1; row < size; row++) {
      if (Math.abs(augmented[row][column]) > Math.abs(augmented[pivot][column])) pivot = row;
    }
    if (Math.abs(augmented[pivot][column]) < 1e-300) throw new Error('singular system');
    [augmented[column], augmented[pivot]] = [augmented[pivot], augmented[column]];
    for (let row = column + 1; row < size; row++) {
      const factor = augmented[row][column] / augmented[column][column];
      if (factor === 0) continue;
      for (let inner = column; inner <= size; inner++) augmented[row][inner] -= factor * augmented[column][inner];
    }
  }
  const solution = new Array<number>(size).fill(0);
  for (let row = size - 1; row >= 0; row--) {
    let sum = augmented[row][size];
    for (let inner = row + 1; inner < size; inner++) sum -= augmented[row][inner] * solution[inner];
    solution[row] = sum / augmented[row][row];
  }
  return solution;
}

function penalisedLoss(rows: number[][], labels: number[], sampleWeights: number[], coefficients: number[], l2: number): number {
  const dimension = coefficients.length - 1;
  let loss = 0;
  rows.forEach((row, index) => {
    let z = coefficients[dimension];
    for (let feature = 0; feature < dimension; feature++) z += coefficients[feature] * row[feature];
    // log(1 + e^z) - y z, computed stably.
    const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    loss += sampleWeights[index] * (softplus - labels[index] * z);
  });
  for (let feature = 0; feature < dimension; feature++) loss += 0.5 * l2 * coefficients[feature] ** 2;
  return loss;
}

/**
 * Fits `P(y = 1 | x) = sigmoid(w · x + b)` minimising the weighted log-loss plus `l2/2 · |w|²`.
 * Rows should be standardised by the caller so one penalty suits every feature.
 */
export function fitLogisticRegression(rows: number[][], labels: number[], options: LogisticFitOptions = {}): LogisticFit {
  if (rows.length === 0) throw new Error('no rows to fit');
  if (rows.length !== labels.length) throw new Error('rows and labels differ in length');
  const dimension = rows[0].length;
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const rawWeights = options.sampleWeights ?? rows.map(() => 1);
  const meanWeight = rawWeights.reduce((sum, weight) => sum + weight, 0) / rawWeights.length;
  const sampleWeights = rawWeights.map((weight) => weight / meanWeight);
  // Coefficients: weights then bias (last).
  let coefficients = new Array<number>(dimension + 1).fill(0);
  let loss = penalisedLoss(rows, labels, sampleWeights, coefficients, l2);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const gradient = new Array<number>(dimension + 1).fill(0);
    const hessian = Array.from({ length: dimension + 1 }, () => new Array<number>(dimension + 1).fill(0));
    rows.forEach((row, index) => {
      let z = coefficients[dimension];
      for (let feature = 0; feature < dimension; feature++) z += coefficients[feature] * row[feature];
      const probability = sigmoid(z);
      const residual = sampleWeights[index] * (probability - labels[index]);
      const curvature = sampleWeights[index] * probability * (1 - probability);
      const extended = [...row, 1];
      for (let outer = 0; outer <= dimension; outer++) {
        gradient[outer] += residual * extended[outer];
        if (extended[outer] === 0) continue;
        for (let inner = outer; inner <= dimension; inner++) hessian[outer][inner] += curvature * extended[outer] * extended[inner];
      }
    });
    for (let outer = 0; outer <= dimension; outer++) {
      for (let inner = 0; inner < outer; inner++) hessian[outer][inner] = hessian[inner][outer];
    }
    for (let feature = 0; feature < dimension; feature++) {
      gradient[feature] += l2 * coefficients[feature];
      hessian[feature][feature] += l2;
    }
    hessian[dimension][dimension] += 1e-9;
    const step = solveLinearSystem(hessian, gradient);
    // Backtracking keeps each step a descent step even far from the optimum.
    let scale = 1;
    let candidate = coefficients.map((value, index) => value - step[index]);
    let candidateLoss = penalisedLoss(rows, labels, sampleWeights, candidate, l2);
    while (candidateLoss > loss + 1e-12 && scale > 1e-6) {
      scale /= 2;
      candidate = coefficients.map((value, index) => value - scale * step[index]);
      candidateLoss = penalisedLoss(rows, labels, sampleWeights, candidate, l2);
    }
    const largestMove = Math.max(...step.map((value) => Math.abs(value * scale)));
    coefficients = candidate;
    loss = candidateLoss;
    if (largestMove < tolerance) {
      iterations++;
      break;
    }
  }
  return { weights: coefficients.slice(0, dimension), bias: coefficients[dimension], iterations, loss };
}

/** Column means and standard deviations (1 where a column is constant) for standardising rows. */
export function columnStatistics(rows: number[][]): { means: number[]; scales: number[] } {
  const dimension = rows[0]?.length ?? 0;
  const means = new Array<number>(dimension).fill(0);
  for (const row of rows) row.forEach((value, index) => (means[index] += value / rows.length));
  const variances = new Array<number>(dimension).fill(0);
  for (const row of rows) row.forEach((value, index) => (variances[index] += (value - means[index]) ** 2 / rows.length));
  return { means, scales: variances.map((variance) => (variance > 1e-12 ? Math.sqrt(variance) : 1)) };
}
