/**
 * Summarises the cached repair records of one language and visibility into `bench/results/repair-<language>.{json,md}`
 * (`repair-<language>-extended.{json,md}` with `--visible extended`):
 * plausible (pass the visible tests) and correct (pass the hidden tests) rates overall, per bug type and
 * per template; time to the first validated patch; the patch search's statistics; the line scores of
 * correct and incorrect patches.
 *
 * Usage: node out/bench/repair/report.js [--language python|js] [--visible examples|extended]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArguments, percent, quantile, readRecords, recordSetOption, resultsRoot, round, visibilityDescription, writeJson, type RepairRecord } from './common';

interface Rates {
  tasks: number;
  /** Tasks with at least one validated patch. */
  plausible: number;
  /** Tasks with at least one validated patch that passes the hidden tests. */
  correct: number;
  /** Tasks whose first-ranked validated patch (the one the placeholder decision proposes) is correct. */
  correctFirst: number;
}

function rates(records: RepairRecord[]): Rates {
  let plausible = 0;
  let correct = 0;
  let correctFirst = 0;
  for (const record of records) {
    const validated = record.patches.filter((item) => item.patch.validated);
    if (validated.length > 0) plausible++;
    if (validated.some((item) => item.hidden?.passed)) correct++;
    if (validated[0]?.hidden?.passed) correctFirst++;
  }
  return { tasks: records.length, plausible, correct, correctFirst };
}

function rateRow(name: string, value: Rates): string {
  return `| ${name} | ${value.tasks} | ${value.plausible} (${percent(value.plausible, value.tasks)}) | ${value.correct} (${percent(value.correct, value.tasks)}) | ${value.correctFirst} (${percent(value.correctFirst, value.tasks)}) |`;
}

function seconds(value: number | undefined): string {
  return value === undefined ? '–' : `${(value / 1000).toFixed(2)} s`;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function main(): void {
  const options = parseArguments(process.argv.slice(2));
  const set = recordSetOption(options);
  const { language, visibility } = set;
  const records = readRecords<RepairRecord>(`repair-${set.name}`);
  if (records.length === 0) throw new Error(`no cached records in bench/results/tmp/repair-${set.name}/; run humanevalfix.js first`);
  const mixed = records.find((record) => (record.visibility ?? 'examples') !== visibility);
  if (mixed) throw new Error(`bench/results/tmp/repair-${set.name}/ holds ${mixed.taskId} run with visibility ${mixed.visibility ?? 'examples'}, not ${visibility}`);
  const visibleFlag = visibility === 'examples' ? '' : ` --visible ${visibility}`;

  const overall = rates(records);
  const searched = records.filter((record) => record.status === 'searched');
  const byBugType: Record<string, Rates> = {};
  for (const bugType of [...new Set(records.map((record) => record.bugType))].sort()) byBugType[bugType] = rates(records.filter((record) => record.bugType === bugType));

  // Per template: the search's counts plus the hidden verdicts of validated patches.
  const templates: Record<string, { generated: number; tried: number; plausible: number; validated: number; correct: number; tasksWithCorrect: number }> = {};
  for (const record of records) {
    for (const [name, counts] of Object.entries(record.stats?.templates ?? {})) {
      const entry = (templates[name] ??= { generated: 0, tried: 0, plausible: 0, validated: 0, correct: 0, tasksWithCorrect: 0 });
      entry.generated += counts.generated;
      entry.tried += counts.tried;
      entry.plausible += counts.plausible;
      entry.validated += counts.validated;
    }
    const correctTemplates = new Set<string>();
    for (const item of record.patches) {
      if (!item.patch.validated || !item.hidden?.passed) continue;
      const name = item.patch.origin.replace(/^template:/, '');
      const entry = (templates[name] ??= { generated: 0, tried: 0, plausible: 0, validated: 0, correct: 0, tasksWithCorrect: 0 });
      entry.correct++;
      correctTemplates.add(name);
    }
    for (const name of correctTemplates) templates[name].tasksWithCorrect++;
  }

  const firstFromStart = searched.map((record) => record.firstValidatedFromStartMs).filter((value): value is number => value !== undefined);
  const firstInSearch = searched.map((record) => record.stats?.firstValidatedMs).filter((value): value is number => value !== undefined);
  const wall = records.map((record) => record.wallMs);
  const stoppedBy: Record<string, number> = {};
  for (const record of searched) stoppedBy[record.stats?.stoppedBy ?? 'none'] = (stoppedBy[record.stats?.stoppedBy ?? 'none'] ?? 0) + 1;

  // Line scores of the patched lines, correct against incorrect validated patches.
  const validatedPatches = records.flatMap((record) => record.patches.filter((item) => item.patch.validated));
  const lineView = (correct: boolean) => {
    const members = validatedPatches.filter((item) => (item.hidden?.passed === true) === correct);
    const scores = members.map((item) => Math.max(0, ...item.lineScores.map((line) => line.score)));
    const ranks = members.map((item) => Math.min(99, ...item.lineScores.map((line) => line.rank)));
    return {
      patches: members.length,
      meanLineScore: round(mean(scores)),
      medianLineRank: quantile(ranks, 0.5),
      topRanked: ranks.filter((rank) => rank === 1).length,
      touchesAnnotatedBuggyLine: members.filter((item) => item.touchesBuggyLine).length,
    };
  };

  const results = {
    benchmark: `HumanEvalFix-${language} repair (no LLM)${visibility === 'examples' ? '' : `, ${visibility} visible tests`}`,
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), shared with other work; load average at report time ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`,
    setup: {
      visibility,
      visibleTests: `${visibilityDescription(visibility)}; the hidden full \`test\` judges correctness in a separate temp folder`,
      meanVisibleTests: round(mean(records.map((record) => record.visibleTests))),
      pipeline: 'runCheck mode fix, the shipped localizer and repair templates, /usr/bin/python3, per-test timeout 5 s',
      settings: records[0]?.settings,
      plausible: 'a validated patch: every visible test passes',
      correct: 'a validated patch that also passes the hidden tests',
      correctFirst: 'the first-ranked validated patch (what the pre-bouncer decision proposed) is correct',
      priors: 'the shipped priors.json (hand-set, not fitted on this benchmark)',
    },
    tasks: {
      total: records.length,
      noVisibleTests: records.filter((record) => record.status === 'no-visible-tests').map((record) => record.taskId),
      buggyPassesVisibleTests: records.filter((record) => record.status === 'nothing-to-fix').map((record) => record.taskId),
      errors: records.filter((record) => record.status === 'error').map((record) => `${record.taskId}: ${record.error ?? ''}`),
      searched: searched.length,
    },
    overall,
    overallOfSearched: rates(searched),
    byBugType,
    byTemplate: templates,
    timing: {
      tasksWithValidatedPatch: firstFromStart.length,
      firstValidatedFromCheckStartMs: { median: quantile(firstFromStart, 0.5), p90: quantile(firstFromStart, 0.9) },
      firstValidatedFromSearchStartMs: { median: quantile(firstInSearch, 0.5), p90: quantile(firstInSearch, 0.9) },
      wallPerTaskMs: { median: quantile(wall, 0.5), p90: quantile(wall, 0.9), total: wall.reduce((sum, value) => sum + value, 0) },
    },
    search: {
      stoppedBy,
      meanCandidatesGenerated: round(mean(searched.map((record) => record.stats?.candidatesGenerated ?? 0))),
      meanCandidatesTried: round(mean(searched.map((record) => record.stats?.candidatesTried ?? 0))),
      meanValidatedPerTaskWithAny: round(mean(searched.filter((record) => (record.stats?.validated ?? 0) > 0).map((record) => record.stats?.validated ?? 0))),
      // Candidates validated per second of the patch stage (all candidates tried over all search time).
      candidatesPerSecond: round(
        searched.reduce((sum, record) => sum + (record.stats?.candidatesTried ?? 0), 0) / Math.max(1e-9, searched.reduce((sum, record) => sum + (record.stats?.elapsedMs ?? 0), 0) / 1000),
      ),
      warmRuns: searched.reduce((sum, record) => sum + (record.stats?.warmRuns ?? 0), 0),
      coldRuns: searched.reduce((sum, record) => sum + (record.stats?.coldRuns ?? 0), 0),
    },
    patchedLines: { correct: lineView(true), incorrect: lineView(false) },
    perTask: records.map((record) => ({
      task: record.taskId,
      bugType: record.bugType,
      status: record.status,
      failing: `${record.baselineFailed}/${record.visibleTests}`,
      tried: record.stats?.candidatesTried ?? 0,
      validated: record.patches.filter((item) => item.patch.validated).map((item) => ({ title: item.patch.title, origin: item.patch.origin, correct: item.hidden?.passed === true, lineScores: item.lineScores })),
      firstValidatedFromStartMs: record.firstValidatedFromStartMs,
    })),
  };
  const jsonFile = path.join(resultsRoot, `repair-${set.name}.json`);
  writeJson(jsonFile, results, true);

  const md = [
    `# Repair on HumanEvalFix-${language} (no LLM${visibility === 'examples' ? '' : `, ${visibility} visible tests`})`,
    '',
    `Measured ${results.date.slice(0, 10)} on ${results.machine}. Revise sees ${visibilityDescription(visibility)} (${results.setup.meanVisibleTests} visible tests per task on average); the full hidden \`test\` judges each validated patch. Settings: ${JSON.stringify(results.setup.settings)}. Priors: the shipped hand-set \`priors.json\` (not fitted here).`,
    '',
    `Tasks: ${records.length}; no visible tests: ${results.tasks.noVisibleTests.length}; buggy code already passes the visible tests: ${results.tasks.buggyPassesVisibleTests.length}; errors: ${results.tasks.errors.length}; searched: ${searched.length}.`,
    '',
    '| Slice | Tasks | Plausible patch | Correct patch (any) | First patch correct |',
    '|---|---:|---:|---:|---:|',
    rateRow('All tasks', overall),
    rateRow('Tasks with a failing visible test', rates(searched)),
    ...Object.entries(byBugType).map(([name, value]) => rateRow(name, value)),
    '',
    '## Time to the first validated patch',
    '',
    `Over the ${firstFromStart.length} tasks with a validated patch: from the start of the check (capture + localize + search) median ${seconds(results.timing.firstValidatedFromCheckStartMs.median)}, p90 ${seconds(results.timing.firstValidatedFromCheckStartMs.p90)}; from the start of the search median ${seconds(results.timing.firstValidatedFromSearchStartMs.median)}, p90 ${seconds(results.timing.firstValidatedFromSearchStartMs.p90)}. Whole task (check, full search, hidden judging): median ${seconds(results.timing.wallPerTaskMs.median)}, p90 ${seconds(results.timing.wallPerTaskMs.p90)}.`,
    '',
    `Search ended by: ${Object.entries(stoppedBy).map(([reason, count]) => `${reason} ${count}`).join(', ')}; mean candidates generated ${results.search.meanCandidatesGenerated}, tried ${results.search.meanCandidatesTried}; mean validated patches per task that has any: ${results.search.meanValidatedPerTaskWithAny}. Candidates validated per second of search: ${results.search.candidatesPerSecond} (${results.search.warmRuns} test runs served by warm workers, ${results.search.coldRuns} cold).`,
    '',
    '## Per template',
    '',
    '| Template | Generated | Tried | Fix the failing tests | Validated | Correct | Tasks with a correct patch |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(templates)
      .sort((a, b) => b[1].correct - a[1].correct || b[1].validated - a[1].validated)
      .map(([name, value]) => `| ${name} | ${value.generated} | ${value.tried} | ${value.plausible} | ${value.validated} | ${value.correct} (${percent(value.correct, value.validated)} of validated) | ${value.tasksWithCorrect} |`),
    '',
    '## Patched lines',
    '',
    `Correct validated patches (${results.patchedLines.correct.patches}): mean line score ${results.patchedLines.correct.meanLineScore}, median rank ${String(results.patchedLines.correct.medianLineRank)}, ${results.patchedLines.correct.topRanked} on the top suspect, ${results.patchedLines.correct.touchesAnnotatedBuggyLine} on an annotated buggy line.`,
    `Incorrect validated patches (${results.patchedLines.incorrect.patches}): mean line score ${results.patchedLines.incorrect.meanLineScore}, median rank ${String(results.patchedLines.incorrect.medianLineRank)}, ${results.patchedLines.incorrect.topRanked} on the top suspect, ${results.patchedLines.incorrect.touchesAnnotatedBuggyLine} on an annotated buggy line.`,
    '',
    `Per-task details: \`${path.relative(path.join(resultsRoot, '..', '..'), jsonFile)}\`. Reproduce: \`npm run build:tests && node out/bench/repair/humanevalfix.js --language ${language}${visibleFlag} && node out/bench/repair/report.js --language ${language}${visibleFlag}\` (records cached in \`bench/results/tmp/repair-${set.name}/\`).`,
    '',
  ];
  fs.writeFileSync(path.join(resultsRoot, `repair-${set.name}.md`), md.join('\n'));
  console.log(md.slice(0, 16).join('\n'));
}

main();
