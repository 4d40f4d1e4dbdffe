/**
 * Hard evidence against a validated patch: facts about the edit that the trust model does not see and
 * that should not pass at the usual bar. A patch that deletes a guard, error handling or a whole branch
 * passes failing tests easily and wrongly; on a line that no passing test runs, nothing checks the
 * deletion at all (on real projects two such patches were proposed with trust 0.91 and 0.82, and both were
 * wrong); so does a new early exit (`if not kw: return None`), which skips the code after it. Each risk
 * halves the error rate the patch may have: at a 90 % target, a deletion asks for the
 * threshold set for 95 %, a deletion on a line no passing test runs for 97.5 %. (How many passing tests run
 * the line is already one of the model's features, so an uncovered line alone does not raise the bar.)
 */
import type { Patch } from '../../types';
import type { TrustFeatures } from './types';

export type RiskKind = 'uncovered-line' | 'deletes-guard' | 'deletes-error-handling' | 'deletes-branch' | 'adds-early-exit';

export interface PatchRisk {
  kind: RiskKind;
  /** Plain words, e.g. "it deletes a guard (`if not base: return None`)". */
  reason: string;
}

const GUARD_ACTION = /\b(?:return|raise|throw|continue|break)\b/;
const BRANCH_START = /^(?:if|elif|else|else\s+if)\b|^\}\s*else\b/;
const ERROR_HANDLING = /^(?:raise|throw|try|except|catch|finally)\b|^\}\s*(?:catch|finally)\b/;

function shorten(text: string): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length > 60 ? `${single.slice(0, 57)}…` : single;
}

/** The trimmed removed and added lines of a unified diff (file headers left out). */
function diffSides(diff: string): { removed: string[]; added: string[] } {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of diff.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) continue;
    if (line.startsWith('-')) removed.push(line.slice(1).trim());
    else if (line.startsWith('+')) added.push(line.slice(1).trim());
  }
  return { removed, added };
}

/**
 * What the patch takes away without putting anything in its place: the removed lines of its diff (trimmed)
 * when it adds nothing but `pass` or blank lines; undefined for an edit that adds code.
 */
export function deletedLines(diff: string): string[] | undefined {
  const { removed, added } = diffSides(diff);
  const remaining = new Set(added);
  const gone = removed.filter((line) => line !== '' && !remaining.has(line));
  const newCode = added.filter((line) => line !== '' && line !== 'pass' && !removed.includes(line));
  return gone.length > 0 && newCode.length === 0 ? gone : undefined;
}

/**
 * What the patch only adds: the added lines of its diff (trimmed) when it removes nothing; undefined for
 * an edit that changes or removes code.
 */
export function insertedLines(diff: string): string[] | undefined {
  const { removed, added } = diffSides(diff);
  const kept = new Set(removed);
  const fresh = added.filter((line) => line !== '' && !kept.has(line));
  return fresh.length > 0 && removed.every((line) => line === '' || added.includes(line)) ? fresh : undefined;
}

/** The risks of proposing `patch`, strongest first (empty for an ordinary edit on a line passing tests run). */
export function patchRisks(patch: Pick<Patch, 'diff'>, features: Pick<TrustFeatures, 'coverageKnown' | 'coveringPassing'>): PatchRisk[] {
  const risks: PatchRisk[] = [];
  // A new early exit (`if not kw: return None`) makes a failing test pass by skipping the code after it:
  // on HumanEvalFix 0 of 4 such validated patches were right, on the real bugs the one proposed was wrong.
  const added = insertedLines(patch.diff);
  if (added && added.some((line) => BRANCH_START.test(line)) && added.some((line) => GUARD_ACTION.test(line))) {
    risks.push({ kind: 'adds-early-exit', reason: `it adds an early exit (\`${shorten(added.join(' '))}\`) that skips the code after it` });
  }
  const gone = deletedLines(patch.diff);
  if (gone) {
    const handling = gone.find((line) => ERROR_HANDLING.test(line));
    const branch = gone.find((line) => BRANCH_START.test(line));
    if (handling) risks.push({ kind: 'deletes-error-handling', reason: `it deletes error handling (\`${shorten(handling)}\`)` });
    else if (branch && gone.some((line) => GUARD_ACTION.test(line))) risks.push({ kind: 'deletes-guard', reason: `it deletes a guard (\`${shorten(gone.join(' '))}\`)` });
    else if (branch) risks.push({ kind: 'deletes-branch', reason: `it deletes a whole branch (\`${shorten(branch)}\`)` });
  }
  // The trust model already prices in how many passing tests run the line; a deletion or a new early exit
  // it cannot see, and one that no passing test checks either is the riskiest edit of all.
  if (risks.length > 0 && features.coverageKnown === 1 && features.coveringPassing === 0) risks.push({ kind: 'uncovered-line', reason: 'no passing test runs the patched line' });
  return risks;
}

/** The precision a patch with `risks` must be trusted for: each risk halves the error rate allowed. */
export function riskAdjustedTarget(targetPrecision: number, risks: number): number {
  if (targetPrecision <= 0 || risks === 0) return targetPrecision;
  return 1 - (1 - targetPrecision) / 2 ** risks;
}
