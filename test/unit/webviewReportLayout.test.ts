// The parts of the report panel added for issue 14: side-by-side diffs, which tests a patch passed,
// and stage timings as bars. Pure view functions, run in plain Node.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initialModel, receiveHostMessage } from '../../webview/src/state';
import { patchTestsText, renderView, sideBySideDiff, type DiffRow, type ViewNode } from '../../webview/src/view';
import { sampleReport } from './webviewSample';

function findAll(node: ViewNode, predicate: (node: ViewNode) => boolean): ViewNode[] {
  const found: ViewNode[] = [];
  const visit = (candidate: ViewNode) => {
    if (predicate(candidate)) found.push(candidate);
    for (const child of candidate.children ?? []) visit(child);
  };
  visit(node);
  return found;
}

const byClass = (node: ViewNode, name: string) => findAll(node, (candidate) => (candidate.className ?? '').split(/\s+/).includes(name));

function textOf(node: ViewNode): string {
  return findAll(node, (candidate) => candidate.text !== undefined)
    .map((candidate) => candidate.text)
    .join(' ');
}

function render(report = sampleReport()): ViewNode {
  return renderView(receiveHostMessage(initialModel(), { method: 'report/show', params: { report } }).view);
}

/** A row as `old#|text -> new#|text` for compact comparisons. */
function describeRow(row: DiffRow): string {
  if ('hunk' in row) return row.hunk;
  const side = (cell: { line: number; text: string; kind: string } | undefined) => (cell ? `${cell.line}${cell.kind === 'context' ? ' ' : cell.kind === 'add' ? '+' : '-'}${cell.text.trim()}` : '∅');
  return `${side(row.left)} | ${side(row.right)}`;
}

void test('a one-line change faces itself, with each side numbered in its own file', () => {
  const rows = sideBySideDiff(sampleReport().patches[1].diff).map(describeRow);
  assert.deepEqual(rows, [
    '@@ -28,6 +28,6 @@ def loyalty_points(total):',
    '28 """One point per whole 10 spent; from 100 spent, points count double.""" | 28 """One point per whole 10 spent; from 100 spent, points count double."""',
    '29 points = int(total // 10) | 29 points = int(total // 10)',
    '30 if total >= 100: | 30 if total >= 100:',
    '31-return points + 2 | 31+return points * 2',
    '32 return points | 32 return points',
  ]);
});

void test('unequal runs of removed and added lines leave gaps, and line numbers stay right after them', () => {
  const diff = ['--- a/x.py', '+++ b/x.py', '@@ -10,4 +10,5 @@', ' a', '-b', '-c', '+B', '+C', '+D', ' e', '@@ -40,2 +41,1 @@', '-f', ' g', ''].join('\n');
  assert.deepEqual(sideBySideDiff(diff).map(describeRow), [
    '@@ -10,4 +10,5 @@',
    '10 a | 10 a',
    '11-b | 11+B',
    '12-c | 12+C',
    '∅ | 13+D',
    '13 e | 14 e',
    '@@ -40,2 +41,1 @@',
    '40-f | ∅',
    '41 g | 41 g',
  ]);
});

void test('a patch says which tests it passed: every one, naming those that failed before, or only counts', () => {
  assert.equal(
    patchTestsText({ validated: true, testsPassed: 9, testsFailed: 0 }, ['tests/test_cart.py::test_points', 'tests/test_cart.py::test_total']),
    'Passes all 9 tests, including the 2 that failed before: tests/test_cart.py::test_points, tests/test_cart.py::test_total.',
  );
  assert.equal(patchTestsText({ validated: false, testsPassed: 7, testsFailed: 2 }, ['t1']), 'Passes 7 of 9 tests; 2 still fail (not validated).');
  assert.equal(patchTestsText({ validated: true, testsPassed: 3, testsFailed: 0 }, []), 'Passes all 3 tests.');
  assert.equal(patchTestsText({ validated: true, testsPassed: 9, testsFailed: 0, checked: { failing: 2, covering: 7, fullSuite: 'confirmed' } }, []), 'Passes all 9 tests.');
  assert.equal(
    patchTestsText({ validated: true, testsPassed: 3, testsFailed: 0, checked: { failing: 2, covering: 1, fullSuite: 'not-run' } }, []),
    'Passes the 2 failing tests and the 1 passing test that runs its lines; the rest of the suite not yet run.',
  );
  assert.equal(
    patchTestsText({ validated: true, testsPassed: 25, testsFailed: 0, checked: { failing: 1, covering: 24, fullSuite: 'confirmed', affected: { ran: 25, notRun: 4975 } } }, []),
    'Passes the 25 tests that run its file, run cold; the other 4975 tests never run it and were not run again.',
  );
});

void test('each patch shows a side-by-side diff and its tests; the proposed one names the fixed tests', () => {
  const report = sampleReport();
  const view = render(report);
  const patches = byClass(view, 'patch');
  assert.equal(patches.length, 2);
  for (const patch of patches) {
    assert.equal(byClass(patch, 'side-by-side').length, 1, 'one side-by-side diff per patch');
    assert.equal(byClass(patch, 'patch-tests').length, 1);
  }
  const proposed = patches[0];
  const added = byClass(proposed, 'diff-add').map((node) => node.text);
  const removed = byClass(proposed, 'diff-remove').map((node) => node.text);
  assert.deepEqual(removed.map((text) => text?.trim()), ['return points + 2']);
  assert.deepEqual(added.map((text) => text?.trim()), ['return points * 2']);
  const failing = report.tests.failures.map((failure) => failure.id);
  assert.ok(failing.length > 0);
  for (const id of failing) assert.ok(textOf(byClass(proposed, 'patch-tests')[0]).includes(id), `names ${id}`);
  // The line numbers are decorative (the row says the same to a screen reader through the cells).
  assert.ok(byClass(proposed, 'diff-number').every((node) => node.decorative === true));
});

void test('stage timings are bars scaled to the longest, with the total in words', () => {
  const view = render();
  const timings = byClass(view, 'timings')[0];
  assert.equal(timings.tag, 'section');
  const rows = byClass(timings, 'stage-row');
  assert.deepEqual(
    rows.map((row) => textOf(row)),
    ['capture 840 ms', 'localize 15 ms', 'patch 2.1 s', 'bounce 3 ms'],
  );
  const fills = byClass(timings, 'stage-fill').map((node) => node.fill ?? -1);
  assert.deepEqual(
    fills.map((fill) => Number(fill.toFixed(3))),
    [840 / 2958, 15 / 2958, 2100 / 2958, 3 / 2958].map((fill) => Number(fill.toFixed(3))),
  );
  assert.match(textOf(timings), /Total 3\.0 s/);
});
