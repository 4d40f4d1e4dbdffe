/**
 * Turns cached cases into labeled feature rows: the scorer's own features (computed once by
 * `localizeFaults`, which never depend on the model) plus which lines are faulty. Re-scoring with
 * another model then only needs `rescore`, which ranks exactly as `localizeFaults` does.
 */
import * as path from 'node:path';
import { localizeFaults, modelLogit, rankLineScores, sigmoid, type ScorerModel } from '../../extension/src/core/localize/index';
import type { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore } from '../../extension/src/core/types';
import { caseReader, type CaseRecord } from './common';
import { firstTargetRank } from './metrics';

/** A case with its scored lines and labels. */
export interface LabeledCase {
  id: string;
  origin: CaseRecord['origin'];
  group: string;
  bugType: string;
  /** Absolute path of the buggy file inside the captured run. */
  file: string;
  /** Lines that count as a hit when ranked. */
  targets: Set<number>;
  /** Whether the case's lines are labeled well enough to fit on (insert-only bugs are not). */
  fittable: boolean;
  /** Whether the bug is insert-only (HumanEvalFix `missing_code_after_line` with no changed line). */
  insertOnly: boolean;
  lines: LineScore[];
  /** 1 when the line at the same index of `lines` is a target. */
  labels: number[];
  failingTests: number;
  passingTests: number;
}

/**
 * Targets of a case. Changed lines when there are any; for insert-only bugs, the line after which
 * code is missing and the next non-blank line (where the inserted code would go).
 */
export function targetLines(record: CaseRecord): { targets: Set<number>; insertOnly: boolean } {
  if (record.buggyLines.length > 0) return { targets: new Set(record.buggyLines), insertOnly: false };
  const lines = (record.files[record.sourceFile] ?? '').split('\n');
  const targets = new Set<number>();
  for (const after of record.missingAfter) {
    targets.add(after);
    for (let line = after + 1; line <= lines.length; line++) {
      if (lines[line - 1].trim() !== '') {
        targets.add(line);
        break;
      }
    }
  }
  return { targets, insertOnly: true };
}

export async function labelCase(record: CaseRecord, syntax: SyntaxService | undefined): Promise<LabeledCase> {
  const lines = await localizeFaults({ run: record.run, sources: caseReader(record), syntax });
  const file = path.join(record.run.root, record.sourceFile);
  const { targets, insertOnly } = targetLines(record);
  return {
    id: record.id,
    origin: record.origin,
    group: record.group,
    bugType: record.bugType,
    file,
    targets,
    fittable: !insertOnly && targets.size > 0,
    insertOnly,
    lines,
    labels: lines.map((line) => (line.file === file && targets.has(line.line) ? 1 : 0)),
    failingTests: record.run.tests.filter((test) => test.outcome === 'failed').length,
    passingTests: record.run.tests.filter((test) => test.outcome === 'passed').length,
  };
}

/** The case's lines scored by `model` and ranked with the scorer's tie-breaking (copies; the case is unchanged). */
export function rescore(labeled: LabeledCase, model: ScorerModel): LineScore[] {
  return rankLineScores(labeled.lines.map((line) => ({ ...line, score: sigmoid(modelLogit(model, line.features)), rank: 0 })));
}

/** Rank of the best-placed target under `model`. */
export function targetRank(labeled: LabeledCase, model: ScorerModel): number | undefined {
  return firstTargetRank(rescore(labeled, model), labeled.file, labeled.targets);
}

/** One-feature models that reproduce the classic formulas, ranked with the same tie-breaking. */
export const BASELINES: Record<string, ScorerModel> = {
  ochiai: { intercept: 0, features: { ochiai: { weight: 1, reference: 0 } }, description: 'Ochiai alone' },
  dstar: { intercept: 0, features: { dstar: { weight: 1, reference: 0 } }, description: 'DStar (star 2) alone' },
};
