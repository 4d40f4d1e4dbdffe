/**
 * HumanEvalFix-JS localization: captures every task with Revise's real JavaScript capture (node:test,
 * one test file per `console.assert`, V8 per-test coverage; cached in bench/results/tmp/humanevalfix-js)
 * and ranks the annotated buggy lines with Revise's shipped scorer, plain Ochiai and plain DStar, all
 * with the scorer's tie-breaking. Writes bench/results/localize-js-capture.{json,md}.
 *
 * The full cross-validated report comes from bench/localize/humanevalfix.ts once its DRIVERS table has
 * `js: javascriptDriver` (from ./driver); the captures cached here are the ones it reads.
 *
 * Usage: node out/bench/localize-js/humanevalfix.js [--data ../shared/data] [--refresh] [--only JavaScript/0,…] [--capture-only]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultModel } from '../../extension/src/core/localize/index';
import { BASELINES, targetRank, type LabeledCase } from '../localize/cases';
import { dataDirectory, loadHumanEvalFix, parseArguments, readCachedCases, resultsRoot } from '../localize/common';
import { loadLabeledCases } from '../localize/fit';
import { captureTasks } from '../localize/humanevalfix';
import { percent, summarizeRanks, type RankSummary } from '../localize/metrics';
import { javascriptDriver, SKIPPED_TASKS, toDeclarationLines } from './driver';

function row(name: string, summary: RankSummary): string {
  return `| ${name} | ${percent(summary.top1)} | ${percent(summary.top3)} | ${percent(summary.top5)} | ${summary.meanReciprocalRank.toFixed(3)} | ${summary.notRanked} |`;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const only = options.get('only')?.split(',');
  const dataDir = dataDirectory(options);
  let tasks = loadHumanEvalFix(dataDir, 'js')
    .filter((task) => !SKIPPED_TASKS.has(task.taskId))
    .map((task) => toDeclarationLines(task, dataDir));
  if (only) tasks = tasks.filter((task) => only.includes(task.taskId));
  const started = Date.now();
  await captureTasks(tasks, javascriptDriver, options.has('refresh'));
  const captureSeconds = (Date.now() - started) / 1000;
  if (options.has('capture-only')) return;

  const taskIds = new Set(tasks.map((task) => `humanevalfix/${task.taskId}`));
  const records = readCachedCases('humanevalfix-js').filter((record) => taskIds.has(record.id));
  const { humanEvalFix } = await loadLabeledCases('js');
  const cases = humanEvalFix.filter((labeled) => taskIds.has(labeled.id));
  const known = cases.filter((labeled) => !labeled.insertOnly);
  const insertOnly = cases.filter((labeled) => labeled.insertOnly);
  const rank = (subset: LabeledCase[], model = defaultModel()) => summarizeRanks(subset.map((labeled) => targetRank(labeled, model)));

  const tests = records.reduce((sum, record) => sum + record.run.tests.length, 0);
  const failing = records.reduce((sum, record) => sum + record.run.tests.filter((test) => test.outcome === 'failed').length, 0);
  const timedOut = records.reduce((sum, record) => sum + record.run.tests.filter((test) => test.timedOut).length, 0);
  const withoutFailure = records.filter((record) => !record.run.tests.some((test) => test.outcome === 'failed')).map((record) => record.id);
  const withoutCoverage = records.filter((record) => record.run.coverageMethod !== 'v8').map((record) => record.id);
  const failingWithoutCoverage = records.reduce(
    (sum, record) => sum + record.run.tests.filter((test) => test.outcome === 'failed' && !test.coveredLines).length,
    0,
  );

  const results = {
    benchmark: 'HumanEvalFix-JS line localization (plain baselines and the shipped weights, fitted on Python data and real JS bugs of other projects, never on HumanEvalFix-JS)',
    date: new Date().toISOString(),
    setup: {
      tasks: cases.length,
      skipped: Object.fromEntries(SKIPPED_TASKS),
      knownBuggyLines: known.length,
      insertOnly: insertOnly.length,
      tests,
      failingTests: failing,
      timedOutTests: timedOut,
      failingTestsWithoutCoverage: failingWithoutCoverage,
      tasksWithoutFailingTest: withoutFailure,
      tasksWithoutV8Coverage: withoutCoverage,
      captureSeconds: Math.round(captureSeconds),
      testsPerTask: 'one node:test file per statement of the test function that calls console.assert (made to throw); other statements repeated as setup',
      hit: 'a task counts as a hit at k when any annotated buggy line is ranked ≤ k after tie-breaking',
    },
    knownBuggyLines: { shippedInSample: rank(known), ochiai: rank(known, BASELINES.ochiai), dstar: rank(known, BASELINES.dstar) },
    insertOnly: { shippedInSample: rank(insertOnly), ochiai: rank(insertOnly, BASELINES.ochiai), dstar: rank(insertOnly, BASELINES.dstar) },
  };
  fs.mkdirSync(resultsRoot, { recursive: true });
  const jsonFile = path.join(resultsRoot, 'localize-js-capture.json');
  fs.writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const lines = [
    '# Localization on HumanEvalFix-JS (capture check)',
    '',
    `Generated by \`bench/localize-js/humanevalfix.ts\` on ${results.date.slice(0, 10)}. ${known.length} tasks with annotated buggy lines` +
      ` (${insertOnly.length} insert-only reported separately; skipped: ${[...SKIPPED_TASKS].map(([id, why]) => `${id}, ${why}`).join('; ')}).` +
      ` ${tests} node:test tests (${failing} failing, ${timedOut} stopped by the per-test timeout); real capture (\`captureJavaScript\`, V8 per-test coverage).`,
    '',
    '| Scorer | Top-1 | Top-3 | Top-5 | MRR | not ranked |',
    '|---|---|---|---|---|---|',
    row('Revise, shipped weights (never trained on HumanEvalFix-JS)', results.knownBuggyLines.shippedInSample),
    row('Ochiai', results.knownBuggyLines.ochiai),
    row('DStar (*=2)', results.knownBuggyLines.dstar),
    '',
    `Insert-only tasks (${insertOnly.length}): shipped Top-1 ${percent(results.insertOnly.shippedInSample.top1)}, Top-3 ${percent(results.insertOnly.shippedInSample.top3)};` +
      ` Ochiai Top-1 ${percent(results.insertOnly.ochiai.top1)}, Top-3 ${percent(results.insertOnly.ochiai.top3)}.`,
    '',
  ];
  if (withoutFailure.length > 0) lines.push(`Tasks whose buggy version failed no test: ${withoutFailure.join(', ')}.`, '');
  const markdownFile = path.join(resultsRoot, 'localize-js-capture.md');
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
