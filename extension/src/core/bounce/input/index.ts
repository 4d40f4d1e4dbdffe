/**
 * The input bouncer: decides whether a task description is precise enough to act on, or vague enough
 * that Revise should warn, stop or ask (BouncerBench-style abstention). No LLM and no network: a
 * logistic model over lexical, structural and example-consistency features, with weights fitted by
 * `bench/input-bouncer/fit.ts` (a second one for plain requests with no signature and no example). When an
 * LLM judge is configured, `fuseTaskJudgement` pools its verdict in.
 */
import type { TaskAssessment } from '../../types';
import { analyzeTask, analyzeTaskText, type TaskAnalysis, type TaskContext } from './analyze';
import { applyRules, featureContributions, loadVaguenessModel, modelVagueness, type VaguenessModel } from './model';
import { explainVagueness } from './reasons';
import shippedWeights from './weights.json';

export { checkTaskExamples, examplesToRun, type TaskContext, type TaskAnalysis } from './analyze';
export type { TaskExample, TaskSignature } from './parse';
export type { CodeCheck, ExampleRunner, Contradiction } from './consistency';
export { assertedCalls, checkExamplesAgainstTests, type AssertedCall, type TestsCheck } from './asserted';
export { FEATURE_NAMES, type FeatureName, type FeatureVector } from './features';
export { isPlainRequest, loadVaguenessModel, type VaguenessModel, type VaguenessModelFile } from './model';
export { uncoveredEdges, type UncoveredEdge } from './edges';
export { fuseTaskJudgement, judgeVagueness, JUDGE_WEIGHT, LABEL_VAGUENESS, type JudgeLabel, type TaskJudgeVerdict } from './fuse';

let defaultModel: VaguenessModel | undefined;

/** The model shipped in `weights.json`, validated on first use. */
export function shippedVaguenessModel(): VaguenessModel {
  defaultModel ??= loadVaguenessModel(shippedWeights);
  return defaultModel;
}

/** Scores an analysis: vagueness in [0, 1] (0.5 is the decision boundary) and the verdict. */
export function scoreAnalysis(analysis: TaskAnalysis, model: VaguenessModel = shippedVaguenessModel()): TaskAssessment {
  const vagueness = applyRules(modelVagueness(model, analysis.features), analysis);
  const verdict = vagueness >= 0.5 ? 'vague' : 'actionable';
  const missing = explainVagueness(analysis, featureContributions(model, analysis.features));
  const testContradictions = analysis.findings.contradictions.flatMap((contradiction) =>
    contradiction.kind === 'tests' && contradiction.example && contradiction.test
      ? [{ call: contradiction.example.call, expected: contradiction.example.expected, asserted: contradiction.example.actual, ...contradiction.test }]
      : [],
  );
  return { text: '', vagueness, verdict, missing, ...(testContradictions.length > 0 ? { testContradictions } : {}) };
}

/**
 * Synchronous vagueness of a task text alone (no examples are run), in [0, 1]; at or above 0.5 means vague.
 */
export function scoreVagueness(text: string, model?: VaguenessModel): number {
  return scoreAnalysis(analyzeTaskText(text), model).vagueness;
}

/**
 * Assesses a task description. With `context.runExample`, the description's examples are also run
 * against the code and any disagreement counts as a contradiction; `context.signature` or
 * `context.code` supply the signature when the text has none (and the code's names count as defined);
 * `context.testInputs` lets the warning name edges the tests exercise that the task never describes.
 */
export async function assessTask(text: string, context?: TaskContext & { model?: VaguenessModel }): Promise<TaskAssessment> {
  const analysis = await analyzeTask(text, context);
  return { ...scoreAnalysis(analysis, context?.model), text };
}

/** A docstring's vagueness when nothing checkable is wrong with it: under the boundary, and under the trust model's allowance. */
export const DOCSTRING_VAGUENESS_CAP = 0.45;

/**
 * Assesses a docstring or doc comment Revise took from the code (no task was given). Such a text is
 * documentation, not a request written for Revise: a short one without examples is the norm in real
 * projects ("True when two time ranges share at least one minute."), and the model, fitted on task
 * descriptions, calls nearly all of them vague. So a docstring is called vague only on evidence Revise can
 * check: examples that contradict each other or the code, examples that all give one answer for different
 * calls, a name it uses that nothing defines, or words cut out of a sentence. Otherwise its vagueness is
 * kept under `DOCSTRING_VAGUENESS_CAP` and it gives no advice.
 */
export async function assessDocstring(text: string, context?: TaskContext & { model?: VaguenessModel }): Promise<TaskAssessment> {
  const analysis = await analyzeTask(text, context);
  const scored = { ...scoreAnalysis(analysis, context?.model), text };
  const { findings } = analysis;
  const checkable = findings.contradictions.length > 0 || findings.undefinedSymbols.length > 0 || findings.gaps.length > 0 || findings.constantOutput !== undefined;
  if (checkable || scored.vagueness <= DOCSTRING_VAGUENESS_CAP) return scored;
  return { ...scored, vagueness: DOCSTRING_VAGUENESS_CAP, verdict: 'actionable', missing: [] };
}
