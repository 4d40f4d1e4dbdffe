/**
 * The output bouncer: can this patch be trusted? Each validated patch gets a trust in [0, 1] from the
 * evidence behind it (tests that run the patched line and their assertions, how many plausible patches
 * exist and whether they behave the same on extra inputs, edit size, template prior, localization margin,
 * the task's vagueness). The best patch is proposed when its trust reaches the threshold calibrated for
 * the wanted precision; otherwise Revise abstains and says what would make the task actionable.
 */
import * as path from 'node:path';
import { ReviseError, throwIfCancelled } from '../../errors';
import type { SourceReader } from '../../ports';
import { DiskSourceReader } from '../../sources';
import type { Decision, Patch, TaskAssessment, TestRun } from '../../types';
import { compareValidatedPatches } from './differential';
import { countAssertions, trustFeatures, type FeatureContext } from './features';
import { loadTrustModel, thresholdFor, trustLogit, trustOf } from './model';
import { patchRisks, riskAdjustedTarget, type PatchRisk } from './risk';
import { describePatch, suggestionsFor, type Explained } from './reasons';
import shippedModel from './trust-model.json';
import type { DifferentialResult, OutputAssessment, OutputBouncerRequest, PatchAssessment, TrustFeatures, TrustModel } from './types';
import { codeList, plural } from '../../text';

export type * from './types';
export { compareValidatedPatches, compareOutcomes, DEFAULT_DIFFERENTIAL_LIMITS, HARNESS_PREFIX, type DifferentialRequest } from './differential';
export { definedFunctions, findTestCalls, importAliases, type TestCall } from './calls';
export { trustFeatures, countAssertions, assertionsInTest, priorOfOrigin, type FeatureContext } from './features';
export { deletedLines, insertedLines, patchRisks, riskAdjustedTarget, type PatchRisk, type RiskKind } from './risk';
export { FEATURE_TRANSFORMS, featureRow, trustOf, trustLogit, thresholdFor, calibrationTable, binomialLowerBound, loadTrustModel, VAGUENESS_ALLOWANCE, type ThresholdChoice } from './model';

/** `revise.abstain.targetPrecision` when the setting is absent. */
export const DEFAULT_TARGET_PRECISION = 0.9;

/** A vague task gets a patch only when differential testing compared at least this many inputs without disagreement. */
export const VAGUE_TASK_MIN_AGREEING_INPUTS = 5;

/** A lone validated patch counts as pinned down when the tests rejected at least this many other candidates. */
export const VAGUE_TASK_MIN_REJECTED_CANDIDATES = 10;

/** ... and at least this many passing tests run its line (they keep passing with it). */
export const VAGUE_TASK_MIN_COVERING_PASSING = 2;

/**
 * Whether the tests pin the behaviour of the fix down, so a patch may be offered even for a vague task:
 * either the validated patches behave the same on enough varied inputs, or exactly one patch survived a
 * search in which the tests rejected many alternatives and passing tests also run the patched line.
 */
export function testsPinBehaviour(features: TrustFeatures, differential: DifferentialResult | undefined, candidatesTried: number): boolean {
  if (differential !== undefined && differential.inputs >= VAGUE_TASK_MIN_AGREEING_INPUTS && differential.disagreements === 0) return true;
  return (
    features.validatedPatches === 1 &&
    candidatesTried - 1 >= VAGUE_TASK_MIN_REJECTED_CANDIDATES &&
    features.coveringPassing >= VAGUE_TASK_MIN_COVERING_PASSING
  );
}

let loadedModel: TrustModel | undefined;

/** The trust model and calibration shipped in `trust-model.json`, validated on first use. */
export function shippedTrustModel(): TrustModel {
  loadedModel ??= loadTrustModel(shippedModel);
  return loadedModel;
}


/** True for a patch a language model wrote (origin \`llm:<model>\`). */
export function isModelPatch(patch: Pick<Patch, 'origin'>): boolean {
  return patch.origin.startsWith('llm:');
}

/**
 * Why the examples speak against a patch, in words (at most two of them): the task's examples it
 * contradicts, or its function's doctest examples it breaks; undefined when they do not.
 */
export function exampleObjection(patch: Pick<Patch, 'examples' | 'documented'>): string | undefined {
  const more = (count: number) => (count > 2 ? ` (and ${count - 2} more)` : '');
  const contradictions = patch.examples?.contradictions ?? [];
  if (contradictions.length > 0) {
    const shown = contradictions.slice(0, 2).map((item) => `\`${item.call}\` is said to return ${item.expected} but the patched code returns ${item.actual}`);
    return `the task's examples contradict it: ${shown.join('; ')}${more(contradictions.length)}`;
  }
  const broken = patch.documented?.broken ?? [];
  if (broken.length > 0) {
    const shown = broken.slice(0, 2).map((item) => `\`${item.source}\` gives ${item.want ? item.want : 'nothing'}, as documented, before the patch and ${item.got ? item.got : 'nothing'} with it`);
    return `it breaks the doctest examples of \`${patch.documented!.function}\`: ${shown.join('; ')}${more(broken.length)}`;
  }
  return undefined;
}

/** What would settle an example's objection to a patch. */
function exampleSuggestion(patch: Pick<Patch, 'examples' | 'documented'>): string {
  const contradictions = patch.examples?.contradictions ?? [];
  if (contradictions.length > 0) {
    return `say which is right: correct the task's example, or add a test for ${codeList(contradictions.map((item) => item.call))} so that the tests and the task agree, and check again`;
  }
  return `if the patch is right, the docstring of \`${patch.documented?.function ?? '?'}\` is out of date: update its example, or add a test that pins that behaviour down, and check again`;
}

/** An abstention whose reasons end with what would make the task actionable. */
function abstention(reasons: string[], confidence: number, suggestions: string[]): Decision {
  return { action: 'abstain', confidence, reasons: [...reasons, ...suggestions.map((suggestion) => `to make it actionable: ${suggestion}`)] };
}

/**
 * Assesses the patch stage's patches and decides: `propose` the most trusted validated patch when its
 * trust reaches the threshold for `targetPrecision`, `abstain` (with reasons and what would make it
 * actionable) otherwise, or `nothing-to-fix` when every test passes. Sets nothing on the patches; the
 * caller copies `assessments[i].trust` where it wants it. Differential testing runs in an isolated copy
 * and a temporary folder, never in `request.root`. Throws `ReviseError('cancelled')` on abort.
 */
/**
 * The failing tests that run none of `patch`'s changed lines (per-test coverage), when they are exactly
 * the ones it leaves failing: a partial fix whose remaining failures lie elsewhere. Empty otherwise, and
 * without per-test coverage.
 */
export function failingTestsApart(run: TestRun, patch: Pick<Patch, 'file' | 'lines' | 'testsFailed'>): string[] {
  const failing = run.tests.filter((test) => test.outcome === 'failed');
  if (patch.testsFailed === 0 || failing.some((test) => !test.coveredLines)) return [];
  const apart = failing.filter((test) => !patch.lines.some((line) => test.coveredLines?.[patch.file]?.includes(line))).map((test) => test.id);
  return apart.length === patch.testsFailed ? apart : [];
}

/**
 * The task that speaks for `patch`: the user's task always; a docstring Revise took from the code only for
 * a patch inside the function it documents (a docstring of another function says nothing about this one).
 */
export function taskForPatch(task: TaskAssessment | undefined, patch: Pick<Patch, 'file' | 'lines'>): TaskAssessment | undefined {
  if (!task || task.source !== 'docstring' || !task.location) return task;
  const { file, line, endLine } = task.location;
  return path.resolve(file) === path.resolve(patch.file) && patch.lines.some((at) => at >= line && at <= endLine) ? task : undefined;
}

export async function assessPatches(request: OutputBouncerRequest): Promise<OutputAssessment> {
  const model = request.model ?? shippedTrustModel();
  const targetPrecision = Math.min(1, Math.max(0, request.targetPrecision ?? DEFAULT_TARGET_PRECISION));
  const { threshold } = thresholdFor(model.calibration, targetPrecision);
  const run = request.run;
  const failed = run.tests.filter((test) => test.outcome === 'failed').length;
  const base = { threshold, targetPrecision, assessments: [] as PatchAssessment[], suggestions: [] as string[] };
  throwIfCancelled(request.signal);

  if (run.tests.length === 0) {
    const suggestions = ['add tests that exercise the code: Revise needs a failing test to know what to fix'];
    return { ...base, suggestions, decision: abstention(['no tests were found or run'], 0, suggestions) };
  }
  if (failed === 0) {
    const reasons = [`all ${plural(run.tests.length, 'test')} pass`];
    const task = request.task;
    if (task?.verdict === 'vague') reasons.push(`the task description is too vague to act on: ${task.missing?.join('; ') || 'it does not say what to do'}`);
    return { ...base, decision: { action: 'nothing-to-fix', confidence: 1, reasons } };
  }
  const failingReason = `${plural(failed, 'failing test')}`;
  // Localize-only checks make no decision about patches.
  if (request.mode === 'check') return base;

  const validated = request.patches.filter((patch) => patch.validated);
  const sources: SourceReader = request.sources ?? new DiskSourceReader();
  if (validated.length === 0) {
    const tried = !request.stats ? 'no candidate patch was found' : request.stats.candidatesTried === 0 ? 'no candidate patch was tried' : `${plural(request.stats.candidatesTried, 'candidate patch')} tried, none passes every test`;
    const reasons = [failingReason, tried];
    if (request.scores.length === 0) reasons.push('no line of non-test code was run by a failing test');
    const partial = request.patches.find((patch) => !patch.validated && patch.testsPassed > 0);
    if (partial) reasons.push(`the closest, ${partial.title} at ${path.relative(request.root, partial.file)}:${partial.lines[0] ?? '?'}, still fails ${plural(partial.testsFailed, 'test')}`);
    const suggestions = suggestionsFor({ request, validated: [], explained: [] });
    const generated = request.stats?.generatedFiles ?? [];
    if (generated.length > 0) {
      reasons.push(`suspect lines in ${codeList(generated)} were not patched: git ignores ${generated.length === 1 ? 'that file' : 'those files'}, so ${generated.length === 1 ? 'it is' : 'they are'} build output that the next build overwrites`);
      const top = request.scores[0];
      if (request.stats?.candidatesTried === 0 && top) {
        suggestions.splice(0, suggestions.length, `fix the source that builds ${path.relative(request.root, top.file)}:${top.line}${top.text ? ` (\`${top.text}\`)` : ''}, the top suspect`);
      }
      suggestions.unshift('have the build write source maps (`"sourceMap": true` in tsconfig.json, or your bundler\'s option), so that the tests\' coverage and the suspects point at the source files, and check again');
    }
    const apart = partial ? failingTestsApart(run, partial) : [];
    if (apart.length > 0) {
      const named = codeList(apart);
      reasons.push(`${named} ${apart.length === 1 ? 'runs' : 'run'} none of the lines it changes: ${apart.length === 1 ? 'that test' : 'those tests'} may fail for another reason (a missing package, a second bug)`);
      suggestions.unshift(`fix or skip ${apart.length === 1 ? 'the failing test' : 'the failing tests'} that ${apart.length === 1 ? 'runs' : 'run'} none of the patched lines (${named}), and check again`);
    }
    return { ...base, suggestions, decision: abstention(reasons, 0, suggestions) };
  }

  let differential: DifferentialResult | undefined;
  if (request.differential !== false) {
    try {
      differential = await compareValidatedPatches({
        root: request.root,
        run,
        patches: validated,
        sources,
        runner: request.runner,
        ...(request.candidateRunner ? { candidateRunner: request.candidateRunner } : {}),
        pythonPath: request.pythonPath,
        nodePath: request.nodePath,
        limits: request.differential,
        logger: request.logger,
        signal: request.signal,
      });
    } catch (error) {
      // Cancellation stops the check; anything else only costs this piece of evidence.
      if (error instanceof ReviseError && error.code === 'cancelled') throw error;
      throwIfCancelled(request.signal);
      const message = error instanceof Error ? error.message : String(error);
      request.logger.warn(`Differential testing failed: ${message}`);
      differential = undefined;
    }
  }
  throwIfCancelled(request.signal);
  if (differential?.skipped) request.logger.debug(`differential testing: ${differential.skipped}`);

  const coveringAssertions: Record<string, number> = {};
  for (const patch of validated) {
    const evidence = request.stats?.evidence.find((item) => item.patchId === patch.id);
    const passing = evidence ? evidence.coveringTests.filter((id) => run.tests.find((test) => test.id === id)?.outcome === 'passed') : [];
    coveringAssertions[patch.id] = await countAssertions(run, passing, sources);
    throwIfCancelled(request.signal);
  }
  const context: FeatureContext = { run, scores: request.scores, patches: request.patches, stats: request.stats, differential, task: request.task, coveringAssertions };

  const explained: Explained[] = [];
  const assessments: PatchAssessment[] = request.patches.map((patch: Patch) => {
    const task = taskForPatch(request.task, patch);
    const features = trustFeatures(patch, { ...context, task });
    const trust = patch.validated ? trustOf(model, features) : 0;
    const contributions = patch.validated ? trustLogit(model, features).contributions : {};
    const reasons = describePatch({ patch, features, contributions, differential, task, root: request.root });
    if (patch.validated) explained.push({ patch, features, trust });
    return { patchId: patch.id, trust, features, reasons };
  });

  // The most trusted validated patch; ties go to the search's order. A model's patch never goes above a
  // template patch that is equally validated: model-written code is the less predictable of the two.
  const templates = explained.filter((item) => !isModelPatch(item.patch));
  const candidates = templates.length > 0 ? templates : explained;
  const byTrust = (top: Explained, item: Explained) => (item.trust > top.trust ? item : top);
  // A patch that the task's own worked examples contradict, or that breaks a doctest example of its
  // function that held before it, passes the tests but not what the code is documented to do: it is not
  // offered, whatever its trust; only the user can say whether the example or the patch is wrong.
  const contradicted = candidates.filter((item) => exampleObjection(item.patch) !== undefined);
  const pool = candidates.filter((item) => !contradicted.includes(item));
  if (pool.length === 0) {
    const first = contradicted.reduce(byTrust, contradicted[0]);
    const where = `${path.relative(request.root, first.patch.file)}:${first.patch.lines[0] ?? '?'}`;
    const reasons = [
      failingReason,
      `${first.patch.title} at ${where} passes the tests, but ${exampleObjection(first.patch)!}`,
      ...(contradicted.length > 1 ? [`so ${contradicted.length === 2 ? 'does 1 other validated patch' : `do ${contradicted.length - 1} other validated patches`}`] : []),
    ];
    const suggestions = [exampleSuggestion(first.patch)];
    return { ...base, decision: abstention(reasons, first.trust, suggestions), assessments, differential, suggestions };
  }
  // Hard evidence against a patch (a line no passing test runs, a deleted guard, error handling or
  // branch) raises its bar: each risk halves the error rate it may have (`risk.ts`).
  const bars = new Map(
    pool.map((item) => {
      const risks = patchRisks(item.patch, item.features);
      const target = riskAdjustedTarget(targetPrecision, risks.length);
      return [item, { risks, target, threshold: risks.length > 0 ? thresholdFor(model.calibration, target).threshold : threshold }] as const;
    }),
  );
  const barOf = (item: Explained) => bars.get(item) as { risks: PatchRisk[]; target: number; threshold: number };
  const mostTrusted = pool.reduce(byTrust, pool[0]);
  const clearing = pool.filter((item) => item.trust >= barOf(item).threshold);
  const best = clearing.length > 0 ? clearing.reduce(byTrust, clearing[0]) : mostTrusted;
  const bar = barOf(best);
  const bestAssessment = assessments.find((item) => item.patchId === best.patch.id) as PatchAssessment;
  const reasons = [failingReason, ...bestAssessment.reasons];
  const outranked = explained.filter((item) => isModelPatch(item.patch) && item.trust > best.trust);
  if (templates.length > 0 && outranked.length > 0) {
    reasons.push(`a template patch is preferred to the model's ${plural(outranked.length, 'patch')} that pass the same tests`);
  }
  const riskWords = (risks: PatchRisk[]) => risks.map((risk) => risk.reason).join(' and ');
  const precisionOf = (target: number) => `${Number((target * 100).toFixed(1))}% precision`;
  const barWords = (item: Explained) => {
    const { target, threshold: needed } = barOf(item);
    return Number.isFinite(needed) ? `the threshold ${needed.toFixed(2)} set for ${precisionOf(target)}` : `${precisionOf(target)}, which no calibrated threshold reaches`;
  };
  const passedOver = contradicted.filter((item) => item.trust > best.trust).reduce<Explained | undefined>((top, item) => (top && top.trust >= item.trust ? top : item), undefined);
  if (passedOver) {
    reasons.push(`the more trusted ${passedOver.patch.title} (trust ${passedOver.trust.toFixed(2)}) is not offered: ${exampleObjection(passedOver.patch)!}`);
  }
  const agreed = best.patch.examples?.compared ?? 0;
  if (agreed > 0) reasons.push(`the patched code gives ${agreed === 1 ? 'the task\'s example the result' : `the task's ${agreed} examples the results`} it states`);
  const documented = best.patch.documented;
  if (documented && documented.run > 0) reasons.push(`the doctest examples of \`${documented.function}\` still pass with it (${documented.run})`);
  if (best !== mostTrusted) {
    const where = `${path.relative(request.root, mostTrusted.patch.file)}:${mostTrusted.patch.lines[0] ?? '?'}`;
    reasons.push(`the more trusted ${mostTrusted.patch.title} at ${where} (trust ${mostTrusted.trust.toFixed(2)}) is not offered: ${riskWords(barOf(mostTrusted).risks)}, so it needs ${barWords(mostTrusted)}`);
  }
  const bestTask = taskForPatch(request.task, best.patch);
  const vague = bestTask?.verdict === 'vague';
  const pinned = testsPinBehaviour(best.features, differential, request.stats?.candidatesTried ?? 0);
  const precisionWords = precisionOf(targetPrecision);
  if (!(vague && !pinned) && best.trust >= bar.threshold) {
    reasons.push(
      bar.risks.length > 0
        ? `trust ${best.trust.toFixed(2)} reaches ${barWords(best)}, the bar for a patch where ${riskWords(bar.risks)}`
        : `trust ${best.trust.toFixed(2)} reaches the threshold ${threshold.toFixed(2)} set for ${precisionWords}`,
    );
    const decision: Decision = { action: 'propose', patch: best.patch.id, confidence: best.trust, reasons };
    return { ...base, decision, assessments, differential };
  }
  if (vague && !pinned) reasons.push('the task is vague and the tests do not pin the behaviour down, so no patch is offered');
  else if (bar.risks.length > 0 && best.trust >= threshold) {
    reasons.push(`trust ${best.trust.toFixed(2)} reaches the threshold ${threshold.toFixed(2)} set for ${precisionWords}, but ${riskWords(bar.risks)}, so it needs ${barWords(best)}`);
  } else if (Number.isFinite(threshold)) reasons.push(`trust ${best.trust.toFixed(2)} is below the threshold ${threshold.toFixed(2)} set for ${precisionWords}`);
  else reasons.push(`no trust threshold reached ${precisionWords} on the calibration data, so no patch is proposed at that setting`);
  const suggestions = suggestionsFor({ request: { ...request, task: bestTask }, validated, explained, differential });
  if (bar.risks.some((risk) => risk.kind === 'adds-early-exit')) {
    suggestions.unshift(`if ${best.patch.title} is the fix, add a test where the early exit must not be taken, so the code after it is checked too`);
  } else if (bar.risks.some((risk) => risk.kind !== 'uncovered-line')) {
    suggestions.unshift(`if ${best.patch.title} is the fix, add a test for the case the deleted code handles, so the deletion is checked against it`);
  }
  return { ...base, decision: abstention(reasons, best.trust, suggestions), assessments, differential, suggestions };
}
