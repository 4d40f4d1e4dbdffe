/**
 * Localization on mined real bugs (bench/real-bugs/dataset.json). For each verified bug: write its check
 * (parent source + the fix's test files, via `mine.py --prepare`), run the fix's test modules with
 * Revise's real capture (`captureTests`, the CLI's path, with the CLI's default timeouts), score with
 * `localizeFaults` and the shipped weights (what `revise check --no-patch` ranks), and re-rank the same
 * lines with plain Ochiai and DStar (`BASELINES` from the HumanEvalFix bench, same tie-breaking). A bug
 * counts as a hit at k when any of its faulty lines is ranked ≤ k. Captures are cached outside the
 * repository (`--cache`, default /tmp/revise-real/cache); `--refresh` re-runs them.
 *
 * Usage: node out/bench/real-bugs/localize.js [--project toolz,boltons] [--only ID,ID] [--refresh]
 *          [--data ../shared/data/real-projects] [--work /tmp/revise-real]
 * Writes bench/results/real-bugs-localize.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureTests } from '../../extension/src/core/capture/index';
import { defaultModel, localizeFaults } from '../../extension/src/core/localize/index';
import { DEFAULT_SETTINGS } from '../../extension/src/core/pipeline';
import { silentLogger, type SourceReader } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore, TestRun } from '../../extension/src/core/types';
import { BASELINES, rescore, type LabeledCase } from '../localize/cases';
import { parseArguments, repoRoot, resultsRoot } from '../localize/common';
import { percent, round, summarizeRanks, type RankSummary } from '../localize/metrics';
import { treeAssets } from '../repair/humanevalfix';

const PYTHON = '/usr/bin/python3';
const here = path.join(repoRoot, 'bench', 'real-bugs');

/** One verified bug of the manifest (see mine.py). */
export interface Bug {
  id: string;
  project: string;
  language: 'python' | 'js';
  commit: string;
  parent: string;
  subject: string;
  sourceFiles: string[];
  testFiles: string[];
  testModules: string[];
  faultyLines: Record<string, number[]>;
  insertOnly: boolean;
  failingTests: string[];
  env: Record<string, string>;
  runner: 'pytest' | 'mocha' | 'vitest' | 'jest';
  /** Options the project's runner reads from a file old versions used (test/mocha.opts), e.g. `--ui qunit`. */
  runnerOptions?: string[];
}

export interface Manifest {
  bugs: Bug[];
  projects: Record<string, { language: string; candidates: number; tried: number; verified: number; skipped: { commit: string; reason: string }[] }>;
}

/** A captured check: the run plus the text of every scored file, so re-scoring needs no checkout. */
export interface CachedCheck {
  run: TestRun;
  files: Record<string, string>;
  captureMs: number;
}

type Method = 'revise' | 'ochiai' | 'dstar';

/** The test command the check runs: the project's runner on the fix's test modules only. */
export function testCommand(bug: Bug): string[] {
  if (bug.runner === 'pytest') return [PYTHON, '-m', 'pytest', '-p', 'no:cacheprovider', ...bug.testModules];
  if (bug.runner === 'vitest') return ['npx', 'vitest', 'run', ...bug.testModules];
  return ['npx', bug.runner, ...(bug.runnerOptions ?? []), ...bug.testModules];
}

/** Whether `patch` touches a line the developer's fix changed (a generous proxy for a correct patch). */
export function onFaultyLine(bug: Bug, root: string, patch: { file: string; lines: number[] }): boolean {
  return patch.lines.some((line) => bug.faultyLines[path.relative(root, patch.file)]?.includes(line) === true);
}

/** The bug's environment variables for a check written at `root` (its relative PYTHONPATH made absolute). */
export function bugEnvironment(bug: Bug, root: string): Record<string, string> {
  return Object.fromEntries(Object.entries(bug.env).map(([name, value]) => [name, name === 'PYTHONPATH' ? path.join(root, value) : value]));
}

/** Runs `body` with `env` set in `process.env` (the pipeline's runs inherit it), and restores it after. */
export async function withEnvironment<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

export function prepareCheck(bug: Bug, dir: string, data: string, work: string): void {
  const result = spawnSync(PYTHON, [path.join(here, 'mine.py'), '--prepare', bug.id, '--dir', dir, '--data', data, '--work', work], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`prepare failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-1)[0]}`);
}

/**
 * The rank `revise check --no-patch --json` (dist/cli.js) gives the bug's best faulty line: its position
 * among the report's suspects (at most 100), or null. A cross-check that the harness ranks as the CLI does.
 */
function cliRank(bug: Bug, data: string, work: string): number | null {
  const dir = path.join(work, 'checks', `cli-${bug.id.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
  prepareCheck(bug, dir, data, work);
  try {
    const env = { ...process.env, ...bugEnvironment(bug, dir) };
    const cli = path.join(repoRoot, 'dist', 'cli.js');
    const result = spawnSync('node', [cli, 'check', dir, '--json', '--no-patch', '--python', PYTHON, '--command', testCommand(bug).join(' ')], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
    const report = JSON.parse(result.stdout) as { suspects: { file: string; line: number }[] };
    const index = report.suspects.findIndex((suspect) => bug.faultyLines[suspect.file]?.includes(suspect.line));
    return index < 0 ? null : index + 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function captureCheck(bug: Bug, data: string, work: string): Promise<CachedCheck> {
  const dir = checkDir(bug, work);
  prepareCheck(bug, dir, data, work);
  const started = Date.now();
  try {
    // src-layout projects (marshmallow, attrs) need their src/ first on the path, as their README says.
    return await withEnvironment(bugEnvironment(bug, dir), async () => {
      const run = await captureTests({
        root: dir,
        runner: new NodeProcessRunner(),
        logger: silentLogger,
        assets: treeAssets,
        pythonPath: PYTHON,
        command: testCommand(bug),
        perTestTimeoutMs: DEFAULT_SETTINGS.perTestTimeoutMs,
        totalTimeoutMs: DEFAULT_SETTINGS.totalTimeoutMs,
      });
      const testFiles = new Set(run.testFiles);
      const files: Record<string, string> = {};
      for (const test of run.tests) {
        for (const file of [...Object.keys(test.coveredLines ?? {}), ...test.frames.map((frame) => frame.file)]) {
          if (!file || files[file] !== undefined || testFiles.has(file) || !fs.existsSync(file)) continue;
          files[file] = fs.readFileSync(file, 'utf8');
        }
      }
      return { run, files, captureMs: Date.now() - started };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Rank of the best-placed faulty line (any file), or undefined when none was scored. */
export function bestRank(scores: LineScore[], root: string, faulty: Record<string, number[]>): number | undefined {
  const targets = new Map(Object.entries(faulty).map(([file, lines]) => [path.join(root, file), new Set(lines)]));
  let best: number | undefined;
  for (const score of scores) {
    if (targets.get(score.file)?.has(score.line) && (best === undefined || score.rank < best)) best = score.rank;
  }
  return best;
}

/** Where a bug's check is written (the cached run's root, so a re-prepared check has the same paths). */
export function checkDir(bug: Bug, work: string): string {
  return path.join(work, 'checks', bug.id.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

/** Paths the real-bug harnesses share: the bundles (`--data`), the work folder (`--work`) and the capture cache (`--cache`). */
export interface RealBugPaths {
  data: string;
  work: string;
  cacheDir: string;
}

export function realBugPaths(options: Map<string, string>): RealBugPaths {
  const data = path.resolve(options.get('data') ?? path.join(repoRoot, '..', 'shared', 'data', 'real-projects'));
  const work = path.resolve(options.get('work') ?? '/tmp/revise-real');
  return { data, work, cacheDir: path.resolve(options.get('cache') ?? path.join(work, 'cache')) };
}

/** The manifest, and its bugs restricted by `--project a,b` / `--only ID,ID`. */
export function selectBugs(options: Map<string, string>): { manifest: Manifest; bugs: Bug[] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(here, 'dataset.json'), 'utf8')) as Manifest;
  const projects = options.get('project')?.split(',');
  const only = options.get('only')?.split(',');
  return { manifest, bugs: manifest.bugs.filter((bug) => (!projects || projects.includes(bug.project)) && (!only || only.includes(bug.id))) };
}

/** The bug's captured check from the cache, captured (and cached) when missing or with `refresh`. */
export async function loadCheck(bug: Bug, paths: RealBugPaths & { refresh?: boolean }): Promise<CachedCheck> {
  const cacheFile = path.join(paths.cacheDir, `${bug.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
  if (!paths.refresh && fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CachedCheck;
  const check = await captureCheck(bug, paths.data, paths.work);
  fs.mkdirSync(paths.cacheDir, { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(check));
  return check;
}

interface BugResult {
  id: string;
  project: string;
  language: string;
  insertOnly: boolean;
  testsRun: number;
  testsFailed: number;
  /** Fault-revealing tests (from mining) that failed in the captured run too. */
  revealingFailed: number;
  scoredLines: number;
  /** Whether a failing test (any test) is credited with running a faulty line: false for import-time lines and missing code. */
  faultyRunByFailingTest: boolean;
  faultyRunByAnyTest: boolean;
  ranks: Record<Method, number | null>;
  captureMs: number;
}

type Summary = RankSummary & { top10: number; hitsTop10: number };

function summarize(ranks: (number | undefined)[]): Summary {
  const base = summarizeRanks(ranks);
  const hitsTop10 = ranks.filter((rank) => rank !== undefined && rank <= 10).length;
  return { ...base, top10: ranks.length === 0 ? 0 : round(hitsTop10 / ranks.length), hitsTop10 };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const { data, work, cacheDir } = realBugPaths(options);
  const { manifest, bugs } = selectBugs(options);
  const syntax = new SyntaxService(path.join(repoRoot, 'grammars'));
  const shipped = defaultModel();
  const results: BugResult[] = [];
  const harnessSkipped: { id: string; reason: string }[] = [];
  // `--cli-check N`: the first N scored bugs also go through `revise check --no-patch --json` (needs `npm run build`).
  const cliCheckCount = Number(options.get('cli-check') ?? '0');
  const cliChecks: { id: string; harness: number | null; cli: number | null | string }[] = [];
  const loadBefore = os.loadavg();
  const started = Date.now();

  for (const bug of bugs) {
    let check: CachedCheck;
    try {
      check = await loadCheck(bug, { data, work, cacheDir, refresh: options.has('refresh') });
    } catch (error) {
      harnessSkipped.push({ id: bug.id, reason: `capture failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}` });
      console.log(`${bug.id}: capture failed: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    const { run, files } = check;
    const failed = run.tests.filter((test) => test.outcome === 'failed');
    if (failed.length === 0) {
      harnessSkipped.push({ id: bug.id, reason: `no failing test in Revise's capture (${run.tests.length} tests run, coverage ${run.coverageMethod}${run.problems.length ? `; ${run.problems[0].message.slice(0, 120)}` : ''})` });
      console.log(`${bug.id}: no failing test in the capture (${run.tests.length} tests)`);
      continue;
    }
    const sources: SourceReader = { read: async (file) => files[file] };
    // What `revise check --no-patch` ranks: the shipped weights, no recent edits (the check's only
    // uncommitted changes are test files, which are never scored).
    const scores = await localizeFaults({ run, sources, syntax });
    const lines = { lines: scores } as LabeledCase; // rescore reads only the scored lines
    const ranks: Record<Method, number | null> = {
      revise: bestRank(scores, run.root, bug.faultyLines) ?? null,
      ochiai: bestRank(rescore(lines, BASELINES.ochiai), run.root, bug.faultyLines) ?? null,
      dstar: bestRank(rescore(lines, BASELINES.dstar), run.root, bug.faultyLines) ?? null,
    };
    const failedIds = new Set(failed.map((test) => test.id));
    const runBy = (tests: typeof run.tests) =>
      tests.some((test) => Object.entries(bug.faultyLines).some(([file, faulty]) => (test.coveredLines?.[path.join(run.root, file)] ?? []).some((line) => faulty.includes(line))));
    results.push({
      id: bug.id,
      project: bug.project,
      language: bug.language,
      insertOnly: bug.insertOnly,
      testsRun: run.tests.length,
      testsFailed: failed.length,
      revealingFailed: bug.failingTests.filter((id) => [...failedIds].some((failedId) => sameTest(id, failedId))).length,
      scoredLines: scores.length,
      faultyRunByFailingTest: runBy(failed),
      faultyRunByAnyTest: runBy(run.tests),
      ranks,
      captureMs: check.captureMs,
    });
    if (cliChecks.length < cliCheckCount) {
      let cli: number | null | string;
      try {
        cli = cliRank(bug, data, work);
      } catch (error) {
        cli = `CLI failed: ${(error as Error).message.slice(0, 120)}`;
      }
      cliChecks.push({ id: bug.id, harness: ranks.revise, cli });
    }
    console.log(`${bug.id}: ${failed.length}/${run.tests.length} fail; rank revise ${ranks.revise ?? '-'}, ochiai ${ranks.ochiai ?? '-'}, dstar ${ranks.dstar ?? '-'} of ${scores.length}`);
  }

  const groups = new Map<string, BugResult[]>();
  for (const result of results) {
    for (const key of [result.project, `all ${result.language}`]) groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  const perProject: Record<string, Record<Method, Summary> & { bugs: number; insertOnly: number; faultyNotRunByFailingTest: number }> = {};
  for (const [key, members] of [...groups.entries()].sort()) {
    perProject[key] = {
      bugs: members.length,
      insertOnly: members.filter((member) => member.insertOnly).length,
      faultyNotRunByFailingTest: members.filter((member) => !member.faultyRunByFailingTest).length,
      revise: summarize(members.map((member) => member.ranks.revise ?? undefined)),
      ochiai: summarize(members.map((member) => member.ranks.ochiai ?? undefined)),
      dstar: summarize(members.map((member) => member.ranks.dstar ?? undefined)),
    };
  }
  const mining = Object.fromEntries(
    Object.entries(manifest.projects).map(([project, info]) => {
      const reasons: Record<string, number> = {};
      for (const skip of info.skipped) {
        // Group by the reason's first clause; details (error texts, counts) follow the first ': '.
        const reason = skip.reason.split(': ')[0].replace(/\s+/g, ' ').trim();
        reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
      const notTried = info.skipped.filter((skip) => skip.reason.startsWith('not tried')).length;
      return [project, { candidates: info.candidates, listed: info.tried, tried: info.tried - notTried, verified: info.verified, skippedByReason: reasons }];
    }),
  );
  const output = {
    benchmark: 'Line localization on mined real bugs (bench/real-bugs/dataset.json)',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart: loadBefore.map(round), loadAverageAtEnd: os.loadavg().map(round), node: process.version },
    setup: {
      check: "parent commit's source + the fix commit's test files; only the fix's test modules are run",
      revise: 'captureTests + localizeFaults with the shipped weights (the path of `revise check --no-patch`), default timeouts',
      baselines: 'plain Ochiai and DStar (star 2) re-ranking the same scored lines with the same tie-breaking (bench/localize/cases.ts BASELINES)',
      hit: "any faulty line (parent-side lines the fix changed or deleted; pure insertions: the line before and the next non-blank line) ranked ≤ k",
      weights: shipped.description ?? 'shipped',
      seconds: Math.round((Date.now() - started) / 1000),
    },
    perProject,
    mining,
    harnessSkipped,
    cliChecks,
    miningSkipped: Object.fromEntries(Object.entries(manifest.projects).map(([project, info]) => [project, info.skipped])),
    bugs: results,
  };
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-localize.json'), `${JSON.stringify(output, null, 1)}\n`);
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-localize.md'), markdown(output, perProject, mining, harnessSkipped, cliChecks));
  console.log(`wrote bench/results/real-bugs-localize.{json,md} (${results.length} bugs scored, ${harnessSkipped.length} skipped by the harness)`);
}

/** Mining ids come from junit/mocha JSON, capture ids from Revise; compare on the test's own name. */
function sameTest(minedId: string, capturedId: string): boolean {
  const minedName = minedId.split('::').slice(-1)[0];
  return capturedId.endsWith(minedName) || capturedId.includes(minedName);
}

function markdown(
  output: { date: string; machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; node: string }; setup: { weights: string; seconds: number } },
  perProject: Record<string, Record<Method, Summary> & { bugs: number; insertOnly: number; faultyNotRunByFailingTest: number }>,
  mining: Record<string, { candidates: number; listed: number; tried: number; verified: number; skippedByReason: Record<string, number> }>,
  harnessSkipped: { id: string; reason: string }[],
  cliChecks: { id: string; harness: number | null; cli: number | null | string }[],
): string {
  const cell = (summary: Summary) => `${percent(summary.top1)} / ${percent(summary.top3)} / ${percent(summary.top5)} / ${percent(summary.top10)}`;
  const lines = [
    '# Localization on mined real bugs',
    '',
    `Run ${output.date} on ${output.machine.cpus} CPUs (load average ${output.machine.loadAverageAtStart.join(' / ')} at start, ${output.machine.loadAverageAtEnd.join(' / ')} at end; Node ${output.machine.node}; ${output.setup.seconds} s). Weights: ${output.setup.weights.replace(/\.+$/, '')}.`,
    '',
    "Each bug: the fix commit's parent with the fix's test files; only those test modules run, with Revise's real capture. Revise = `localizeFaults` with the shipped weights (what `revise check --no-patch` ranks); Ochiai and DStar re-rank the same lines with the same tie-breaking. Hit at k: any faulty line (parent-side lines the fix changed or deleted; pure insertions: the line before and the next non-blank line) ranked ≤ k. Not ranked: no faulty line among the scored lines (e.g. import-time lines, which no test is credited with).",
    '',
    '| project | bugs (pure insertions) | Revise Top-1 / 3 / 5 / 10 | Ochiai | DStar | not ranked (no faulty line run by a failing test) | MRR Revise / Ochiai |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [key, summary] of Object.entries(perProject)) {
    lines.push(`| ${key} | ${summary.bugs} (${summary.insertOnly}) | ${cell(summary.revise)} | ${cell(summary.ochiai)} | ${cell(summary.dstar)} | ${summary.revise.notRanked} (${summary.faultyNotRunByFailingTest}) | ${summary.revise.meanReciprocalRank.toFixed(3)} / ${summary.ochiai.meanReciprocalRank.toFixed(3)} |`);
  }
  lines.push(
    '',
    '## Mining (bench/real-bugs/mine.py)',
    '',
    'Candidates: `count_fix_commits.py` on the branch; listed: the newest `--max` of them; tried: those reached within the project\'s time budget (`--budget`; the rest are "not tried").',
    '',
    '| project | candidates | listed | tried | verified | skipped, by reason |',
    '|---|---|---|---|---|---|',
  );
  for (const [project, info] of Object.entries(mining)) {
    const reasons = Object.entries(info.skippedByReason)
      .sort((left, right) => right[1] - left[1])
      .map(([reason, count]) => `${count} ${reason}`)
      .join('; ');
    lines.push(`| ${project} | ${info.candidates} | ${info.listed} | ${info.tried} | ${info.verified} | ${reasons} |`);
  }
  lines.push('', 'Every skipped commit with its full reason is in `real-bugs-localize.json` (`miningSkipped`) and in `bench/real-bugs/dataset.json`.', '');
  lines.push('## Verified bugs the harness could not score', '');
  if (harnessSkipped.length === 0) lines.push('None.');
  for (const skip of harnessSkipped) lines.push(`- ${skip.id}: ${skip.reason}`);
  if (cliChecks.length > 0) {
    const agree = cliChecks.filter((check) => check.cli === check.harness).length;
    lines.push('', '## Cross-check with the CLI', '', `\`revise check --no-patch --json\` (a second, separate capture) on the first ${cliChecks.length} scored bugs: the same rank for the faulty line in ${agree} of ${cliChecks.length}.`, '');
    for (const check of cliChecks) lines.push(`- ${check.id}: harness ${check.harness ?? 'not ranked'}, CLI ${check.cli ?? 'not in the suspects'}`);
  }
  lines.push('');
  return lines.join('\n');
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
