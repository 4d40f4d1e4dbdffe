/**
 * The warm node:test worker. Started in an isolated copy as
 *   node <the project's own node flags, e.g. --import tsx> --test-reporter=node-test-worker-reporter.mjs node-test-worker.mjs
 * it keeps Node, node:test, the project's loaders and its dependencies loaded. Each request (one JSON line
 * on stdin: { id, files, output }) starts a new generation: the module hooks give every project module a
 * new URL, CommonJS project modules leave the require cache, and the requested test files are imported
 * again, so their tests run in this process against the code now on disk. When the last of them has
 * reported (a marker test queued after them has), the events go to `output` as JSON lines and a `done`
 * message is written to stdout after a marker that test output cannot end by accident.
 */
import { createRequire, register } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { test } from 'node:test';
import { describeError } from './node-test-reporter.mjs';
import protocol from './worker-protocol.cjs';

const { send, serveRequests } = protocol;
const STATE = Symbol.for('revise.nodeTestWorker');
const root = process.cwd();
const require = createRequire(path.join(root, 'noop.js'));
const nodeModules = `${path.sep}node_modules${path.sep}`;

const state = { lines: [], marker: undefined, markerReported: () => undefined };
globalThis[STATE] = state;

const { port1, port2 } = new MessageChannel();
register(new URL('./node-test-worker-hooks.mjs', import.meta.url), {
  data: { port: port2, rootUrl: pathToFileURL(root + path.sep).href },
  transferList: [port2],
});

let generation = 0;
function nextGeneration() {
  generation += 1;
  return new Promise((resolve) => {
    port1.once('message', () => resolve());
    port1.postMessage({ generation });
  });
}

/** A test file that cannot load fails as a whole, as `node --test` reports it from its own process. */
function loadFailure(file, error) {
  const stack = error && typeof error === 'object' && typeof error.stack === 'string' ? error.stack : String(error);
  state.lines.push(`${JSON.stringify({ type: 'test:stderr', file, message: `${stack}\n` })}\n`);
  state.lines.push(
    `${JSON.stringify({ type: 'test:fail', name: file, nesting: 0, file, error: { failureType: 'testCodeFailure', ...describeError(error) } })}\n`,
  );
}

async function serve(request) {
  state.lines = [];
  await nextGeneration();
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(root + path.sep) && !key.includes(nodeModules)) delete require.cache[key];
  }
  for (const file of request.files) {
    try {
      await import(pathToFileURL(file).href);
    } catch (error) {
      loadFailure(file, error);
    }
  }
  // node:test runs top-level tests one after another: once this one has reported, all before it have.
  state.marker = `revise-end-of-run-${generation}`;
  const reported = new Promise((resolve) => {
    state.markerReported = resolve;
  });
  test(state.marker, () => undefined);
  await reported;
  state.marker = undefined;
  fs.writeFileSync(request.output, state.lines.join(''));
  state.lines = [];
  send({ type: 'done', id: request.id, generation });
}

// Requests are served one at a time, in order.
serveRequests(serve);
send({ type: 'ready', node: process.version });
