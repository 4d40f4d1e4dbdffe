import type { PatchStats } from '../../patch/types';
import type { Logger, ProcessRunner, SourceReader } from '../../ports';
import type { Decision, LineScore, Patch, TaskAssessment, TestRun } from '../../types';

/** Bounds on differential testing: how many inputs and candidates, and how long. */
export interface DifferentialLimits {
  /** Varied inputs generated from the tests' calls, at most. */
  maxInputs: number;
  /** Validated patches compared side by side, at most (best first). */
  maxCandidates: number;
  /** One call on one input may take this long before it counts as hanging. */
  perCallTimeoutMs: number;
  /** One candidate's harness process is killed after this (its unfinished calls count as crashes). */
  perCandidateTimeoutMs: number;
  /** The whole differential test, including making the inputs and the copy. */
  totalTimeMs: number;
}

/** What one input did under each candidate. */
export interface InputComparison {
  /** The function called, as the tests name it in the patched file. */
  function: string;
  /** The arguments, as the language writes them (Python `repr`, JSON for JavaScript). */
  input: string;
  /** Per candidate patch id: `ok:<value>`, `raise:<type>`, `timeout`, `crash` or `skipped`. */
  outcomes: Record<string, string>;
  /** True when the candidates that ran the input did not all behave the same. */
  disagree: boolean;
}

/** Result of running the validated patches side by side on varied inputs. */
export interface DifferentialResult {
  /** Why differential testing did not run or stopped early, in words; absent when it ran. */
  skipped?: string;
  /** Patch ids compared. */
  candidates: string[];
  /** Calls found in the tests that could be replayed with literal arguments. */
  usableCalls: number;
  /** Varied inputs compared. */
  inputs: number;
  /** Inputs on which the candidates disagree (hangs and crashes count as disagreement). */
  disagreements: number;
  /** Inputs every candidate rejected (all raised or all hung): uninformative, left out of the comparison. */
  uninformative: number;
  /** Groups of patch ids that behave the same on every compared input, largest first. */
  behaviorClasses: string[][];
  /** A few disagreeing inputs, for explanations (at most five). */
  examples: InputComparison[];
  elapsedMs: number;
}

/** The evidence the trust model reads for one validated patch (all numbers; names are stable keys). */
export interface TrustFeatures {
  /** 1: the patch passes every test. */
  passesAll: number;
  /** Baseline-passing tests that run a patched line (they keep passing with the patch). */
  coveringPassing: number;
  /** Assertions in those passing covering tests. */
  coveringAssertions: number;
  /** Baseline-failing tests that run a patched line. */
  coveringFailing: number;
  /** 1 when per-test coverage was recorded. */
  coverageKnown: number;
  /** Validated patches found for the check. */
  validatedPatches: number;
  /** Behaviour classes among the compared validated patches (1 when all agree or only one exists). */
  behaviorClasses: number;
  /** Share of compared validated patches behaving like this one (1 when it is alone). */
  classShare: number;
  /** Share of the compared inputs on which the candidates disagree. */
  disagreementRate: number;
  /** Varied inputs compared (0 when differential testing could not run). */
  differentialInputs: number;
  /** Characters removed plus inserted. */
  editChars: number;
  /** Diff lines removed plus added. */
  editLines: number;
  /** Template prior of the patch's origin (0.05 when unknown, e.g. an LLM patch). */
  templatePrior: number;
  /** Fault probability of the patched line (after repair outcomes re-ranked the suspects). */
  lineScore: number;
  /** Rank of the patched line among the suspects (1 = most suspicious). */
  lineRank: number;
  /** Score of the top suspect minus the second one. */
  localizationMargin: number;
  /** 1-based position of the patch's candidate in the search order. */
  candidateRank: number;
  /** Input bouncer's vagueness of the task, 0 when no task was assessed. */
  vagueness: number;
}

/** The trust of one patch, with what it rests on. */
export interface PatchAssessment {
  patchId: string;
  /** Probability in [0, 1] that the patch is the right fix (0 for patches that are not validated). */
  trust: number;
  features: TrustFeatures;
  /** Plain-word reasons behind the trust, strongest first. */
  reasons: string[];
}

/** What the output bouncer decided, for the pipeline and the adapters. */
export interface OutputAssessment {
  /** Undefined in `check` mode while tests fail (localize-only checks make no patch decision). */
  decision?: Decision;
  /** Per patch, in the order of `request.patches` (validated ones get a trust). */
  assessments: PatchAssessment[];
  /** Trust at or above which a patch is proposed, for the requested precision. */
  threshold: number;
  /** The precision the threshold was looked up for. */
  targetPrecision: number;
  /** Differential testing, when it ran. */
  differential?: DifferentialResult;
  /** What would make an abstention actionable, in words (empty when a patch is proposed). */
  suggestions: string[];
}

/** Inputs of `assessPatches`. */
export interface OutputBouncerRequest {
  /** Absolute project root (only read; differential testing runs in an isolated copy). */
  root: string;
  mode: 'check' | 'fix';
  run: TestRun;
  /** Suspects after re-ranking, best first. */
  scores: LineScore[];
  /** The patch stage's patches, best first (validated ones first). */
  patches: Patch[];
  stats?: PatchStats;
  /** The input bouncer's verdict on the task, when a task was given. */
  task?: TaskAssessment;
  /** Wanted precision of proposed patches (`revise.abstain.targetPrecision`); default 0.9. */
  targetPrecision?: number;
  /** Interpreter for Python projects (default `python3`). */
  pythonPath?: string;
  /** Node for JavaScript projects (default: this process's Node). */
  nodePath?: string;
  runner?: ProcessRunner;
  /**
   * The runner for candidate code (patched modules), given the folders that run may write: the pipeline
   * passes a sandboxed one. Default: \`runner\`.
   */
  candidateRunner?: (writable: string[]) => ProcessRunner;
  sources?: SourceReader;
  logger: Logger;
  signal?: AbortSignal;
  /** Limits of differential testing, or `false` to skip it. */
  differential?: Partial<DifferentialLimits> | false;
  /** Trust model and calibration (default: the shipped `trust-model.json`). */
  model?: TrustModel;
}

/** One row of the calibration table: what proposing every top patch with trust ≥ `threshold` gave. */
export interface CalibrationRow {
  threshold: number;
  /** Checks with a proposal at this threshold. */
  selected: number;
  /** Of those, proposals the hidden tests reject. */
  wrong: number;
  /** `(selected - wrong) / selected`. */
  precision: number;
  /** `(selected - wrong) / (selected + 1)`: precision with one extra wrong proposal counted (split-conformal correction). */
  correctedPrecision: number;
  /** Clopper–Pearson lower bound of the precision at confidence 0.9. */
  precisionLowerBound: number;
  /** Share of calibration checks with a proposal. */
  coverage: number;
}

/** A fitted logistic trust model and its calibration table (the JSON shape of `trust-model.json`). */
export interface TrustModel {
  version: 1;
  /** Feature names in order; each is a transformed `TrustFeatures` key (see `featureVector`). */
  features: string[];
  /** Weights on standardised features. */
  weights: number[];
  means: number[];
  scales: number[];
  bias: number;
  /** Log-odds subtracted per unit of vagueness above 0.5 (a prior: the benchmark has no vague tasks). */
  vaguenessPenalty: number;
  /** Calibration rows, thresholds descending. */
  calibration: CalibrationRow[];
  /** Checks in the calibration set (the coverage denominator). */
  calibrationChecks: number;
  /** How the model and table were made. */
  training?: Record<string, unknown>;
}
