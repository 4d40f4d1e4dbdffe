'use strict';
/**
 * The warm Jest worker. Started in an isolated copy as `node jest-worker.cjs` with the words of the
 * project's `jest …` command in REVISE_JEST_ARGS, it loads the project's Jest (27 or later) once; each
 * request (one JSON line on stdin: { id, files, output }) runs the requested test files in band through
 * Jest's own programmatic entry (`runCLI`), which gives every test file a fresh module registry, so the
 * candidate on disk is what the tests load. The results go to `output` in Jest's `--json` format.
 * Messages to Revise go to stdout after a marker that test output cannot end by accident.
 */
const fs = require('node:fs');
const path = require('node:path');
const { send, firstLine, serveRequests } = require('./worker-protocol.cjs');

const root = process.cwd();

/** Flags of the test script the worker can honour; others make it decline (the run stays cold). */
const VALUE_FLAGS = new Set(['--config', '-c', '--rootDir', '--roots', '--testEnvironment', '--env', '--setupFiles', '--preset']);
const KEPT_FLAGS = new Set(['--ci', '--silent', '--verbose', '--runInBand', '-i', '--passWithNoTests', '--no-cache', '--colors', '--no-colors', '--expand', '-e']);
const DROPPED_FLAGS = new Set(['--coverage', '--collectCoverage', '--detectOpenHandles', '--forceExit', '--bail', '-b', '--watch', '--watchAll', '--json', '--logHeapUsage']);

function projectArgv(words) {
  const argv = {};
  for (let index = 0; index < words.length; index++) {
    const word = words[index];
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (VALUE_FLAGS.has(flag)) {
      const value = inline !== undefined ? inline : words[++index];
      const key = flag === '-c' ? 'config' : flag === '--env' ? 'testEnvironment' : flag.replace(/^--/, '');
      argv[key] = value;
    } else if (KEPT_FLAGS.has(flag) || DROPPED_FLAGS.has(flag)) {
      continue;
    } else {
      return { reason: `the test script passes ${word} to Jest, which the worker does not handle` };
    }
  }
  return { argv };
}

function setup() {
  let entry;
  try {
    entry = require.resolve('jest', { paths: [root] });
  } catch {
    return { warm: false, reason: 'jest is not installed in the copy' };
  }
  let folder = path.dirname(entry);
  while (!fs.existsSync(path.join(folder, 'package.json')) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  const version = require(path.join(folder, 'package.json')).version;
  const major = Number(String(version).split('.')[0]);
  if (!(major >= 27)) return { warm: false, reason: `Jest ${version}: the worker needs Jest 27 or later` };
  const parsed = projectArgv(JSON.parse(process.env.REVISE_JEST_ARGS || '[]'));
  if (parsed.reason) return { warm: false, reason: parsed.reason };
  const { runCLI } = require(entry);
  const { formatTestResults } = require(require.resolve('@jest/test-result', { paths: [folder] }));
  if (typeof runCLI !== 'function' || typeof formatTestResults !== 'function') return { warm: false, reason: `Jest ${version} has no programmatic entry` };
  return { warm: true, version, runCLI, formatTestResults, argv: parsed.argv };
}

async function serve(worker, request) {
  const argv = {
    ...worker.argv,
    _: request.files,
    $0: 'jest',
    runTestsByPath: true,
    runInBand: true,
    ci: true,
    watch: false,
    watchAll: false,
    silent: true,
    coverage: false,
    bail: 0,
    testTimeout: request.testTimeoutMs,
  };
  const { results } = await worker.runCLI(argv, [root]);
  fs.writeFileSync(request.output, JSON.stringify(worker.formatTestResults(results)));
  send({ type: 'done', id: request.id });
}

function main() {
  let worker;
  try {
    worker = setup();
  } catch (error) {
    worker = { warm: false, reason: `loading Jest failed: ${firstLine(error)}` };
  }
  send({ type: 'ready', warm: worker.warm, reason: worker.reason, version: worker.version, node: process.version });
  if (!worker.warm) return process.exit(0);
  serveRequests((request) => serve(worker, request));
}

main();
