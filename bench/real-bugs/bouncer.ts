/**
 * The output bouncer on mined real bugs: what Check and Fix proposes after the patch search that
 * `mutation.ts` ran (its cached records' `bouncer` field: every validated patch's trust), decided here
 * again with today's risk bars (`bounce/output/risk.ts`) and the shipped calibration table, and what it
 * would propose without them: the most trusted template patch at the threshold for the target. (The same
 * rule as `assessPatches`; no task is judged here, so the vague-task rule never applies.) Records made
 * before the patch's diff was stored get their risks from the template's title (`insert \`X\``,
 * `delete \`X\``); an insertion's line then counts as run by passing tests.
 *
 * A proposal counts as **on a faulty line** when it touches a line the developer's fix changed. That is a
 * proxy for correct, and a generous one: a patch on the right line can still be the wrong edit, and the
 * real bugs have no hidden tests to tell. A proposal on another line is counted as wrong.
 *
 * Usage: node out/bench/real-bugs/mutation.js (with the bouncer, records made after it was added), then
 *        node out/bench/real-bugs/bouncer.js [--work /tmp/revise-real] [--variant L6-C60]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArguments, resultsRoot } from '../localize/common';
import { patchRisks, riskAdjustedTarget, shippedTrustModel, thresholdFor } from '../../extension/src/core/bounce/output/index';
import type { BouncerOutcome, SearchRecord } from './mutation';

const TARGET = 0.9;

interface Counted {
  bugs: number;
  withValidated: number;
  validatedPatches: number;
  validatedOnFaultyLine: number;
  risky: number;
  riskyOnFaultyLine: number;
  shipped: { proposals: number; onFaultyLine: number };
  withoutRiskBars: { proposals: number; onFaultyLine: number };
}

function empty(): Counted {
  return { bugs: 0, withValidated: 0, validatedPatches: 0, validatedOnFaultyLine: 0, risky: 0, riskyOnFaultyLine: 0, shipped: { proposals: 0, onFaultyLine: 0 }, withoutRiskBars: { proposals: 0, onFaultyLine: 0 } };
}

type Validated = BouncerOutcome['patches'][number];

/** The patch's risks: from its diff, or rebuilt from a template title for records that lack the diff. */
function risksOf(patch: Validated): string[] {
  if (patch.diff !== undefined) return patchRisks({ diff: patch.diff }, { coverageKnown: patch.coverageKnown ?? 0, coveringPassing: patch.coveringPassing ?? 1 }).map((risk) => risk.kind);
  const inserted = /^insert `(.+?)`(?: after `.+`)?$/.exec(patch.title);
  const deleted = /^delete `(.+)`$/.exec(patch.title);
  const diff = inserted ? `+${inserted[1]}` : deleted ? `-${deleted[1]}` : '';
  const uncovered = patch.risks.includes('uncovered-line');
  return patchRisks({ diff }, { coverageKnown: 1, coveringPassing: uncovered ? 0 : 1 }).map((risk) => risk.kind);
}

/** The proposal under the shipped table: each patch must reach its (risk-adjusted) threshold; the most trusted that does wins. */
function decide(outcome: BouncerOutcome, riskBars: boolean): Validated | undefined {
  const calibration = shippedTrustModel().calibration;
  const templates = outcome.patches.filter((patch) => !patch.origin.startsWith('llm:'));
  const pool = templates.length > 0 ? templates : outcome.patches;
  const clearing = pool.filter((patch) => patch.trust >= thresholdFor(calibration, riskAdjustedTarget(TARGET, riskBars ? risksOf(patch).length : 0)).threshold);
  return clearing.reduce<Validated | undefined>((top, patch) => (!top || patch.trust > top.trust ? patch : top), undefined);
}

function main(): void {
  const options = parseArguments(process.argv.slice(2));
  const work = path.resolve(options.get('work') ?? '/tmp/revise-real');
  const variant = options.get('variant') ?? 'L6-C60';
  const dir = path.join(work, 'mutation', variant);
  const records = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as SearchRecord);
  const byProject = new Map<string, Counted>();
  const all = empty();
  const listed: string[] = [];
  let withoutOutcome = 0;
  for (const record of records) {
    const project = record.id.split('/')[0];
    const groups = [all, byProject.get(project) ?? byProject.set(project, empty()).get(project)!];
    for (const group of groups) group.bugs++;
    if (record.stats.validated > 0 && !record.bouncer) withoutOutcome++;
    const outcome = record.bouncer;
    if (!outcome || outcome.patches.length === 0) continue;
    const shipped = decide(outcome, true);
    const before = decide(outcome, false);
    for (const group of groups) {
      group.withValidated++;
      group.validatedPatches += outcome.patches.length;
      group.validatedOnFaultyLine += outcome.patches.filter((patch) => patch.onFaultyLine).length;
      group.risky += outcome.patches.filter((patch) => risksOf(patch).length > 0).length;
      group.riskyOnFaultyLine += outcome.patches.filter((patch) => risksOf(patch).length > 0 && patch.onFaultyLine).length;
      if (shipped) {
        group.shipped.proposals++;
        if (shipped.onFaultyLine) group.shipped.onFaultyLine++;
      }
      if (before) {
        group.withoutRiskBars.proposals++;
        if (before.onFaultyLine) group.withoutRiskBars.onFaultyLine++;
      }
    }
    const describe = (patch: Validated | undefined) => {
      if (!patch) return 'nothing';
      const risks = risksOf(patch);
      return `${patch.title} at ${patch.file}:${patch.line} (trust ${patch.trust.toFixed(2)}${risks.length ? `; ${risks.join(', ')}` : ''}; ${patch.onFaultyLine ? 'on a faulty line' : '**not on a faulty line**'})`;
    };
    listed.push(`| ${record.id} | ${outcome.patches.length} | ${describe(shipped)} | ${before === shipped ? 'the same' : describe(before)} |`);
  }
  const precision = (part: { proposals: number; onFaultyLine: number }) => (part.proposals === 0 ? '–' : (part.onFaultyLine / part.proposals).toFixed(3));
  const row = (name: string, counted: Counted) =>
    `| ${name} | ${counted.bugs} | ${counted.withValidated} | ${counted.validatedPatches} (${counted.validatedOnFaultyLine} on a faulty line) | ${counted.risky} (${counted.riskyOnFaultyLine}) | ${counted.shipped.proposals}, ${counted.shipped.onFaultyLine} on a faulty line, precision ${precision(counted.shipped)} | ${counted.withoutRiskBars.proposals}, ${counted.withoutRiskBars.onFaultyLine} on a faulty line, precision ${precision(counted.withoutRiskBars)} |`;
  const output = { benchmark: 'output bouncer on mined real bugs', date: new Date().toISOString(), variant, records: records.length, recordsWithoutBouncer: withoutOutcome, all, byProject: Object.fromEntries(byProject) };
  const md = [
    '# Output bouncer on mined real bugs',
    '',
    `Run ${output.date} by \`bench/real-bugs/bouncer.ts\` over the cached searches of \`mutation.ts\` (variant ${variant}; target precision ${TARGET}, each validated patch's recorded trust against the shipped calibration table; no task judged; no whole-suite confirmation: each check runs only the fix's own test modules). A proposal is counted **on a faulty line** when it touches a line the developer's fix changed: a generous proxy for correct (the right line can still get the wrong edit), and the only one these bugs allow. ${withoutOutcome > 0 ? `${withoutOutcome} searches with validated patches predate the bouncer record and are left out.` : ''}`,
    '',
    '| project | bugs searched | with a validated patch | validated patches | with a risk (on a faulty line) | proposals, shipped (risk bars) | proposals without the risk bars |',
    '|---|---|---|---|---|---|---|',
    row('all', all),
    ...[...byProject].sort(([a], [b]) => a.localeCompare(b)).map(([project, counted]) => row(project, counted)),
    '',
    '## Every bug with a validated patch',
    '',
    '| bug | validated | proposed (shipped) | proposed without the risk bars |',
    '|---|---|---|---|',
    ...listed.sort(),
    '',
  ].join('\n');
  const out = path.join(resultsRoot, 'real-bugs-bouncer');
  fs.writeFileSync(`${out}.json`, `${JSON.stringify(output, null, 2)}\n`);
  fs.writeFileSync(`${out}.md`, md);
  console.log(md);
}

main();
