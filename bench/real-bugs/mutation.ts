/**
 * Mutation evidence on mined real bugs: what Check and Fix adds to the spectrum. For each verified bug of
 * bench/real-bugs/dataset.json, the captured check (`localize.ts`'s cache) is ranked by `localizeFaults`
 * (spectrum only: what Check (Localize Only) shows), then the patch stage runs as the pipeline runs it:
 * `proposePatches` with the shipped budget (`DEFAULT_SETTINGS.patch`, `--lines` overriding `maxLines`) on
 * that ranking, validating in isolated copies of the check with the pipeline's warm-worker factories
 * (`pytestWorkerFor` / `jsWorkerFor`) and its sandboxed cold runs, and the lines are scored again with
 * every candidate's outcome (`repairOutcomes`): what Check and Fix shows. Each bug's outcomes are cached
 * on disk (`<work>/mutation/L<lines>-C<candidates>/<id>.json`), so re-scoring and re-fitting never re-run them.
 *
 * Then the three repair weights (hand-set priors in bench/localize/fit.ts PRIOR_WEIGHTS) are fitted
 * leave-one-project-out, with the shipped spectrum weights fixed (an offset): each project's bugs are
 * ranked with weights fitted on the other projects only. Two fits: a logistic regression of the faulty
 * label on the three features (offset = the shipped spectrum logit), and a grid search that maximizes the
 * held-in Top-1 + Top-3 + Top-5 + Top-10 hits.
 *
 * Usage: node out/bench/real-bugs/mutation.js [--project a,b] [--only ID,ID] [--lines 6[,15]] [--max-candidates 60]
 *          [--score-only] [--refresh] [--no-write] [--data ..] [--work /tmp/revise-real]
 * Writes bench/results/real-bugs-mutation.{json,md} (unless --no-write).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assessPatches, patchRisks } from '../../extension/src/core/bounce/output/index';
import { captureTests, isTestFile } from '../../extension/src/core/capture/index';
import { defaultModel, localizeFaults, modelLogit, sigmoid, type ScorerModel } from '../../extension/src/core/localize/index';
import { proposePatches, type CandidateRecord, type PatchStats, type TestRunRequest } from '../../extension/src/core/patch/index';
import { DEFAULT_SETTINGS, jsWorkerFor, pytestWorkerFor, type CheckRequest, type CheckSettings } from '../../extension/src/core/pipeline';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { detectSandbox, sandboxedRunner, type SandboxKind } from '../../extension/src/core/sandbox/index';
import { DiskSourceReader } from '../../extension/src/core/sources';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { withTempDir } from '../../extension/src/core/tempfiles';
import type { Assets } from '../../extension/src/core/capture/types';
import type { LineScore, RepairOutcome, TestRun } from '../../extension/src/core/types';
import { parseArguments, resultsRoot } from '../localize/common';
import { PRIOR_WEIGHTS } from '../localize/fit';
import { percent, round } from '../localize/metrics';
import { collectingLogger } from '../repair/common';
import { snapshotAssets } from '../repair/humanevalfix';
import { bestRank, checkDir, loadCheck, prepareCheck, realBugPaths, selectBugs, testCommand, type Bug, type CachedCheck, type RealBugPaths } from './localize';

const PYTHON = '/usr/bin/python3';
export const REPAIR_FEATURES = ['repairFixedFraction', 'repairPlausible', 'repairNoFix'] as const;
type RepairWeights = [number, number, number];

/** One bug's patch search, as cached. */
export interface SearchRecord {
  id: string;
  maxLines: number;
  maxCandidates: number;
  workers: number;
  /** Every tried candidate's outcome, in search order (what the pipeline passes to `localizeFaults`). */
  outcomes: RepairOutcome[];
  candidates: Pick<CandidateRecord, 'file' | 'line' | 'origin' | 'title' | 'score' | 'status' | 'stage' | 'fixed' | 'broken' | 'testsRun' | 'finishedAtMs'>[];
  stats: Pick<PatchStats, 'linesConsidered' | 'candidatesGenerated' | 'candidatesTried' | 'plausible' | 'validated' | 'stoppedBy' | 'elapsedMs' | 'warmRuns' | 'coldRuns' | 'firstValidatedMs'> & { message?: string };
  /** Wall time of `proposePatches` (including copying the check and loading the warm workers). */
  wallMs: number;
  loadAverage: number[];
  sandbox: string;
  warnings: string[];
  error?: string;
  /**
   * The output bouncer on the validated patches, as Check and Fix decides after the search (lines ranked
   * again with the repair outcomes; no task; no cold whole-suite confirmation, the check runs only the
   * fix's test modules). Absent in records made before it was added, and when nothing validated.
   */
  bouncer?: BouncerOutcome;
}

/** What the output bouncer made of one bug's validated patches. */
export interface BouncerOutcome {
  action: string;
  threshold: number;
  /** Every validated patch: its trust, its risks, whether it touches a faulty line. */
  patches: { id: string; title: string; file: string; line: number; origin: string; trust: number; risks: string[]; onFaultyLine: boolean; diff?: string; coverageKnown?: number; coveringPassing?: number }[];
  proposed?: string;
  reasons: string[];
}


/**
 * Runs the patch stage on one captured check the way `runCheck` (fix mode) does: the same budget, the
 * same warm workers, cold runs through the same sandbox. The check is written again at the cached run's
 * root, so every path in the run is valid.
 */
async function searchRepairs(
  bug: Bug,
  check: CachedCheck,
  scores: LineScore[],
  paths: RealBugPaths,
  budget: CheckSettings['patch'],
  assets: Assets,
  syntax: SyntaxService,
  sandbox: SandboxKind,
): Promise<SearchRecord> {
  const run = check.run;
  const dir = checkDir(bug, paths.work);
  if (path.resolve(run.root) !== dir) throw new Error(`cached run root ${run.root} is not ${dir}`);
  prepareCheck(bug, dir, paths.data, paths.work);
  const saved = { ...process.env };
  // src-layout projects: the path stays relative, so each validation copy imports its own (patched) src/.
  for (const [name, value] of Object.entries(bug.env)) process.env[name] = value;
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const runner = new NodeProcessRunner();
  const settings: CheckSettings = { ...DEFAULT_SETTINGS, pythonPath: PYTHON, patch: budget };
  const request: CheckRequest = { root: dir, mode: 'fix', assets, settings, logger, runner, syntax };
  const fileLevelIds = run.tests.filter((test) => test.loadError).map((test) => test.id);
  const command = testCommand(bug);
  // The pipeline's `coldRun`: a capture without coverage in the copy, through the sandbox.
  const coldRun = ({ root, testIds, signal }: TestRunRequest): Promise<TestRun> =>
    withTempDir('run', (tempDir) =>
      captureTests({
        logger,
        assets,
        pythonPath: PYTHON,
        command,
        perTestTimeoutMs: settings.perTestTimeoutMs,
        totalTimeoutMs: settings.totalTimeoutMs,
        root,
        runner: sandboxedRunner(runner, sandbox, { writable: root === dir ? [] : [root], tempDir, network: false }),
        tempDir,
        signal,
        testIds,
        coverage: false,
        fileLevelIds,
      }),
    );
  const openWorker =
    run.framework === 'pytest' ? pytestWorkerFor(request, PYTHON, settings.totalTimeoutMs, sandbox, coldRun) : jsWorkerFor(request, run.framework, Promise.resolve(run), sandbox, coldRun);
  const started = Date.now();
  const base = { id: bug.id, maxLines: budget.maxLines, maxCandidates: budget.maxCandidates, workers: budget.workers, sandbox: sandbox.kind };
  try {
    const sources = new DiskSourceReader();
    const result = await proposePatches({ root: dir, run, suspects: scores, sources, syntax, isTestFile, budget, logger, runTests: coldRun, openWorker });
    const stats = result.stats;
    let bouncer: BouncerOutcome | undefined;
    if (result.patches.some((patch) => patch.validated)) {
      const reranked = await localizeFaults({ run, sources, syntax, repairOutcomes: result.outcomes });
      const assessed = await assessPatches({
        root: dir,
        mode: 'fix',
        run,
        scores: reranked,
        patches: result.patches,
        stats,
        pythonPath: PYTHON,
        runner,
        candidateRunner: (writable: string[]) => sandboxedRunner(runner, sandbox, { writable, network: false }),
        sources,
        logger,
      });
      const faulty = (file: string, lines: number[]) => lines.some((line) => bug.faultyLines[path.relative(dir, file)]?.includes(line));
      bouncer = {
        action: assessed.decision?.action ?? 'none',
        threshold: assessed.threshold,
        patches: result.patches
          .filter((patch) => patch.validated)
          .map((patch) => {
            const item = assessed.assessments.find((entry) => entry.patchId === patch.id);
            return {
              id: patch.id,
              title: patch.title,
              file: path.relative(dir, patch.file),
              line: patch.lines[0] ?? 0,
              origin: patch.origin,
              trust: round(item?.trust ?? 0),
              risks: item ? patchRisks(patch, item.features).map((risk) => risk.kind) : [],
              onFaultyLine: faulty(patch.file, patch.lines),
              diff: patch.diff,
              ...(item ? { coverageKnown: item.features.coverageKnown, coveringPassing: item.features.coveringPassing } : {}),
            };
          }),
        ...(assessed.decision?.action === 'propose' && assessed.decision.patch ? { proposed: assessed.decision.patch } : {}),
        reasons: assessed.decision?.reasons ?? [],
      };
    }
    return {
      ...base,
      ...(bouncer ? { bouncer } : {}),
      outcomes: result.outcomes,
      candidates: stats.candidates.map(({ file, line, origin, title, score, status, stage, fixed, broken, testsRun, finishedAtMs }) => ({ file, line, origin, title, score, status, stage, fixed, broken, testsRun, finishedAtMs })),
      stats: {
        linesConsidered: stats.linesConsidered,
        candidatesGenerated: stats.candidatesGenerated,
        candidatesTried: stats.candidatesTried,
        plausible: stats.plausible,
        validated: stats.validated,
        stoppedBy: stats.stoppedBy,
        elapsedMs: stats.elapsedMs,
        warmRuns: stats.warmRuns,
        coldRuns: stats.coldRuns,
        ...(stats.firstValidatedMs !== undefined ? { firstValidatedMs: stats.firstValidatedMs } : {}),
        ...(stats.message ? { message: stats.message } : {}),
      },
      wallMs: Date.now() - started,
      loadAverage: os.loadavg().map(round),
      warnings: warnings.slice(0, 10),
    };
  } finally {
    for (const name of Object.keys(bug.env)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One scored line, reduced to what re-ranking under other repair weights needs. */
interface LineRow {
  /** Shipped logit without the repair terms. */
  base: number;
  repair: RepairWeights;
  ochiai: number;
  deepest: number;
  file: string;
  line: number;
  faulty: boolean;
}

/** A bug ready for re-ranking: every scored line with its repair features. */
export interface BugRows {
  id: string;
  project: string;
  language: string;
  rows: LineRow[];
}

/** The shipped model without the repair terms (their weights come from the caller). */
function withoutRepair(model: ScorerModel): ScorerModel {
  const features = { ...model.features };
  for (const name of REPAIR_FEATURES) delete features[name];
  return { ...model, features };
}

export function rowsOf(scores: LineScore[], faultyKeys: Set<string>, model: ScorerModel): LineRow[] {
  const spectrum = withoutRepair(model);
  return scores.map((score) => ({
    base: modelLogit(spectrum, score.features),
    repair: REPAIR_FEATURES.map((name) => score.features[name] ?? 0) as RepairWeights,
    ochiai: score.features.ochiai ?? 0,
    deepest: score.features.deepestFrameFraction ?? 0,
    file: score.file,
    line: score.line,
    faulty: faultyKeys.has(`${score.file}\n${score.line}`),
  }));
}

/**
 * Rank of the best faulty line under `weights` (undefined when none is scored), with `localizeFaults`'s
 * order: probability, then Ochiai, then deepest-frame share, then file, then line.
 */
export function rankUnder(rows: LineRow[], weights: RepairWeights): number | undefined {
  const probabilities = rows.map((row) => sigmoid(row.base + weights[0] * row.repair[0] + weights[1] * row.repair[1] + weights[2] * row.repair[2]));
  const ahead = (left: number, right: number) => {
    const a = rows[left];
    const b = rows[right];
    const order = probabilities[right] - probabilities[left] || b.ochiai - a.ochiai || b.deepest - a.deepest || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line;
    return order < 0;
  };
  let best: number | undefined;
  rows.forEach((row, index) => {
    if (!row.faulty) return;
    let rank = 1;
    for (let other = 0; other < rows.length; other++) if (other !== index && ahead(other, index)) rank++;
    if (best === undefined || rank < best) best = rank;
  });
  return best;
}

const hitScore = (rank: number | undefined) => (rank === undefined ? 0 : (rank <= 1 ? 1 : 0) + (rank <= 3 ? 1 : 0) + (rank <= 5 ? 1 : 0) + (rank <= 10 ? 1 : 0));

/** Grid of repair weights searched (the priors are on it). */
function weightGrid(): RepairWeights[] {
  const grid: RepairWeights[] = [];
  for (let fixed = 0; fixed <= 4; fixed += 0.5) for (let plausible = 0; plausible <= 4; plausible += 0.5) for (let noFix = -3; noFix <= 0.5; noFix += 0.5) grid.push([fixed, plausible, noFix]);
  return grid;
}

/** The grid point with the most held-in Top-1/3/5/10 hits; ties go to the point nearest the priors. */
export function gridFit(bugs: BugRows[], priors: RepairWeights): RepairWeights {
  // Only bugs with repair evidence on some line can move.
  const moving = bugs.filter((bug) => bug.rows.some((row) => row.repair.some((value) => value !== 0)));
  let best: { weights: RepairWeights; score: number; distance: number } | undefined;
  for (const weights of weightGrid()) {
    const score = moving.reduce((sum, bug) => sum + hitScore(rankUnder(bug.rows, weights)), 0);
    const distance = weights.reduce((sum, value, index) => sum + Math.abs(value - priors[index]), 0);
    if (!best || score > best.score || (score === best.score && distance < best.distance)) best = { weights, score, distance };
  }
  return best ? best.weights : priors;
}

/**
 * Logistic regression of the faulty label on the three repair features with the shipped spectrum logit as
 * an offset (plus a free intercept shift), L2 `l2` on the three weights; Newton's method.
 */
export function logisticFit(bugs: BugRows[], l2 = 1): RepairWeights {
  const rows = bugs.flatMap((bug) => bug.rows);
  let beta = [0, 0, 0, 0]; // intercept shift, then the three weights
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = [0, 0, 0, 0];
    const hessian = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
    for (const row of rows) {
      const x = [1, ...row.repair];
      const p = sigmoid(row.base + x.reduce((sum, value, index) => sum + value * beta[index], 0));
      const residual = (row.faulty ? 1 : 0) - p;
      const curvature = p * (1 - p);
      for (let i = 0; i < 4; i++) {
        gradient[i] += residual * x[i];
        for (let j = 0; j < 4; j++) hessian[i][j] += curvature * x[i] * x[j];
      }
    }
    for (let i = 1; i < 4; i++) {
      gradient[i] -= l2 * beta[i];
      hessian[i][i] += l2;
    }
    const step = solve(hessian, gradient);
    beta = beta.map((value, index) => value + step[index]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return [round(beta[1]), round(beta[2]), round(beta[3])];
}

/** Solves A x = b (small, symmetric positive definite) by Gaussian elimination. */
function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, index) => [...row, vector[index]]);
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++) if (Math.abs(a[row][column]) > Math.abs(a[pivot][column])) pivot = row;
    [a[column], a[pivot]] = [a[pivot], a[column]];
    if (Math.abs(a[column][column]) < 1e-12) continue;
    for (let row = 0; row < n; row++) {
      if (row === column) continue;
      const factor = a[row][column] / a[column][column];
      for (let k = column; k <= n; k++) a[row][k] -= factor * a[column][k];
    }
  }
  return a.map((row, index) => (Math.abs(row[index]) < 1e-12 ? 0 : row[n] / row[index]));
}

type Ranks = { before: number | null; priors: number | null; fit: number | null; grid: number | null };
type Method = keyof Ranks;
const METHODS: Method[] = ['before', 'priors', 'fit', 'grid'];

interface Summary {
  bugs: number;
  top1: number;
  top3: number;
  top5: number;
  top10: number;
  mrr: number;
}

function summarize(ranks: (number | null)[]): Summary {
  const share = (k: number) => (ranks.length === 0 ? 0 : round(ranks.filter((rank) => rank !== null && rank <= k).length / ranks.length));
  return {
    bugs: ranks.length,
    top1: share(1),
    top3: share(3),
    top5: share(5),
    top10: share(10),
    mrr: ranks.length === 0 ? 0 : round(ranks.reduce<number>((sum, rank) => sum + (rank ? 1 / rank : 0), 0) / ranks.length),
  };
}

interface BugResult {
  id: string;
  project: string;
  language: string;
  ranks: Ranks;
  linesSearched: number;
  candidatesGenerated: number;
  candidatesTried: number;
  plausible: number;
  validated: number;
  stoppedBy: string;
  warmRuns: number;
  coldRuns: number;
  wallMs: number;
  /** Whether a candidate was tried on a faulty line, and whether one there fixed a failing test. */
  faultyLineTried: boolean;
  faultyLineFixedSome: boolean;
  /** Lines that are not faulty where a candidate made every failing test pass with none broken. */
  plausibleElsewhere: number;
}

interface VariantReport {
  maxLines: number;
  maxCandidates: number;
  bugs: BugResult[];
  groups: Record<string, Record<Method, Summary>>;
  /** Weights each held-out project was ranked with. */
  folds: Record<string, { fit: RepairWeights; grid: RepairWeights }>;
  /** Fitted on every bug (what would ship). */
  allFit: { fit: RepairWeights; grid: RepairWeights };
  /** Bugs where `rankUnder` with the priors disagrees with `localizeFaults` (should be 0). */
  rankMismatches: string[];
  /** Scored bugs with no cached search for this variant (`--score-only`, or not run in time). */
  notSearched: string[];
  totals: { candidatesTried: number; wallMs: number; medianWallMs: number; timeBudgetStops: number; warmRuns: number; coldRuns: number };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const paths = realBugPaths(options);
  const { bugs } = selectBugs(options);
  const lineBudgets = (options.get('lines') ?? String(DEFAULT_SETTINGS.patch.maxLines)).split(',').map(Number);
  const maxCandidates = Number(options.get('max-candidates') ?? DEFAULT_SETTINGS.patch.maxCandidates);
  const scoreOnly = options.has('score-only');
  const assets = snapshotAssets();
  const syntax = new SyntaxService(assets.grammarsDir);
  const sandbox = await detectSandbox();
  const model = defaultModel();
  const priors = REPAIR_FEATURES.map((name) => PRIOR_WEIGHTS[name].weight) as RepairWeights;
  const shippedRepair = REPAIR_FEATURES.map((name) => model.features[name]?.weight ?? 0) as RepairWeights;
  const started = Date.now();
  const loadAtStart = os.loadavg().map(round);
  const reports: VariantReport[] = [];
  const skipped: { id: string; reason: string }[] = [];

  // Spectrum-only scores per bug (the "before"), computed once.
  const prepared: { bug: Bug; check: CachedCheck; scores: LineScore[]; keys: Set<string> }[] = [];
  for (const bug of bugs) {
    let check: CachedCheck;
    try {
      check = await loadCheck(bug, paths);
    } catch (error) {
      skipped.push({ id: bug.id, reason: `capture failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}` });
      continue;
    }
    if (!check.run.tests.some((test) => test.outcome === 'failed')) {
      skipped.push({ id: bug.id, reason: "no failing test in Revise's capture" });
      continue;
    }
    const sources = { read: async (file: string) => check.files[file] };
    const scores = await localizeFaults({ run: check.run, sources, syntax });
    const keys = new Set(Object.entries(bug.faultyLines).flatMap(([file, lines]) => lines.map((line) => `${path.join(check.run.root, file)}\n${line}`)));
    prepared.push({ bug, check, scores, keys });
  }

  for (const maxLines of lineBudgets) {
    const budget = { ...DEFAULT_SETTINGS.patch, maxLines, maxCandidates };
    const variantDir = path.join(paths.work, 'mutation', `L${maxLines}-C${maxCandidates}`);
    fs.mkdirSync(variantDir, { recursive: true });
    const rowsByBug: BugRows[] = [];
    const partial: (Omit<BugResult, 'ranks'> & { ranks: Pick<Ranks, 'before' | 'priors'> })[] = [];
    const rankMismatches: string[] = [];
    const notSearched: string[] = [];
    for (const { bug, check, scores, keys } of prepared) {
      const file = path.join(variantDir, `${bug.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
      let record: SearchRecord | undefined = !options.has('refresh') && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SearchRecord) : undefined;
      if (!record && !scoreOnly) {
        try {
          record = await searchRepairs(bug, check, scores, paths, budget, assets, syntax, sandbox);
        } catch (error) {
          console.log(`${bug.id}: search failed: ${(error as Error).message.split('\n')[0]}`);
          skipped.push({ id: `${bug.id} (L${maxLines})`, reason: `patch search failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}` });
          continue;
        }
        fs.writeFileSync(file, JSON.stringify(record));
        console.log(
          `${bug.id} L${maxLines}: ${record.stats.candidatesTried} tried (${record.stats.warmRuns ?? 0} warm, ${record.stats.coldRuns ?? 0} cold runs), ` +
            `${record.stats.plausible} plausible, ${record.stats.validated} validated, ${record.stats.stoppedBy}, ${record.wallMs} ms`,
        );
      }
      if (!record) {
        notSearched.push(bug.id);
        continue;
      }
      const sources = { read: async (name: string) => check.files[name] };
      const after = await localizeFaults({ run: check.run, sources, syntax, repairOutcomes: record.outcomes });
      const rows = rowsOf(after, keys, model);
      rowsByBug.push({ id: bug.id, project: bug.project, language: bug.language, rows });
      const before = bestRank(scores, check.run.root, bug.faultyLines) ?? null;
      const priorsRank = bestRank(after, check.run.root, bug.faultyLines) ?? null;
      if ((rankUnder(rows, shippedRepair) ?? null) !== priorsRank) rankMismatches.push(bug.id);
      const onFaulty = record.outcomes.filter((outcome) => keys.has(`${outcome.file}\n${outcome.line}`));
      const plausibleLines = new Set(
        record.outcomes.filter((outcome) => outcome.failingBefore > 0 && outcome.fixed === outcome.failingBefore && outcome.broken === 0 && !keys.has(`${outcome.file}\n${outcome.line}`)).map((outcome) => `${outcome.file}:${outcome.line}`),
      );
      partial.push({
        id: bug.id,
        project: bug.project,
        language: bug.language,
        ranks: { before, priors: priorsRank },
        linesSearched: record.stats.linesConsidered,
        candidatesGenerated: record.stats.candidatesGenerated,
        candidatesTried: record.stats.candidatesTried,
        plausible: record.stats.plausible,
        validated: record.stats.validated,
        stoppedBy: record.stats.stoppedBy,
        warmRuns: record.stats.warmRuns ?? 0,
        coldRuns: record.stats.coldRuns ?? 0,
        wallMs: record.wallMs,
        faultyLineTried: onFaulty.length > 0,
        faultyLineFixedSome: onFaulty.some((outcome) => outcome.fixed > 0),
        plausibleElsewhere: plausibleLines.size,
      });
    }

    // Leave one project out: each project's bugs ranked with repair weights fitted on the others.
    const projects = [...new Set(rowsByBug.map((bug) => bug.project))].sort();
    const folds: VariantReport['folds'] = {};
    for (const project of projects) {
      const training = rowsByBug.filter((bug) => bug.project !== project);
      folds[project] = { fit: logisticFit(training), grid: gridFit(training, priors) };
    }
    const results: BugResult[] = partial.map((result, index) => {
      const rows = rowsByBug[index].rows;
      const fold = folds[result.project];
      return { ...result, ranks: { ...result.ranks, fit: rankUnder(rows, fold.fit) ?? null, grid: rankUnder(rows, fold.grid) ?? null } };
    });
    const groups: VariantReport['groups'] = {};
    const members = new Map<string, BugResult[]>();
    for (const result of results) for (const key of ['all', `all ${result.language}`, result.project]) members.set(key, [...(members.get(key) ?? []), result]);
    for (const [key, list] of [...members.entries()].sort(([left], [right]) => groupOrder(left) - groupOrder(right) || left.localeCompare(right))) {
      groups[key] = Object.fromEntries(METHODS.map((method) => [method, summarize(list.map((result) => result.ranks[method]))])) as Record<Method, Summary>;
    }
    const walls = results.map((result) => result.wallMs).sort((left, right) => left - right);
    reports.push({
      maxLines,
      maxCandidates,
      bugs: results,
      groups,
      folds,
      allFit: { fit: logisticFit(rowsByBug), grid: gridFit(rowsByBug, priors) },
      rankMismatches,
      notSearched,
      totals: {
        candidatesTried: results.reduce((sum, result) => sum + result.candidatesTried, 0),
        wallMs: results.reduce((sum, result) => sum + result.wallMs, 0),
        medianWallMs: walls.length === 0 ? 0 : walls[Math.floor(walls.length / 2)],
        timeBudgetStops: results.filter((result) => result.stoppedBy === 'time-budget').length,
        warmRuns: results.reduce((sum, result) => sum + result.warmRuns, 0),
        coldRuns: results.reduce((sum, result) => sum + result.coldRuns, 0),
      },
    });
    const all = groups.all;
    if (all) console.log(`L${maxLines}: ${results.length} bugs; Top-5 before ${percent(all.before.top5)}, priors ${percent(all.priors.top5)}, fit ${percent(all.fit.top5)}, grid ${percent(all.grid.top5)}`);
  }

  const output = {
    benchmark: 'Mutation evidence (Check and Fix repair outcomes) on mined real bugs (bench/real-bugs/dataset.json)',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map(round), node: process.version },
    setup: {
      spectrum: 'localizeFaults with the shipped weights on the cached capture (what Check (Localize Only) ranks)',
      search: `proposePatches with DEFAULT_SETTINGS.patch (workers ${DEFAULT_SETTINGS.patch.workers}, ${DEFAULT_SETTINGS.patch.timeMs / 1000} s) and the pipeline's warm-worker factories; sandbox ${sandbox.kind}`,
      priors: Object.fromEntries(REPAIR_FEATURES.map((name, index) => [name, priors[index]])),
      hit: 'any faulty line ranked ≤ k',
      seconds: Math.round((Date.now() - started) / 1000),
    },
    variants: reports,
    skipped,
  };
  if (options.has('no-write')) return;
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-mutation.json'), `${JSON.stringify(output, null, 1)}\n`);
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-mutation.md'), markdown(output));
  console.log('wrote bench/results/real-bugs-mutation.{json,md}');
}

function groupOrder(key: string): number {
  return key === 'all' ? 0 : key.startsWith('all ') ? 1 : 2;
}

function markdown(output: {
  date: string;
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; node: string };
  setup: { search: string; priors: Record<string, number>; seconds: number };
  variants: VariantReport[];
  skipped: { id: string; reason: string }[];
}): string {
  const cell = (summary: Summary) => `${percent(summary.top1)} / ${percent(summary.top3)} / ${percent(summary.top5)} / ${percent(summary.top10)}`;
  const weights = (value: RepairWeights) => value.map((number) => number.toFixed(2)).join(', ');
  const lines = [
    '# Mutation evidence on mined real bugs',
    '',
    `Run ${output.date} by \`bench/real-bugs/mutation.ts\` on ${output.machine.cpus} CPUs (load average ${output.machine.loadAverageAtStart.join(' / ')} at start, ${output.machine.loadAverageAtEnd.join(' / ')} at end; Node ${output.machine.node}; ${output.setup.seconds} s for this report, searches cached).`,
    '',
    `Per bug: the cached capture of \`localize.ts\`, ranked by \`localizeFaults\` with the shipped weights (**before**: the spectrum only, what Check (Localize Only) shows); then the patch stage as Check and Fix runs it (${output.setup.search}), and the lines ranked again with every tried candidate's outcome. **priors**: the shipped repair weights (repairFixedFraction ${output.setup.priors.repairFixedFraction}, repairPlausible ${output.setup.priors.repairPlausible}, repairNoFix ${output.setup.priors.repairNoFix}; what Check and Fix shows today). **fit** and **grid**: the three repair weights fitted leave-one-project-out (each project ranked by weights fitted on the other projects only; spectrum weights fixed) by a logistic regression with the spectrum logit as offset (fit), or by the grid point with the most held-in Top-1/3/5/10 hits (grid). Cells: Top-1 / 3 / 5 / 10.`,
    '',
  ];
  for (const variant of output.variants) {
    const t = variant.totals;
    lines.push(
      `## maxLines ${variant.maxLines}, maxCandidates ${variant.maxCandidates}`,
      '',
      `${variant.bugs.length} bugs; ${t.candidatesTried} candidates validated (${t.warmRuns} warm runs, ${t.coldRuns} cold); patch stage ${Math.round(t.wallMs / 1000)} s in all, median ${(t.medianWallMs / 1000).toFixed(1)} s per bug; ${t.timeBudgetStops} searches stopped by the time budget. ` +
        `A candidate was tried on a faulty line in ${variant.bugs.filter((bug) => bug.faultyLineTried).length} bugs and fixed some failing test there in ${variant.bugs.filter((bug) => bug.faultyLineFixedSome).length}; ${variant.bugs.filter((bug) => bug.plausibleElsewhere > 0).length} bugs had a plausible candidate (all failing tests pass, none broken) on a line that is not faulty.` +
        (variant.rankMismatches.length > 0 ? ` Re-ranking check: ${variant.rankMismatches.length} bugs where the bench's re-ranking with the shipped weights differs from localizeFaults (${variant.rankMismatches.join(', ')}).` : ''),
      '',
      ...(variant.notSearched.length > 0 ? [`Not searched for this variant (not run in the time available; not in the table): ${variant.notSearched.length} bugs (${[...new Set(variant.notSearched.map((id) => id.split('/')[0]))].join(', ')}).`, ''] : []),
      '| group | bugs | before (spectrum) | priors (shipped) | fit (held out) | grid (held out) | MRR before / priors / fit / grid |',
      '|---|---|---|---|---|---|---|',
    );
    for (const [key, summary] of Object.entries(variant.groups)) {
      lines.push(`| ${key} | ${summary.before.bugs} | ${cell(summary.before)} | ${cell(summary.priors)} | ${cell(summary.fit)} | ${cell(summary.grid)} | ${[summary.before, summary.priors, summary.fit, summary.grid].map((item) => item.mrr.toFixed(3)).join(' / ')} |`);
    }
    lines.push('', 'Repair weights (repairFixedFraction, repairPlausible, repairNoFix) per held-out project, fitted on the others:', '', '| held out | fit | grid |', '|---|---|---|');
    for (const [project, fold] of Object.entries(variant.folds)) lines.push(`| ${project} | ${weights(fold.fit)} | ${weights(fold.grid)} |`);
    lines.push(`| (none: every project) | ${weights(variant.allFit.fit)} | ${weights(variant.allFit.grid)} |`, '');
    const moved = variant.bugs.filter((bug) => bug.ranks.before !== bug.ranks.priors);
    lines.push(`Bugs whose rank the repair evidence moved (priors): ${moved.length === 0 ? 'none' : moved.map((bug) => `${bug.id} ${bug.ranks.before ?? '-'}→${bug.ranks.priors ?? '-'}`).join(', ')}.`, '');
  }
  if (output.skipped.length > 0) {
    lines.push('## Not scored', '');
    for (const skip of output.skipped) lines.push(`- ${skip.id}: ${skip.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
