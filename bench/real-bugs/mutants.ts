/**
 * Localization on mutants of real projects' source (issue 11's second measurement beside the mined real
 * bugs): for each project of `../shared/data/real-projects/` that the real-bug sets come from (Python, and
 * the plain-JavaScript Mocha ones), at the commit its manifest verified:
 *
 * 1. Revise's capture of the whole suite (`captureTests`, the project's own test command as Revise detects
 *    it: pytest with its configuration and the manifest's deselections, or the package's test script after
 *    `npm install --ignore-scripts`; per-test coverage) on the unmutated tree. Tests that fail there are
 *    left out (none should).
 * 2. Single-token mutants (Python: `bench/localize/mutate.py`, swapped comparison and arithmetic operators,
 *    integer constants off by one, `and`/`or`, dropped `not`, flipped booleans, a local read replaced by
 *    another local; JavaScript: `jsMutate.ts`, the same without the variable misuse) of every non-test
 *    source file the suite runs, on lines at least one test runs; a seeded sample of `--per-project`.
 * 3. Each mutant is written into the tree, the tests that run its line run again through Revise's capture
 *    (without coverage: outcome, message and stack trace per test), and the file is restored. A mutant no
 *    test kills is counted as survived. The mutant's run is the unmutated run with those tests' outcomes,
 *    messages and traces replaced; the per-test coverage stays the unmutated program's (the usual
 *    approximation for one-token mutants; only the tests that run the line can change).
 * 4. `localizeFaults` with the shipped weights ranks every line; Ochiai and DStar re-rank the same lines
 *    with the same tie-breaking. Hit at k: the mutated line is ranked ≤ k.
 *
 * Each project's mutant outcomes are cached in `<work>/mutants/<project>-<per-project>.json` (`--refresh` runs
 * them again), and each killed mutant's scored lines with their features in `<work>/mutants/cases/<project>/`,
 * for the re-fit (`refit.ts --real-mutants`).
 *
 * Usage: node out/bench/real-bugs/mutants.js [--project a,b] [--per-project 40] [--refresh] [--data ..] [--work /tmp/revise-real]
 * Writes bench/results/real-bugs-mutants.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureTests, isTestFile } from '../../extension/src/core/capture/index';
import { localizeFaults } from '../../extension/src/core/localize/index';
import { DEFAULT_SETTINGS } from '../../extension/src/core/pipeline';
import { silentLogger, type SourceReader } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { DiskSourceReader } from '../../extension/src/core/sources';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore, TestResult, TestRun } from '../../extension/src/core/types';
import { BASELINES, rescore, type LabeledCase } from '../localize/cases';
import { parseArguments, repoRoot, resultsRoot } from '../localize/common';
import { hashOf, pythonMutants, sampleMutants, type Mutant } from '../localize/mutants';
import { PYTHON } from '../repair/common';
import { treeAssets } from '../repair/humanevalfix';
import { javascriptMutants } from './jsMutate';
import { realBugPaths, withEnvironment } from './localize';

/**
 * The Python projects the mined real bugs come from (attrs, dateutil and pyparsing have none:
 * hypothesis-heavy or slow suites), and the plain-JavaScript Mocha projects among the JS ones (cookie's
 * suite is 63,740 generated tests over TypeScript, path-to-regexp's is TypeScript under Vitest).
 */
const DEFAULT_PROJECTS = ['boltons', 'marshmallow', 'more-itertools', 'python-tabulate', 'toolz', 'mime-types', 'body-parser'];

interface ManifestProject {
  name: string;
  language: string;
  commit: string;
  test: string;
}

interface MutantOutcome {
  file: string;
  line: number;
  operator: string;
  original: string;
  replacement: string;
  testsRun: number;
  killedBy: number;
  ranks?: { revise: number | null; ochiai: number | null; dstar: number | null };
  scoredLines?: number;
}

/** One killed mutant's scored lines, as `refit.ts` reads them (`<work>/mutants/cases/<project>/`). */
export interface RealMutantCase {
  id: string;
  project: string;
  language: 'python' | 'js';
  target: { file: string; line: number };
  lines: { file: string; line: number; features: Record<string, number> }[];
}

interface ProjectOutcome {
  project: string;
  language: 'python' | 'js';
  commit: string;
  tests: number;
  baselineFailing: number;
  coveredSourceLines: number;
  mutantsListed: number;
  captureMs: number;
  mutants: MutantOutcome[];
}

/** PYTHONPATH and the deselections the manifest's verified test command uses. */
function projectEnvironment(project: ManifestProject, root: string): Record<string, string> {
  if (project.language !== 'Python') return {};
  const env: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1' };
  const pythonPath = /PYTHONPATH=(\S+)/.exec(project.test);
  if (pythonPath) env.PYTHONPATH = path.join(root, pythonPath[1]);
  const deselect = [...project.test.matchAll(/--deselect\s+(\S+)/g)].map((match) => `--deselect=${match[1]}`);
  if (deselect.length > 0) env.PYTEST_ADDOPTS = deselect.join(' ');
  return env;
}

async function capture(root: string, extra: { testIds?: string[]; coverage?: boolean } = {}): Promise<TestRun> {
  return captureTests({
    root,
    runner: new NodeProcessRunner(),
    logger: silentLogger,
    assets: treeAssets,
    pythonPath: PYTHON,
    perTestTimeoutMs: DEFAULT_SETTINGS.perTestTimeoutMs,
    totalTimeoutMs: DEFAULT_SETTINGS.totalTimeoutMs,
    ...extra,
  });
}

/** The best rank of `line` in `file`, or null when it is not scored. */
function rankOf(scores: LineScore[], file: string, line: number): number | null {
  return scores.find((score) => score.file === file && score.line === line)?.rank ?? null;
}

async function runProject(project: ManifestProject, perProject: number, paths: { data: string; work: string }, syntax: SyntaxService): Promise<ProjectOutcome> {
  const root = path.join(paths.work, 'mutants', 'trees', project.name);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(root), { recursive: true });
  const clone = spawnSync('git', ['clone', '-q', '--no-checkout', path.join(paths.data, 'bundles', `${project.name}.bundle`), root], { encoding: 'utf8' });
  if (clone.status !== 0) throw new Error(`clone failed: ${clone.stderr}`);
  spawnSync('git', ['-C', root, 'checkout', '-q', project.commit], { encoding: 'utf8' });
  const javascript = project.language !== 'Python';
  if (javascript) {
    // The manifest's install step (the npm registry is reachable; no install scripts run).
    const install = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
    if (install.status !== 0) throw new Error(`npm install failed in ${project.name}: ${(install.stderr || '').trim().split('\n').slice(-1)[0]}`);
  }
  const sourceFile = javascript ? /\.[cm]?js$/ : /\.py$/;
  try {
    return await withEnvironment(projectEnvironment(project, root), async () => {
      const started = Date.now();
      const base = await capture(root);
      const captureMs = Date.now() - started;
      const baselineFailing = new Set(base.tests.filter((test) => test.outcome === 'failed').map((test) => test.id));
      const active = base.tests.filter((test) => !baselineFailing.has(test.id));
      // Lines each passing test runs, by file: which tests a mutant of a line can change.
      const coveringTests = new Map<string, Map<number, string[]>>();
      for (const test of active) {
        if (test.outcome !== 'passed') continue;
        for (const [file, lines] of Object.entries(test.coveredLines ?? {})) {
          if (isTestFile(file) || !file.startsWith(root + path.sep) || !sourceFile.test(file) || file.includes(`${path.sep}node_modules${path.sep}`) || /[\\/]test[\\/]/.test(path.relative(root, file))) continue;
          const byLine = coveringTests.get(file) ?? coveringTests.set(file, new Map()).get(file)!;
          for (const line of lines) byLine.set(line, [...(byLine.get(line) ?? []), test.id]);
        }
      }
      const pool: (Mutant & { file: string })[] = [];
      for (const [file, byLine] of [...coveringTests.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const listed = javascript ? await javascriptMutants(fs.readFileSync(file, 'utf8'), syntax) : pythonMutants(file);
        for (const mutant of listed) if (byLine.has(mutant.line)) pool.push({ ...mutant, file });
      }
      const sample = sampleMutants(pool, perProject, hashOf(project.name)) as (Mutant & { file: string })[];
      const mutants: MutantOutcome[] = [];
      const casesDir = path.join(paths.work, 'mutants', 'cases', project.name);
      fs.rmSync(casesDir, { recursive: true, force: true });
      for (const mutant of sample) {
        const original = fs.readFileSync(mutant.file, 'utf8');
        const lines = original.split('\n');
        lines[mutant.line - 1] = mutant.text;
        const mutated = lines.join('\n');
        const testIds = coveringTests.get(mutant.file)!.get(mutant.line)!;
        let run: TestRun;
        fs.writeFileSync(mutant.file, mutated);
        try {
          run = await capture(root, { testIds, coverage: false });
        } finally {
          fs.writeFileSync(mutant.file, original);
        }
        const results = new Map(run.tests.map((test) => [test.id, test]));
        const killed = testIds.filter((id) => results.get(id)?.outcome === 'failed');
        const outcome: MutantOutcome = { file: path.relative(root, mutant.file), line: mutant.line, operator: mutant.operator, original: mutant.original, replacement: mutant.replacement, testsRun: testIds.length, killedBy: killed.length };
        if (killed.length > 0) {
          const tests: TestResult[] = active.map((test) => {
            const after = results.get(test.id);
            return after ? { ...test, outcome: after.outcome, message: after.message, frames: after.frames, ...(after.durationMs !== undefined ? { durationMs: after.durationMs } : {}) } : test;
          });
          const mutantRun: TestRun = { ...base, tests };
          const disk = new DiskSourceReader();
          const sources: SourceReader = { read: async (file) => (file === mutant.file ? mutated : disk.read(file)) };
          const scores = await localizeFaults({ run: mutantRun, sources, syntax });
          const labeled = { lines: scores } as LabeledCase;
          outcome.ranks = {
            revise: rankOf(scores, mutant.file, mutant.line),
            ochiai: rankOf(rescore(labeled, BASELINES.ochiai), mutant.file, mutant.line),
            dstar: rankOf(rescore(labeled, BASELINES.dstar), mutant.file, mutant.line),
          };
          outcome.scoredLines = scores.length;
          // The scored lines with their features, for the re-fit (`refit.ts --real-mutants`).
          const labeledCase: RealMutantCase = {
            id: `${project.name}/${outcome.file}:${outcome.line}:${outcome.operator}:${outcome.replacement || 'none'}`,
            project: project.name,
            language: javascript ? 'js' : 'python',
            target: { file: mutant.file, line: mutant.line },
            lines: scores.map((score) => ({ file: score.file, line: score.line, features: score.features })),
          };
          fs.mkdirSync(casesDir, { recursive: true });
          fs.writeFileSync(path.join(casesDir, `${labeledCase.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`), JSON.stringify(labeledCase));
        }
        mutants.push(outcome);
        console.log(`${project.name} ${outcome.file}:${outcome.line} ${outcome.operator} ${outcome.original}→${outcome.replacement}: ${outcome.killedBy}/${outcome.testsRun} killed${outcome.ranks ? `; ranks ${JSON.stringify(outcome.ranks)}` : ''}`);
      }
      let coveredSourceLines = 0;
      for (const byLine of coveringTests.values()) coveredSourceLines += byLine.size;
      return { project: project.name, language: javascript ? 'js' : 'python', commit: project.commit, tests: base.tests.length, baselineFailing: baselineFailing.size, coveredSourceLines, mutantsListed: pool.length, captureMs, mutants };
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Shares of ranks ≤ 1, 3, 5, 10 and the mean reciprocal rank (0 for a line not scored). */
interface RankSummary {
  top: [number, number, number, number];
  mrr: number;
}

function summarizeRanks(ranks: (number | null)[]): RankSummary {
  const share = (k: number) => (ranks.length === 0 ? 0 : ranks.filter((rank) => rank !== null && rank <= k).length / ranks.length);
  return { top: [share(1), share(3), share(5), share(10)], mrr: ranks.length === 0 ? 0 : ranks.reduce<number>((sum, rank) => sum + (rank ? 1 / rank : 0), 0) / ranks.length };
}

function summarize(mutants: MutantOutcome[]): { killed: number; revise: RankSummary; ochiai: RankSummary; dstar: RankSummary } {
  const killed = mutants.filter((mutant) => mutant.ranks);
  const of = (method: 'revise' | 'ochiai' | 'dstar') => summarizeRanks(killed.map((mutant) => mutant.ranks![method]));
  return { killed: killed.length, revise: of('revise'), ochiai: of('ochiai'), dstar: of('dstar') };
}

function markdown(outcomes: ProjectOutcome[], meta: { date: string; seconds: number; loadStart: number[]; loadEnd: number[]; perProject: number }): string {
  const cells = (summary: RankSummary) => summary.top.map((value) => `${(value * 100).toFixed(1)} %`).join(' / ');
  const languageGroups = (['python', 'js'] as const)
    .map((language) => [`all ${language}`, outcomes.filter((outcome) => (outcome.language ?? 'python') === language).flatMap((outcome) => outcome.mutants), undefined] as [string, MutantOutcome[], ProjectOutcome | undefined])
    .filter(([, mutants]) => mutants.length > 0);
  const groups: [string, MutantOutcome[], ProjectOutcome | undefined][] = [...languageGroups, ...outcomes.map((outcome) => [outcome.project, outcome.mutants, outcome] as [string, MutantOutcome[], ProjectOutcome])];
  const byOperator = new Map<string, MutantOutcome[]>();
  for (const mutant of outcomes.flatMap((outcome) => outcome.mutants)) byOperator.set(mutant.operator, [...(byOperator.get(mutant.operator) ?? []), mutant]);
  return [
    '# Localization on mutants of real projects',
    '',
    `Run ${meta.date} by \`bench/real-bugs/mutants.ts\` on ${os.cpus().length} CPUs (load average ${meta.loadStart.map((value) => value.toFixed(2)).join(' / ')} at start, ${meta.loadEnd.map((value) => value.toFixed(2)).join(' / ')} at end; ${meta.seconds} s, cached projects not re-run).`,
    '',
    `Per project, at the commit the real-projects manifest verified: Revise's capture of the whole suite (the project's own test command as Revise detects it, per-test coverage), then a seeded sample of ${meta.perProject} single-token mutants (Python: \`bench/localize/mutate.py\`; JavaScript: \`bench/real-bugs/jsMutate.ts\`) on source lines some test runs. Each mutant's tests (those that run its line) run again through Revise's capture; a killed mutant's run is the unmutated run with those tests' outcomes, messages and traces (coverage stays the unmutated program's). Revise = \`localizeFaults\` with the shipped weights (spectrum only: no repair outcomes, no recent edits); Ochiai and DStar re-rank the same lines with the same tie-breaking. Hit at k: the mutated line is ranked ≤ k. The weights were never fitted on these mutants.`,
    '',
    '| project | tests | mutants sampled (of listed) | killed | Revise Top-1 / 3 / 5 / 10 | Ochiai | DStar | MRR Revise / Ochiai |',
    '|---|---|---|---|---|---|---|---|',
    ...groups.map(([name, mutants, outcome]) => {
      const summary = summarize(mutants);
      const language = name.startsWith('all ') ? name.slice(4) : undefined;
      return `| ${name} | ${outcome ? outcome.tests : outcomes.filter((item) => (item.language ?? 'python') === language).reduce((sum, item) => sum + item.tests, 0)} | ${mutants.length}${outcome ? ` (of ${outcome.mutantsListed})` : ''} | ${summary.killed} | ${cells(summary.revise)} | ${cells(summary.ochiai)} | ${cells(summary.dstar)} | ${summary.revise.mrr.toFixed(3)} / ${summary.ochiai.mrr.toFixed(3)} |`;
    }),
    '',
    '## By mutation operator (all projects, both languages)',
    '',
    '| operator | killed | Revise Top-1 / 3 / 5 / 10 | Ochiai |',
    '|---|---|---|---|',
    ...[...byOperator.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([operator, mutants]) => {
      const summary = summarize(mutants);
      return `| ${operator} | ${summary.killed} | ${cells(summary.revise)} | ${cells(summary.ochiai)} |`;
    }),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const paths = realBugPaths(options);
  const perProject = Number(options.get('per-project') ?? '40');
  const wanted = options.get('project')?.split(',') ?? DEFAULT_PROJECTS;
  const manifest = JSON.parse(fs.readFileSync(path.join(paths.data, 'manifest.json'), 'utf8')) as { projects: ManifestProject[] };
  const syntax = new SyntaxService(path.join(repoRoot, 'grammars'));
  const cacheDir = path.join(paths.work, 'mutants');
  fs.mkdirSync(cacheDir, { recursive: true });
  const loadStart = os.loadavg();
  const started = Date.now();
  const outcomes: ProjectOutcome[] = [];
  for (const name of wanted) {
    const project = manifest.projects.find((item) => item.name === name);
    if (!project) throw new Error(`${name} is not in the real-projects manifest`);
    const cached = path.join(cacheDir, `${name}-${perProject}.json`);
    if (fs.existsSync(cached) && !options.has('refresh')) {
      outcomes.push(JSON.parse(fs.readFileSync(cached, 'utf8')) as ProjectOutcome);
      continue;
    }
    const outcome = await runProject(project, perProject, paths, syntax);
    fs.writeFileSync(cached, JSON.stringify(outcome, null, 1) + '\n');
    outcomes.push(outcome);
  }
  const meta = { date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), loadStart, loadEnd: os.loadavg(), perProject };
  const summary = Object.fromEntries([
    ['all python', summarize(outcomes.filter((outcome) => (outcome.language ?? 'python') === 'python').flatMap((outcome) => outcome.mutants))],
    ['all js', summarize(outcomes.filter((outcome) => outcome.language === 'js').flatMap((outcome) => outcome.mutants))],
    ...outcomes.map((outcome) => [outcome.project, summarize(outcome.mutants)])]);
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-mutants.json'), JSON.stringify({ generatedBy: 'bench/real-bugs/mutants.ts', ...meta, machine: { cpus: os.cpus().length, node: process.version }, summary, projects: outcomes }, null, 2) + '\n');
  const text = markdown(outcomes, meta);
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-mutants.md'), text);
  console.log(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
