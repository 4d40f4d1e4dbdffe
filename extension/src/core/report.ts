import * as path from 'node:path';
import type { CheckReport, Decision, LineScore, Patch, Stage, TaskAssessment, TestRun } from './types';

/** At most this many suspects go into a report; the rest are noise for a reader. */
export const MAX_REPORTED_SUSPECTS = 100;

/** Everything a check produced, with absolute paths (the adapters' view). */
export interface CheckOutcome {
  root: string;
  run: TestRun;
  scores: LineScore[];
  patches: Patch[];
  decision?: Decision;
  task?: TaskAssessment;
  timingsMs: Partial<Record<Stage, number>> & { total: number };
}

/** Path relative to the root with forward slashes, as the report contract requires. */
export function relativePath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative.split(path.sep).join('/');
}

/** Builds the version-1 `CheckReport` (paths relative to the root, suspects sorted by score). */
export function toCheckReport(outcome: CheckOutcome): CheckReport {
  const { root, run } = outcome;
  const count = (outcome_: string) => run.tests.filter((test) => test.outcome === outcome_).length;
  const failures = run.tests
    .filter((test) => test.outcome === 'failed')
    .map((test) => {
      const deepest = [...test.frames].reverse().find((frame) => !run.testFiles.includes(frame.file) && frame.file.startsWith(root));
      const place = deepest ?? test.frames[test.frames.length - 1];
      return {
        id: test.id,
        message: test.message ?? 'failed',
        ...(place ? { file: relativePath(root, place.file), line: place.line } : {}),
      };
    });
  const suspects = [...outcome.scores]
    .sort((a, b) => a.rank - b.rank)
    .slice(0, MAX_REPORTED_SUSPECTS)
    .map((score) => ({
      file: relativePath(root, score.file),
      line: score.line,
      score: round(score.score),
      ...(score.text !== undefined ? { text: score.text } : {}),
      evidence: score.evidence.map((item) => ({ kind: item.kind, detail: item.detail })),
    }));
  return {
    version: 1,
    root,
    ...(outcome.task
      ? {
          task: {
            text: outcome.task.text,
            vagueness: round(outcome.task.vagueness),
            verdict: outcome.task.verdict,
            ...(outcome.task.missing?.length ? { missing: outcome.task.missing } : {}),
            ...(outcome.task.source ? { source: outcome.task.source } : {}),
            ...(outcome.task.function ? { function: outcome.task.function } : {}),
            ...(outcome.task.location ? { file: relativePath(root, outcome.task.location.file), line: outcome.task.location.line } : {}),
          },
        }
      : {}),
    tests: {
      framework: run.framework,
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      durationMs: Math.round(run.durationMs),
      complete: run.complete,
      coverage: run.coverageMethod,
      failures,
    },
    problems: run.problems.map((problem) => ({
      kind: problem.kind,
      message: problem.message,
      ...(problem.file ? { file: relativePath(root, problem.file) } : {}),
      ...(problem.line !== undefined ? { line: problem.line } : {}),
    })),
    suspects,
    patches: outcome.patches.map((patch) => ({
      id: patch.id,
      file: relativePath(root, patch.file),
      origin: patch.origin,
      title: patch.title,
      diff: patch.diff,
      validated: patch.validated,
      testsPassed: patch.testsPassed,
      testsFailed: patch.testsFailed,
      ...(patch.trust !== undefined ? { trust: round(patch.trust) } : {}),
      ...(patch.checked ? { checked: patch.checked } : {}),
      ...(patch.examples ? { examples: patch.examples } : {}),
      ...(patch.documented ? { documented: patch.documented } : {}),
    })),
    ...(outcome.decision ? { decision: outcome.decision } : {}),
    timingsMs: outcome.timingsMs,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
