import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Logger } from '../../extension/src/core/ports';
import { ReportSession, type ReportHandlers } from '../../extension/src/vscode/report/session';
import { isHostMessage, type HostMessage } from '../../webview/src/protocol';
import { sampleReport } from './webviewSample';

/** A session wired to recording fakes: what it posts, which handlers it called, what it logged. */
function harness(applyPatch: (patchId: string) => Promise<string | undefined> = async () => undefined) {
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const warnings: string[] = [];
  const handlers: ReportHandlers = {
    openLocation: (file, line) => void calls.push(`open ${file}:${line}`),
    applyPatch: (patchId) => {
      calls.push(`apply ${patchId}`);
      return applyPatch(patchId);
    },
    previewPatch: (patchId) => void calls.push(`preview ${patchId}`),
    rerun: () => void calls.push('rerun'),
  };
  const logger: Logger = {
    trace() {},
    debug() {},
    info() {},
    warn: (message) => void warnings.push(message),
    error: (message) => void warnings.push(message),
  };
  const session = new ReportSession(
    sampleReport(),
    (message) => {
      // Whatever the host sends must pass the guard the page applies.
      assert.ok(isHostMessage(JSON.parse(JSON.stringify(message))), `host sent a malformed ${message.method}`);
      posted.push(message);
    },
    handlers,
    logger,
  );
  return { session, posted, calls, warnings };
}

const root = sampleReport().root;

void test('ready gets the report, and the busy state when a check is running', async () => {
  const { session, posted } = harness();
  await session.receive({ method: 'ready', params: {} });
  assert.deepEqual(
    posted.map((message) => message.method),
    ['report/show'],
  );
  session.setBusy('Running tests…');
  posted.length = 0;
  // The page reloads (it was hidden) and asks again.
  await session.receive({ method: 'ready', params: {} });
  assert.deepEqual(posted, [
    { method: 'report/show', params: { report: sampleReport() } },
    { method: 'report/busy', params: { busy: true, message: 'Running tests…' } },
  ]);
  session.setBusy(undefined);
  assert.deepEqual(posted.at(-1), { method: 'report/busy', params: { busy: false, message: '' } });
});

void test('applyPatch gets exactly one reply: applied, refused, failed or thrown', async () => {
  const outcomes: Record<string, () => Promise<string | undefined>> = {
    p1: async () => undefined,
    p2: async () => 'shop/cart.py changed since the check',
  };
  const { session, posted, calls } = harness((patchId) => outcomes[patchId]());

  await session.receive({ method: 'applyPatch', params: { requestId: 1, patchId: 'p1' } });
  await session.receive({ method: 'applyPatch', params: { requestId: 2, patchId: 'p2' } });
  await session.receive({ method: 'applyPatch', params: { requestId: 3, patchId: 'p9' } });
  outcomes.p1 = async () => {
    throw new Error('the document was closed');
  };
  await session.receive({ method: 'applyPatch', params: { requestId: 4, patchId: 'p1' } });

  assert.deepEqual(posted, [
    { method: 'applyPatch/result', params: { requestId: 1, ok: true } },
    { method: 'applyPatch/result', params: { requestId: 2, ok: false, error: 'shop/cart.py changed since the check' } },
    { method: 'applyPatch/result', params: { requestId: 3, ok: false, error: 'No patch p9 in the shown report; run the check again.' } },
    { method: 'applyPatch/result', params: { requestId: 4, ok: false, error: 'the document was closed' } },
  ]);
  // The unknown patch never reached the controller.
  assert.deepEqual(calls, ['apply p1', 'apply p2', 'apply p1']);
});

void test('requests in flight each get their own reply, in the order they finish', async () => {
  const release: Record<string, () => void> = {};
  const { session, posted } = harness(
    (patchId) =>
      new Promise<string | undefined>((resolve) => {
        release[patchId] = () => resolve(undefined);
      }),
  );
  const first = session.receive({ method: 'applyPatch', params: { requestId: 10, patchId: 'p1' } });
  const second = session.receive({ method: 'applyPatch', params: { requestId: 11, patchId: 'p2' } });
  // (A length check, not deepEqual: that would narrow `posted` to an empty tuple for the compiler.)
  assert.equal(posted.length, 0, 'no reply before the controller answers');
  release.p2();
  await second;
  release.p1();
  await first;
  assert.deepEqual(
    posted.map((message) => (message.method === 'applyPatch/result' ? message.params.requestId : -1)),
    [11, 10],
  );
});

void test('a closed session sends nothing, not even a pending reply', async () => {
  let release = () => {};
  const { session, posted } = harness(
    () =>
      new Promise<string | undefined>((resolve) => {
        release = () => resolve(undefined);
      }),
  );
  const pending = session.receive({ method: 'applyPatch', params: { requestId: 1, patchId: 'p1' } });
  session.close();
  release();
  await pending;
  session.update(sampleReport());
  assert.deepEqual(posted, []);
});

void test('openLocation resolves report paths against the root and refuses paths the report lacks', async () => {
  const { session, calls, warnings } = harness();
  await session.receive({ method: 'openLocation', params: { file: 'shop/cart.py', line: 31 } });
  await session.receive({ method: 'openLocation', params: { file: 'tests/test_cart.py', line: 34 } });
  await session.receive({ method: 'openLocation', params: { file: 'shop/legacy.py', line: 1 } });
  await session.receive({ method: 'openLocation', params: { file: '../../etc/passwd', line: 1 } });
  await session.receive({ method: 'openLocation', params: { file: '/etc/passwd', line: 1 } });
  assert.deepEqual(calls, [
    `open ${path.resolve(root, 'shop/cart.py')}:31`,
    `open ${path.resolve(root, 'tests/test_cart.py')}:34`,
    `open ${path.resolve(root, 'shop/legacy.py')}:1`,
  ]);
  assert.equal(warnings.filter((warning) => warning.includes('refused')).length, 2);
});

void test('preview and rerun reach their handlers; malformed messages and unknown patches do not', async () => {
  const { session, calls, warnings, posted } = harness();
  await session.receive({ method: 'previewPatch', params: { patchId: 'p2' } });
  await session.receive({ method: 'previewPatch', params: { patchId: 'p9' } });
  await session.receive({ method: 'rerun', params: {} });
  await session.receive({ method: 'rerun' });
  await session.receive({ method: 'applyPatch', params: { patchId: 'p1' } });
  await session.receive('rerun');
  assert.deepEqual(calls, ['preview p2', 'rerun']);
  assert.equal(warnings.length, 4);
  assert.deepEqual(posted, [], 'a malformed request has no request id to answer');
});

void test('a handler that throws is logged and the session keeps working', async () => {
  const { session, posted, warnings } = harness();
  session.handlers = {
    ...session.handlers,
    rerun: () => {
      throw new Error('no workspace folder');
    },
    openLocation: () => Promise.reject(new Error('file deleted')),
  };
  await session.receive({ method: 'rerun', params: {} });
  await session.receive({ method: 'openLocation', params: { file: 'shop/cart.py', line: 3 } });
  assert.deepEqual(warnings, ['Report panel: rerun failed: no workspace folder', 'Report panel: openLocation failed: file deleted']);
  await session.receive({ method: 'ready', params: {} });
  assert.equal(posted.length, 1);
});

void test('a new report replaces what requests are checked against', async () => {
  const { session, posted, calls } = harness();
  const next = sampleReport();
  next.patches = next.patches.filter((patch) => patch.id === 'p2');
  next.suspects = [];
  session.update(next);
  assert.deepEqual(posted.at(-1), { method: 'report/show', params: { report: next } });
  await session.receive({ method: 'applyPatch', params: { requestId: 5, patchId: 'p1' } });
  assert.deepEqual(posted.at(-1), {
    method: 'applyPatch/result',
    params: { requestId: 5, ok: false, error: 'No patch p1 in the shown report; run the check again.' },
  });
  // shop/cart.py is still mentioned by the remaining patch; a test file is still mentioned by a failure.
  await session.receive({ method: 'openLocation', params: { file: 'shop/cart.py', line: 2 } });
  assert.deepEqual(calls, [`open ${path.resolve(root, 'shop/cart.py')}:2`]);
});
