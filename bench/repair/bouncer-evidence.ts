/**
 * Collects the output bouncer's evidence for every cached repair record with a validated patch: the
 * task's project is rebuilt in a temp folder, the recorded run and patches are moved there, and
 * `assessPatches` runs differential testing and computes each patch's trust features. The project is
 * the one the repair run saw (`files` of its record, written by `visibleProjectFiles` with the run's
 * visibility), so `--visible extended` rebuilds the extended tests. Cached per task in
 * `bench/results/tmp/bouncer-<language>/` (`bouncer-<language>-extended/` for `extended`);
 * `fit-bouncer.ts` fits and calibrates on them.
 *
 * Usage: node out/bench/repair/bouncer-evidence.js [--language python|js] [--visible examples|extended] [--refresh] [--only Python/3]
 */
import * as path from 'node:path';
import { assessDocstring } from '../../extension/src/core/bounce/input/index';
import { assessPatches, patchRisks, VAGUE_TASK_MIN_AGREEING_INPUTS, type DifferentialResult, type RiskKind, type TrustFeatures } from '../../extension/src/core/bounce/output/index';
import { taskOfFunctionAt } from '../../extension/src/core/bounce/task';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { TaskAssessment } from '../../extension/src/core/types';
import {
  parseArguments,
  PYTHON,
  readJson,
  repoRoot,
  readRecords,
  recordPath,
  recordSetOption,
  withTempDir,
  writeFiles,
  writeJson,
  type RepairRecord,
  type Visibility,
} from './common';

/** The bouncer's view of one validated patch, with the hidden verdict as label. */
export interface BouncerPatchRow {
  patchId: string;
  origin: string;
  title: string;
  features: TrustFeatures;
  /** The hidden tests pass. */
  correct: boolean;
  touchesBuggyLine: boolean;
  /** Hard evidence against the patch (`bounce/output/risk.ts`); absent in records made before it existed. */
  risks?: RiskKind[];
}

/** One task's evidence. */
export interface BouncerRecord {
  taskId: string;
  /** What Revise saw of the tests (the repair record's); absent in records made before the option existed. */
  visibility?: Visibility;
  bugType: string;
  status: RepairRecord['status'];
  /** Validated patches, in the patch stage's order. */
  rows: BouncerPatchRow[];
  differential?: DifferentialResult;
  /** The input bouncer's verdict on the docstring of the top suspect's function, as the pipeline makes it. */
  task?: { vagueness: number; verdict: 'actionable' | 'vague'; missing?: string[] };
  /** The tests pin the behaviour down: differential testing compared enough inputs and found no disagreement. */
  pinned: boolean;
  /** Milliseconds `assessPatches` took (differential testing included). */
  assessMs: number;
}

const syntax = new SyntaxService(path.join(repoRoot, 'grammars'));

/** The task the pipeline would judge: the docstring of the function holding the top suspect. */
async function pipelineTask(root: string, record: RepairRecord): Promise<TaskAssessment | undefined> {
  const top = record.scores[0];
  if (!top) return undefined;
  const source = record.files[path.relative(root, top.file)];
  if (source === undefined) return undefined;
  const found = await taskOfFunctionAt(syntax, top.file, source, top.line).catch(() => undefined);
  return found ? assessDocstring(found.text, { signature: found.signature }) : undefined;
}

/** Rebuilds a record's project and computes the bouncer's evidence for it. */
export async function collectEvidence(record: RepairRecord): Promise<BouncerRecord> {
  const validated = record.patches.filter((item) => item.patch.validated);
  const base = { taskId: record.taskId, visibility: record.visibility ?? 'examples', bugType: record.bugType, status: record.status };
  if (validated.length === 0) return { ...base, rows: [], pinned: false, assessMs: 0 };
  return withTempDir('revise-bouncer-', async (root) => {
    writeFiles(root, record.files);
    // Absolute paths in the record point at the deleted temp root it ran in: move them here.
    const moved = JSON.parse(JSON.stringify(record).split(record.root).join(root)) as RepairRecord;
    const task = await pipelineTask(root, moved);
    const started = Date.now();
    const assessment = await assessPatches({
      task,
      root,
      mode: 'fix',
      run: moved.run,
      scores: moved.scores,
      patches: moved.patches.map((item) => item.patch),
      stats: moved.stats,
      pythonPath: PYTHON,
      logger: silentLogger,
    });
    const assessMs = Date.now() - started;
    const rows: BouncerPatchRow[] = [];
    for (const item of moved.patches) {
      if (!item.patch.validated) continue;
      const assessed = assessment.assessments.find((entry) => entry.patchId === item.patch.id);
      if (!assessed) continue;
      rows.push({
        patchId: item.patch.id,
        origin: item.patch.origin,
        title: item.patch.title,
        features: assessed.features,
        correct: item.hidden?.passed === true,
        touchesBuggyLine: item.touchesBuggyLine,
        risks: patchRisks(item.patch, assessed.features).map((risk) => risk.kind),
      });
    }
    const differential = assessment.differential;
    return {
      ...base,
      rows,
      differential,
      ...(task ? { task: { vagueness: task.vagueness, verdict: task.verdict, ...(task.missing ? { missing: task.missing } : {}) } } : {}),
      pinned: differential !== undefined && differential.inputs >= VAGUE_TASK_MIN_AGREEING_INPUTS && differential.disagreements === 0,
      assessMs,
    };
  });
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const set = recordSetOption(options);
  const only = options.get('only')?.split(',');
  const records = readRecords<RepairRecord>(`repair-${set.name}`).filter((record) => !only || only.includes(record.taskId));
  const mixed = records.find((record) => (record.visibility ?? 'examples') !== set.visibility);
  if (mixed) throw new Error(`bench/results/tmp/repair-${set.name}/ holds ${mixed.taskId} run with visibility ${mixed.visibility ?? 'examples'}, not ${set.visibility}`);
  let done = 0;
  for (const record of records) {
    done++;
    const file = recordPath(`bouncer-${set.name}`, record.taskId);
    if (!options.has('refresh') && readJson<BouncerRecord>(file)) continue;
    const evidence = await collectEvidence(record);
    writeJson(file, evidence);
    if (evidence.rows.length > 0) {
      const differential = evidence.differential;
      console.log(
        `[${done}/${records.length}] ${record.taskId}: ${evidence.rows.length} validated (${evidence.rows.filter((row) => row.correct).length} correct), ` +
          `${differential?.skipped ?? `${differential?.inputs ?? 0} inputs, ${differential?.disagreements ?? 0} disagree, ${differential?.behaviorClasses.length ?? 0} classes`}, ${evidence.assessMs} ms`,
      );
    }
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
