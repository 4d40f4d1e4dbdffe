import type { WorkerFactory } from '../exec/types';
import type { Logger, SourceReader } from '../ports';
import type { SyntaxService } from '../syntax/treeSitter';
import type { LineScore, Patch, RepairOutcome, TestRun } from '../types';
import type { ValidationLanes } from './lanes';

/** Names of the repair templates; each candidate's origin is `template:<name>`. */
export type TemplateName =
  | 'comparison-operator'
  | 'arithmetic-operator'
  | 'boolean-operator'
  | 'negate-condition'
  | 'drop-condition-clause'
  | 'off-by-one'
  | 'swap-operands'
  | 'swap-arguments'
  | 'replace-identifier'
  | 'swap-function'
  | 'boolean-literal'
  | 'return-value'
  | 'add-return'
  | 'insert-guard'
  | 'insert-control'
  | 'delete-statement'
  | 'swap-branches'
  | 'syntax-repair';

/** A replacement of the text between two UTF-16 offsets of the original file (`end` exclusive). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** What a template proposes for one line, before ranking and the syntax check. */
export interface TemplateEdit {
  template: TemplateName;
  /** Finer kind within the template (e.g. `boundary` for `<` → `<=`), keyed into the priors' variant weights. */
  variant: string;
  /** Short human title, e.g. "`<` → `<=`". */
  title: string;
  /** Non-overlapping edits on the original text. */
  edits: TextEdit[];
  /** Relative plausibility among this template's edits on the same line (default 1), before the variant weight. */
  weight?: number;
}

/** A ranked, syntactically valid candidate patch for one file. */
export interface Candidate {
  /** Stable within one `generateCandidates` call: `<file basename>:<line>:<n>`. */
  id: string;
  /** Absolute path of the patched file. */
  file: string;
  /** 1-based suspect line the template was applied to (for an LLM edit, the suspect line it addresses). */
  line: number;
  /** The template, or `llm` for an edit proposed by a language model (see `ExtraCandidate`). */
  template: TemplateName | 'llm';
  variant: string;
  /** `template:<name>`, or `llm:<model>`. */
  origin: string;
  title: string;
  edits: TextEdit[];
  /** The whole patched file content. */
  newText: string;
  /** 1-based lines of the original file the edits touch. */
  lines: number[];
  /** The template's prior times this edit's share of the template's edits on the line. */
  prior: number;
  /** Ranking score: the line's fault probability times `prior` (duplicates' scores add up). */
  score: number;
  /** Characters removed plus characters inserted. */
  editChars: number;
  /** Lines removed plus lines added, as a unified diff counts them. */
  editLines: number;
}

/** Budgets for one patch search (the adapters map them from settings). */
export interface PatchBudget {
  /** At most this many candidates are validated. */
  maxCandidates: number;
  /** Wall-clock budget for the whole search, in milliseconds. */
  timeMs: number;
  /** Parallel validation workers, each with its own isolated copy of the project. */
  workers: number;
  /** Only the most suspicious lines up to this many get candidates. */
  maxLines: number;
  /** Stop after this many validated patches (default: keep going until another budget runs out). */
  maxValidated?: number;
  /** Longest one test run of a candidate may take (default: three times the baseline run plus five seconds, at least ten seconds). */
  runTimeoutMs?: number;
}

/** One test run requested by validation, in an isolated copy. */
export interface TestRunRequest {
  /** Absolute root of the isolated copy to run in. */
  root: string;
  /** Test ids to run (as in the baseline run); undefined runs the whole suite. */
  testIds?: string[];
  /** Aborted on cancellation, on the time budget, or when this run overstays; the run must stop its processes. */
  signal: AbortSignal;
  /** A candidate's tighter per-test limit (see `candidateTestTimeoutMs`); runners that honour it keep the smaller. */
  perTestTimeoutMs?: number;
  /** A candidate's run: no test after one that hung (pytest). */
  stopAfterTimeout?: boolean;
}

/** Limits on the project tree copied for validation. */
export interface IsolationLimits {
  /** Refuse trees with more regular files than this (linked folders not counted). */
  maxFiles: number;
  /** Refuse trees with more bytes than this (linked folders not counted). */
  maxBytes: number;
}

/** Inputs of `proposePatches`. */
export interface PatchOptions {
  /** Absolute project root. */
  root: string;
  /** The baseline run (with per-test coverage when available). */
  run: TestRun;
  /** Suspect lines from localization, best first. */
  suspects: LineScore[];
  sources: SourceReader;
  syntax: SyntaxService;
  /** Runs tests in `request.root` (an isolated copy); usually capture with coverage switched off. */
  runTests(request: TestRunRequest): Promise<TestRun>;
  /**
   * Opens a warm test worker in a fresh copy (before any candidate is written into it); it then serves
   * the copy's runs of selected tests. Absent, or when it throws, every run is a cold `runTests`.
   */
  openWorker?: WorkerFactory;
  /**
   * Copies already made (and warm workers already loaded) by the caller, who disposes them; absent, the
   * search makes `budget.workers` copies of its own and removes them when it ends.
   */
  lanes?: ValidationLanes;
  /**
   * Opens the warm workers of `lanes` that wait to be asked (`ValidationLanes.openWorkersOnDemand`); the
   * search calls it once the candidates left would take longer than loading a worker twice over.
   */
  widen?(): void;
  budget: PatchBudget;
  /** True for files that hold tests or test support; such files are never patched. */
  isTestFile(absolutePath: string): boolean;
  /** True for build output (files git ignores, e.g. `dist/`): a build step would overwrite a patch there, so none is tried. */
  isGenerated?(absolutePath: string): boolean;
  signal?: AbortSignal;
  logger: Logger;
  onProgress?(message: string): void;
  /** Overrides the default limits on the copied tree. */
  isolation?: Partial<IsolationLimits>;
  /**
   * Candidates from outside the templates (LLM edits), validated in the same isolated copies and by the
   * same rules. Those that add syntax errors, touch test files or files outside the root, change nothing,
   * or duplicate a template candidate are dropped.
   */
  extraCandidates?: ExtraCandidate[];
}

/** A whole-file candidate made outside the templates, e.g. by `proposeLlmPatches`. */
export interface ExtraCandidate {
  /** Absolute path of the patched file. */
  file: string;
  /** 1-based suspect line the edit addresses. */
  line: number;
  /** e.g. `llm:gpt-4o-mini`. */
  origin: string;
  /** Short human title. */
  title: string;
  /** The whole patched file content, computed against the text `PatchOptions.sources` returns. */
  newText: string;
  /** Ranking score, comparable with template candidates' (line probability × prior). */
  score: number;
}

/** How far validation of one candidate went, and why it stopped. */
export type CandidateStatus =
  /** Every test passes with it. */
  | 'validated'
  /** Some originally failing test still fails. */
  | 'still-failing'
  /** The originally failing tests pass but another test fails. */
  | 'breaks-tests'
  /** A run did not complete (per-run limit, crash, collection error). */
  | 'run-incomplete'
  /** The test runner threw. */
  | 'error';

/** What validation learned about one candidate (for abstention, the scorer and benchmarks). */
export interface CandidateRecord {
  candidateId: string;
  file: string;
  line: number;
  origin: string;
  title: string;
  score: number;
  editChars: number;
  editLines: number;
  status: CandidateStatus;
  /** Last stage run: 1 failing tests, 2 tests covering the edited lines, 3 full suite. */
  stage: 1 | 2 | 3;
  /** Baseline-failing tests that pass with the candidate. */
  fixed: number;
  /** Baseline-passing tests that fail with the candidate (among those run). */
  broken: number;
  /** Distinct tests run across all stages. */
  testsRun: number;
  /** Milliseconds from the start of the search until this candidate's validation ended. */
  finishedAtMs: number;
  /** Patch id when the candidate became a patch. */
  patchId?: string;
}

/** Facts about one returned patch that abstention needs. */
export interface PatchEvidence {
  patchId: string;
  candidateId: string;
  /** Baseline tests that executed any of the patched lines (empty when there was no coverage). */
  coveringTests: string[];
  /** How many of `coveringTests` passed in the baseline. */
  coveringPassing: number;
  /** How many of `coveringTests` failed in the baseline. */
  coveringFailing: number;
  editChars: number;
  editLines: number;
  /** 1-based rank of the candidate in the search order. */
  candidateRank: number;
}

/** Why the search ended. */
export type StopReason = 'exhausted' | 'candidate-budget' | 'time-budget' | 'max-validated' | 'nothing-to-fix' | 'no-candidates' | 'isolation-refused';

/** Counts and timings of one search. */
export interface PatchStats {
  /** Suspect lines that got templates applied. */
  linesConsidered: number;
  /** Candidates that parsed and were not duplicates (at most `budget.maxCandidates` per file are checked). */
  candidatesGenerated: number;
  droppedUnparsable: number;
  droppedDuplicate: number;
  /** Lower-ranked candidates never syntax-checked because the candidate budget could not reach them. */
  unchecked: number;
  /** Candidates whose validation finished. */
  candidatesTried: number;
  /** Candidates that made every originally failing test pass. */
  plausible: number;
  validated: number;
  /** Milliseconds from the start of the search to the first validated patch. */
  firstValidatedMs?: number;
  elapsedMs: number;
  stoppedBy: StopReason;
  /** A sentence for the user when validation could not run at all. */
  message?: string;
  /** Suspect files left out as build output (`PatchOptions.isGenerated`), relative to the root. */
  generatedFiles?: string[];
  /** Per returned patch, best first. */
  evidence: PatchEvidence[];
  /** Every candidate whose validation finished, in the order they finished. */
  candidates: CandidateRecord[];
  /** Test runs served by warm workers and by cold runs of the test command. */
  warmRuns?: number;
  coldRuns?: number;
  /** Per template: generated, tried, plausible and validated counts (for fitting the priors). */
  templates: Record<string, { generated: number; tried: number; plausible: number; validated: number }>;
}

/** Output of `proposePatches`. */
export interface PatchResult {
  /** Validated patches best first, then up to a few that fixed some failing tests and broke none (not validated). */
  patches: Patch[];
  /** One per tried candidate: mutation-based evidence for the scorer. */
  outcomes: RepairOutcome[];
  /**
   * SHA-256 (hex) of the text each patched file had when its candidates were made, keyed by absolute
   * path: an editor checks it before applying, in case the document changed since.
   */
  baseHashes: Record<string, string>;
  stats: PatchStats;
}
