/**
 * Check and Fix (`runCheck`, fix mode, shipped settings) on mined real Python bugs, with the examples checks
 * on (shipped: the patch about to be proposed is run against the doctest examples of the function it
 * changes, before and after) and, where they objected to a patch, off. Each check runs the fix's own test
 * modules (`--command`, as the other real-bug harnesses do; a `python -m pytest` command, so candidates validate in warm workers) on the parent
 * commit's source. A proposal counts as "on a faulty line" when it touches a line the developer's fix
 * changed (the same generous proxy as `bouncer.ts`).
 *
 * Usage: node out/bench/real-bugs/doctests.js [--only ID,ID] [--project a,b] [--data ..] [--work /tmp/revise-real]
 *        (default: the Python bugs for which the mutation bench validated a patch)
 * Writes bench/results/real-bugs-doctests.{json,md}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { parseArguments, resultsRoot } from '../localize/common';
import { PYTHON } from '../repair/common';
import { treeAssets } from '../repair/humanevalfix';
import { bugEnvironment, checkDir, onFaultyLine, prepareCheck, realBugPaths, selectBugs, testCommand, withEnvironment, type Bug } from './localize';

interface Outcome {
  action: string;
  proposed?: { title: string; file: string; line: number; onFaultyLine: boolean };
  /** Patches the examples objected to (title and why). */
  objections: { title: string; onFaultyLine: boolean; broken: number }[];
  /** The proposed patch's doctests: examples run, none broken. */
  doctestsRun: number;
  ms: number;
}

async function check(bug: Bug, root: string, runTaskExamples: boolean, syntax: SyntaxService): Promise<Outcome> {
  const started = Date.now();
  return withEnvironment(bugEnvironment(bug, root), async () => {
    const result = await runCheck({
      root,
      mode: 'fix',
      assets: treeAssets,
      settings: { ...DEFAULT_SETTINGS, pythonPath: PYTHON, testCommand: testCommand(bug), runTaskExamples, patch: { ...DEFAULT_SETTINGS.patch, workers: 2 } },
      logger: silentLogger,
      syntax,
    });
    const patches = result.outcome.patches;
    const proposed = patches.find((patch) => patch.id === result.report.decision?.patch);
    return {
      action: result.report.decision?.action ?? 'none',
      ...(proposed ? { proposed: { title: proposed.title, file: path.relative(root, proposed.file), line: proposed.lines[0] ?? 0, onFaultyLine: onFaultyLine(bug, root, proposed) } } : {}),
      objections: patches
        .filter((patch) => (patch.documented?.broken.length ?? 0) > 0 || (patch.examples?.contradictions.length ?? 0) > 0)
        .map((patch) => ({ title: `${patch.title} at ${path.relative(root, patch.file)}:${patch.lines[0] ?? '?'}`, onFaultyLine: onFaultyLine(bug, root, patch), broken: patch.documented?.broken.length ?? 0 })),
      doctestsRun: proposed?.documented?.run ?? 0,
      ms: Date.now() - started,
    };
  });
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const paths = realBugPaths(options);
  let { bugs } = selectBugs(options);
  if (!options.get('only') && !options.get('project')) {
    const mutation = JSON.parse(fs.readFileSync(path.join(resultsRoot, 'real-bugs-mutation.json'), 'utf8')) as { variants: { bugs: { id: string; validated: number }[] }[] };
    const validated = new Set(mutation.variants[0]!.bugs.filter((bug) => bug.validated > 0).map((bug) => bug.id));
    bugs = bugs.filter((bug) => validated.has(bug.id));
  }
  bugs = bugs.filter((bug) => bug.language === 'python');
  const syntax = new SyntaxService(treeAssets.grammarsDir);
  const rows: { id: string; project: string; on: Outcome; off: Outcome }[] = [];
  for (const [index, bug] of bugs.entries()) {
    const root = checkDir(bug, paths.work);
    prepareCheck(bug, root, paths.data, paths.work);
    try {
      const on = await check(bug, root, true, syntax);
      // Until a patch is about to be proposed the two runs are the same, so the run with the checks off is
      // made only where they objected to a patch.
      const off = on.objections.length > 0 ? await check(bug, root, false, syntax) : on;
      rows.push({ id: bug.id, project: bug.project, on, off });
      const describe = (outcome: Outcome) => `${outcome.action}${outcome.proposed ? ` ${outcome.proposed.title} (${outcome.proposed.onFaultyLine ? 'faulty line' : 'not a faulty line'})` : ''}`;
      console.log(`[${index + 1}/${bugs.length}] ${bug.id} (${Math.round(on.ms / 1000)} s): on ${describe(on)}; off ${describe(off)}; objections ${on.objections.length}; doctests run ${on.doctestsRun}`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  const count = (pick: (row: (typeof rows)[number]) => boolean) => rows.filter(pick).length;
  const summary = {
    bugs: rows.length,
    proposalsOff: count((row) => row.off.action === 'propose'),
    onFaultyOff: count((row) => row.off.proposed?.onFaultyLine === true),
    proposalsOn: count((row) => row.on.action === 'propose'),
    onFaultyOn: count((row) => row.on.proposed?.onFaultyLine === true),
    objections: rows.reduce((sum, row) => sum + row.on.objections.length, 0),
    objectionsOnFaulty: rows.reduce((sum, row) => sum + row.on.objections.filter((item) => item.onFaultyLine).length, 0),
    proposalsWithDoctests: count((row) => row.on.doctestsRun > 0),
  };
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-doctests.json'), JSON.stringify({ generatedBy: 'bench/real-bugs/doctests.ts', date: new Date().toISOString(), summary, rows }, null, 2) + '\n');
  const precision = (right: number, all: number) => (all === 0 ? '–' : (right / all).toFixed(3));
  const lines = [
    '# Doctest examples against the patch about to be proposed, on mined real bugs',
    '',
    `Run ${new Date().toISOString()} by \`bench/real-bugs/doctests.ts\`: Check and Fix (\`runCheck\`, shipped settings, the fix's own test modules as the test command, a \`python -m pytest\` command that warm workers take) on ${rows.length} mined Python bugs for which the mutation bench validated a patch, with the examples checks on (shipped) and, where they objected to a patch, off. "On a faulty line" = the patch touches a line the developer's fix changed (a generous proxy for correct).`,
    '',
    '| | proposals | on a faulty line | precision |',
    '|---|---|---|---|',
    `| checks off | ${summary.proposalsOff} | ${summary.onFaultyOff} | ${precision(summary.onFaultyOff, summary.proposalsOff)} |`,
    `| checks on (shipped) | ${summary.proposalsOn} | ${summary.onFaultyOn} | ${precision(summary.onFaultyOn, summary.proposalsOn)} |`,
    '',
    `Patches the examples objected to: ${summary.objections} (${summary.objectionsOnFaulty} on a faulty line). Proposals whose function has doctests that ran: ${summary.proposalsWithDoctests}.`,
    '',
    '| bug | checks on | checks off | objections |',
    '|---|---|---|---|',
    ...rows.map((row) => {
      const cell = (outcome: Outcome) => (outcome.proposed ? `${outcome.proposed.title} at ${outcome.proposed.file}:${outcome.proposed.line} (${outcome.proposed.onFaultyLine ? 'faulty line' : '**not a faulty line**'})` : outcome.action);
      return `| ${row.id} | ${cell(row.on)} | ${cell(row.off)} | ${row.on.objections.map((item) => `${item.title} (${item.onFaultyLine ? 'faulty line' : 'not faulty'}${item.broken ? `, ${item.broken} doctest broken` : ''})`).join('; ').replace(/\|/g, '\\|') || '–'} |`;
    }),
    '',
  ];
  fs.writeFileSync(path.join(resultsRoot, 'real-bugs-doctests.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
