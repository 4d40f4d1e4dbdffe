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

export type { TaskContext, TaskAnalysis } from './analyze';
export type { ExampleRunner, Contradiction } from './consistency';
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
  return { text: '', vagueness, verdict, missing };
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
