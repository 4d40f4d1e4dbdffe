import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CheckReport } from '../../extension/src/core/types';
import {
  isCheckReport,
  isHostMessage,
  isHostMessageOf,
  isWebviewMessage,
  isWebviewMessageOf,
  type HostMessage,
  type WebviewMessage,
} from '../../webview/src/protocol';
import { initialModel, receiveHostMessage, requestApplyPatch, type WebviewModel } from '../../webview/src/state';
import {
  classifyDiff,
  firstChangedLine,
  formatDuration,
  heatLevel,
  inlineCode,
  proposedPatchId,
  renderView,
  suspectsByScore,
  VISIBLE_SUSPECTS,
  type ViewNode,
} from '../../webview/src/view';
import { sampleReport } from './webviewSample';

// ---- helpers over the view tree -----------------------------------------------------------------

function walk(node: ViewNode, visit: (node: ViewNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

function findAll(node: ViewNode, predicate: (node: ViewNode) => boolean): ViewNode[] {
  const found: ViewNode[] = [];
  walk(node, (candidate) => {
    if (predicate(candidate)) found.push(candidate);
  });
  return found;
}

function hasClass(node: ViewNode, name: string): boolean {
  return (node.className ?? '').split(/\s+/).includes(name);
}

function byClass(node: ViewNode, name: string): ViewNode[] {
  return findAll(node, (candidate) => hasClass(candidate, name));
}

function textOf(node: ViewNode): string {
  const parts: string[] = [];
  walk(node, (candidate) => {
    if (candidate.text !== undefined) parts.push(candidate.text);
  });
  return parts.join(' ');
}

function withReport(report: CheckReport): WebviewModel {
  return receiveHostMessage(initialModel(), { method: 'report/show', params: { report } });
}

/** A deep copy of the sample with one change, typed loosely because the point is to break it. */
function brokenReport(change: (report: Record<string, unknown>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(sampleReport())) as Record<string, unknown>;
  change(copy);
  return copy;
}

// ---- protocol: host → webview ----------------------------------------------------------------------

void test('host message guard accepts every well-formed host message', () => {
  const messages: HostMessage[] = [
    { method: 'report/show', params: { report: sampleReport() } },
    { method: 'report/busy', params: { busy: true, message: 'Running tests…' } },
    { method: 'report/busy', params: { busy: false, message: '' } },
    { method: 'applyPatch/result', params: { requestId: 3, ok: true } },
    { method: 'applyPatch/result', params: { requestId: 4, ok: false, error: 'The file changed since the check.' } },
  ];
  for (const message of messages) assert.ok(isHostMessage(message), JSON.stringify(message).slice(0, 80));
  // After a JSON round trip too: that is what postMessage delivers.
  for (const message of messages) assert.ok(isHostMessage(JSON.parse(JSON.stringify(message))));
});

void test('host message guard rejects malformed messages', () => {
  const bad: unknown[] = [
    null,
    undefined,
    'report/show',
    [],
    {},
    { method: 'report/show' },
    { method: 'report/show', params: {} },
    { method: 'report/show', params: { report: { version: 1 } } },
    { method: 'report/busy', params: { busy: 'yes', message: 'x' } },
    { method: 'report/busy', params: { busy: true } },
    { method: 'applyPatch/result', params: { requestId: -1, ok: true } },
    { method: 'applyPatch/result', params: { requestId: 1.5, ok: true } },
    { method: 'applyPatch/result', params: { requestId: 1, ok: 'true' } },
    { method: 'applyPatch/result', params: { requestId: 1, ok: false, error: 42 } },
    { method: 'report/hide', params: {} },
    // Inherited names must not reach a function on Object.prototype.
    { method: 'toString', params: {} },
    { method: '__proto__', params: {} },
    { method: 'constructor', params: {} },
    // A webview message is not a host message.
    { method: 'ready', params: {} },
  ];
  for (const message of bad) assert.equal(isHostMessage(message), false, JSON.stringify(message));
});

void test('report guard checks the whole CheckReport, not just its envelope', () => {
  assert.ok(isCheckReport(sampleReport()));
  const withoutOptional: Partial<CheckReport> = sampleReport();
  delete withoutOptional.task;
  delete withoutOptional.decision;
  assert.ok(isCheckReport(withoutOptional), 'task and decision are optional');

  const breakages: Record<string, (report: Record<string, unknown>) => void> = {
    'version 2': (report) => (report.version = 2),
    'empty root': (report) => (report.root = ''),
    'no tests': (report) => delete report.tests,
    'unknown framework': (report) => ((report.tests as Record<string, unknown>).framework = 'nose'),
    'fractional count': (report) => ((report.tests as Record<string, unknown>).passed = 1.5),
    'failure line 0': (report) => (((report.tests as Record<string, unknown>).failures as Record<string, unknown>[])[0].line = 0),
    'unknown problem kind': (report) => ((report.problems as Record<string, unknown>[])[0].kind = 'oops'),
    'score above 1': (report) => ((report.suspects as Record<string, unknown>[])[0].score = 1.5),
    'score NaN (null after JSON)': (report) => ((report.suspects as Record<string, unknown>[])[0].score = null),
    'unknown evidence kind': (report) =>
      (((report.suspects as Record<string, unknown>[])[0].evidence as Record<string, unknown>[])[0].kind = 'vibes'),
    'suspect without file': (report) => delete (report.suspects as Record<string, unknown>[])[0].file,
    'patch diff not text': (report) => ((report.patches as Record<string, unknown>[])[0].diff = ['-a', '+b']),
    'trust above 1': (report) => ((report.patches as Record<string, unknown>[])[0].trust = 2),
    'unknown decision': (report) => ((report.decision as Record<string, unknown>).action = 'guess'),
    'reasons not strings': (report) => ((report.decision as Record<string, unknown>).reasons = [1]),
    'task verdict': (report) => ((report.task as Record<string, unknown>).verdict = 'fine'),
    'no total time': (report) => delete (report.timingsMs as Record<string, unknown>).total,
    'negative stage time': (report) => ((report.timingsMs as Record<string, unknown>).patch = -1),
    'suspects not a list': (report) => (report.suspects = {}),
  };
  for (const [name, change] of Object.entries(breakages)) {
    const report = brokenReport(change);
    assert.equal(isCheckReport(report), false, name);
    assert.equal(isHostMessage({ method: 'report/show', params: { report } }), false, name);
  }
});

void test('method-specific host guard narrows to that message', () => {
  const message: unknown = { method: 'applyPatch/result', params: { requestId: 7, ok: true } };
  assert.ok(isHostMessageOf(message, 'applyPatch/result'));
  if (isHostMessageOf(message, 'applyPatch/result')) assert.equal(message.params.requestId, 7);
  assert.equal(isHostMessageOf(message, 'report/show'), false);
});

// ---- protocol: webview → host ----------------------------------------------------------------------

void test('webview message guard accepts every well-formed webview message', () => {
  const messages: WebviewMessage[] = [
    { method: 'ready', params: {} },
    { method: 'openLocation', params: { file: 'shop/cart.py', line: 31 } },
    { method: 'applyPatch', params: { requestId: 1, patchId: 'p1' } },
    { method: 'previewPatch', params: { patchId: 'p1' } },
    { method: 'rerun', params: {} },
  ];
  for (const message of messages) assert.ok(isWebviewMessage(message), message.method);
  assert.ok(isWebviewMessageOf(messages[1], 'openLocation'));
  assert.equal(isWebviewMessageOf(messages[1], 'rerun'), false);
});

void test('webview message guard rejects malformed messages', () => {
  const bad: unknown[] = [
    { method: 'ready' },
    { method: 'ready', params: null },
    { method: 'rerun', params: [] },
    { method: 'openLocation', params: { file: 'shop/cart.py', line: 0 } },
    { method: 'openLocation', params: { file: 'shop/cart.py', line: 2.5 } },
    { method: 'openLocation', params: { file: 'shop/cart.py', line: '31' } },
    { method: 'openLocation', params: { file: '', line: 1 } },
    { method: 'openLocation', params: { line: 1 } },
    { method: 'applyPatch', params: { patchId: 'p1' } },
    { method: 'applyPatch', params: { requestId: 1, patchId: '' } },
    { method: 'applyPatch', params: { requestId: Number.NaN, patchId: 'p1' } },
    { method: 'previewPatch', params: { patchId: 5 } },
    { method: 'applyPatch/result', params: { requestId: 1, ok: true } },
    { method: 'hasOwnProperty', params: {} },
    { method: 42, params: {} },
  ];
  for (const message of bad) assert.equal(isWebviewMessage(message), false, JSON.stringify(message));
});

// ---- view model ------------------------------------------------------------------------------------

void test('suspects are shown in score order, highest first, whatever order the report has', () => {
  const report = sampleReport();
  assert.notDeepEqual(
    report.suspects.map((suspect) => suspect.score),
    [...report.suspects.map((suspect) => suspect.score)].sort((a, b) => b - a),
    'the sample must be out of order for this test to mean anything',
  );
  const view = renderView(withReport(report).view);
  const rows = byClass(view, 'suspect');
  assert.equal(rows.length, 3);
  const locations = rows.map((row) => byClass(row, 'location')[0].text);
  assert.deepEqual(locations, ['shop/cart.py:31', 'shop/cart.py:30', 'shop/cart.py:29']);
  const percents = rows.map((row) => byClass(row, 'score')[0].text);
  assert.deepEqual(percents, ['81%', '46%', '12%']);
  // The bar's fill is the probability itself, and the evidence is shown with its suspect.
  assert.equal(byClass(rows[0], 'bar-fill')[0].fill, 0.81);
  assert.match(textOf(rows[0]), /replacing\s+\+\s+with\s+\*\s+makes both failing tests pass/);
  assert.ok(hasClass(rows[0], 'heat-high') && hasClass(rows[1], 'heat-medium') && hasClass(rows[2], 'heat-low'));
  // The suspect's location button opens exactly that place.
  assert.deepEqual(byClass(rows[0], 'location')[0].action, { method: 'openLocation', file: 'shop/cart.py', line: 31 });
});

void test('equal scores keep the report order; many suspects fold after the first ones', () => {
  const report = sampleReport();
  report.suspects = Array.from({ length: VISIBLE_SUSPECTS + 4 }, (_, index) => ({
    file: `src/f${index}.py`,
    line: index + 1,
    score: index === 12 ? 0.9 : 0.5,
    evidence: [],
  }));
  const ordered = suspectsByScore(report.suspects);
  assert.equal(ordered[0].file, 'src/f12.py');
  assert.deepEqual(
    ordered.slice(1, 4).map((suspect) => suspect.file),
    ['src/f0.py', 'src/f1.py', 'src/f2.py'],
  );
  const view = renderView(withReport(report).view);
  const folded = findAll(view, (node) => node.tag === 'details' && node.key === 'more-suspects');
  assert.equal(folded.length, 1);
  assert.equal(byClass(folded[0], 'suspect').length, 4);
  assert.equal(byClass(view, 'suspect').length, VISIBLE_SUSPECTS + 4);
});

void test('the proposed patch is marked, listed first, and its diff is open', () => {
  const report = sampleReport();
  assert.equal(report.patches[0].id, 'p2', 'the sample lists the proposed patch second');
  assert.equal(proposedPatchId(report), 'p1');
  const view = renderView(withReport(report).view);
  const patches = byClass(view, 'patch');
  assert.equal(patches.length, 2);
  assert.ok(hasClass(patches[0], 'proposed'));
  assert.equal(hasClass(patches[1], 'proposed'), false);
  assert.equal(byClass(patches[0], 'proposed-badge').length, 1);
  assert.equal(byClass(patches[1], 'proposed-badge').length, 0);
  assert.match(textOf(patches[0]), /\+\s+→\s+\*/);
  assert.deepEqual(
    findAll(patches[0], (node) => node.tag === 'code' && hasClass(node, 'inline')).map((node) => node.text),
    ['+', '*'],
    'backtick spans of the title are shown as code',
  );
  assert.match(textOf(patches[0]), /Validated/);
  assert.match(textOf(patches[0]), /tests 9 passed, 0 failed/);
  assert.match(textOf(patches[0]), /trust 93%/);
  assert.match(textOf(patches[1]), /Not validated/);
  const diffs = findAll(view, (node) => node.tag === 'details' && hasClass(node, 'diff-details'));
  assert.deepEqual(
    diffs.map((node) => [node.key, node.open]),
    [
      ['diff/p1', true],
      ['diff/p2', false],
    ],
  );
  // Buttons carry the patch id they act on.
  const apply = findAll(patches[0], (node) => node.key === 'apply/p1')[0];
  assert.deepEqual(apply.action, { method: 'applyPatch', patchId: 'p1' });
  assert.ok(hasClass(apply, 'button') && !hasClass(apply, 'secondary'), 'the proposed patch has the primary button');
  // The decision banner names the patch and gives its reasons.
  const decision = byClass(view, 'decision')[0];
  assert.ok(hasClass(decision, 'decision-propose'));
  assert.match(textOf(decision), /Proposed fix:\s+\+\s+→\s+\*/);
  assert.match(textOf(decision), /confidence 93%/);
  assert.match(textOf(decision), /its line is the top suspect/);
});

void test('no patch is marked when Revise abstains or proposes an id the report lacks', () => {
  const abstaining = sampleReport();
  abstaining.decision = { action: 'abstain', confidence: 0.2, reasons: ['two patches pass the tests but change different lines'] };
  let view = renderView(withReport(abstaining).view);
  assert.equal(byClass(view, 'proposed').length, 0);
  assert.match(textOf(byClass(view, 'decision')[0]), /abstains.*two patches pass the tests/s);

  const dangling = sampleReport();
  dangling.decision = { action: 'propose', patch: 'p9', confidence: 0.9, reasons: [] };
  assert.equal(proposedPatchId(dangling), undefined);
  view = renderView(withReport(dangling).view);
  assert.equal(byClass(view, 'proposed').length, 0);
});

void test('nothing-to-fix, task assessment, problems, failures and an empty state render', () => {
  const clean = sampleReport();
  clean.decision = { action: 'nothing-to-fix', confidence: 1, reasons: ['all 9 tests pass'] };
  clean.tests = { ...clean.tests, passed: 9, failed: 0, failures: [], complete: false };
  clean.suspects = [];
  clean.patches = [];
  clean.task = { text: 'make it better', vagueness: 0.9, verdict: 'vague', missing: ['which behaviour', 'an example'] };
  const view = renderView(withReport(clean).view);
  const text = textOf(view);
  assert.match(text, /Nothing to fix/);
  assert.match(text, /all 9 tests pass/);
  assert.match(text, /make it better/);
  assert.match(text, /vague/);
  assert.match(text, /vagueness 90%/);
  assert.match(text, /an example/);
  assert.match(text, /cut short/);
  assert.equal(byClass(view, 'suspects-section').length, 0);
  assert.equal(byClass(view, 'patches').length, 0);

  const failing = renderView(withReport(sampleReport()).view);
  const failures = byClass(failing, 'failure');
  assert.equal(failures.length, 2);
  assert.match(textOf(failures[0]), /assert 12 == 20/);
  assert.deepEqual(byClass(failures[0], 'location')[0].action, { method: 'openLocation', file: 'tests/test_cart.py', line: 34 });
  const problem = byClass(failing, 'problem')[0];
  assert.match(textOf(problem), /skipped-file.*could not be parsed/);
  // A problem with a file but no line opens the file at its first line.
  assert.deepEqual(byClass(problem, 'location')[0].action, { method: 'openLocation', file: 'shop/legacy.py', line: 1 });
  assert.match(textOf(failing), /Total 3\.0 s \(capture 840 ms, localize 15 ms, patch 2\.1 s, bounce 3 ms\)/);

  const empty = renderView(initialModel().view);
  assert.match(textOf(empty), /No report yet/);
  assert.deepEqual(findAll(empty, (node) => node.key === 'rerun')[0].action, { method: 'rerun' });
});

void test('text from the report stays text in the view tree', () => {
  const report = sampleReport();
  const hostile = '<img src=x onerror="alert(1)">';
  report.tests.failures[0].message = hostile;
  report.suspects[0].evidence[0].detail = hostile;
  const view = renderView(withReport(report).view);
  const carriers = findAll(view, (node) => node.text === hostile);
  assert.equal(carriers.length, 2);
  assert.ok(carriers.every((node) => node.tag !== 'button' && !node.children));
});

void test('diff lines are classified for coloring', () => {
  const lines = classifyDiff(sampleReport().patches[1].diff);
  assert.deepEqual(
    lines.map((line) => line.kind),
    ['header', 'header', 'hunk', 'context', 'context', 'context', 'remove', 'add', 'context'],
  );
  assert.equal(lines[6].text, '-        return points + 2');
  // Inside a hunk, a removed line that starts with `--` is a removal, not a header.
  const tricky = classifyDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@\n--- old comment\n+++ new comment\n\\ No newline at end of file');
  assert.deepEqual(
    tricky.map((line) => line.kind),
    ['header', 'header', 'hunk', 'remove', 'add', 'meta'],
  );
  assert.equal(firstChangedLine(sampleReport().patches[1].diff), 31, 'the changed line, not the hunk’s first context line');
  assert.equal(firstChangedLine('@@ -4,3 +4,2 @@\n a\n-b\n c'), 5, 'a deletion points where the line was');
  assert.equal(firstChangedLine('@@ -0,0 +0,0 @@'), 1);
  assert.equal(firstChangedLine('no hunks'), 1);
});

void test('backtick spans become code, an unpaired backtick stays text', () => {
  const shape = (text: string) => inlineCode(text).map((node) => `${node.tag}:${node.text}`);
  assert.deepEqual(shape('`<` → `<=`'), ['code:<', 'span: → ', 'code:<=']);
  assert.deepEqual(shape('plain'), ['span:plain']);
  assert.deepEqual(shape('a ` b'), ['span:a ` b']);
  assert.deepEqual(shape('use `x` not ` alone'), ['span:use ', 'code:x', 'span: not ` alone']);
});

void test('formatting helpers', () => {
  assert.equal(formatDuration(840), '840 ms');
  assert.equal(formatDuration(2100), '2.1 s');
  assert.equal(formatDuration(42_000), '42 s');
  assert.equal(formatDuration(185_000), '3 min 5 s');
  assert.equal(heatLevel(0.7), 'high');
  assert.equal(heatLevel(0.69), 'medium');
  assert.equal(heatLevel(0.3), 'medium');
  assert.equal(heatLevel(0.29), 'low');
});

// ---- webview state ---------------------------------------------------------------------------------

void test('applying a patch: one request, then its one reply marks it applied', () => {
  let model = withReport(sampleReport());
  const started = requestApplyPatch(model, 'p1');
  assert.ok(started);
  assert.deepEqual(started.request, { method: 'applyPatch', params: { requestId: 1, patchId: 'p1' } });
  assert.ok(isWebviewMessage(started.request));
  model = started.model;
  assert.deepEqual(model.view.applications.p1, { state: 'applying' });
  const apply = findAll(renderView(model.view), (node) => node.key === 'apply/p1')[0];
  assert.equal(apply.disabled, true);
  assert.equal(apply.text, 'Applying…');

  assert.equal(requestApplyPatch(model, 'p1'), undefined, 'no second request while one is in flight');
  assert.equal(requestApplyPatch(model, 'nope'), undefined, 'no request for a patch the report lacks');

  // A reply to a request that was never made changes nothing.
  assert.equal(receiveHostMessage(model, { method: 'applyPatch/result', params: { requestId: 99, ok: true } }), model);

  model = receiveHostMessage(model, { method: 'applyPatch/result', params: { requestId: 1, ok: true } });
  assert.deepEqual(model.view.applications.p1, { state: 'applied' });
  assert.deepEqual(model.pending, {});
  assert.equal(requestApplyPatch(model, 'p1'), undefined, 'an applied patch is not applied twice');
  assert.match(textOf(renderView(model.view)), /Applied\. Undo works/);
});

void test('a failed application shows the error and may be retried; a new report resets everything', () => {
  let model = withReport(sampleReport());
  const started = requestApplyPatch(model, 'p2');
  assert.ok(started);
  model = receiveHostMessage(started.model, {
    method: 'applyPatch/result',
    params: { requestId: started.request.params.requestId, ok: false, error: 'shop/cart.py changed since the check' },
  });
  assert.deepEqual(model.view.applications.p2, { state: 'failed', error: 'shop/cart.py changed since the check' });
  const alert = findAll(renderView(model.view), (node) => node.role === 'alert' && hasClass(node, 'error'));
  assert.equal(alert.length, 1);
  assert.match(alert[0].text ?? '', /changed since the check/);

  const retry = requestApplyPatch(model, 'p2');
  assert.ok(retry);
  assert.equal(retry.request.params.requestId, 2, 'request ids are never reused');

  model = receiveHostMessage(retry.model, { method: 'report/show', params: { report: sampleReport() } });
  assert.deepEqual(model.view.applications, {});
  assert.deepEqual(model.pending, {});
  // The reply to the request made before the new report is dropped.
  assert.equal(receiveHostMessage(model, { method: 'applyPatch/result', params: { requestId: 2, ok: true } }), model);
});

void test('busy state comes and goes and dims the stale report', () => {
  let model = withReport(sampleReport());
  model = receiveHostMessage(model, { method: 'report/busy', params: { busy: true, message: 'Running 9 tests…' } });
  let view = renderView(model.view);
  const status = findAll(view, (node) => node.role === 'status' && hasClass(node, 'busy'));
  assert.equal(status[0].text, 'Running 9 tests…');
  assert.ok(hasClass(view, 'stale'));
  assert.equal(findAll(view, (node) => node.key === 'rerun')[0].disabled, true);

  model = receiveHostMessage(model, { method: 'report/busy', params: { busy: false, message: '' } });
  view = renderView(model.view);
  assert.equal(byClass(view, 'busy').length, 0);
  assert.equal(hasClass(view, 'stale'), false);
  assert.ok(model.view.report, 'the report stays when a check ends without a new one');

  model = receiveHostMessage(model, { method: 'report/busy', params: { busy: true, message: 'again' } });
  model = receiveHostMessage(model, { method: 'report/show', params: { report: sampleReport() } });
  assert.equal(model.view.busy, undefined, 'a new report ends the busy state');
});

void test('the task section says where the task text came from', () => {
  const report = sampleReport();
  const docstring = byClass(renderView(withReport(report).view), 'task-source');
  assert.equal(docstring.length, 1);
  assert.equal(docstring[0].text, 'From: docstring of `loyalty_points`, shop/cart.py:27');
  const given = byClass(renderView(withReport({ ...report, task: { text: 'Double the points.', vagueness: 0.2, verdict: 'actionable', source: 'user' } }).view), 'task-source');
  assert.equal(given[0]?.text, 'From: given by you');
  // A report that does not say (an older one) shows no origin rather than a wrong one.
  const unknown = byClass(renderView(withReport({ ...report, task: { text: 'Double the points.', vagueness: 0.2, verdict: 'actionable' } }).view), 'task-source');
  assert.equal(unknown.length, 0);
});
