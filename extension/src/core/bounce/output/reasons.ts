/**
 * Plain-word reasons behind a patch's trust, and, for abstentions, what would make the task actionable
 * (a concrete input the tests should pin down, a line no passing test runs, what the task leaves open).
 */
import * as path from 'node:path';
import type { Patch, TaskAssessment } from '../../types';
import type { DifferentialResult, OutputBouncerRequest, TrustFeatures } from './types';
import { describeChecks } from '../../patch/describe';
import { plural } from '../../text';

/** A validated patch with its features and trust. */
export interface Explained {
  patch: Patch;
  features: TrustFeatures;
  trust: number;
}


function ordinal(rank: number): string {
  const suffix = rank % 100 >= 11 && rank % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[rank % 10] ?? 'th';
  return `${rank}${suffix}`;
}

/** `ok:3` → `returns 3`, `raise:ValueError` → `raises ValueError`, `timeout` → `does not finish`. */
export function describeOutcome(outcome: string): string {
  if (outcome.startsWith('ok:')) {
    const value = outcome.slice(3);
    return `returns ${value.length > 60 ? `${value.slice(0, 57)}…` : value}`;
  }
  if (outcome.startsWith('raise:load:')) return `fails to load (${outcome.slice('raise:load:'.length)})`;
  if (outcome.startsWith('raise:')) return `raises ${outcome.slice(6)}`;
  if (outcome === 'timeout') return 'does not finish';
  if (outcome === 'crash') return 'crashes';
  return outcome;
}

/** A call as a developer would write it: `f(1, [2])` from the harness's `([1, [2]], {})`. */
export function describeCall(functionName: string, input: string): string {
  const python = /^\(\[(.*)\], \{(.*)\}\)$/s.exec(input);
  if (python) {
    const keywords = python[2]
      .split(/,\s*(?='[^']*':)/)
      .filter((part) => part.trim() !== '')
      .map((part) => part.replace(/^'([^']*)':\s*/, '$1='));
    return `${functionName}(${[python[1], ...keywords].filter((part) => part !== '').join(', ')})`;
  }
  const javascript = /^\[(.*)\]$/s.exec(input);
  return `${functionName}(${javascript ? javascript[1] : input})`;
}

/** Reasons behind one patch's trust, strongest evidence first, in plain words. */
export function describePatch(input: {
  patch: Patch;
  features: TrustFeatures;
  contributions: Record<string, number>;
  differential?: DifferentialResult;
  task?: TaskAssessment;
  root: string;
}): string[] {
  const { patch, features, differential, task } = input;
  const where = `${path.relative(input.root, patch.file)}:${patch.lines[0] ?? '?'}`;
  if (!patch.validated) return [`${patch.title} at ${where} still fails ${plural(patch.testsFailed, 'test')}`];
  const reasons = [`${patch.title} at ${where} ${describeChecks(patch)}`];
  if (features.coverageKnown === 1) {
    reasons.push(
      features.coveringPassing === 0
        ? 'no passing test runs the patched line, so nothing checks that the edit keeps working cases working'
        : `the patched line is run by ${plural(features.coveringPassing, 'passing test')} with ${plural(features.coveringAssertions, 'assertion')}`,
    );
  }
  if (features.validatedPatches === 1) reasons.push('the only candidate that passed the tests it was run against');
  else if (features.differentialInputs > 0 && differential) {
    const compared = differential.candidates.length;
    if (differential.disagreements === 0) {
      reasons.push(`all ${compared} validated patches behave the same on ${plural(features.differentialInputs, 'extra input')}`);
    } else {
      const share = Math.round(features.classShare * compared);
      reasons.push(
        `${compared} validated patches disagree on ${differential.disagreements} of ${plural(features.differentialInputs, 'extra input')}; ` +
          `${share === 1 ? 'this one behaves like no other' : `this one behaves like ${share - 1} other${share - 1 === 1 ? '' : 's'}`}`,
      );
    }
  } else reasons.push(`${plural(features.validatedPatches, 'validated patch')}, not compared on extra inputs${differential?.skipped ? ` (${differential.skipped})` : ''}`);
  reasons.push(
    features.lineRank === 1
      ? `its line is the top suspect (${features.lineScore.toFixed(2)}, ${features.localizationMargin.toFixed(2)} ahead of the next)`
      : `its line is the ${ordinal(features.lineRank)} suspect (${features.lineScore.toFixed(2)})`,
  );
  const size = features.editChars <= 4 ? 'one-token' : features.editLines <= 2 ? 'one-line' : `${features.editLines}-line`;
  const source = patch.origin.startsWith('template:') ? `the ${patch.origin.slice('template:'.length)} template` : patch.origin.startsWith('llm:') ? `the model ${patch.origin.slice('llm:'.length)}` : patch.origin;
  reasons.push(`a ${size} edit from ${source}`);
  if (task && (task.verdict === 'vague' || task.vagueness > 0.5)) {
    reasons.push(`the task description is vague (${task.vagueness.toFixed(2)})${task.missing?.length ? `: ${task.missing.join('; ')}` : ''}`);
  }
  return reasons;
}

/** What would make an abstention actionable, most specific first (always at least one suggestion). */
export function suggestionsFor(input: { request: OutputBouncerRequest; validated: Patch[]; explained: Explained[]; differential?: DifferentialResult }): string[] {
  const { request, validated, explained, differential } = input;
  const suggestions: string[] = [];
  if (validated.length === 0) {
    const top = request.scores[0];
    suggestions.push(
      top
        ? `no one-line repair passes every test; start at ${path.relative(request.root, top.file)}:${top.line}${top.text ? ` (\`${top.text}\`)` : ''}, the top suspect`
        : 'no one-line repair passes every test and no line stands out; a failing test closer to the bug would help',
    );
    if (request.task?.verdict === 'vague' && request.task.missing?.length) suggestions.push(`make the task precise: ${request.task.missing.join('; ')}`);
    return suggestions;
  }
  for (const example of differential?.examples.slice(0, 2) ?? []) {
    const described = Object.entries(example.outcomes).map(([id, outcome]) => `${describeOutcome(outcome)} with ${id}`);
    suggestions.push(`add a test that pins down ${describeCall(example.function, example.input)}: the candidate patches disagree (it ${described.slice(0, 3).join(', ')})`);
  }
  const uncovered = explained.find((item) => item.features.coverageKnown === 1 && item.features.coveringPassing === 0);
  if (uncovered) suggestions.push(`add a passing test that runs ${path.relative(request.root, uncovered.patch.file)}:${uncovered.patch.lines[0] ?? '?'}, so a patch there is checked against cases that already work`);
  if (request.task?.verdict === 'vague' || (request.task?.vagueness ?? 0) > 0.5) {
    suggestions.push(`make the task precise${request.task?.missing?.length ? `: ${request.task.missing.join('; ')}` : ''}`);
  }
  if (validated.length === 1 && explained[0]?.features.differentialInputs === 0) {
    suggestions.push('add tests for more inputs (edge cases such as empty, zero, negative and boundary values) so a single passing patch is less likely to be a coincidence');
  }
  if (suggestions.length === 0) suggestions.push('add tests with more inputs and expected results for the failing behaviour; the current ones leave more than one plausible fix');
  return suggestions;
}
