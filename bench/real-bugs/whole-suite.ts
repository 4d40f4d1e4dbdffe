/**
 * Check and Fix on mined real Python bugs with the project's **whole suite**, as a user runs it: the other
 * real-bug harnesses run only the fix's own test modules (to keep each run short), so their spectra have
 * fewer passing tests than a user's run gives, and their "whole-suite confirmation" is those modules only.
 * Here each check is the parent commit's tree with the fix's test files, and the test command is the
 * project's pytest with its own configuration and no paths (what Revise runs when nothing is configured),
 * less the tests that fail at the fix commit too (environment failures: old code on today's Python; the
 * mining rule already keeps such tests out of the fix's own modules). Those are found by one plain pytest
 * run at the check and one at the fix; a failing test is deselected through PYTEST_ADDOPTS (so Revise
 * runs its default command and warm workers, as for a user with nothing configured) and a test module
 * that does not import is removed from the check.
 *
 * Per bug, from one `runCheck` (fix mode, shipped settings; the examples checks on):
 * - the best faulty line's rank by the shipped spectrum weights (`localizeFaults` without repair outcomes,
 *   what Check (Localize Only) shows), by Ochiai and DStar on the same lines, and by Check and Fix's final
 *   ranking (with the repair outcomes);
 * - what the output bouncer proposed after the whole-suite confirmation, and every validated patch that
 *   the confirmation refused.
 * A proposal counts as "on a faulty line" when it touches a line the developer's fix changed (the same
 * generous proxy as `bouncer.ts`).
 *
 * Each bug's outcome is cached in `<work>/whole-suite/<id>.json` (`--refresh` runs it again); the report
 * covers the cached bugs of the selection, so a run stopped midway still reports what it finished. The
 * spectrum's scored lines, with their features and labels, go to `<work>/whole-suite/cases/` for the
 * re-fit (`refit.ts --whole-suite`).
 *
 * Usage: node out/bench/real-bugs/whole-suite.js [--only ID,ID] [--project a,b] [--first-validated]
 *          [--report-only] [--refresh] [--data ..] [--work /tmp/revise-real]
 *        `--first-validated`: the bugs for which the mutation bench validated a patch come first.
 * Writes bench/results/real-bugs-whole-suite.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localizeFaults } from '../../extension/src/core/localize/index';
import { DEFAULT_SETTINGS, runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { DiskSourceReader } from '../../extension/src/core/sources';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore, Patch } from '../../extension/src/core/types';
import { BASELINES, rescore, type LabeledCase } from '../localize/cases';
import { parseArguments, resultsRoot } from '../localize/common';
import { PYTHON } from '../repair/common';
import { treeAssets } from '../repair/humanevalfix';
import { bestRank, bugEnvironment, checkDir, onFaultyLine, prepareCheck, realBugPaths, selectBugs, withEnvironment, type Bug } from './localize';

/** Seconds a plain whole-suite pytest run may take before the bug is skipped. */
const PLAIN_TIMEOUT_S = 600;

type Ranks = { spectrum: number | null; ochiai: number | null; dstar: number | null; checkAndFix: number | null };

interface PatchRow {
  title: string;
  file: string;
  line: number;
  onFaultyLine: boolean;
  trust?: number;
}

/** A patch that passed validation, with what an offline re-decision needs. */
interface ValidatedRow extends PatchRow {
  diff: string;
  /** Passing tests of the capture that run a patched line. */
  coveringPassing: number;
  /** `confirmed` / `failed` by the whole-suite confirmation; undefined when it was never about to be proposed. */
  fullSuite?: string;
}

interface WholeSuiteOutcome {
  id: string;
  project: string;
  tests: { total: number; failed: number; deselected: number };
  /** The whole suite's tests that fail at the check and pass at the fix, outside the fix's own modules. */
  failingElsewhere: number;
  ranks: Ranks;
  scoredLines: number;
  action: string;
  proposed?: PatchRow;
  /** Patches that passed validation (failing tests and the tests running the patched lines). */
  validated: number;
  validatedPatches: ValidatedRow[];
  /** Patches the whole-suite confirmation refused (a test that passed without them failed with them). */
  refusedByConfirmation: PatchRow[];
  /** Patches the examples (doctests) spoke against. */
  objections: PatchRow[];
  ms: number;
  skipped?: string;
}

/** Node ids of what fails in one plain pytest run of the project's suite (`ERROR path` without `::`: a module that does not import). */
function plainFailures(root: string, env: NodeJS.ProcessEnv): { failed: Set<string> } | string {
  const result = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rfE', '--no-header', '--continue-on-collection-errors'], {
    cwd: root,
    env: { ...env, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: PLAIN_TIMEOUT_S * 1000,
    maxBuffer: 1 << 28,
  });
  if (result.error) return `plain pytest run failed: ${result.error.message}`;
  const failed = new Set<string>();
  for (const line of result.stdout.split('\n')) {
    const match = /^(?:FAILED|ERROR) (.+?)(?: - .*)?$/.exec(line.trim());
    if (match) failed.add(match[1].trim());
  }
  return { failed };
}

function row(bug: Bug, root: string, patch: Patch): PatchRow {
  return { title: patch.title, file: path.relative(root, patch.file), line: patch.lines[0] ?? 0, onFaultyLine: onFaultyLine(bug, root, patch), ...(patch.trust !== undefined ? { trust: Math.round(patch.trust * 1000) / 1000 } : {}) };
}

async function checkBug(bug: Bug, work: string, data: string, syntax: SyntaxService): Promise<WholeSuiteOutcome> {
  const started = Date.now();
  const root = checkDir(bug, work);
  const fixTree = `${root}-fix`;
  const empty = { id: bug.id, project: bug.project, tests: { total: 0, failed: 0, deselected: 0 }, failingElsewhere: 0, ranks: { spectrum: null, ochiai: null, dstar: null, checkAndFix: null }, scoredLines: 0, action: 'none', validated: 0, validatedPatches: [], refusedByConfirmation: [], objections: [] };
  prepareCheck(bug, root, data, work);
  try {
    // The fix's tree, for the environment failures: every test failing there too is not the bug's.
    fs.rmSync(fixTree, { recursive: true, force: true });
    spawnSync('git', ['-C', root, 'worktree', 'add', '-q', '--detach', fixTree, bug.commit], { encoding: 'utf8' });
    const atFix = plainFailures(fixTree, { ...process.env, ...bugEnvironment(bug, fixTree) });
    const atCheck = plainFailures(root, { ...process.env, ...bugEnvironment(bug, root) });
    if (typeof atFix === 'string' || typeof atCheck === 'string') return { ...empty, ms: Date.now() - started, skipped: typeof atFix === 'string' ? atFix : (atCheck as string) };
    const environment = [...atCheck.failed].filter((id) => atFix.failed.has(id));
    // A test module that does not import at the fix either is removed from the check (a project's
    // `pytest_ignore_collect` can override `--ignore`); a failing test is deselected through
    // PYTEST_ADDOPTS, so Revise runs its own command (and its warm workers) as it does by default.
    for (const id of environment.filter((id) => !id.includes('::'))) fs.rmSync(path.join(root, id), { force: true });
    const deselect = environment
      .filter((id) => id.includes('::'))
      .map((id) => `'--deselect=${id.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const ownModules = new Set(bug.testModules);
    const failingElsewhere = [...atCheck.failed].filter((id) => !atFix.failed.has(id) && !ownModules.has(id.split('::')[0])).length;

    return await withEnvironment({ ...bugEnvironment(bug, root), ...(deselect ? { PYTEST_ADDOPTS: deselect } : {}) }, async () => {
      const result = await runCheck({
        root,
        mode: 'fix',
        assets: treeAssets,
        settings: { ...DEFAULT_SETTINGS, pythonPath: PYTHON },
        logger: silentLogger,
        syntax,
      });
      const { run, scores, patches } = result.outcome;
      const failed = run.tests.filter((test) => test.outcome === 'failed').length;
      if (failed === 0) return { ...empty, tests: { total: run.tests.length, failed, deselected: environment.length }, ms: Date.now() - started, skipped: `no failing test in Revise's capture${run.problems[0] ? ` (${run.problems[0].message.slice(0, 160)})` : ''}` };
      const spectrum = await localizeFaults({ run, sources: new DiskSourceReader(), syntax });
      // The spectrum's scored lines with their features, for the re-fit (`refit.ts --whole-suite`).
      const keys = new Set(Object.entries(bug.faultyLines).flatMap(([file, lines]) => lines.map((line) => `${path.join(root, file)}\n${line}`)));
      fs.mkdirSync(path.join(work, 'whole-suite', 'cases'), { recursive: true });
      fs.writeFileSync(
        path.join(work, 'whole-suite', 'cases', `${bug.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`),
        JSON.stringify({ id: bug.id, project: bug.project, insertOnly: bug.insertOnly, lines: spectrum.map((score) => ({ file: score.file, line: score.line, features: score.features, faulty: keys.has(`${score.file}\n${score.line}`) })) }),
      );
      const lines = { lines: spectrum } as LabeledCase;
      const rank = (ranked: LineScore[]) => bestRank(ranked, root, bug.faultyLines) ?? null;
      const proposed = patches.find((patch) => patch.id === result.report.decision?.patch);
      const validated = patches.filter((patch) => patch.validated || patch.checked?.fullSuite === 'failed');
      return {
        id: bug.id,
        project: bug.project,
        tests: { total: run.tests.length, failed, deselected: environment.length },
        failingElsewhere,
        ranks: { spectrum: rank(spectrum), ochiai: rank(rescore(lines, BASELINES.ochiai)), dstar: rank(rescore(lines, BASELINES.dstar)), checkAndFix: rank(scores) },
        scoredLines: scores.length,
        action: result.report.decision?.action ?? 'none',
        ...(proposed ? { proposed: row(bug, root, proposed) } : {}),
        validated: validated.length,
        validatedPatches: validated.map((patch) => ({
            ...row(bug, root, patch),
            diff: patch.diff,
            coveringPassing: run.tests.filter((test) => test.outcome === 'passed' && patch.lines.some((line) => test.coveredLines?.[patch.file]?.includes(line))).length,
            ...(patch.checked?.fullSuite ? { fullSuite: patch.checked.fullSuite } : {}),
          })),
        refusedByConfirmation: patches.filter((patch) => patch.checked?.fullSuite === 'failed').map((patch) => row(bug, root, patch)),
        objections: patches.filter((patch) => (patch.documented?.broken.length ?? 0) > 0 || (patch.examples?.contradictions.length ?? 0) > 0).map((patch) => row(bug, root, patch)),
        ms: Date.now() - started,
      };
    });
  } finally {
    spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', fixTree], { encoding: 'utf8' });
    fs.rmSync(fixTree, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  }
}

interface Summary {
  bugs: number;
  top: Record<keyof Ranks, [number, number, number, number]>;
  proposals: number;
  onFaulty: number;
  refused: number;
  refusedOnFaulty: number;
}

function summarize(outcomes: WholeSuiteOutcome[]): Summary {
  const scored = outcomes.filter((outcome) => !outcome.skipped);
  const top = {} as Summary['top'];
  for (const method of ['spectrum', 'ochiai', 'dstar', 'checkAndFix'] as const) {
    top[method] = [1, 3, 5, 10].map((k) => scored.filter((outcome) => outcome.ranks[method] !== null && outcome.ranks[method]! <= k).length) as [number, number, number, number];
  }
  return {
    bugs: scored.length,
    top,
    proposals: scored.filter((outcome) => outcome.proposed).length,
    onFaulty: scored.filter((outcome) => outcome.proposed?.onFaultyLine).length,
    refused: scored.reduce((sum, outcome) => sum + outcome.refusedByConfirmation.length, 0),
    refusedOnFaulty: scored.reduce((sum, outcome) => sum + outcome.refusedByConfirmation.filter((patch) => patch.onFaultyLine).length, 0),
  };
}

/** The fix-modules-only numbers of the same bugs, from the stored mutation results (ranks before/after repair). */
function modulesOnly(ids: Set<string>): Record<string, { before: number | null; priors: number | null }> {
  const file = path.join(resultsRoot, 'real-bugs-mutation.json');
  if (!fs.existsSync(file)) return {};
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { variants: { bugs: { id: string; ranks: { before: number | null; priors: number | null } }[] }[] };
  return Object.fromEntries(stored.variants[0]!.bugs.filter((bug) => ids.has(bug.id)).map((bug) => [bug.id, bug.ranks]));
}

function markdown(outcomes: WholeSuiteOutcome[], meta: { date: string; loadStart: number[]; loadEnd: number[]; seconds: number; selected: number }): string {
  const pct = (count: number, of: number) => (of === 0 ? '–' : `${((100 * count) / of).toFixed(1)} %`);
  const cells = (counts: number[], of: number) => counts.map((count) => pct(count, of)).join(' / ');
  const precision = (right: number, all: number) => (all === 0 ? '–' : (right / all).toFixed(3));
  const byProject = new Map<string, WholeSuiteOutcome[]>();
  for (const outcome of outcomes) byProject.set(outcome.project, [...(byProject.get(outcome.project) ?? []), outcome]);
  const groups: [string, WholeSuiteOutcome[]][] = [['all python', outcomes], ...[...byProject.entries()].sort()];
  const summaries = groups.map(([, members]) => summarize(members));
  const stored = modulesOnly(new Set(outcomes.filter((outcome) => !outcome.skipped).map((outcome) => outcome.id)));
  const storedTop = (members: WholeSuiteOutcome[], key: 'before' | 'priors') => {
    const known = members.filter((member) => !member.skipped && stored[member.id]);
    return `${cells([1, 3, 5, 10].map((k) => known.filter((member) => (stored[member.id]![key] ?? Infinity) <= k).length), known.length)}`;
  };
  const skipped = outcomes.filter((outcome) => outcome.skipped);
  return [
    '# Check and Fix on mined real bugs with the whole suite',
    '',
    `Run ${meta.date} by \`bench/real-bugs/whole-suite.ts\` on ${os.cpus().length} CPUs (load average ${meta.loadStart.map((value) => value.toFixed(2)).join(' / ')} at start, ${meta.loadEnd.map((value) => value.toFixed(2)).join(' / ')} at end; ${meta.seconds} s for the bugs run this time, the rest cached). ${outcomes.length} of the ${meta.selected} selected Python bugs are in this report (${skipped.length} skipped, below).`,
    '',
    "Each check: the parent commit's tree with the fix's test files, the project's pytest with its own configuration over the whole suite (not only the fix's test modules, as in the other real-bug tables), less the tests that also fail at the fix (environment failures, deselected). `runCheck` in fix mode with shipped settings: capture with per-test coverage, localization, the patch search, the output bouncer, the whole-suite confirmation and the doctest examples. Ranks: the best faulty line (a line the developer's fix changed; for a pure insertion the lines around it). **spectrum**: the shipped weights without repair outcomes (Check (Localize Only)); **Check and Fix**: the final ranking, with every tried candidate's outcome. A proposal is counted **on a faulty line** when it touches one (a generous proxy for correct).",
    '',
    '## Localization: Top-1 / 3 / 5 / 10',
    '',
    '| group | bugs | spectrum (whole suite) | Check and Fix (whole suite) | Ochiai (whole suite) | DStar (whole suite) | spectrum (fix modules only, stored) | Check and Fix (fix modules only, stored) |',
    '|---|---|---|---|---|---|---|---|',
    ...groups.map(([name, members], index) => {
      const summary = summaries[index];
      return `| ${name} | ${summary.bugs} | ${cells(summary.top.spectrum, summary.bugs)} | ${cells(summary.top.checkAndFix, summary.bugs)} | ${cells(summary.top.ochiai, summary.bugs)} | ${cells(summary.top.dstar, summary.bugs)} | ${storedTop(members, 'before')} | ${storedTop(members, 'priors')} |`;
    }),
    '',
    '"Fix modules only, stored": the same bugs in `real-bugs-mutation.json` (before = spectrum, priors = with the repair outcomes), captured with only the fix\'s test modules.',
    '',
    '## Proposals at target precision 0.9',
    '',
    '| group | bugs | proposals | on a faulty line | precision | validated patches the whole-suite confirmation refused (on a faulty line) |',
    '|---|---|---|---|---|---|',
    ...groups.map(([name], index) => {
      const summary = summaries[index];
      return `| ${name} | ${summary.bugs} | ${summary.proposals} | ${summary.onFaulty} | ${precision(summary.onFaulty, summary.proposals)} | ${summary.refused} (${summary.refusedOnFaulty}) |`;
    }),
    '',
    '| bug | tests (failed; environment failures deselected) | failing outside the fix\'s modules | ranks spectrum / Check and Fix / Ochiai | proposed | refused by the whole suite | doctest objections |',
    '|---|---|---|---|---|---|---|',
    ...outcomes
      .filter((outcome) => !outcome.skipped)
      .map((outcome) => {
        const patch = (item: PatchRow) => `${item.title} at ${item.file}:${item.line}${item.trust !== undefined ? ` (trust ${item.trust})` : ''}${item.onFaultyLine ? '' : ' (**not a faulty line**)'}`.replace(/\|/g, '\\|');
        return `| ${outcome.id} | ${outcome.tests.total} (${outcome.tests.failed}; ${outcome.tests.deselected}) | ${outcome.failingElsewhere} | ${outcome.ranks.spectrum ?? '–'} / ${outcome.ranks.checkAndFix ?? '–'} / ${outcome.ranks.ochiai ?? '–'} | ${outcome.proposed ? patch(outcome.proposed) : outcome.action} | ${outcome.refusedByConfirmation.map(patch).join('; ') || '–'} | ${outcome.objections.map(patch).join('; ') || '–'} |`;
      }),
    '',
    '## Skipped',
    '',
    ...(skipped.length === 0 ? ['None.'] : skipped.map((outcome) => `- ${outcome.id}: ${outcome.skipped}`)),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const paths = realBugPaths(options);
  let bugs = selectBugs(options).bugs.filter((bug) => bug.language === 'python');
  if (options.has('first-validated')) {
    const mutation = JSON.parse(fs.readFileSync(path.join(resultsRoot, 'real-bugs-mutation.json'), 'utf8')) as { variants: { bugs: { id: string; validated: number }[] }[] };
    const validated = new Set(mutation.variants[0]!.bugs.filter((bug) => bug.validated > 0).map((bug) => bug.id));
    bugs = [...bugs.filter((bug) => validated.has(bug.id)), ...bugs.filter((bug) => !validated.has(bug.id))];
  }
  const cacheDir = path.join(paths.work, 'whole-suite');
  fs.mkdirSync(cacheDir, { recursive: true });
  const cacheFile = (bug: Bug) => path.join(cacheDir, `${bug.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
  const syntax = new SyntaxService(treeAssets.grammarsDir);
  const loadStart = os.loadavg();
  const started = Date.now();
  const outcomes: WholeSuiteOutcome[] = [];
  for (const [index, bug] of bugs.entries()) {
    const file = cacheFile(bug);
    if (fs.existsSync(file) && !options.has('refresh')) {
      outcomes.push(JSON.parse(fs.readFileSync(file, 'utf8')) as WholeSuiteOutcome);
      continue;
    }
    if (options.has('report-only')) continue;
    let outcome: WholeSuiteOutcome;
    try {
      outcome = await checkBug(bug, paths.work, paths.data, syntax);
    } catch (error) {
      outcome = { id: bug.id, project: bug.project, tests: { total: 0, failed: 0, deselected: 0 }, failingElsewhere: 0, ranks: { spectrum: null, ochiai: null, dstar: null, checkAndFix: null }, scoredLines: 0, action: 'none', validated: 0, validatedPatches: [], refusedByConfirmation: [], objections: [], ms: 0, skipped: `harness error: ${(error as Error).message.split('\n')[0].slice(0, 200)}` };
    }
    fs.writeFileSync(file, JSON.stringify(outcome, null, 1) + '\n');
    outcomes.push(outcome);
    console.log(
      `[${index + 1}/${bugs.length}] ${bug.id} (${Math.round(outcome.ms / 1000)} s): ${outcome.skipped ?? `${outcome.tests.total} tests, ${outcome.tests.failed} failed, ${outcome.tests.deselected} deselected; ranks ${JSON.stringify(outcome.ranks)}; ${outcome.action}${outcome.proposed ? ` ${outcome.proposed.title} (${outcome.proposed.onFaultyLine ? 'faulty line' : 'NOT a faulty line'})` : ''}; refused ${outcome.refusedByConfirmation.length}`}`,
    );
  }
  const meta = { date: new Date().toISOString(), loadStart, loadEnd: os.loadavg(), seconds: Math.round((Date.now() - started) / 1000), selected: bugs.length };
  const summary = Object.fromEntries([['all python', summarize(outcomes)], ...[...new Set(outcomes.map((outcome) => outcome.project))].sort().map((project) => [project, summarize(outcomes.filter((outcome) => outcome.project === project))])]);
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-whole-suite.json'), JSON.stringify({ generatedBy: 'bench/real-bugs/whole-suite.ts', ...meta, machine: { cpus: os.cpus().length, node: process.version }, summary, outcomes }, null, 2) + '\n');
  const text = markdown(outcomes, meta);
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-whole-suite.md'), text);
  console.log(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
