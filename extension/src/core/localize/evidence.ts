import type { Evidence, EvidenceKind, LineRole, RepairOutcome } from '../types';
import type { LineContext } from './features';
import type { LineSpectrum, SpectrumCounts } from './spectrum';
import { plural } from '../text';

/** Order used to break ties between evidence items of equal strength, so output is deterministic. */
const KIND_ORDER: EvidenceKind[] = ['repair', 'traceback', 'spectrum', 'critic', 'edited', 'syntax'];

const ROLE_WORDS: Record<LineRole, string> = {
  condition: 'a condition',
  loop: 'a loop header',
  return: 'a return statement',
  assignment: 'an assignment',
  call: 'a call',
  raise: 'a raise or assertion',
  other: 'a statement',
};


function andMore(ids: string[], total: number): string {
  if (ids.length === 0) return plural(total, 'failing test');
  return total > 1 ? `${ids[0]} and ${plural(total - 1, 'other failing test')}` : ids[0];
}

/**
 * Builds a line's evidence in plain words, strongest contribution (by absolute log-odds) first.
 * `contributions` holds each evidence kind's summed signed contribution to the logit.
 */
export function describeEvidence(
  spectrum: LineSpectrum,
  counts: SpectrumCounts,
  context: LineContext,
  contributions: Record<EvidenceKind, number>,
): Evidence[] {
  const items: Evidence[] = [];
  const add = (kind: EvidenceKind, detail: string) => {
    items.push({ kind, detail, weight: Math.round(contributions[kind] * 1000) / 1000 });
  };

  add('spectrum', `run by ${spectrum.failedCovering}/${counts.totalFailed} failing and ${spectrum.passedCovering}/${counts.totalPassed} passing tests`);

  if (spectrum.deepestFrameTests > 0) {
    const where = andMore(spectrum.deepestFrameTestIds, spectrum.deepestFrameTests);
    let detail = `the deepest line of your code in the traceback of ${where}`;
    if (spectrum.raisedHereTests === spectrum.deepestFrameTests) detail = `raised here in ${where}`;
    else if (spectrum.timedOutHereTests === spectrum.deepestFrameTests) detail = `was running here when ${where} timed out`;
    add('traceback', detail);
  } else if (spectrum.tracebackTests > 0) {
    add('traceback', `on the call path to the error in ${andMore(spectrum.tracebackTestIds, spectrum.tracebackTests)}`);
  }

  if (context.edited) add('edited', 'changed since the last commit');

  const syntax = describeSyntax(context);
  if (syntax) add('syntax', syntax);

  if (context.repairs.length > 0) add('repair', describeRepairs(context.repairs));

  if (context.critic) {
    const percent = Math.round(Math.min(1, Math.max(0, context.critic.probability)) * 100);
    const reason = context.critic.reason.trim();
    add('critic', `${context.critic.source?.trim() || 'a reviewer'} rates it ${percent}% likely faulty${reason ? `: ${reason}` : ''}`);
  }

  return items.sort((left, right) => {
    const strength = Math.abs(right.weight ?? 0) - Math.abs(left.weight ?? 0);
    return strength !== 0 ? strength : KIND_ORDER.indexOf(left.kind) - KIND_ORDER.indexOf(right.kind);
  });
}

function describeSyntax(context: LineContext): string | undefined {
  const lexical = context.lexical;
  const base = context.role ? ROLE_WORDS[context.role] : lexical.isDefinition ? 'a definition header' : undefined;
  if (lexical.isTrivial) return base ? `${base} that only moves a value` : 'only moves a value';
  const parts: string[] = [];
  if (lexical.hasComparison) parts.push('a comparison');
  if (lexical.hasArithmetic) parts.push('arithmetic');
  if (lexical.hasBooleanOperator) parts.push('a boolean operator');
  if (lexical.hasIntegerLiteral) parts.push('an integer literal');
  if (lexical.hasIndexing) parts.push('indexing');
  if (lexical.hasCall && context.role !== 'call') parts.push('a call');
  if (!base && parts.length === 0) return undefined;
  const list = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  if (!base) return `has ${list}`;
  return parts.length === 0 ? base : `${base} with ${list}`;
}

function describeRepairs(repairs: RepairOutcome[]): string {
  const usable = repairs.filter((outcome) => outcome.failingBefore > 0);
  // The most convincing candidate: most failing tests fixed, then fewest passing tests broken.
  const best = [...usable].sort((left, right) => right.fixed / right.failingBefore - left.fixed / left.failingBefore || left.broken - right.broken)[0];
  if (!best || best.fixed === 0) return `${plural(repairs.length, 'candidate fix')} tried here fixed no failing test`;
  const broken = best.broken === 0 ? 'breaks no passing test' : `breaks ${plural(best.broken, 'passing test')}`;
  return `a candidate fix here (${best.origin}) makes ${best.fixed}/${best.failingBefore} failing tests pass and ${broken}`;
}
