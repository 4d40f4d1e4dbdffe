/**
 * Check and Fix with the task given explicitly, on buggy code: what running the task's worked examples
 * against the patch about to be proposed changes. Per held-out HumanEvalComm task that HumanEvalFix also
 * has (Python): the HumanEvalFix buggy source with its docstring-example tests (the repair bench's
 * `examples` project), then `runCheck` in fix mode with the clear and the inconsistent (1c) variant of the
 * task as `--task` (`--variants` for others), with `runTaskExamples` on (shipped) and, where the examples
 * contradicted a patch, off. A proposed patch is judged by the full hidden test.
 *
 *   npm run build:tests && node out/bench/input-bouncer/fix-with-task.js [--data ../shared/data] [--limit N] [--variants prompt,prompt1c]
 *
 * Writes `bench/results/fix-with-task.{json,md}`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { judgeWithHiddenTests, loadRepairTasks, visibleProjectFiles, withTempDir, writeFiles } from '../repair/common';
import { benchSettings, treeAssets } from '../repair/humanevalfix';
import { dataDirectoryFromArguments, loadHumanEvalComm, MAIN_VARIANTS, splitTasks, type LabelledTask } from './data';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
const RESULTS = path.join(repositoryRoot, 'bench', 'results');

interface Row {
  task: string;
  variant: string;
  examplesOn: Outcome;
  examplesOff: Outcome;
}

interface Outcome {
  action: string;
  /** The proposed patch passes the full hidden test. */
  correct?: boolean;
  /** The task's examples contradicted a patch about to be proposed. */
  contradicted: number;
  /** The proposed patch was checked against the task's examples and agreed. */
  agreed: boolean;
  taskVerdict?: string;
  ms: number;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dataDirectory = dataDirectoryFromArguments(argv, repositoryRoot);
  const limitAt = argv.indexOf('--limit');
  const limit = limitAt >= 0 ? Number(argv[limitAt + 1]) : Infinity;
  const variantsAt = argv.indexOf('--variants');
  const variants = variantsAt >= 0 ? argv[variantsAt + 1].split(',') : ['prompt', 'prompt1c'];
  const { test } = splitTasks(loadHumanEvalComm(dataDirectory));
  const fixes = new Map(loadRepairTasks(dataDirectory, 'python').map((task) => [task.taskId.replace(/^Python\//, 'HumanEval/'), task]));
  const byTask = new Map<string, LabelledTask[]>();
  for (const item of test) {
    // A task without docstring examples has no visible test (the repair bench skips it the same way).
    if (item.source !== 'humanevalcomm' || !variants.includes(item.variant) || !fixes.get(item.group)?.exampleTest.trim()) continue;
    byTask.set(item.group, [...(byTask.get(item.group) ?? []), item]);
  }
  const syntax = new SyntaxService(treeAssets.grammarsDir);
  const rows: Row[] = [];
  const groups = [...byTask.keys()].sort().slice(0, limit);
  for (const [index, group] of groups.entries()) {
    const fix = fixes.get(group)!;
    for (const variant of byTask.get(group)!) {
      const outcome = async (runTaskExamples: boolean): Promise<Outcome> =>
        withTempDir('revise-fix-task-', async (root) => {
          writeFiles(root, visibleProjectFiles(fix, 'examples'));
          const started = Date.now();
          const result = await runCheck({
            root,
            mode: 'fix',
            assets: treeAssets,
            settings: { ...benchSettings('python'), runTaskExamples },
            logger: silentLogger,
            syntax,
            task: variant.text,
          });
          const ms = Date.now() - started;
          const report = result.report;
          const proposed = result.outcome.patches.find((patch) => patch.id === report.decision?.patch);
          const correct = report.decision?.action === 'propose' && proposed ? (await judgeWithHiddenTests(fix, proposed.newText)).passed : undefined;
          return {
            action: report.decision?.action ?? 'none',
            ...(correct !== undefined ? { correct } : {}),
            contradicted: result.outcome.patches.filter((patch) => (patch.examples?.contradictions.length ?? 0) > 0).length,
            agreed: (proposed?.examples?.compared ?? 0) > 0 && proposed?.examples?.contradictions.length === 0,
            ...(report.task ? { taskVerdict: report.task.verdict } : {}),
            ms,
          };
        });
      // Until a patch is about to be proposed the two runs are the same (the search is deterministic), so
      // the run with the examples off is made only where they contradicted a patch.
      const examplesOn = await outcome(true);
      const row = { task: group, variant: variant.variant, examplesOn, examplesOff: examplesOn.contradicted > 0 ? await outcome(false) : { ...examplesOn, agreed: false } };
      rows.push(row);
      console.log(`[${index + 1}/${groups.length}] ${group} ${variant.variant} (${row.examplesOn.ms} + ${row.examplesOff.ms} ms): on ${row.examplesOn.action}${row.examplesOn.correct === undefined ? '' : row.examplesOn.correct ? ' (correct)' : ' (wrong)'}, off ${row.examplesOff.action}${row.examplesOff.correct === undefined ? '' : row.examplesOff.correct ? ' (correct)' : ' (wrong)'}`);
    }
  }

  const summary = (variant: string | undefined) => {
    const selected = rows.filter((row) => variant === undefined || row.variant === variant);
    const count = (pick: (row: Row) => boolean) => selected.filter(pick).length;
    return {
      variant: variant ?? 'all',
      checks: selected.length,
      proposedOff: count((row) => row.examplesOff.action === 'propose'),
      correctOff: count((row) => row.examplesOff.correct === true),
      proposedOn: count((row) => row.examplesOn.action === 'propose'),
      correctOn: count((row) => row.examplesOn.correct === true),
      withheld: count((row) => row.examplesOff.action === 'propose' && row.examplesOn.action !== 'propose'),
      withheldCorrect: count((row) => row.examplesOff.correct === true && row.examplesOn.action !== 'propose'),
      agreed: count((row) => row.examplesOn.agreed),
      taskVague: count((row) => row.examplesOn.taskVerdict === 'vague'),
    };
  };
  const table = [...MAIN_VARIANTS.filter((variant) => variants.includes(variant)).map((variant) => summary(variant)), summary(undefined)];
  const ratio = (part: number, whole: number) => (whole === 0 ? '–' : `${part}/${whole} (${((100 * part) / whole).toFixed(1)} %)`);
  fs.writeFileSync(path.join(RESULTS, 'fix-with-task.json'), JSON.stringify({ generatedBy: 'bench/input-bouncer/fix-with-task.ts', date: new Date().toISOString(), table, rows }, null, 2) + '\n');
  const lines = [
    '# Check and Fix with the task given explicitly: the task\'s examples against the patch',
    '',
    `Generated by \`node out/bench/input-bouncer/fix-with-task.js\` on ${new Date().toISOString().slice(0, 10)}. ${groups.length} held-out HumanEvalComm tasks that HumanEvalFix-Python also has; for each, the HumanEvalFix buggy source with its docstring-example tests, and Check and Fix (shipped settings, two workers) with the clear and the inconsistent (1c) variant of the task as the explicit task, with \`revise.task.runExamples\` on (shipped) and, where the examples contradicted a patch, off (until a patch is about to be proposed the two runs are the same: the search is deterministic). A proposal is correct when the patched source passes the task's full hidden test.`,
    '',
    '"withheld" = proposed with the examples off, not proposed with them on; "agreed" = the proposed patch gave the task\'s examples the results they state; "task vague" = the input bouncer\'s verdict on the task (from its text and what the tests assert for the same calls: with failing tests the code is not trusted for it). A vague task stops Check and Fix from proposing unless the tests pin the behaviour down (as they do for the two 1c tasks proposed with the examples off).',
    '',
    '| variant | checks | proposed, examples off (correct) | proposed, examples on (correct) | withheld (of them correct) | agreed | task vague |',
    '|---|---|---|---|---|---|---|',
    ...table.map(
      (entry) =>
        `| ${entry.variant} | ${entry.checks} | ${entry.proposedOff} (${entry.correctOff}) | ${entry.proposedOn} (${entry.correctOn}) | ${entry.withheld} (${entry.withheldCorrect}) | ${entry.agreed} | ${ratio(entry.taskVague, entry.checks)} |`,
    ),
    '',
    'The data is artificial in one way: the visible tests are the clear task\'s own docstring examples, so an inconsistent (1c) variant\'s changed example contradicts a test as well as the patched code: the input bouncer now reads that from the tests (`assertedCalls`) before any patch is searched, which is why nearly every 1c task is vague here. The input-bouncer bench\'s "text + tests" rows measure the same check against the HumanEvalFix hidden tests, which HumanEval wrote apart from the docstrings.',
    '',
  ];
  fs.writeFileSync(path.join(RESULTS, 'fix-with-task.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
