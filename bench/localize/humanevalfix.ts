/**
 * HumanEvalFix localization benchmark. For each task: build a project (buggy source + one test per
 * assert), capture it with Revise's real capture (cached in bench/results/tmp/), score with the
 * shipped model, plain Ochiai and plain DStar (same tie-breaking), and with models cross-validated by
 * task (k folds; the fold's tasks are never in its training data). Also a reliability table and ECE of
 * held-out line probabilities. Writes bench/results/localize-<language>.{json,md}.
 *
 * Usage: node out/bench/localize/humanevalfix.js [--language python] [--data ../shared/data]
 *          [--folds 10] [--l2 300] [--refresh] [--only Python/0,Python/1] [--capture-only]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultModel, type ScorerModel } from '../../extension/src/core/localize/index';
import { BASELINES, rescore, targetRank, type LabeledCase } from './cases';
import {
  cachePath,
  dataDirectory,
  languageOption,
  loadHumanEvalFix,
  parseArguments,
  readCachedCase,
  resultsRoot,
  withTempDir,
  writeCachedCase,
  type BenchLanguage,
  type CaseRecord,
  type HumanEvalFixTask,
  type LanguageDriver,
} from './common';
import { assignFolds, DEFAULT_L2, equalCaseWeight, fitLogistic, loadLabeledCases, type FitOptions } from './fit';
import { percent, reliability, round, summarizeRanks, type RankSummary } from './metrics';
import { pythonDriver } from './python';

/** Drivers per language; the JavaScript benchmark adds its own here. */
export const DRIVERS: Partial<Record<BenchLanguage, LanguageDriver>> = { python: pythonDriver };

/** Captures every task not yet cached (or all with `refresh`). */
export async function captureTasks(tasks: HumanEvalFixTask[], driver: LanguageDriver, refresh: boolean): Promise<CaseRecord[]> {
  const records: CaseRecord[] = [];
  for (const task of tasks) {
    const id = `humanevalfix/${task.taskId}`;
    const file = cachePath(`humanevalfix-${task.language}`, task.taskId);
    const cached = refresh ? undefined : readCachedCase(file);
    if (cached) {
      records.push(cached);
      continue;
    }
    const started = Date.now();
    const record = await withTempDir('revise-hef-', async (dir) => {
      const { sourceFile, files } = await driver.writeTaskProject(task, dir);
      const run = await driver.capture(dir);
      return {
        id,
        origin: 'humanevalfix',
        group: task.taskId,
        language: task.language,
        sourceFile,
        buggyLines: task.buggyLines,
        missingAfter: task.missingAfter,
        bugType: task.bugType,
        files,
        run,
      } satisfies CaseRecord;
    });
    writeCachedCase(file, record);
    const failed = record.run.tests.filter((test) => test.outcome === 'failed').length;
    console.log(`${task.taskId}: ${failed}/${record.run.tests.length} tests fail (${Date.now() - started} ms)`);
    records.push(record);
  }
  return records;
}

interface CrossValidation {
  summary: RankSummary;
  ranks: Map<string, number | undefined>;
  predictions: { probability: number; label: number }[];
}

/**
 * k-fold cross-validation by task: each fold's HumanEvalFix tasks are scored by a model fitted on the
 * other folds' tasks plus `extraTraining` (the mutants, which share no task with HumanEvalFix).
 */
function crossValidate(evaluated: LabeledCase[], fittable: LabeledCase[], extraTraining: LabeledCase[], folds: number, fit: FitOptions): CrossValidation {
  const foldOf = assignFolds(
    evaluated.map((labeled) => labeled.group),
    folds,
  );
  const ranks = new Map<string, number | undefined>();
  const predictions: { probability: number; label: number }[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const training = [...fittable.filter((labeled) => foldOf.get(labeled.group) !== fold), ...extraTraining];
    const model = fitLogistic(training, fit).model;
    for (const labeled of evaluated) {
      if (foldOf.get(labeled.group) !== fold) continue;
      ranks.set(labeled.id, targetRank(labeled, model));
      if (labeled.fittable) {
        const scored = rescore(labeled, model);
        for (const line of scored) predictions.push({ probability: line.score, label: line.file === labeled.file && labeled.targets.has(line.line) ? 1 : 0 });
      }
    }
  }
  return { summary: summarizeRanks(evaluated.map((labeled) => ranks.get(labeled.id))), ranks, predictions };
}

/** Mean negative log-likelihood of held-out labels. */
function logLoss(predictions: { probability: number; label: number }[]): number {
  const clamp = (value: number) => Math.min(1 - 1e-12, Math.max(1e-12, value));
  return round(-predictions.reduce((sum, prediction) => sum + Math.log(prediction.label === 1 ? clamp(prediction.probability) : 1 - clamp(prediction.probability)), 0) / Math.max(1, predictions.length));
}

function rankWith(cases: LabeledCase[], model: ScorerModel): RankSummary {
  return summarizeRanks(cases.map((labeled) => targetRank(labeled, model)));
}

function row(name: string, summary: RankSummary): string {
  return `| ${name} | ${percent(summary.top1)} | ${percent(summary.top3)} | ${percent(summary.top5)} | ${summary.meanReciprocalRank.toFixed(3)} | ${summary.notRanked} |`;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const language = languageOption(options);
  const driver = DRIVERS[language];
  if (!driver) throw new Error(`no benchmark driver for ${language} yet`);
  const folds = Number(options.get('folds') ?? '10');
  const l2 = Number(options.get('l2') ?? DEFAULT_L2);
  const only = options.get('only')?.split(',');
  let tasks = loadHumanEvalFix(dataDirectory(options), language);
  if (only) tasks = tasks.filter((task) => only.includes(task.taskId));
  await captureTasks(tasks, driver, options.has('refresh'));
  if (options.has('capture-only')) return;

  const { humanEvalFix: allCases, mutants } = await loadLabeledCases(language);
  const taskIds = new Set(tasks.map((task) => `humanevalfix/${task.taskId}`));
  const cases = allCases.filter((labeled) => taskIds.has(labeled.id));
  const known = cases.filter((labeled) => !labeled.insertOnly);
  const insertOnly = cases.filter((labeled) => labeled.insertOnly);
  const noFailure = cases.filter((labeled) => labeled.failingTests === 0).map((labeled) => labeled.id);
  const fittable = cases.filter((labeled) => labeled.fittable);
  const mutantsFittable = mutants.filter((labeled) => labeled.fittable);

  const shipped = defaultModel();
  // The shipped weights were fitted on this benchmark only when their description names it.
  const shippedLabel = shipped.description?.includes(`HumanEvalFix-${language}`) ? 'shipped weights (in-sample)' : 'shipped weights (not fitted on this language: out-of-sample)';
  const fit: FitOptions = { l2 };
  const crossValidated = crossValidate(known, fittable, mutantsFittable, folds, fit);
  const crossValidatedNoMutants = crossValidate(known, fittable, [], folds, fit);
  const l2Grid = [10, 30, 100, 300, 1000].map((penalty) => {
    const validation = crossValidate(known, fittable, mutantsFittable, folds, { l2: penalty });
    return { l2: penalty, summary: validation.summary, heldOutLogLoss: logLoss(validation.predictions) };
  });
  const bestL2 = [...l2Grid].sort((left, right) => left.heldOutLogLoss - right.heldOutLogLoss)[0].l2;
  const caseWeighted = crossValidate(known, fittable, mutantsFittable, folds, { l2, caseWeight: equalCaseWeight }).summary;
  // Without injected bugs for this language (only Python has example programs so far) the
  // mutant-based views are left out rather than fitted on nothing.
  const mutantsOnlyModel = mutantsFittable.length > 0 ? fitLogistic(mutantsFittable, fit).model : undefined;
  // Second honest view: each example program's mutants scored by a model fitted without that program.
  const programs = [...new Set(mutantsFittable.map((labeled) => labeled.group))].sort();
  const programRanks = new Map<string, number | undefined>();
  for (const program of programs) {
    const model = fitLogistic([...fittable, ...mutantsFittable.filter((labeled) => labeled.group !== program)], fit).model;
    for (const labeled of mutantsFittable) if (labeled.group === program) programRanks.set(labeled.id, targetRank(labeled, model));
  }
  const leaveOneProgramOut = summarizeRanks(mutantsFittable.map((labeled) => programRanks.get(labeled.id)));
  const calibration = reliability(crossValidated.predictions);

  const byBugType: Record<string, { cases: number; crossValidated: RankSummary; ochiai: RankSummary }> = {};
  for (const bugType of [...new Set(known.map((labeled) => labeled.bugType))].sort()) {
    const members = known.filter((labeled) => labeled.bugType === bugType);
    byBugType[bugType] = {
      cases: members.length,
      crossValidated: summarizeRanks(members.map((labeled) => crossValidated.ranks.get(labeled.id))),
      ochiai: rankWith(members, BASELINES.ochiai),
    };
  }

  const results = {
    benchmark: `HumanEvalFix-${language} line localization`,
    date: new Date().toISOString(),
    setup: {
      tasks: cases.length,
      knownBuggyLines: known.length,
      insertOnly: insertOnly.length,
      tasksWithoutFailingTest: noFailure,
      testsPerTask: 'one pytest test per top-level assert of check(); non-assert statements repeated as setup',
      hit: 'a task counts as a hit at k when any annotated buggy line is ranked ≤ k after tie-breaking (score, Ochiai, deepest frame, file, line)',
      insertOnlyTargets: 'reported separately: the line after which code is missing, or the next non-blank line',
      folds,
      l2,
      rowWeighting: 'one row per scored line (the alternative, each bug weighing 1 in total, is reported as crossValidatedCaseWeighted)',
      mutantTrainingCases: mutantsFittable.length,
      shippedWeights: shippedLabel,
      linesPerTask: round(known.reduce((sum, labeled) => sum + labeled.lines.length, 0) / Math.max(1, known.length)),
    },
    knownBuggyLines: {
      shipped: rankWith(known, shipped),
      crossValidated: crossValidated.summary,
      crossValidatedWithoutMutants: crossValidatedNoMutants.summary,
      crossValidatedCaseWeighted: caseWeighted,
      trainedOnMutantsOnly: mutantsOnlyModel ? rankWith(known, mutantsOnlyModel) : null,
      ochiai: rankWith(known, BASELINES.ochiai),
      dstar: rankWith(known, BASELINES.dstar),
      l2Grid,
    },
    insertOnly: {
      shipped: rankWith(insertOnly, shipped),
      ochiai: rankWith(insertOnly, BASELINES.ochiai),
      dstar: rankWith(insertOnly, BASELINES.dstar),
    },
    byBugType,
    calibration: { source: `held-out line probabilities of the ${folds}-fold cross-validated models`, ...calibration },
    mutants: {
      cases: mutantsFittable.length,
      programs: programs.length,
      leaveOneProgramOut,
      shipped: rankWith(mutantsFittable, shipped),
      ochiai: rankWith(mutantsFittable, BASELINES.ochiai),
      dstar: rankWith(mutantsFittable, BASELINES.dstar),
    },
    perTask: Object.fromEntries(
      known.map((labeled) => [
        labeled.id,
        {
          bugType: labeled.bugType,
          targets: [...labeled.targets],
          scoredLines: labeled.lines.length,
          failing: labeled.failingTests,
          passing: labeled.passingTests,
          crossValidatedRank: crossValidated.ranks.get(labeled.id) ?? null,
          shippedRank: targetRank(labeled, shipped) ?? null,
          ochiaiRank: targetRank(labeled, BASELINES.ochiai) ?? null,
        },
      ]),
    ),
  };
  fs.mkdirSync(resultsRoot, { recursive: true });
  const jsonFile = path.join(resultsRoot, `localize-${language}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);

  const lines = [
    `# Localization on HumanEvalFix-${language}`,
    '',
    `Generated by \`bench/localize/humanevalfix.ts\` on ${results.date.slice(0, 10)}. ${known.length} tasks with annotated buggy lines` +
      ` (${insertOnly.length} insert-only tasks reported separately); ${results.setup.linesPerTask.toFixed(1)} scored lines per task on average;` +
      ` one test per assert; real capture (\`capturePytest\`, coverage.py). A hit at k: any buggy line ranked ≤ k.`,
    '',
    '| Scorer | Top-1 | Top-3 | Top-5 | MRR | not ranked |',
    '|---|---|---|---|---|---|',
    row(`Revise, ${folds}-fold cross-validated by task (+ mutants in training)`, results.knownBuggyLines.crossValidated),
    row('Revise, cross-validated, no mutants in training', results.knownBuggyLines.crossValidatedWithoutMutants),
    ...(results.knownBuggyLines.trainedOnMutantsOnly ? [row('Revise, trained on mutants only (no HumanEvalFix)', results.knownBuggyLines.trainedOnMutantsOnly)] : []),
    row(`Revise, ${shippedLabel}`, results.knownBuggyLines.shipped),
    row('Ochiai', results.knownBuggyLines.ochiai),
    row('DStar (*=2)', results.knownBuggyLines.dstar),
    '',
    `Insert-only tasks (${insertOnly.length}; target: the line after which code is missing or the next non-blank line):` +
      ` shipped Top-1 ${percent(results.insertOnly.shipped.top1)}, Top-3 ${percent(results.insertOnly.shipped.top3)};` +
      ` Ochiai Top-1 ${percent(results.insertOnly.ochiai.top1)}, Top-3 ${percent(results.insertOnly.ochiai.top3)}.`,
    '',
    `L2 penalty (cross-validated Top-1 / Top-3 / held-out log-loss): ${l2Grid.map((entry) => `${entry.l2}: ${percent(entry.summary.top1)} / ${percent(entry.summary.top3)} / ${entry.heldOutLogLoss.toFixed(4)}`).join('; ')}.` +
      ` Used: ${l2}; lowest held-out log-loss at ${bestL2} (the penalty was picked on these same folds, so the cross-validated numbers are slightly optimistic).` +
      ` Each bug weighted equally instead of each line: ${percent(caseWeighted.top1)} / ${percent(caseWeighted.top3)}.`,
    '',
    `Calibration of held-out line probabilities (${calibration.lines} lines, ${calibration.faulty} faulty): ECE ${calibration.ece.toFixed(3)}, Brier ${calibration.brier.toFixed(3)}.`,
    '',
    '| predicted | lines | mean predicted | observed faulty |',
    '|---|---|---|---|',
    ...calibration.bins.map((bin) => `| ${bin.low.toFixed(1)}–${bin.high.toFixed(1)} | ${bin.count} | ${bin.meanPredicted.toFixed(3)} | ${bin.observedRate.toFixed(3)} |`),
    '',
    '| Bug type | tasks | CV Top-1 | CV Top-3 | Ochiai Top-1 | Ochiai Top-3 |',
    '|---|---|---|---|---|---|',
    ...Object.entries(byBugType).map(
      ([bugType, entry]) => `| ${bugType} | ${entry.cases} | ${percent(entry.crossValidated.top1)} | ${percent(entry.crossValidated.top3)} | ${percent(entry.ochiai.top1)} | ${percent(entry.ochiai.top3)} |`,
    ),
    '',
  ];
  if (mutantsFittable.length > 0) {
    lines.push(
      `Injected bugs in bench/localize/programs (${mutantsFittable.length} killed mutants of ${programs.length} programs, also training data):`,
      '',
      '| Scorer | Top-1 | Top-3 | Top-5 | MRR | not ranked |',
      '|---|---|---|---|---|---|',
      row('Revise, leave-one-program-out', leaveOneProgramOut),
      row('Revise, shipped weights (in-sample)', results.mutants.shipped),
      row('Ochiai', results.mutants.ochiai),
      row('DStar (*=2)', results.mutants.dstar),
      '',
    );
  }
  if (noFailure.length > 0) lines.push(`Tasks whose buggy version failed no test in this capture: ${noFailure.join(', ')}.`, '');
  const strongest = Object.entries(shipped.features)
    .sort((left, right) => Math.abs(right[1].weight) - Math.abs(left[1].weight))
    .slice(0, 8)
    .map(([name, { weight }]) => `${name} ${weight >= 0 ? '+' : ''}${weight.toFixed(2)}`);
  lines.push(
    `Shipped model (weights.json): ${strongest.join(', ')}, … (log-odds per unit; optional features repair*/critic/edited are priors, see bench/localize/fit.ts).`,
    '',
    'Reproduce: `npm run build:tests`, then `node out/bench/localize/mutants.js` (injected bugs), `node out/bench/localize/humanevalfix.js --capture-only`,' +
      ' `node out/bench/localize/fit.js --write` (refit weights.json), `node out/bench/localize/humanevalfix.js` (this report). Captured runs are cached in bench/results/tmp/.',
    '',
  );
  const markdownFile = path.join(resultsRoot, `localize-${language}.md`);
  fs.writeFileSync(markdownFile, lines.join('\n'));
  console.log(lines.join('\n'));
  console.log(`wrote ${jsonFile} and ${markdownFile}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
