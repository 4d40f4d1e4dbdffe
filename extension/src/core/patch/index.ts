/**
 * Targeted patches: repair templates on tree-sitter trees applied to the most suspicious lines, each
 * candidate validated by re-running the tests in an isolated copy of the project. The user's tree is
 * only read.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ReviseError, throwIfCancelled } from '../errors';
import { languageForFile } from '../syntax/treeSitter';
import type { Patch, RepairOutcome, SourceLanguage, TestRun } from '../types';
import { compareCandidates, extraCandidateSet, generateCandidateSet, type ScoredLine } from './candidates';
import { unifiedDiff } from './diff';
import type { ProjectNames } from './nameRepair';
import { indexProjectDefinitions } from './projectNames';
import { familyOf, type Family } from './syntaxFacts';
import { DEFAULT_ISOLATION_LIMITS, WorkspaceCopy, planCopy, removeStaleCopies } from './isolation';
import { openLane, openTimeoutMs, validationRunTimeoutMs, ValidationLanes } from './lanes';
import { coveringTests, indexBaseline, pairRenamedParameters, translateIds, validateCandidate, type Lane, type ValidationResult, type ValidationSession } from './validate';
export { pairRenamedParameters } from './validate';
import type { Candidate, ExtraCandidate, PatchEvidence, PatchOptions, PatchResult, PatchStats, StopReason } from './types';

export { generateCandidates, generateCandidateSet, extraCandidateSet, applyEdits } from './candidates';
export type { CandidateRequest, CandidateSet, ExtraCandidateRequest, ScoredLine } from './candidates';
export { unifiedDiff } from './diff';
export { defaultPriors } from './priors';
export type { TemplatePrior, TemplatePriors } from './priors';
export { removeStaleCopies } from './isolation';
export { ValidationLanes } from './lanes';
export { applyPatchToFile } from './apply';
export type * from './types';

/** Warm workers a lane reopens after losing one (to a candidate that hung or ended its process). */
const MAX_WORKER_RESTARTS = 3;
/** Candidates validated before the search judges whether more lanes would pay for their load. */
const MIN_CANDIDATES_BEFORE_WIDENING = 2;

/** Unvalidated candidates that fixed some failing tests and broke none are reported, at most this many. */
const MAX_PARTIAL_PATCHES = 3;

function emptyStats(): PatchStats {
  return {
    linesConsidered: 0,
    candidatesGenerated: 0,
    droppedUnparsable: 0,
    droppedDuplicate: 0,
    unchecked: 0,
    candidatesTried: 0,
    plausible: 0,
    validated: 0,
    elapsedMs: 0,
    stoppedBy: 'exhausted',
    evidence: [],
    candidates: [],
    templates: {},
  };
}

/** True when `file` lies inside `root`. */
function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Adds the caller's extra candidates (LLM edits) to `candidates`, after the same checks as the templates':
 * a source file inside the root that is not a test file, no new syntax errors, not a no-op. One that
 * produces the same text as a template candidate is merged into it (the better score is kept).
 */
async function addExtraCandidates(
  options: PatchOptions,
  root: string,
  isTestFile: (file: string) => boolean,
  sources: Map<string, string>,
  candidates: Candidate[],
  stats: PatchStats,
): Promise<void> {
  const byFile = new Map<string, ExtraCandidate[]>();
  for (const extra of options.extraCandidates ?? []) {
    const file = path.resolve(root, extra.file);
    if (!isInside(root, file) || isTestFile(file) || !languageForFile(file)) {
      options.logger.debug(`Extra candidate ${extra.title} (${extra.origin}) dropped: ${path.relative(root, file)} is not a source file of the project.`);
      continue;
    }
    const list = byFile.get(file) ?? [];
    list.push({ ...extra, file });
    byFile.set(file, list);
  }
  for (const [file, extras] of byFile) {
    const language = languageForFile(file) as SourceLanguage;
    let source = sources.get(file);
    if (source === undefined) {
      source = await options.sources.read(file);
      throwIfCancelled(options.signal);
      if (source === undefined) continue;
      sources.set(file, source);
    }
    const set = await extraCandidateSet({ file, source, language, extras, syntax: options.syntax, signal: options.signal });
    throwIfCancelled(options.signal);
    stats.droppedUnparsable += set.droppedUnparsable;
    stats.droppedDuplicate += set.droppedDuplicate;
    for (const candidate of set.candidates) {
      const same = candidates.find((existing) => existing.file === file && existing.newText === candidate.newText);
      if (same) {
        same.score = Math.max(same.score, candidate.score);
        stats.droppedDuplicate++;
        options.logger.debug(`${candidate.origin} proposed the same edit as ${same.origin} (${same.title}) at ${path.relative(root, file)}:${same.line}.`);
        continue;
      }
      candidates.push(candidate);
    }
  }
}

/**
 * Proposes patches for the suspect lines (plus any extra candidates, e.g. LLM edits) and validates them by running the tests in isolated copies
 * of the project: the originally failing tests first, then the tests that run the patched line, then
 * the whole suite. Returns the validated patches best first (plus a few partial fixes, not validated),
 * one repair outcome per tried candidate for the scorer, and the statistics abstention needs.
 * Throws `ReviseError('cancelled')` when the signal aborts; temporary copies are removed either way.
 */
export async function proposePatches(options: PatchOptions): Promise<PatchResult> {
  const startedAt = Date.now();
  const { budget, logger } = options;
  const root = path.resolve(options.root);
  const stats = emptyStats();
  const done = (stoppedBy: StopReason, message?: string): PatchResult => {
    stats.stoppedBy = stoppedBy;
    if (message) stats.message = message;
    stats.elapsedMs = Date.now() - startedAt;
    return { patches: [], outcomes: [], baseHashes: {}, stats };
  };
  throwIfCancelled(options.signal);
  if (!options.lanes) await removeStaleCopies().catch(() => 0);

  const baseline = indexBaseline(options.run, root);
  if (baseline.failing.length === 0) return done('nothing-to-fix');

  // Suspect lines, best first, never in test files.
  const testFiles = new Set(options.run.testFiles.map((file) => path.resolve(file)));
  const isTestFile = (file: string) => testFiles.has(file) || options.isTestFile(file);
  const linesByFile = new Map<string, { language: SourceLanguage; lines: ScoredLine[] }>();
  for (const suspect of options.suspects) {
    if (stats.linesConsidered >= budget.maxLines) break;
    const file = path.resolve(root, suspect.file);
    const language = languageForFile(file);
    if (!language || !isInside(root, file) || isTestFile(file) || suspect.score <= 0) continue;
    if (options.isGenerated?.(file)) {
      const relative = path.relative(root, file);
      stats.generatedFiles ??= [];
      if (!stats.generatedFiles.includes(relative)) {
        stats.generatedFiles.push(relative);
        logger.info(`patch: ${relative} is build output (git ignores it), so no patch is tried there; a build would overwrite it`);
      }
      continue;
    }
    let entry = linesByFile.get(file);
    if (!entry) linesByFile.set(file, (entry = { language, lines: [] }));
    if (entry.lines.some((line) => line.line === suspect.line)) continue;
    entry.lines.push({ line: suspect.line, score: suspect.score });
    stats.linesConsidered++;
  }

  // Candidates from the templates.
  const sources = new Map<string, string>();
  const candidates: Candidate[] = [];
  // The project's definitions, read at most once per family, and only when a suspect line needs them.
  const projects = new Map<Family, Promise<ProjectNames>>();
  const projectOf = (family: Family) => () => {
    let index = projects.get(family);
    if (!index) projects.set(family, (index = indexProjectDefinitions(root, family, isTestFile, (file) => options.sources.read(file))));
    return index;
  };
  for (const [file, { language, lines }] of linesByFile) {
    const source = await options.sources.read(file);
    throwIfCancelled(options.signal);
    if (source === undefined) continue;
    sources.set(file, source);
    const set = await generateCandidateSet({ file, source, language, lines, syntax: options.syntax, signal: options.signal, limit: budget.maxCandidates, project: projectOf(familyOf(language)) });
    throwIfCancelled(options.signal);
    candidates.push(...set.candidates);
    stats.droppedUnparsable += set.droppedUnparsable;
    stats.droppedDuplicate += set.droppedDuplicate;
    stats.unchecked += set.unchecked;
  }
  await addExtraCandidates(options, root, isTestFile, sources, candidates, stats);
  candidates.sort(compareCandidates);
  stats.candidatesGenerated = candidates.length;
  for (const candidate of candidates) {
    stats.templates[candidate.template] ??= { generated: 0, tried: 0, plausible: 0, validated: 0 };
    stats.templates[candidate.template].generated++;
  }
  if (candidates.length === 0) return done('no-candidates');
  const queue = candidates.slice(0, Math.max(0, budget.maxCandidates));
  options.onProgress?.(`${candidates.length} candidate patches for ${stats.linesConsidered} suspect lines`);

  if (options.lanes?.refused) {
    logger.warn(options.lanes.refused);
    return done('isolation-refused', options.lanes.refused);
  }

  // The search's own signal: the user's cancellation, the time budget, or enough validated patches.
  const controller = new AbortController();
  const forwardAbort = () => controller.abort();
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const session: ValidationSession = {
    baseline,
    runTests: options.runTests,
    runTimeoutMs: validationRunTimeoutMs(options.run, budget.runTimeoutMs),
    deadline: startedAt + budget.timeMs,
    startedAt,
    signal: controller.signal,
    logger,
  };
  const results: { rank: number; candidate: Candidate; result: ValidationResult }[] = [];
  let next = 0;
  let stopReason: StopReason | undefined;
  const stop = (reason: StopReason) => {
    stopReason ??= reason;
    controller.abort();
  };

  // More lanes (`options.widen`) once the candidates left would take longer on the lanes already working
  // than loading another worker twice over; at once when a candidate had to run cold.
  let widened = options.widen === undefined;
  let firstTakenAt: number | undefined;
  const maybeWiden = (lanes: readonly Lane[]) => {
    if (widened) return;
    const finished = results.length;
    const loads = lanes.flatMap((lane) => (lane.worker && lane.loadMs !== undefined ? [lane.loadMs] : []));
    let why: string | undefined;
    if (loads.length === 0) why = 'a candidate ran cold';
    else if (finished >= MIN_CANDIDATES_BEFORE_WIDENING && firstTakenAt !== undefined) {
      const leftMs = ((queue.length - next) * (Date.now() - firstTakenAt)) / finished;
      if (leftMs > 2 * Math.max(...loads)) why = `${queue.length - next} candidates left, about ${Math.round(leftMs)} ms on the lanes open; a worker loads in ${Math.max(...loads)} ms`;
    }
    if (!why) return;
    widened = true;
    logger.debug(`More validation lanes: ${why}.`);
    options.widen!();
  };

  // Resolved once every candidate has been taken (or the search stopped): a lane still loading its worker
  // then has nothing left to join for.
  let allTaken: () => void = () => undefined;
  const taken = new Promise<void>((resolve) => (allTaken = resolve));
  controller.signal.addEventListener('abort', () => allTaken(), { once: true });
  const work = async (lane: Lane) => {
    // A lane whose worker is still loading joins once it is ready (or has failed, and the lane runs cold).
    if (lane.opening) await Promise.race([lane.opening, taken]);
    for (;;) {
      if (controller.signal.aborted) return;
      if (Date.now() >= session.deadline) return stop('time-budget');
      const rank = next++;
      if (rank >= queue.length) return allTaken();
      const candidate = queue[rank];
      firstTakenAt ??= Date.now();
      const relative = path.relative(root, candidate.file);
      // The copy holds the original code between candidates: the moment to reopen a lost worker.
      if (!lane.worker && (lane.lostWorkers ?? 0) > 0 && (lane.lostWorkers ?? 0) <= MAX_WORKER_RESTARTS && options.openWorker) {
        await openLane(lane, options.openWorker, controller.signal, openTimeoutMs(session.runTimeoutMs, session.deadline), logger);
        if (!lane.worker) lane.lostWorkers = MAX_WORKER_RESTARTS + 1;
      }
      options.onProgress?.(`Validating ${rank + 1}/${queue.length}: ${candidate.title} at ${relative}:${candidate.line}`);
      let result: ValidationResult | undefined;
      try {
        result = await validateCandidate(session, lane, candidate);
      } catch (error) {
        // The copy itself failed (disk full, removed underneath): this worker stops, the others go on.
        logger.error(`A validation worker stopped: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (!result) {
        if (Date.now() >= session.deadline) stop('time-budget');
        continue;
      }
      results.push({ rank, candidate, result });
      maybeWiden(lanes);
      logger.debug(`${candidate.title} at ${relative}:${candidate.line}: ${result.record.status} (fixed ${result.record.fixed}, broken ${result.record.broken})`);
      if (result.record.status === 'validated') {
        stats.validated++;
        stats.firstValidatedMs ??= Date.now() - startedAt;
        options.onProgress?.(`Validated: ${candidate.title} at ${relative}:${candidate.line}`);
        if (budget.maxValidated !== undefined && stats.validated >= budget.maxValidated) stop('max-validated');
      }
    }
  };

  // Lanes opened by the caller (while it re-ran the failing tests and localized) are the caller's to
  // dispose; else this search opens its own and removes them when it ends.
  let owned: ValidationLanes | undefined;
  let lanes: Lane[] = [];
  try {
    if (options.lanes) lanes = options.lanes.lanes;
    else {
      try {
        owned = await ValidationLanes.open({
          root,
          count: Math.min(budget.workers, queue.length),
          openWorker: options.openWorker,
          isolation: options.isolation,
          openTimeoutMs: openTimeoutMs(session.runTimeoutMs, session.deadline),
          signal: controller.signal,
          logger,
        });
      } catch (error) {
        throwIfCancelled(options.signal);
        throw new ReviseError('internal', error instanceof Error ? error.message : String(error));
      }
      if (owned.refused) {
        logger.warn(owned.refused);
        return done('isolation-refused', owned.refused);
      }
      lanes = owned.lanes;
    }
    throwIfCancelled(options.signal);
    await Promise.all(lanes.map((lane) => work(lane)));
  } finally {
    controller.abort();
    options.signal?.removeEventListener('abort', forwardAbort);
    await owned?.dispose(logger);
  }
  stats.warmRuns = lanes.reduce((sum, lane) => sum + lane.warmRuns, 0);
  stats.coldRuns = lanes.reduce((sum, lane) => sum + lane.coldRuns, 0);
  throwIfCancelled(options.signal);
  stats.stoppedBy = stopReason ?? (queue.length < candidates.length || stats.unchecked > 0 ? 'candidate-budget' : 'exhausted');

  // Outcomes and statistics.
  results.sort((a, b) => a.rank - b.rank);
  const outcomes: RepairOutcome[] = [];
  for (const { candidate, result } of results) {
    const record = result.record;
    stats.candidates.push(record);
    stats.candidatesTried++;
    const plausible = record.fixed === baseline.failing.length;
    if (plausible) stats.plausible++;
    const perTemplate = stats.templates[candidate.template];
    perTemplate.tried++;
    if (plausible) perTemplate.plausible++;
    if (record.status === 'validated') perTemplate.validated++;
    outcomes.push({ file: candidate.file, line: candidate.line, origin: candidate.origin, fixed: record.fixed, broken: record.broken, failingBefore: baseline.failing.length });
  }
  stats.candidates.sort((a, b) => a.finishedAtMs - b.finishedAtMs);

  // Patches: validated best first, then a few partial fixes.
  const validated = results.filter(({ result }) => result.record.status === 'validated');
  const partial = results
    .filter(({ result }) => result.record.status !== 'validated' && result.record.fixed > 0 && result.record.broken === 0)
    .sort((a, b) => b.result.record.fixed - a.result.record.fixed || a.rank - b.rank)
    .slice(0, MAX_PARTIAL_PATCHES);
  const patches: Patch[] = [];
  const baseHashes: Record<string, string> = {};
  for (const { rank, candidate, result } of [...validated, ...partial]) {
    if (isTestFile(candidate.file)) continue; // never reached: test files get no candidates
    const id = `p${patches.length + 1}`;
    const source = sources.get(candidate.file) ?? '';
    baseHashes[candidate.file] ??= createHash('sha256').update(source).digest('hex');
    const relative = path.relative(root, candidate.file);
    patches.push({
      id,
      file: candidate.file,
      origin: candidate.origin,
      title: candidate.title,
      diff: unifiedDiff(relative, source, candidate.newText),
      newText: candidate.newText,
      lines: candidate.lines,
      validated: result.record.status === 'validated',
      testsPassed: result.passed,
      testsFailed: result.failed,
      checked: {
        failing: result.record.fixed,
        covering: coveringTests(baseline, candidate.file, candidate.lines).filter((test) => baseline.passing.has(test)).length,
        fullSuite: 'not-run',
      },
    });
    result.record.patchId = id;
    const covering = coveringTests(baseline, candidate.file, candidate.lines);
    const evidence: PatchEvidence = {
      patchId: id,
      candidateId: candidate.id,
      coveringTests: covering,
      coveringPassing: covering.filter((test) => baseline.passing.has(test)).length,
      coveringFailing: covering.filter((test) => baseline.failing.includes(test)).length,
      editChars: candidate.editChars,
      editLines: candidate.editLines,
      candidateRank: rank + 1,
    };
    stats.evidence.push(evidence);
  }
  stats.elapsedMs = Date.now() - startedAt;
  logger.info(
    `Patch search: ${stats.candidatesTried}/${candidates.length} candidates tried, ${stats.plausible} plausible, ${stats.validated} validated in ${stats.elapsedMs} ms (${stats.stoppedBy})`,
  );
  return { patches, outcomes, baseHashes, stats };
}

/** What the cold full-suite run of one patch found. */
export interface Confirmation {
  /** Every test that ran in the baseline passes with the patch, in a complete run. */
  confirmed: boolean;
  /** Baseline tests (not skipped) that failed, or did not report, with the patch. */
  failed: string[];
  passed: number;
  /** False when the run was cut short (time limit, collection broke). */
  complete: boolean;
  /** With scope `affected`: the tests that ran (the rest never run the patched file), and how many did not. */
  affected?: { ran: number; notRun: number };
}

/**
 * The tests a patch to `file` can affect, by the capture's per-test coverage: those that ran any line of
 * it (import-time lines included), those that failed, and those with no coverage recorded. Undefined when
 * that is every test (or no test has coverage): the whole suite then runs.
 */
export function testsAffectedBy(run: TestRun, file: string, root: string): string[] | undefined {
  const active = run.tests.filter((test) => test.outcome !== 'skipped');
  if (!active.some((test) => test.coveredLines)) return undefined;
  const target = path.resolve(root, file);
  const affected = active.filter(
    (test) => test.outcome === 'failed' || !test.coveredLines || Object.entries(test.coveredLines).some(([covered, lines]) => lines.length > 0 && path.resolve(root, covered) === target),
  );
  return affected.length === active.length ? undefined : affected.map((test) => test.id);
}

/**
 * Confirms a patch before it is proposed: one cold run of the whole suite (the test command as the user
 * runs it, no warm worker) in a fresh isolated copy with the patch written in. Validation itself ran only
 * the failing tests and the tests that run the patched lines.
 */
export async function confirmPatch(options: {
  root: string;
  run: TestRun;
  patch: Pick<Patch, 'file' | 'newText'>;
  runTests: PatchOptions['runTests'];
  isolation?: PatchOptions['isolation'];
  /**
   * `suite` (default): the whole suite. `affected`: only the tests the capture's per-test coverage says
   * can see the patched file (`testsAffectedBy`); faster on a big suite, blind to code a test runs out of
   * process (a subprocess, a file read as text).
   */
  scope?: 'suite' | 'affected';
  signal?: AbortSignal;
}): Promise<Confirmation> {
  const root = path.resolve(options.root);
  const baseline = indexBaseline(options.run, root);
  const selected = options.scope === 'affected' ? testsAffectedBy(options.run, options.patch.file, root) : undefined;
  if (selected) baseline.active = new Set(selected.filter((id) => baseline.active.has(id)));
  const plan = await planCopy(root, { ...DEFAULT_ISOLATION_LIMITS, ...options.isolation }, options.signal);
  if ('refused' in plan) return { confirmed: false, failed: [], passed: 0, complete: false };
  const copy = await WorkspaceCopy.create(plan, options.signal);
  try {
    await copy.write(path.relative(root, options.patch.file), options.patch.newText);
    const run = await options.runTests({ root: copy.root, ...(selected ? { testIds: translateIds(selected, root, copy.root) } : {}), signal: options.signal ?? new AbortController().signal });
    throwIfCancelled(options.signal);
    const outcomes = new Map<string, string>();
    for (const test of run.tests) {
      const id = test.id.split(copy.root).join(root);
      if (outcomes.get(id) !== 'failed') outcomes.set(id, test.outcome);
    }
    const passed = [...outcomes.values()].filter((outcome) => outcome === 'passed').length;
    pairRenamedParameters(outcomes, baseline.ids, baseline.active);
    const failed = [...baseline.active].filter((id) => outcomes.get(id) !== 'passed' && !(outcomes.get(id) === 'skipped' && !baseline.passing.has(id) && !baseline.failing.includes(id)));
    const broken = run.problems.some((problem) => problem.kind === 'collection-error' || problem.kind === 'syntax-error' || problem.kind === 'timeout');
    const complete = run.complete && !broken;
    const affected = selected ? { affected: { ran: baseline.active.size, notRun: options.run.tests.filter((test) => test.outcome !== 'skipped').length - baseline.active.size } } : {};
    return { confirmed: complete && failed.length === 0, failed, passed, complete, ...affected };
  } finally {
    await copy.dispose().catch(() => undefined);
  }
}
