/**
 * Turns what the webview knows (a report, a busy message, the state of patch applications) into a tree
 * of plain objects. Pure and DOM-free, so the whole layout logic runs in plain Node tests; `main.ts` only
 * turns the tree into elements, with text always set as text.
 */
import type { CheckReport } from '../../extension/src/core/types';
import { describeTaskSource } from '../../extension/src/core/taskSource';

/** Elements the view uses; `main.ts` creates nothing else. */
export type ViewTag =
  | 'main'
  | 'header'
  | 'section'
  | 'h1'
  | 'h2'
  | 'h3'
  | 'p'
  | 'div'
  | 'span'
  | 'ul'
  | 'ol'
  | 'li'
  | 'button'
  | 'pre'
  | 'code'
  | 'details'
  | 'summary';

/** What activating a button asks for; `main.ts` turns it into a protocol message. */
export type ViewAction =
  | { method: 'openLocation'; file: string; line: number }
  | { method: 'previewPatch'; patchId: string }
  | { method: 'applyPatch'; patchId: string }
  | { method: 'rerun' };

/** One element of the view. */
export interface ViewNode {
  tag: ViewTag;
  /** Space-separated class names. */
  className?: string;
  /** Text content (set with `textContent`, never parsed as HTML). */
  text?: string;
  children?: ViewNode[];
  /** For buttons: what a click or Enter/Space sends. */
  action?: ViewAction;
  /** Stable identity, so focus and open `<details>` survive a re-render. */
  key?: string;
  /** Accessible name when the visible text alone is not enough. */
  label?: string;
  /** Tooltip. */
  title?: string;
  disabled?: boolean;
  /** For `<details>`: open when first shown. */
  open?: boolean;
  /** ARIA role, where the element's own role is not the right one. */
  role?: 'status' | 'alert' | 'note';
  /** Hidden from screen readers because the same thing is said in text next to it. */
  decorative?: boolean;
  /** For bars: the filled fraction in [0, 1] (set through the CSSOM, which the CSP allows). */
  fill?: number;
}

/** How applying one patch went, as far as the webview knows. */
export type PatchApplication = { state: 'applying' } | { state: 'applied' } | { state: 'failed'; error: string };

/** Everything the view is computed from. */
export interface ViewState {
  report?: CheckReport;
  /** Set while a check runs: what it is doing. */
  busy?: string;
  /** Applications requested since the report was shown, by patch id. */
  applications: Readonly<Record<string, PatchApplication>>;
}

/** Suspects shown before the rest are folded away; more is noise for a reader. */
export const VISIBLE_SUSPECTS = 10;

/** Fault probability at which a suspect is drawn as high (matches `revise.diagnostics.errorThreshold`). */
const HIGH_SCORE = 0.7;
/** Fault probability at which a suspect is drawn as medium (matches `revise.diagnostics.threshold`). */
const MEDIUM_SCORE = 0.3;

type Suspect = CheckReport['suspects'][number];
type ReportPatch = CheckReport['patches'][number];

/** Builds the whole view for a state. */
export function renderView(state: ViewState): ViewNode {
  const { report } = state;
  const children: ViewNode[] = [renderHeader(state)];
  if (state.busy !== undefined) {
    children.push({ tag: 'p', className: 'busy', role: 'status', text: state.busy || 'Checking…' });
  }
  if (!report) {
    if (state.busy === undefined) {
      children.push({ tag: 'p', className: 'empty', text: 'No report yet. Run a check to see failing tests, suspect lines and patches.' });
    }
    return { tag: 'main', className: 'report', children };
  }
  const decision = renderDecision(report);
  if (decision) children.push(decision);
  if (report.task) children.push(renderTask(report.task));
  children.push(renderTests(report));
  if (report.problems.length > 0) children.push(renderProblems(report));
  if (report.suspects.length > 0) children.push(renderSuspects(report));
  if (report.patches.length > 0) children.push(renderPatches(report, state.applications));
  children.push(renderTimings(report));
  return { tag: 'main', className: state.busy !== undefined ? 'report stale' : 'report', children };
}

/** Suspects by fault probability, highest first; equal scores keep the report's order. */
export function suspectsByScore(suspects: readonly Suspect[]): Suspect[] {
  return suspects
    .map((suspect, index) => ({ suspect, index }))
    .sort((a, b) => b.suspect.score - a.suspect.score || a.index - b.index)
    .map((entry) => entry.suspect);
}

/** The id of the patch the decision proposes, if it proposes one that the report holds. */
export function proposedPatchId(report: CheckReport): string | undefined {
  const decision = report.decision;
  if (decision?.action !== 'propose' || decision.patch === undefined) return undefined;
  return report.patches.some((patch) => patch.id === decision.patch) ? decision.patch : undefined;
}

/** Whole percent, e.g. `0.806` → `81%`. */
export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Milliseconds as a short duration: `840 ms`, `2.1 s`, `3 min 5 s`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** `high`, `medium` or `low`: how a probability is colored. */
export function heatLevel(score: number): 'high' | 'medium' | 'low' {
  if (score >= HIGH_SCORE) return 'high';
  if (score >= MEDIUM_SCORE) return 'medium';
  return 'low';
}

/** One line of a unified diff with how it is drawn. */
export interface DiffLine {
  kind: 'header' | 'hunk' | 'add' | 'remove' | 'context' | 'meta';
  text: string;
}

/** Splits a unified diff into lines classified for coloring. */
export function classifyDiff(diff: string): DiffLine[] {
  const lines = diff.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  let inHunk = false;
  return lines.map((text): DiffLine => {
    if (text.startsWith('@@')) {
      inHunk = true;
      return { kind: 'hunk', text };
    }
    // `--- a/x` and `+++ b/x` are headers only before the first hunk; inside one they are content.
    if (!inHunk && (text.startsWith('--- ') || text.startsWith('+++ ') || text.startsWith('diff ') || text.startsWith('index '))) {
      return { kind: 'header', text };
    }
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'remove', text };
    if (text.startsWith('\\')) return { kind: 'meta', text };
    return { kind: 'context', text };
  });
}

/** One side of a side-by-side diff row: a line of the old or new file, or nothing (a gap). */
export interface DiffCell {
  /** 1-based line number in that file. */
  line: number;
  text: string;
  kind: 'context' | 'remove' | 'add';
}

/** One row of a side-by-side diff: the old file on the left, the new on the right; a hunk starts a row of its own. */
export type DiffRow = { hunk: string } | { left?: DiffCell; right?: DiffCell };

/**
 * Pairs a unified diff's lines for a side-by-side view: context on both sides; within a run of removed
 * and added lines, the n-th removed line faces the n-th added one, and the longer side faces gaps.
 * File headers are dropped (the patch's heading names the file).
 */
export function sideBySideDiff(diff: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldLine = 0;
  let newLine = 0;
  let removed: DiffCell[] = [];
  let added: DiffCell[] = [];
  const flush = () => {
    for (let index = 0; index < Math.max(removed.length, added.length); index++) {
      rows.push({ ...(removed[index] ? { left: removed[index] } : {}), ...(added[index] ? { right: added[index] } : {}) });
    }
    removed = [];
    added = [];
  };
  for (const line of classifyDiff(diff)) {
    // Drop the leading `+`, `-` or space: the side and the color say it.
    const text = line.text.slice(1);
    switch (line.kind) {
      case 'hunk': {
        flush();
        const match = /^@@ -(\d+)(?:,\d+)? \+(\d+)/.exec(line.text);
        oldLine = match ? Number(match[1]) : 1;
        newLine = match ? Number(match[2]) : 1;
        rows.push({ hunk: line.text });
        break;
      }
      case 'remove':
        removed.push({ line: oldLine++, text, kind: 'remove' });
        break;
      case 'add':
        added.push({ line: newLine++, text, kind: 'add' });
        break;
      case 'context':
        flush();
        rows.push({ left: { line: oldLine++, text, kind: 'context' }, right: { line: newLine++, text, kind: 'context' } });
        break;
      case 'header':
      case 'meta':
        break;
    }
  }
  flush();
  return rows;
}

/**
 * Which tests a patch passed, in words. A validated patch with no failing test passed every test of
 * the run, so the ones that failed before the patch are named; otherwise only the counts are known.
 */
export function patchTestsText(patch: Pick<ReportPatch, 'validated' | 'testsPassed' | 'testsFailed' | 'checked'>, failingBefore: readonly string[]): string {
  const total = patch.testsPassed + patch.testsFailed;
  // Validated on the failing tests and the tests that run its lines, the rest of the suite not yet run.
  if (patch.validated && patch.checked && patch.checked.fullSuite !== 'confirmed') {
    const { failing, covering } = patch.checked;
    const related = covering > 0 ? ` and the ${covering} passing ${covering === 1 ? 'test that runs' : 'tests that run'} its lines` : '';
    return `Passes the ${failing} failing ${failing === 1 ? 'test' : 'tests'}${related}; the rest of the suite not yet run.`;
  }
  if (patch.validated && patch.checked?.affected && patch.testsFailed === 0) {
    const { ran, notRun } = patch.checked.affected;
    return `Passes the ${ran} ${ran === 1 ? 'test that runs' : 'tests that run'} its file, run cold; the other ${notRun} ${notRun === 1 ? 'test never runs' : 'tests never run'} it and ${notRun === 1 ? 'was' : 'were'} not run again.`;
  }
  if (patch.testsFailed === 0 && total > 0) {
    const fixed = failingBefore.length > 0 ? `, including the ${failingBefore.length} that failed before: ${failingBefore.join(', ')}` : '';
    return `Passes all ${total} tests${fixed}.`;
  }
  return `Passes ${patch.testsPassed} of ${total} tests; ${patch.testsFailed} still fail${patch.validated ? '' : ' (not validated)'}.`;
}

/**
 * The first line of the new file a diff changes: its first added line, else (a pure deletion) the line
 * where the first removal was, else its first hunk's start, else 1.
 */
export function firstChangedLine(diff: string): number {
  for (const row of sideBySideDiff(diff)) {
    if ('hunk' in row) continue;
    if (row.right?.kind === 'add') return Math.max(1, row.right.line);
    if (row.left?.kind === 'remove') return Math.max(1, row.left.line);
  }
  const match = /^@@ -\d+(?:,\d+)? \+(\d+)/m.exec(diff);
  const line = match ? Number(match[1]) : 1;
  return line >= 1 ? line : 1;
}

// ---- Sections ---------------------------------------------------------------------------------------

function renderHeader(state: ViewState): ViewNode {
  const busy = state.busy !== undefined;
  return {
    tag: 'header',
    className: 'report-header',
    children: [
      { tag: 'h1', text: 'Revise Report' },
      ...(state.report ? [{ tag: 'span', className: 'root', text: state.report.root, title: 'Workspace folder checked' } satisfies ViewNode] : []),
      {
        tag: 'button',
        className: 'button secondary',
        key: 'rerun',
        text: busy ? 'Checking…' : state.report ? 'Run Again' : 'Run Check',
        action: { method: 'rerun' },
        disabled: busy,
      },
    ],
  };
}

function renderDecision(report: CheckReport): ViewNode | undefined {
  const decision = report.decision;
  if (!decision) return undefined;
  const proposed = proposedPatchId(report);
  const patch = report.patches.find((candidate) => candidate.id === proposed);
  let headline: ViewNode[];
  switch (decision.action) {
    case 'propose':
      headline = patch ? [{ tag: 'span', text: 'Proposed fix:' }, ...inlineCode(patch.title || patch.id)] : [{ tag: 'span', text: 'Proposed fix' }];
      break;
    case 'abstain':
      headline = [{ tag: 'span', text: 'No fix proposed: Revise abstains' }];
      break;
    case 'nothing-to-fix':
      headline = [{ tag: 'span', text: 'Nothing to fix' }];
      break;
  }
  const children: ViewNode[] = [
    {
      tag: 'h2',
      children: [
        { tag: 'span', className: 'headline', children: headline },
        { tag: 'span', className: 'badge', text: `confidence ${formatPercent(decision.confidence)}` },
      ],
    },
  ];
  if (patch) children.push({ tag: 'p', className: 'muted', text: `${patch.file} · ${patch.origin}` });
  if (decision.reasons.length > 0) {
    children.push({ tag: 'ul', className: 'reasons', children: decision.reasons.map((reason) => ({ tag: 'li', children: inlineCode(reason) })) });
  }
  return { tag: 'section', className: `decision decision-${decision.action}`, role: 'note', children };
}

function renderTask(task: NonNullable<CheckReport['task']>): ViewNode {
  const children: ViewNode[] = [
    {
      tag: 'h2',
      children: [
        { tag: 'span', text: 'Task' },
        { tag: 'span', className: `badge verdict-${task.verdict}`, text: task.verdict },
        { tag: 'span', className: 'badge', text: `vagueness ${formatPercent(task.vagueness)}` },
      ],
    },
    { tag: 'p', className: 'task-text', text: task.text },
  ];
  const origin = describeTaskSource(task, 'given by you');
  if (origin) children.splice(1, 0, { tag: 'p', className: 'muted task-source', text: `From: ${origin}` });
  if (task.missing && task.missing.length > 0) {
    children.push({ tag: 'p', className: 'muted', text: 'Missing:' });
    children.push({ tag: 'ul', children: task.missing.map((item) => ({ tag: 'li', text: item })) });
  }
  return { tag: 'section', className: 'task', children };
}

function renderTests(report: CheckReport): ViewNode {
  const { tests } = report;
  const counts: ViewNode[] = [
    { tag: 'span', className: 'count passed', text: `${tests.passed} passed` },
    { tag: 'span', className: tests.failed > 0 ? 'count failed' : 'count', text: `${tests.failed} failed` },
  ];
  if (tests.skipped > 0) counts.push({ tag: 'span', className: 'count', text: `${tests.skipped} skipped` });
  counts.push({ tag: 'span', className: 'muted', text: `${tests.framework} · ${formatDuration(tests.durationMs)} · coverage: ${tests.coverage}` });
  const children: ViewNode[] = [
    { tag: 'h2', text: 'Tests' },
    { tag: 'p', className: 'counts', children: counts },
  ];
  if (!tests.complete) {
    children.push({ tag: 'p', className: 'warning', role: 'alert', text: 'The run was cut short; results cover only the tests that finished.' });
  }
  if (tests.failures.length > 0) {
    children.push({
      tag: 'ul',
      className: 'failures',
      children: tests.failures.map((failure, index) => ({
        tag: 'li',
        className: 'failure',
        children: [
          { tag: 'code', className: 'test-id', text: failure.id },
          ...locationButton(failure.file, failure.line, `failure/${index}`),
          { tag: 'pre', className: 'message', text: failure.message },
        ],
      })),
    });
  }
  return { tag: 'section', className: 'tests', children };
}

function renderProblems(report: CheckReport): ViewNode {
  return {
    tag: 'section',
    className: 'problems',
    children: [
      { tag: 'h2', text: `Problems (${report.problems.length})` },
      {
        tag: 'ul',
        children: report.problems.map((problem, index) => ({
          tag: 'li',
          className: 'problem',
          children: [
            { tag: 'span', className: 'badge', text: problem.kind },
            ...locationButton(problem.file, problem.line, `problem/${index}`),
            { tag: 'span', text: problem.message },
          ],
        })),
      },
    ],
  };
}

function renderSuspects(report: CheckReport): ViewNode {
  const ordered = suspectsByScore(report.suspects);
  const items = ordered.map((suspect, index) => renderSuspect(suspect, index + 1));
  const children: ViewNode[] = [
    { tag: 'h2', text: 'Suspect lines' },
    { tag: 'p', className: 'muted', text: 'Probability that each line is faulty, with the evidence that moved it.' },
    { tag: 'ol', className: 'suspects', children: items.slice(0, VISIBLE_SUSPECTS) },
  ];
  if (items.length > VISIBLE_SUSPECTS) {
    children.push({
      tag: 'details',
      key: 'more-suspects',
      children: [
        { tag: 'summary', text: `${items.length - VISIBLE_SUSPECTS} more` },
        { tag: 'ol', className: 'suspects', children: items.slice(VISIBLE_SUSPECTS) },
      ],
    });
  }
  return { tag: 'section', className: 'suspects-section', children };
}

function renderSuspect(suspect: Suspect, rank: number): ViewNode {
  const level = heatLevel(suspect.score);
  const percent = formatPercent(suspect.score);
  const row: ViewNode[] = [
    { tag: 'span', className: 'rank', text: `${rank}.` },
    {
      tag: 'button',
      className: 'link location',
      key: `suspect/${suspect.file}:${suspect.line}`,
      text: `${suspect.file}:${suspect.line}`,
      title: `Open ${suspect.file} at line ${suspect.line}`,
      action: { method: 'openLocation', file: suspect.file, line: suspect.line },
    },
    {
      tag: 'span',
      className: 'bar',
      decorative: true,
      children: [{ tag: 'span', className: `bar-fill heat-${level}`, fill: suspect.score }],
    },
    { tag: 'span', className: `score heat-${level}`, text: percent },
  ];
  const children: ViewNode[] = [{ tag: 'div', className: 'suspect-row', children: row }];
  if (suspect.text) children.push({ tag: 'code', className: 'source', text: suspect.text });
  if (suspect.evidence.length > 0) {
    children.push({
      tag: 'ul',
      className: 'evidence',
      children: suspect.evidence.map((item) => ({
        tag: 'li',
        children: [
          { tag: 'span', className: `evidence-kind kind-${item.kind}`, text: item.kind },
          { tag: 'span', children: inlineCode(item.detail) },
        ],
      })),
    });
  }
  return { tag: 'li', className: `suspect heat-${level}`, children };
}

function renderPatches(report: CheckReport, applications: ViewState['applications']): ViewNode {
  const proposed = proposedPatchId(report);
  // The proposed patch first, then the report's order (best first).
  const ordered = [...report.patches].sort((a, b) => Number(b.id === proposed) - Number(a.id === proposed));
  const failingBefore = report.tests.failures.map((failure) => failure.id);
  return {
    tag: 'section',
    className: 'patches',
    children: [
      { tag: 'h2', text: `Patches (${report.patches.length})` },
      ...ordered.map((patch) => renderPatch(patch, patch.id === proposed, applications[patch.id], failingBefore)),
    ],
  };
}

function renderPatch(patch: ReportPatch, proposed: boolean, application: PatchApplication | undefined, failingBefore: readonly string[]): ViewNode {
  const badges: ViewNode[] = [];
  if (proposed) badges.push({ tag: 'span', className: 'badge proposed-badge', text: 'Proposed' });
  badges.push(
    patch.validated
      ? { tag: 'span', className: 'badge ok', text: 'Validated' }
      : { tag: 'span', className: 'badge not-ok', text: 'Not validated' },
  );
  badges.push({
    tag: 'span',
    className: patch.testsFailed > 0 ? 'badge not-ok' : 'badge',
    text: `tests ${patch.testsPassed} passed, ${patch.testsFailed} failed`,
  });
  if (patch.trust !== undefined) badges.push({ tag: 'span', className: 'badge', text: `trust ${formatPercent(patch.trust)}` });

  const applying = application?.state === 'applying';
  const applied = application?.state === 'applied';
  const buttons: ViewNode[] = [
    {
      tag: 'button',
      className: 'button secondary',
      key: `preview/${patch.id}`,
      text: 'Preview',
      label: `Preview patch ${patch.title || patch.id}`,
      action: { method: 'previewPatch', patchId: patch.id },
    },
    {
      tag: 'button',
      className: proposed ? 'button' : 'button secondary',
      key: `apply/${patch.id}`,
      text: applying ? 'Applying…' : applied ? 'Applied' : 'Apply',
      label: `Apply patch ${patch.title || patch.id}`,
      action: { method: 'applyPatch', patchId: patch.id },
      disabled: applying || applied,
    },
  ];
  const status: ViewNode[] = [];
  if (application?.state === 'failed') {
    status.push({ tag: 'p', className: 'error', role: 'alert', text: `Could not apply: ${application.error}` });
  } else if (applied) {
    status.push({ tag: 'p', className: 'success', role: 'status', text: 'Applied. Undo works as for any edit; run the check again to confirm.' });
  }
  const diff = renderSideBySide(patch);
  return {
    tag: 'div',
    className: proposed ? 'patch proposed' : 'patch',
    children: [
      {
        tag: 'h3',
        children: [
          { tag: 'span', className: 'patch-title', children: inlineCode(patch.title || patch.id) },
          ...locationButton(patch.file, firstChangedLine(patch.diff), `patch/${patch.id}`),
        ],
      },
      { tag: 'p', className: 'badges', children: [...badges, { tag: 'span', className: 'muted', text: patch.origin }] },
      { tag: 'p', className: 'patch-tests', text: patchTestsText(patch, failingBefore) },
      { tag: 'div', className: 'actions', children: buttons },
      ...status,
      // Only the proposed patch's diff is open at first; the others fold away.
      { tag: 'details', className: 'diff-details', key: `diff/${patch.id}`, open: proposed, children: [{ tag: 'summary', text: 'Diff (before | after)' }, diff] },
    ],
  };
}

/** The old file on the left, the new on the right, line numbers on both; a gap where one side has no line. */
function renderSideBySide(patch: ReportPatch): ViewNode {
  const cell = (side: 'left' | 'right', value: DiffCell | undefined): ViewNode[] => [
    { tag: 'span', className: `diff-number ${side}`, decorative: true, text: value ? String(value.line) : '' },
    { tag: 'span', className: value ? `diff-cell ${side} diff-${value.kind}` : `diff-cell ${side} diff-gap`, text: value?.text ?? '' },
  ];
  const rows = sideBySideDiff(patch.diff).map((row): ViewNode =>
    'hunk' in row
      ? { tag: 'div', className: 'diff-row diff-hunk-row', children: [{ tag: 'span', className: 'diff-hunk', text: row.hunk }] }
      : { tag: 'div', className: 'diff-row', children: [...cell('left', row.left), ...cell('right', row.right)] },
  );
  return {
    tag: 'div',
    className: 'side-by-side',
    label: `Diff of ${patch.file}: the file before on the left, after the patch on the right`,
    children: [
      {
        tag: 'div',
        className: 'diff-row diff-columns',
        decorative: true,
        children: [
          { tag: 'span', className: 'diff-column-title left', text: 'Before' },
          { tag: 'span', className: 'diff-column-title right', text: 'After' },
        ],
      },
      ...rows,
    ],
  };
}

/** Each stage's share of the check, as a bar, with the total. */
function renderTimings(report: CheckReport): ViewNode {
  const { timingsMs } = report;
  const stages = (['capture', 'localize', 'patch', 'bounce'] as const).filter((stage) => timingsMs[stage] !== undefined);
  const parts = stages.map((stage) => `${stage} ${formatDuration(timingsMs[stage] ?? 0)}`);
  const text = `Total ${formatDuration(timingsMs.total)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
  const longest = Math.max(timingsMs.total, ...stages.map((stage) => timingsMs[stage] ?? 0));
  return {
    tag: 'section',
    className: 'timings',
    children: [
      { tag: 'h2', text: 'Timings' },
      ...(stages.length > 0
        ? [
            {
              tag: 'ul',
              className: 'stage-timings',
              children: stages.map(
                (stage): ViewNode => ({
                  tag: 'li',
                  className: 'stage-row',
                  children: [
                    { tag: 'span', className: 'stage-name', text: stage },
                    {
                      tag: 'span',
                      className: 'bar',
                      decorative: true,
                      children: [{ tag: 'span', className: 'bar-fill stage-fill', fill: longest > 0 ? (timingsMs[stage] ?? 0) / longest : 0 }],
                    },
                    { tag: 'span', className: 'stage-time', text: formatDuration(timingsMs[stage] ?? 0) },
                  ],
                }),
              ),
            } satisfies ViewNode,
          ]
        : []),
      { tag: 'p', className: 'muted', text },
    ],
  };
}

/**
 * Text with `backtick` spans shown as code (titles and reasons are written that way, e.g. "`<` → `<=`").
 * An unpaired backtick is kept as a character.
 */
export function inlineCode(text: string): ViewNode[] {
  const parts = text.split('`');
  if (parts.length < 3) return [{ tag: 'span', text }];
  const nodes: ViewNode[] = [];
  // An odd number of backticks leaves the last one without a partner: glue it back into the text.
  const paired = parts.length % 2 === 1 ? parts : [...parts.slice(0, -2), `${parts[parts.length - 2]}\`${parts[parts.length - 1]}`];
  paired.forEach((part, index) => {
    if (part === '') return;
    nodes.push(index % 2 === 1 ? { tag: 'code', className: 'inline', text: part } : { tag: 'span', text: part });
  });
  return nodes;
}

/** A button that opens a place, or nothing when the place has no file. */
function locationButton(file: string | undefined, line: number | undefined, key: string): ViewNode[] {
  if (!file) return [];
  const target = line ?? 1;
  return [
    {
      tag: 'button',
      className: 'link location',
      key,
      text: line !== undefined ? `${file}:${line}` : file,
      title: `Open ${file} at line ${target}`,
      action: { method: 'openLocation', file, line: target },
    },
  ];
}
