/**
 * The evidence behind a patch's trust, as numbers: what the tests say about the patched line, what the
 * patch search saw, what differential testing found, and how vague the task is. Shared by `assessPatches`
 * and the bench script that fits the trust model, so both see the same features.
 */
import * as path from 'node:path';
import { defaultPriors } from '../../patch/priors';
import type { PatchEvidence, PatchStats, TemplateName } from '../../patch/types';
import type { SourceReader } from '../../ports';
import type { LineScore, Patch, TaskAssessment, TestRun } from '../../types';
import type { DifferentialResult, TrustFeatures } from './types';

/** Prior assumed for patches that do not come from a template (e.g. an LLM edit). */
export const UNKNOWN_PRIOR = 0.05;

/** Template prior of an origin such as `template:off-by-one`. */
export function priorOfOrigin(origin: string): number {
  if (!origin.startsWith('template:')) return UNKNOWN_PRIOR;
  return defaultPriors[origin.slice('template:'.length) as TemplateName]?.prior ?? UNKNOWN_PRIOR;
}

/** Assertions in the body of the test defined at 1-based `line` of `text` (indentation or braces decide where it ends). */
export function assertionsInTest(text: string, line: number): number {
  const lines = text.split('\n');
  const start = Math.max(0, line - 1);
  if (start >= lines.length) return 0;
  const first = lines[start];
  const indent = /^\s*/.exec(first)?.[0].length ?? 0;
  const assertion = /\bassert\b|\bexpect\s*\(|\bassert\.\w+\s*\(|\bself\.assert\w*\s*\(|\bpytest\.raises\b/g;
  let count = 0;
  if (/^\s*(?:async\s+)?def\s/.test(first)) {
    for (let index = start + 1; index < lines.length; index++) {
      const current = lines[index];
      if (current.trim() !== '' && (/^\s*/.exec(current)?.[0].length ?? 0) <= indent && !/^\s*[)\]}]/.test(current)) break;
      count += current.replace(/#.*$/, '').match(assertion)?.length ?? 0;
    }
    return count;
  }
  // Brace languages: from the test's line until its braces close.
  let depth = 0;
  let opened = false;
  for (let index = start; index < lines.length; index++) {
    const current = lines[index].replace(/\/\/.*$/, '');
    count += current.match(assertion)?.length ?? 0;
    for (const char of current) {
      if (char === '{') {
        depth++;
        opened = true;
      } else if (char === '}') depth--;
    }
    if (opened && depth <= 0) break;
  }
  return count;
}

/** Counts the assertions of the given tests by reading their files (a test without a known place counts one). */
export async function countAssertions(run: TestRun, testIds: string[], sources: SourceReader): Promise<number> {
  const texts = new Map<string, string | undefined>();
  let total = 0;
  for (const id of testIds) {
    const test = run.tests.find((item) => item.id === id);
    if (!test?.file || !test.line) {
      total += 1;
      continue;
    }
    const file = path.resolve(run.root, test.file);
    if (!texts.has(file)) texts.set(file, await sources.read(file));
    const text = texts.get(file);
    total += text === undefined ? 1 : Math.max(1, assertionsInTest(text, test.line));
  }
  return total;
}

/** Everything `trustFeatures` needs besides the patch. */
export interface FeatureContext {
  run: TestRun;
  scores: LineScore[];
  patches: Patch[];
  stats?: PatchStats;
  differential?: DifferentialResult;
  task?: TaskAssessment;
  /** Assertions of each patch's passing covering tests, keyed by patch id. */
  coveringAssertions: Record<string, number>;
}

/** The trust features of one patch. */
export function trustFeatures(patch: Patch, context: FeatureContext): TrustFeatures {
  const evidence: PatchEvidence | undefined = context.stats?.evidence.find((item) => item.patchId === patch.id);
  const validated = context.patches.filter((item) => item.validated);
  const lineScores = context.scores.filter((score) => score.file === patch.file && patch.lines.includes(score.line));
  const best = lineScores.sort((a, b) => b.score - a.score)[0];
  const ranked = [...context.scores].sort((a, b) => b.score - a.score);
  const differential = context.differential;
  const compared = differential !== undefined && differential.inputs > 0 && differential.candidates.includes(patch.id);
  const comparedCount = compared ? differential.candidates.length : 1;
  const ownClass = compared ? (differential.behaviorClasses.find((members) => members.includes(patch.id)) ?? [patch.id]) : [patch.id];
  const classesAmongCompared = compared ? differential.behaviorClasses.filter((members) => members.some((id) => differential.candidates.includes(id))).length : 1;
  const coverageKnown = context.run.coverageMethod !== 'none' && context.run.tests.some((test) => test.coveredLines !== undefined);
  return {
    passesAll: patch.validated && patch.testsFailed === 0 ? 1 : 0,
    coveringPassing: evidence?.coveringPassing ?? 0,
    coveringAssertions: context.coveringAssertions[patch.id] ?? evidence?.coveringPassing ?? 0,
    coveringFailing: evidence?.coveringFailing ?? 0,
    coverageKnown: coverageKnown ? 1 : 0,
    validatedPatches: validated.length,
    behaviorClasses: classesAmongCompared,
    classShare: compared ? ownClass.length / comparedCount : 1,
    disagreementRate: compared ? differential.disagreements / Math.max(1, differential.inputs) : 0,
    differentialInputs: compared ? differential.inputs : 0,
    editChars: evidence?.editChars ?? Math.max(1, patch.diff.length / 4),
    editLines: evidence?.editLines ?? patch.lines.length * 2,
    templatePrior: priorOfOrigin(patch.origin),
    lineScore: best?.score ?? 0,
    lineRank: best?.rank ?? ranked.length + 1,
    localizationMargin: ranked.length === 0 ? 0 : ranked[0].score - (ranked[1]?.score ?? 0),
    candidateRank: evidence?.candidateRank ?? validated.indexOf(patch) + 1,
    vagueness: context.task?.vagueness ?? 0,
  };
}
