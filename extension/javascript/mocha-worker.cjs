'use strict';
/**
 * The warm Mocha worker. Started in an isolated copy as `node mocha-worker.cjs` with the words of the
 * project's `mocha …` command in REVISE_MOCHA_ARGS, it loads the project's Mocha (8 or later), its options
 * (.mocharc, package.json, the command's flags) and its `--require` modules once. Each request (one JSON
 * line on stdin: { id, files, output }) starts a new generation: the project's modules leave the require
 * cache and get new ES module URLs (node-test-worker-hooks.mjs), a new Mocha instance imports the requested
 * test files afresh and runs them, and their results go to `output` as JSON. Messages to Revise go to
 * stdout after a marker that test output cannot end by accident.
 */
const fs = require('node:fs');
const path = require('node:path');
const { send, firstLine, serveRequests } = require('./worker-protocol.cjs');
const { pathToFileURL } = require('node:url');

const root = process.cwd();
const nodeModules = `${path.sep}node_modules${path.sep}`;

function titlePath(runnable) {
  if (typeof runnable.titlePath === 'function') return runnable.titlePath();
  const titles = [];
  for (let node = runnable; node; node = node.parent) if (node.title) titles.unshift(node.title);
  return titles;
}

function errorOf(error) {
  if (error === null || typeof error !== 'object') return { message: String(error) };
  return { name: error.name, message: typeof error.message === 'string' ? error.message : String(error.message), stack: typeof error.stack === 'string' ? error.stack : undefined };
}

async function setup() {
  let folder;
  try {
    folder = path.dirname(require.resolve('mocha/package.json', { paths: [root] }));
  } catch {
    return { warm: false, reason: 'mocha is not installed in the copy' };
  }
  const version = require(path.join(folder, 'package.json')).version;
  const major = Number(String(version).split('.')[0]);
  if (!(major >= 8)) return { warm: false, reason: `Mocha ${version}: the worker needs Mocha 8 or later (its options and root hooks)` };
  const Mocha = require(folder);
  const options = require(path.join(folder, 'lib', 'cli', 'options.js')).loadOptions(JSON.parse(process.env.REVISE_MOCHA_ARGS || '[]'));
  if (options.parallel) return { warm: false, reason: 'the project runs Mocha with --parallel' };
  if (options.watch) return { warm: false, reason: 'the project runs Mocha with --watch' };
  const { handleRequires } = require(path.join(folder, 'lib', 'cli', 'run-helpers.js'));
  const plugins = (await handleRequires([].concat(options.require || []))) || {};
  if ((plugins.globalSetup && [].concat(plugins.globalSetup).length) || (plugins.globalTeardown && [].concat(plugins.globalTeardown).length)) {
    return { warm: false, reason: 'the project has Mocha global fixtures, which run once per process' };
  }
  const { register } = require('node:module');
  const { MessageChannel } = require('node:worker_threads');
  const { port1, port2 } = new MessageChannel();
  register(pathToFileURL(path.join(__dirname, 'node-test-worker-hooks.mjs')).href, {
    data: { port: port2, rootUrl: pathToFileURL(root + path.sep).href },
    transferList: [port2],
  });
  return { warm: true, version, Mocha, options: { ...options, ...plugins }, port: port1 };
}

let generation = 0;
async function serve(worker, request) {
  generation += 1;
  await new Promise((resolve) => {
    worker.port.once('message', () => resolve());
    worker.port.postMessage({ generation });
  });
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(root + path.sep) && !key.includes(nodeModules)) delete require.cache[key];
  }
  const { spec, _, require: required, reporter, reporterOption, reporterOptions, bail, exit, forbidOnly, ...options } = worker.options;
  const mocha = new worker.Mocha({ ...options, reporter: 'base', bail: false });
  mocha.files = request.files;
  mocha.lazyLoadFiles(true);
  const loadErrors = [];
  for (const file of request.files) {
    mocha.suite.emit('pre-require', global, file, mocha);
    try {
      mocha.suite.emit('require', await import(pathToFileURL(file).href), file, mocha);
    } catch (error) {
      loadErrors.push({ file, error: errorOf(error) });
    }
    mocha.suite.emit('post-require', global, file, mocha);
  }
  /** Results by runnable, in the order they ended (a pending test ends too, after its `pending` event). */
  const results = new Map();
  const failures = new Map();
  const record = (runnable, state, error) => {
    results.set(runnable, {
      file: runnable.file || (runnable.parent && runnable.parent.file) || '',
      titles: titlePath(runnable),
      state,
      durationMs: runnable.duration || 0,
      ...(state === 'failed' && error ? { error: errorOf(error) } : {}),
    });
  };
  await new Promise((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('fail', (runnable, error) => {
      if (!runnable) return;
      // A failing hook is reported as Mocha counts it: a failed entry of its own.
      if (runnable.type === 'test') failures.set(runnable, error);
      else record(runnable, 'failed', error);
    });
    runner.on('pending', (test) => record(test, 'pending'));
    runner.on('test end', (test) => {
      if (results.has(test) && results.get(test).state === 'pending') return;
      const error = failures.get(test) || test.err;
      record(test, test.state === 'failed' || error ? 'failed' : test.pending ? 'pending' : 'passed', error);
    });
  });
  const tests = [...results.values()];
  try {
    mocha.unloadFiles();
    if (typeof mocha.dispose === 'function') mocha.dispose();
  } catch {
    /* a disposed instance is not reused */
  }
  fs.writeFileSync(request.output, JSON.stringify({ tests, loadErrors }));
  send({ type: 'done', id: request.id, generation });
}

async function main() {
  let worker;
  try {
    worker = await setup();
  } catch (error) {
    worker = { warm: false, reason: `loading Mocha's options or --require modules failed: ${firstLine(error)}` };
  }
  send({ type: 'ready', warm: worker.warm, reason: worker.reason, version: worker.version, node: process.version });
  if (!worker.warm) return process.exit(0);
  serveRequests((request) => serve(worker, request));
}

void main();
