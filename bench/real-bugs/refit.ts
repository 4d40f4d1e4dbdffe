/**
 * Re-fits the line scorer with the real bugs of bench/real-bugs/dataset.json, split by project
 * (leave-one-project-out: a project's bugs are scored only by models fitted without any of them), and
 * checks that HumanEvalFix does not get worse. Compares feature sets (method-level, module-level, call-stack,
 * failing-test names, lines above in Ochiai, git blame) so that each new feature is kept only when it earns
 * its place on the held-out projects.
 *
 * Needs the captures cached by `localize.js` (real bugs, /tmp/revise-real/cache), `humanevalfix.js
 * --capture-only` and `mutants.js` (Python) and `localize-js/humanevalfix.js --capture-only` (JS).
 *
 * With `--whole-suite`, the real Python bugs are those `whole-suite.ts` captured with the project's whole suite;
 * the killed mutants of real projects that `mutants.ts` wrote (`--real-mutants DIR`) are always ranked held
 * out by project, and each feature set is fitted both without and with them ("+ real mutants").
 *
 * Usage: node out/bench/real-bugs/refit.js [--cache /tmp/revise-real/cache] [--l2 300] [--whole-suite] [--sets a,b] [--out NAME] [--write SET]
 * Writes bench/results/real-bugs-refit.{json,md} (`--out NAME`: bench/results/NAME.{json,md}); `--write SET` fits SET on everything and writes
 * extension/src/core/localize/weights.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localizeFaults, modelLogit, rankLineScores, sigmoid, type ScorerModel } from '../../extension/src/core/localize/index';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { LineScore, TestRun } from '../../extension/src/core/types';
import { BASELINES, targetRank, type LabeledCase } from '../localize/cases';
import { parseArguments, repoRoot, resultsRoot } from '../localize/common';
import { assignFolds, DEFAULT_L2, FITTED_FEATURES, fitLogistic, loadLabeledCases, PRIOR_WEIGHTS } from '../localize/fit';
import { percent, round, summarizeRanks, type RankSummary } from '../localize/metrics';
import type { RealMutantCase } from './mutants';

interface Bug {
  id: string;
  project: string;
  parent: string;
  language: 'python' | 'js';
  faultyLines: Record<string, number[]>;
  insertOnly: boolean;
}

/** A real bug as a labeled case; `keys` are `${absolute file}\n${line}` of its faulty lines. */
interface RealCase extends LabeledCase {
  project: string;
  language: string;
  keys: Set<string>;
}

const NEW_FEATURES = ['methodOchiai', 'methodRank', 'lineInMethod', 'moduleLevel', 'stackFunction', 'stackProximity', 'testNamesFunction', 'testFileNamesModule', 'ochiaiAbove'];
/** Bench-only (not computed by the scorer): from `git blame` of the check's parent commit. */
const GIT_FEATURES = ['gitRecency', 'gitNewest'];
const BASE = FITTED_FEATURES.filter((name) => !NEW_FEATURES.includes(name));

/** The feature sets compared: the shipped set, and it plus each group of new features. */
const FEATURE_SETS: Record<string, string[]> = {
  base: BASE,
  'base+method': [...BASE, 'methodOchiai', 'methodRank', 'lineInMethod'],
  'base+moduleLevel': [...BASE, 'moduleLevel'],
  'base+moduleLevel+names': [...BASE, 'moduleLevel', 'testNamesFunction', 'testFileNamesModule'],
  'base+moduleLevel+above': [...BASE, 'moduleLevel', 'ochiaiAbove'],
  'base+moduleLevel+names+above': [...BASE, 'moduleLevel', 'testNamesFunction', 'testFileNamesModule', 'ochiaiAbove'],
  'base+stack': [...BASE, 'stackFunction', 'stackProximity'],
  'base+all': [...BASE, ...NEW_FEATURES],
  'base+git': [...BASE, ...GIT_FEATURES],
  'base+all+git': [...BASE, ...NEW_FEATURES, ...GIT_FEATURES],
};

/**
 * Commit time of each line's last change at `commit` (git blame), per file; cached in `cacheFile`.
 * The clone is the one `mine.py --prepare` leaves in /tmp/revise-real/clones/<project>.
 */
function blameTimes(clone: string, commit: string, file: string, cache: Record<string, number[]>): number[] {
  const key = `${clone}\n${commit}\n${file}`;
  if (cache[key]) return cache[key];
  const result = spawnSync('git', ['-C', clone, 'blame', '--porcelain', commit, '--', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const times: number[] = [];
  if (result.status === 0) {
    const commitTimes = new Map<string, number>();
    let current = '';
    let finalLine = 0;
    for (const text of result.stdout.split('\n')) {
      const header = /^([0-9a-f]{40}) \d+ (\d+)/.exec(text);
      if (header) {
        current = header[1];
        finalLine = Number(header[2]);
        continue;
      }
      if (text.startsWith('author-time ')) commitTimes.set(current, Number(text.slice(12)));
      else if (text.startsWith('\t')) times[finalLine] = commitTimes.get(current) ?? 0;
    }
  }
  cache[key] = times;
  return times;
}

/** Adds `gitRecency` (rank fraction of the last-change time among the case's lines; newest 1) and `gitNewest` (last changed by the newest commit among them). */
function addGitFeatures(labeled: RealCase, clone: string, commit: string, root: string, cache: Record<string, number[]>): void {
  const times = labeled.lines.map((line) => blameTimes(clone, commit, path.relative(root, line.file), cache)[line.line] ?? 0);
  const newest = Math.max(0, ...times);
  const ranks = rankFractionsOf(times);
  labeled.lines.forEach((line, index) => {
    line.features.gitRecency = times[index] === 0 ? 0 : ranks[index];
    line.features.gitNewest = times[index] !== 0 && times[index] === newest ? 1 : 0;
  });
}

function rankFractionsOf(values: number[]): number[] {
  const order = values.map((_, index) => index).sort((left, right) => values[right] - values[left]);
  const result = new Array<number>(values.length).fill(0);
  let position = 0;
  while (position < order.length) {
    let end = position;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[position]]) end += 1;
    for (let index = position; index <= end; index++) result[order[index]] = 1 - position / order.length;
    position = end + 1;
  }
  return result;
}

function realRank(labeled: RealCase, model: ScorerModel): number | undefined {
  const scored = rankLineScores(labeled.lines.map((line) => ({ ...line, score: sigmoid(modelLogit(model, line.features)), rank: 0 })));
  let best: number | undefined;
  for (const line of scored) if (labeled.keys.has(`${line.file}\n${line.line}`) && (best === undefined || line.rank < best)) best = line.rank;
  return best;
}

type Summary = RankSummary & { top10: number };
function summarize(ranks: (number | undefined)[]): Summary {
  const hits10 = ranks.filter((rank) => rank !== undefined && rank <= 10).length;
  return { ...summarizeRanks(ranks), top10: ranks.length === 0 ? 0 : round(hits10 / ranks.length) };
}

/** A real check's scored lines as a labeled case; `keys` (`${file}\n${line}`) are its faulty lines. */
function realCase(fields: {
  id: string;
  project: string;
  language: string;
  origin: 'humanevalfix' | 'mutant';
  bugType: string;
  file?: string;
  insertOnly: boolean;
  lines: LineScore[];
  keys: Set<string>;
  failingTests?: number;
  passingTests?: number;
}): RealCase {
  const labels = fields.lines.map((line) => (fields.keys.has(`${line.file}\n${line.line}`) ? 1 : 0));
  return {
    id: fields.id,
    origin: fields.origin,
    group: fields.project,
    bugType: fields.bugType,
    file: fields.file ?? '',
    targets: new Set(),
    fittable: !fields.insertOnly && labels.some((label) => label === 1),
    insertOnly: fields.insertOnly,
    lines: fields.lines,
    labels,
    failingTests: fields.failingTests ?? 0,
    passingTests: fields.passingTests ?? 0,
    project: fields.project,
    language: fields.language,
    keys: fields.keys,
  };
}

async function loadRealCases(cacheDir: string, syntax: SyntaxService): Promise<RealCase[]> {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'bench', 'real-bugs', 'dataset.json'), 'utf8')) as { bugs: Bug[] };
  const cases: RealCase[] = [];
  const blameCacheFile = path.join(cacheDir, '..', 'blame-cache.json');
  const blameCache = (fs.existsSync(blameCacheFile) ? JSON.parse(fs.readFileSync(blameCacheFile, 'utf8')) : {}) as Record<string, number[]>;
  for (const bug of manifest.bugs) {
    const file = path.join(cacheDir, `${bug.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
    if (!fs.existsSync(file)) continue;
    const check = JSON.parse(fs.readFileSync(file, 'utf8')) as { run: TestRun; files: Record<string, string> };
    if (!check.run.tests.some((test) => test.outcome === 'failed')) continue;
    const lines: LineScore[] = await localizeFaults({ run: check.run, sources: { read: async (name) => check.files[name] }, syntax });
    const keys = new Set(Object.entries(bug.faultyLines).flatMap(([source, numbers]) => numbers.map((line) => `${path.join(check.run.root, source)}\n${line}`)));
    cases.push(
      realCase({
        id: bug.id,
        project: bug.project,
        language: bug.language,
        origin: 'humanevalfix',
        bugType: 'real',
        insertOnly: bug.insertOnly,
        lines,
        keys,
        failingTests: check.run.tests.filter((test) => test.outcome === 'failed').length,
        passingTests: check.run.tests.filter((test) => test.outcome === 'passed').length,
      }),
    );
    const clone = path.join(cacheDir, '..', 'clones', bug.project);
    if (fs.existsSync(clone)) addGitFeatures(cases[cases.length - 1], clone, bug.parent, check.run.root, blameCache);
  }
  fs.writeFileSync(blameCacheFile, JSON.stringify(blameCache));
  return cases;
}

/**
 * The real Python bugs as `whole-suite.ts` captured them (the project's whole suite, not only the fix's test
 * modules): its spectrum's scored lines with features and labels (`<work>/whole-suite/cases/`).
 */
function loadWholeSuiteCases(dir: string): RealCase[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => {
      const stored = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { id: string; project: string; insertOnly: boolean; lines: { file: string; line: number; features: Record<string, number>; faulty: boolean }[] };
      const lines = stored.lines.map(({ file, line, features }) => ({ file, line, features, score: 0, rank: 0, evidence: [] })) as unknown as LineScore[];
      const keys = new Set(stored.lines.filter((line) => line.faulty).map((line) => `${line.file}\n${line.line}`));
      return realCase({ id: stored.id, project: stored.project, language: 'python', origin: 'humanevalfix', bugType: 'real', insertOnly: stored.insertOnly, lines, keys });
    });
}

/**
 * The killed mutants of real projects that `mutants.ts` wrote (`<work>/mutants/cases/<project>/`), as
 * labeled cases: the mutated line is the one faulty line.
 */
function loadRealMutants(dir: string): RealCase[] {
  if (!fs.existsSync(dir)) return [];
  const cases: RealCase[] = [];
  for (const project of fs.readdirSync(dir).sort()) {
    for (const name of fs.readdirSync(path.join(dir, project)).sort()) {
      const mutant = JSON.parse(fs.readFileSync(path.join(dir, project, name), 'utf8')) as RealMutantCase;
      const key = `${mutant.target.file}\n${mutant.target.line}`;
      const lines = mutant.lines.map((line) => ({ ...line, score: 0, rank: 0, evidence: [] })) as unknown as LineScore[];
      cases.push(realCase({ id: mutant.id, project: mutant.project, language: mutant.language ?? 'python', origin: 'mutant', bugType: 'real-mutant', file: mutant.target.file, insertOnly: false, lines, keys: new Set([key]) }));
    }
  }
  return cases;
}

interface Evaluation {
  perProject: Record<string, Summary>;
  /** Killed mutants of the real projects, each project's ranked by a model fitted without that project. */
  realMutants: Summary;
  realMutantsJs: Summary;
  perProjectMutants: Record<string, Summary>;
  python: Summary;
  js: Summary;
  humanEvalFixPython: Summary;
  humanEvalFixJs: Summary;
  ranks: Record<string, number | null>;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const cacheDir = path.resolve(options.get('cache') ?? '/tmp/revise-real/cache');
  const l2 = Number(options.get('l2') ?? DEFAULT_L2);
  const realWeight = Number(options.get('real-weight') ?? '1');
  const syntax = new SyntaxService(path.join(repoRoot, 'grammars'));
  const started = Date.now();
  // `--whole-suite`: the real Python bugs as captured with the project's whole suite (`whole-suite.ts`),
  // in place of the captures of the fix's test modules only; JavaScript bugs keep the latter.
  const wholeSuite = options.has('whole-suite') ? loadWholeSuiteCases(path.join(cacheDir, '..', 'whole-suite', 'cases')) : [];
  const real = wholeSuite.length > 0 ? [...(await loadRealCases(cacheDir, syntax)).filter((labeled) => labeled.language !== 'python'), ...wholeSuite] : await loadRealCases(cacheDir, syntax);
  const realMutants = loadRealMutants(path.resolve(options.get('real-mutants') ?? path.join(cacheDir, '..', 'mutants', 'cases')));
  const mutantProjects = [...new Set(realMutants.map((labeled) => labeled.project))].sort();
  const python = await loadLabeledCases('python');
  const js = await loadLabeledCases('js');
  // HumanEvalFix is reported as its own benchmark reports it: tasks with changed lines (insert-only apart).
  const hefPython = python.humanEvalFix.filter((labeled) => !labeled.insertOnly);
  const hefJs = js.humanEvalFix.filter((labeled) => !labeled.insertOnly);
  const projects = [...new Set(real.map((labeled) => labeled.project))].sort();
  console.log(`${real.length} real bugs (${projects.join(', ')}), ${realMutants.length} killed mutants of real projects (${mutantProjects.join(', ')}), ${python.humanEvalFix.length} HumanEvalFix-python, ${python.mutants.length} mutants, ${js.humanEvalFix.length} HumanEvalFix-js`);
  const isReal = (labeled: LabeledCase): labeled is RealCase => (labeled as RealCase).keys !== undefined;
  // Real checks have tens to hundreds of candidate lines each; `realWeight` scales their rows.
  const caseWeight = (labeled: LabeledCase) => (isReal(labeled) ? realWeight : 1);

  const evaluate = (features: string[] | 'shipped', signs?: Record<string, 1 | -1>, withRealMutants = false): Evaluation => {
    const ranks: Record<string, number | null> = {};
    const fit = (training: LabeledCase[]) => fitLogistic(training, { l2, features: features === 'shipped' ? undefined : features, caseWeight, ...(signs ? { signs } : {}) }).model;
    const shipped = features === 'shipped' ? (JSON.parse(fs.readFileSync(path.join(repoRoot, 'extension', 'src', 'core', 'localize', 'weights.json'), 'utf8')) as ScorerModel) : undefined;
    const trainingMutants = withRealMutants ? realMutants : [];
    // Leave one project out: its real bugs and its mutants are ranked by a model that saw neither.
    for (const project of [...new Set([...projects, ...mutantProjects])]) {
      const model = shipped ?? fit([...python.humanEvalFix, ...python.mutants, ...real.filter((labeled) => labeled.project !== project), ...trainingMutants.filter((labeled) => labeled.project !== project)]);
      for (const labeled of [...real, ...realMutants].filter((item) => item.project === project)) ranks[labeled.id] = realRank(labeled, model) ?? null;
    }
    // HumanEvalFix-python: 10-fold by task, every real bug and the mutants in training.
    const foldOf = assignFolds(hefPython.map((labeled) => labeled.group), 10);
    const hefRanks: (number | undefined)[] = [];
    for (let fold = 0; fold < 10; fold++) {
      const model = shipped ?? fit([...python.humanEvalFix.filter((labeled) => foldOf.get(labeled.group) !== fold), ...python.mutants, ...real, ...trainingMutants]);
      for (const labeled of hefPython) if (foldOf.get(labeled.group) === fold) hefRanks.push(targetRank(labeled, model));
    }
    // HumanEvalFix-JS is never trained on: the model fitted on everything else.
    const full = shipped ?? fit([...python.humanEvalFix, ...python.mutants, ...real, ...trainingMutants]);
    const perProject: Record<string, Summary> = {};
    for (const project of projects) perProject[project] = summarize(real.filter((labeled) => labeled.project === project).map((labeled) => ranks[labeled.id] ?? undefined));
    const perProjectMutants: Record<string, Summary> = {};
    for (const project of mutantProjects) perProjectMutants[project] = summarize(realMutants.filter((labeled) => labeled.project === project).map((labeled) => ranks[labeled.id] ?? undefined));
    return {
      perProject,
      realMutants: summarize(realMutants.filter((labeled) => labeled.language === 'python').map((labeled) => ranks[labeled.id] ?? undefined)),
      realMutantsJs: summarize(realMutants.filter((labeled) => labeled.language === 'js').map((labeled) => ranks[labeled.id] ?? undefined)),
      perProjectMutants,
      python: summarize(real.filter((labeled) => labeled.language === 'python').map((labeled) => ranks[labeled.id] ?? undefined)),
      js: summarize(real.filter((labeled) => labeled.language === 'js').map((labeled) => ranks[labeled.id] ?? undefined)),
      humanEvalFixPython: summarize(hefRanks),
      humanEvalFixJs: summarize(hefJs.map((labeled) => targetRank(labeled, full))),
      ranks,
    };
  };

  const baselines: Record<string, Evaluation> = {};
  for (const [name, model] of Object.entries(BASELINES)) {
    const ranks: Record<string, number | null> = {};
    for (const labeled of [...real, ...realMutants]) ranks[labeled.id] = realRank(labeled, model) ?? null;
    const perProject: Record<string, Summary> = {};
    for (const project of projects) perProject[project] = summarize(real.filter((labeled) => labeled.project === project).map((labeled) => ranks[labeled.id] ?? undefined));
    const perProjectMutants: Record<string, Summary> = {};
    for (const project of mutantProjects) perProjectMutants[project] = summarize(realMutants.filter((labeled) => labeled.project === project).map((labeled) => ranks[labeled.id] ?? undefined));
    baselines[name] = {
      perProject,
      realMutants: summarize(realMutants.filter((labeled) => labeled.language === 'python').map((labeled) => ranks[labeled.id] ?? undefined)),
      realMutantsJs: summarize(realMutants.filter((labeled) => labeled.language === 'js').map((labeled) => ranks[labeled.id] ?? undefined)),
      perProjectMutants,
      python: summarize(real.filter((labeled) => labeled.language === 'python').map((labeled) => ranks[labeled.id] ?? undefined)),
      js: summarize(real.filter((labeled) => labeled.language === 'js').map((labeled) => ranks[labeled.id] ?? undefined)),
      humanEvalFixPython: summarize(hefPython.map((labeled) => targetRank(labeled, model))),
      humanEvalFixJs: summarize(hefJs.map((labeled) => targetRank(labeled, model))),
      ranks,
    };
  }
  const results: Record<string, Evaluation> = { shipped: evaluate('shipped') };
  const sets = options.get('sets')?.split(',') ?? Object.keys(FEATURE_SETS);
  for (const name of sets) {
    results[name] = evaluate(FEATURE_SETS[name]);
    console.log(`${name}: ${line(results[name])}`);
    if (realMutants.length > 0) {
      results[`${name} + real mutants`] = evaluate(FEATURE_SETS[name], undefined, true);
      console.log(`${name} + real mutants: ${line(results[`${name} + real mutants`])}`);
    }
  }
  // The spectrum's sign constraints (FEATURE_SIGNS) against a free fit of the same set.
  const unconstrained = options.get('unconstrained') ?? 'base+moduleLevel';
  if (FEATURE_SETS[unconstrained]) {
    results[`${unconstrained}, unconstrained`] = evaluate(FEATURE_SETS[unconstrained], {});
    console.log(`${unconstrained}, unconstrained: ${line(results[`${unconstrained}, unconstrained`])}`);
  }
  console.log(`shipped: ${line(results.shipped)}`);
  for (const [name, evaluation] of Object.entries(baselines)) console.log(`${name}: ${line(evaluation)}`);

  const output = {
    benchmark: 'Scorer re-fit with real bugs, leave-one-project-out (bench/real-bugs/refit.ts)',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    setup: {
      l2,
      realWeight,
      wholeSuitePythonBugs: wholeSuite.length,
      realBugs: 'each project scored by a model fitted on HumanEvalFix-python, the Python mutants and the other projects\' real bugs',
      humanEvalFixPython: '10-fold by task; training adds the mutants and every real bug',
      humanEvalFixJs: 'never trained on: the model fitted on everything else',
      seconds: Math.round((Date.now() - started) / 1000),
    },
    featureSets: Object.fromEntries(sets.map((name) => [name, FEATURE_SETS[name]])),
    results,
    baselines,
  };
  const out = options.get('out') ?? 'real-bugs-refit';
  fs.writeFileSync(path.join(resultsRoot, `${out}.json`), `${JSON.stringify(output, null, 1)}\n`);
  fs.writeFileSync(path.join(resultsRoot, `${out}.md`), markdown(output.date, { l2, realWeight, wholeSuite: wholeSuite.length }, results, baselines, projects));

  const write = options.get('write');
  if (write) {
    const features = FEATURE_SETS[write.replace(/ \+ real mutants$/, '')];
    if (!features) throw new Error(`unknown feature set ${write}`);
    // `--write SET` fits SET on everything; `--write "SET + real mutants"` adds the real projects' mutants.
    const withMutants = write.endsWith(' + real mutants');
    const result = fitLogistic([...python.humanEvalFix, ...python.mutants, ...real, ...(withMutants ? realMutants : [])], { l2, features, caseWeight });
    const realFitted = real.filter((labeled) => labeled.fittable).length;
    const description =
      `L2 logistic regression (l2 = ${l2} on standardized features, one row per scored line${realWeight === 1 ? '' : `, real-bug rows weighted ${realWeight}`}) fitted by bench/real-bugs/refit.ts (feature set ${write}) on ` +
      `${python.humanEvalFix.filter((labeled) => labeled.fittable).length} HumanEvalFix-python bugs, ${python.mutants.filter((labeled) => labeled.fittable).length} injected bugs in bench/localize/programs and ` +
      `${realFitted} real bugs of ${projects.length} projects (bench/real-bugs)${withMutants ? ` and ${realMutants.filter((labeled) => labeled.fittable).length} killed mutants of ${mutantProjects.length} of those projects (bench/real-bugs/mutants.ts)` : ''} (${result.rows} lines, ${result.positives} faulty). ` +
      `Spectrum weights keep their signs (bench/localize/fit.ts FEATURE_SIGNS)${result.pinnedFeatures.length ? `; fixed at 0 because the data pulled them the other way: ${result.pinnedFeatures.join(', ')}` : ''}. ` +
      `Optional features (edited, repair*, criticLogit) carry hand-set priors, documented in bench/localize/fit.ts PRIOR_WEIGHTS.`;
    for (const [name, prior] of Object.entries(PRIOR_WEIGHTS)) result.model.features[name] = { weight: prior.weight, reference: 0 };
    const target = path.join(repoRoot, 'extension', 'src', 'core', 'localize', 'weights.json');
    fs.writeFileSync(target, `${JSON.stringify({ description, intercept: result.model.intercept, features: result.model.features }, null, 2)}\n`);
    console.log(`wrote ${target}`);
  }
}

function cell(summary: Summary): string {
  return `${percent(summary.top1)} / ${percent(summary.top3)} / ${percent(summary.top5)} / ${percent(summary.top10)}`;
}

function line(evaluation: Evaluation): string {
  return `python ${cell(evaluation.python)} | js ${cell(evaluation.js)} | mutants py ${cell(evaluation.realMutants)} | mutants js ${cell(evaluation.realMutantsJs)} | HEF-py ${cell(evaluation.humanEvalFixPython)} | HEF-js ${cell(evaluation.humanEvalFixJs)}`;
}

function markdown(date: string, setup: { l2: number; realWeight: number; wholeSuite: number }, results: Record<string, Evaluation>, baselines: Record<string, Evaluation>, projects: string[]): string {
  const all = { ...results, ...baselines };
  const lines = [
    '# Scorer re-fit on real bugs, split by project',
    '',
    `Run ${date} by \`bench/real-bugs/refit.ts\` (l2 = ${setup.l2}, real-bug rows weighted ${setup.realWeight}). Each real project's bugs are ranked by a model fitted without any of that project's bugs (HumanEvalFix-python + the Python mutants + the other projects); HumanEvalFix-python is 10-fold cross-validated by task with every real bug in training; HumanEvalFix-JS is never trained on. ${setup.wholeSuite > 0 ? `Real Python bugs: the ${setup.wholeSuite} captured with the project's whole suite by \`whole-suite.ts\` (\`--whole-suite\`); real JS bugs: the fix's test modules only.` : "Real bugs: captured with the fix's test modules only (`localize.ts`)."} "shipped" is weights.json as committed when the run started (no refit); Ochiai and DStar re-rank the same lines. Every fitted set keeps the spectrum's signs (a line run by more failing tests, or in more of their tracebacks, is never less suspicious; by more passing tests, never more: \`FEATURE_SIGNS\` in bench/localize/fit.ts) unless marked "unconstrained". Cells: Top-1 / 3 / 5 / 10.`,
    '',
    'Real mutants: the killed single-token mutants of the real projects (`mutants.ts`, whole suite), each project\'s ranked by a model fitted without that project\'s bugs or mutants; "+ real mutants" sets also train on the other projects\' mutants.',
    '',
    '| scorer | real Python | real JS | real-project mutants, Python | real-project mutants, JS | HumanEvalFix-python | HumanEvalFix-JS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, evaluation] of Object.entries(all)) lines.push(`| ${name} | ${cell(evaluation.python)} | ${cell(evaluation.js)} | ${evaluation.realMutants.cases ? cell(evaluation.realMutants) : '–'} | ${evaluation.realMutantsJs.cases ? cell(evaluation.realMutantsJs) : '–'} | ${cell(evaluation.humanEvalFixPython)} | ${cell(evaluation.humanEvalFixJs)} |`);
  lines.push('', '## Per project (held out)', '', `| project | ${Object.keys(all).join(' | ')} |`, `|---|${Object.keys(all).map(() => '---|').join('')}`);
  for (const project of projects) lines.push(`| ${project} (${all.shipped.perProject[project].cases}) | ${Object.values(all).map((evaluation) => cell(evaluation.perProject[project])).join(' | ')} |`);
  const mutantProjects = Object.keys(all.shipped.perProjectMutants);
  if (mutantProjects.length > 0) {
    lines.push('', '## Real-project mutants per project (held out)', '', `| project | ${Object.keys(all).join(' | ')} |`, `|---|${Object.keys(all).map(() => '---|').join('')}`);
    for (const project of mutantProjects) lines.push(`| ${project} (${all.shipped.perProjectMutants[project].cases}) | ${Object.values(all).map((evaluation) => cell(evaluation.perProjectMutants[project])).join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
