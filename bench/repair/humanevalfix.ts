/**
 * Repair benchmark on HumanEvalFix. Per task: a temp project with the buggy source and one test per
 * visible assert (`--visible examples`, the default: the task's `example_test`; `extended`: those plus
 * every other assert of the hidden `test`), the real pipeline (`runCheck`, mode `fix`), then every
 * validated patch judged by the full hidden `test` in a separate temp folder. Records are cached per
 * task in `bench/results/tmp/repair-<language>/` (`repair-<language>-extended/` for `extended`), so
 * reruns only do the missing tasks; the summary (`report.ts`) reads them.
 *
 * Usage: node out/bench/repair/humanevalfix.js [--language python|js] [--visible examples|extended]
 *          [--data ../shared/data] [--only Python/0,Python/3] [--limit N] [--stride K] [--refresh] [--progress FILE]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Assets } from '../../extension/src/core/capture/types';
import { DEFAULT_SETTINGS, runCheck, type CheckSettings } from '../../extension/src/core/pipeline';
import { defaultPriors } from '../../extension/src/core/patch/priors';
import type { TemplateName } from '../../extension/src/core/patch/types';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import {
  cacheRoot,
  collectingLogger,
  dataDirectory,
  judgeWithHiddenTests,
  loadRepairTasks,
  parseArguments,
  PYTHON,
  readJson,
  recordPath,
  recordSetOption,
  repoRoot,
  visibleProjectFiles,
  withTempDir,
  writeFiles,
  writeJson,
  type PatchRecord,
  type RepairRecord,
  type RepairTask,
  type Visibility,
} from './common';

/** Some buggy versions loop forever; the docstring examples all finish in well under a second. */
export const PER_TEST_TIMEOUT_MS = 5000;

/** The settings of every benchmark run: the shipped defaults with two validation workers. */
export function benchSettings(language: 'python' | 'js'): CheckSettings {
  return {
    ...(language === 'python' ? { pythonPath: PYTHON } : {}),
    perTestTimeoutMs: PER_TEST_TIMEOUT_MS,
    totalTimeoutMs: 120_000,
    patch: { ...DEFAULT_SETTINGS.patch, workers: 2 },
    targetPrecision: DEFAULT_SETTINGS.targetPrecision,
  };
}

/** The assets in the source tree. */
export const treeAssets: Assets = {
  grammarsDir: path.join(repoRoot, 'grammars'),
  pythonDir: path.join(repoRoot, 'extension', 'python'),
  javascriptDir: path.join(repoRoot, 'extension', 'javascript'),
};

/**
 * A snapshot of the runtime helpers (pytest plugin, JavaScript hooks) taken when the benchmark starts:
 * the tree is shared with people editing those helpers, and an hours-long run must not pick up a
 * half-written version halfway through. Removed when the process exits.
 */
export function snapshotAssets(): Assets {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'revise-bench-assets-'));
  process.on('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      fs.rmSync(folder, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const copy = (source: string | undefined, name: string) => {
    if (!source || !fs.existsSync(source)) return undefined;
    fs.cpSync(source, path.join(folder, name), { recursive: true, filter: (file) => !file.includes('__pycache__') });
    return path.join(folder, name);
  };
  return {
    grammarsDir: treeAssets.grammarsDir,
    pythonDir: copy(treeAssets.pythonDir, 'python') ?? treeAssets.pythonDir,
    javascriptDir: copy(treeAssets.javascriptDir, 'javascript') ?? treeAssets.javascriptDir,
  };
}

/** Problems that mean the run did not measure Revise but a broken environment: such records are not cached. */
export function environmentProblem(record: RepairRecord): string | undefined {
  if (record.status === 'error') return record.error;
  const problem = record.run.problems.find((item) => item.kind === 'coverage-unavailable' || item.kind === 'collection-error' || item.kind === 'unparsable-output');
  return problem?.message;
}


/** Template prior of a patch origin (`template:<name>`), when it names a known template. */
function templatePrior(origin: string): number | undefined {
  const name = origin.startsWith('template:') ? (origin.slice('template:'.length) as TemplateName) : undefined;
  return name ? defaultPriors[name]?.prior : undefined;
}

/** Runs the pipeline on one task and judges its validated patches. */
export async function runTask(task: RepairTask, syntax: SyntaxService, assets: Assets = treeAssets, visibility: Visibility = 'examples'): Promise<RepairRecord> {
  const started = Date.now();
  const files = visibleProjectFiles(task, visibility);
  const settings = benchSettings(task.language);
  const recordSettings = {
    perTestTimeoutMs: settings.perTestTimeoutMs,
    patchTimeMs: settings.patch.timeMs,
    maxCandidates: settings.patch.maxCandidates,
    workers: settings.patch.workers,
    maxLines: settings.patch.maxLines,
  };
  return withTempDir('revise-repair-', async (root) => {
    writeFiles(root, files);
    const base = {
      taskId: task.taskId,
      language: task.language,
      visibility,
      bugType: task.bugType,
      buggyLines: task.buggyLines,
      missingAfter: task.missingAfter,
      docstring: task.docstring,
      files,
      root,
      settings: recordSettings,
    };
    const messages: string[] = [];
    const emptyRun = { framework: 'pytest' as const, root, command: [], tests: [], problems: [], durationMs: 0, coverageMethod: 'none' as const, complete: true, testFiles: [] };
    if (Object.keys(files).every((name) => !/test/.test(name))) {
      // No visible asserts (no docstring examples): nothing for Revise to check (the pipeline would stop with "no tests found").
      return { ...base, status: 'no-visible-tests', visibleTests: 0, baselineFailed: 0, run: emptyRun, scores: [], patches: [], timingsMs: {}, wallMs: Date.now() - started } satisfies RepairRecord;
    }
    let result;
    try {
      result = await runCheck({ root, mode: 'fix', assets, settings, logger: collectingLogger(messages), syntax });
    } catch (error) {
      return {
        ...base,
        status: 'error',
        error: error instanceof Error ? error.message : String(error),
        visibleTests: 0,
        baselineFailed: 0,
        run: { ...emptyRun, complete: false },
        scores: [],
        patches: [],
        timingsMs: {},
        wallMs: Date.now() - started,
      } satisfies RepairRecord;
    }
    const { outcome, patchStats } = result;
    const failed = outcome.run.tests.filter((test) => test.outcome === 'failed').length;
    const sourceFile = path.join(root, task.language === 'python' ? 'solution.py' : 'solution.js');
    const targets = new Set([...task.buggyLines, ...task.missingAfter, ...task.missingAfter.map((line) => line + 1)]);
    const patches: PatchRecord[] = [];
    for (const patch of outcome.patches) {
      const evidence = patchStats?.evidence.find((item) => item.patchId === patch.id);
      const lineScores = outcome.scores.filter((score) => score.file === patch.file && patch.lines.includes(score.line)).map((score) => ({ line: score.line, score: score.score, rank: score.rank }));
      patches.push({
        patch,
        evidence,
        hidden: patch.validated ? await judgeWithHiddenTests(task, patch.newText) : undefined,
        lineScores,
        touchesBuggyLine: patch.file === sourceFile && patch.lines.some((line) => targets.has(line)),
        prior: templatePrior(patch.origin),
      });
    }
    const status: RepairRecord['status'] = outcome.run.tests.length === 0 ? 'no-visible-tests' : failed === 0 ? 'nothing-to-fix' : 'searched';
    const firstValidatedFromStartMs =
      patchStats?.firstValidatedMs !== undefined ? (outcome.timingsMs.capture ?? 0) + (outcome.timingsMs.localize ?? 0) + patchStats.firstValidatedMs : undefined;
    return {
      ...base,
      status,
      ...(messages.length > 0 ? { error: messages.slice(0, 5).join(' | ') } : {}),
      visibleTests: outcome.run.tests.length,
      baselineFailed: failed,
      run: outcome.run,
      scores: outcome.scores.slice(0, 20),
      patches,
      stats: patchStats,
      decision: outcome.decision,
      timingsMs: outcome.timingsMs,
      firstValidatedFromStartMs,
      wallMs: Date.now() - started,
    } satisfies RepairRecord;
  });
}

/** Tasks to run: `--only`, else every `--stride`-th task, at most `--limit`. */
export function selectTasks(tasks: RepairTask[], options: Map<string, string>): RepairTask[] {
  const only = options.get('only')?.split(',');
  if (only) return tasks.filter((task) => only.includes(task.taskId));
  const stride = Math.max(1, Number(options.get('stride') ?? '1'));
  const offset = Number(options.get('offset') ?? '0');
  const limit = Number(options.get('limit') ?? String(tasks.length));
  return tasks.filter((_, index) => index % stride === offset % stride).slice(0, limit);
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const set = recordSetOption(options);
  const tasks = selectTasks(loadRepairTasks(dataDirectory(options), set.language), options);
  const kind = `repair-${set.name}`;
  const progressFile = options.get('progress') ?? path.join(cacheRoot, `${kind}.progress.log`);
  fs.mkdirSync(path.dirname(progressFile), { recursive: true });
  const log = (line: string) => {
    console.log(line);
    fs.appendFileSync(progressFile, `${new Date().toISOString()} ${line}\n`);
  };
  const assets = snapshotAssets();
  const syntax = new SyntaxService(assets.grammarsDir);
  let done = 0;
  for (const task of tasks) {
    done++;
    const file = recordPath(kind, task.taskId);
    if (!options.has('refresh') && readJson<RepairRecord>(file)) continue;
    const record = await runTask(task, syntax, assets, set.visibility);
    const problem = environmentProblem(record);
    if (problem) {
      // Not cached: a rerun tries again.
      log(`[${done}/${tasks.length}] ${task.taskId} not recorded: ${problem.slice(0, 200)}`);
      continue;
    }
    writeJson(file, record);
    const validated = record.patches.filter((item) => item.patch.validated);
    const correct = validated.filter((item) => item.hidden?.passed).length;
    log(
      `[${done}/${tasks.length}] ${task.taskId} ${record.status}: ${record.baselineFailed}/${record.visibleTests} fail, ` +
        `${record.stats?.candidatesTried ?? 0} tried, ${validated.length} validated, ${correct} correct, ` +
        `first ${record.firstValidatedFromStartMs ?? '-'} ms, ${record.wallMs} ms${record.error ? ` (${record.error.slice(0, 120)})` : ''}`,
    );
  }
  log(`done: ${tasks.length} tasks`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
