/**
 * The warm Vitest worker. Started in an isolated copy as `node vitest-worker.mjs` with the words of the
 * project's `vitest …` command in REVISE_VITEST_ARGS, it starts Vitest once through its Node API (the Vite
 * server, the config, the transform pipeline stay up); each request (one JSON line on stdin:
 * { id, files, changed, output }) invalidates the changed modules and re-runs the requested test files,
 * which Vitest runs isolated, as it does in watch mode. The results go to `output` in the JSON shape the
 * capture reads from Vitest's JSON reporter. Messages to Revise go to stdout after a marker that test
 * output cannot end by accident.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import protocol from './worker-protocol.cjs';

const { send, firstLine, serveRequests } = protocol;
const root = process.cwd();

/** Flags of the test script the worker honours; others make it decline (the runs stay cold). */
function projectOptions(words) {
  const options = {};
  for (let index = 0; index < words.length; index++) {
    const word = words[index];
    if (word === 'run' && index === 0) continue;
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (flag === '--config' || flag === '-c') options.config = inline ?? words[++index];
    else if (flag === '--root' || flag === '-r') options.root = inline ?? words[++index];
    else if (flag === '--environment') options.environment = inline ?? words[++index];
    else if (['--run', '--passWithNoTests', '--silent', '--reporter', '--coverage', '--bail', '--globals'].includes(flag)) {
      if (flag === '--reporter' && inline === undefined) index++;
      if (flag === '--globals') options.globals = true;
    } else return { reason: `the test script passes ${word} to Vitest, which the worker does not handle` };
  }
  return { options };
}

async function setup() {
  const require = createRequire(path.join(root, 'noop.js'));
  let manifestPath;
  try {
    manifestPath = require.resolve('vitest/package.json');
  } catch {
    return { warm: false, reason: 'vitest is not installed in the copy' };
  }
  const folder = path.dirname(manifestPath);
  const version = JSON.parse(fs.readFileSync(manifestPath, 'utf8')).version;
  const major = Number(String(version).split('.')[0]);
  if (!(major >= 3)) return { warm: false, reason: `Vitest ${version}: the worker needs Vitest 3 or later` };
  const parsed = projectOptions(JSON.parse(process.env.REVISE_VITEST_ARGS || '[]'));
  if (parsed.reason) return { warm: false, reason: parsed.reason };
  const { createVitest } = await import(pathToFileURL(path.join(folder, 'dist', 'node.js')).href);
  const vitest = await createVitest('test', { ...parsed.options, watch: false, configLoader: 'runner', reporters: [{}], coverage: { enabled: false }, bail: 0, passWithNoTests: true });
  // Which files are test files (and of which project) is known once they have been globbed.
  await vitest.globTestSpecifications();
  return { warm: true, version, vitest };
}

function errorText(error) {
  if (!error || typeof error !== 'object') return String(error);
  const head = error.name && error.message !== undefined ? `${error.name}: ${error.message}` : String(error.message ?? '');
  return typeof error.stack === 'string' && error.stack.includes(String(error.message ?? '')) ? error.stack : `${head}\n${error.stack ?? ''}`;
}

/** Vitest's task tree as the JSON reporter writes it (the shape Jest's --json has). */
function report(files) {
  const testResults = [];
  for (const file of files) {
    const assertionResults = [];
    const walk = (task, ancestors) => {
      for (const child of task.tasks ?? []) {
        if (child.type === 'suite') walk(child, [...ancestors, child.name]);
        else if (child.type === 'test' || child.type === 'custom') {
          const state = child.result?.state;
          const status = state === 'pass' ? 'passed' : state === 'fail' ? 'failed' : child.mode === 'todo' ? 'todo' : 'pending';
          assertionResults.push({
            ancestorTitles: ancestors,
            title: child.name,
            fullName: [...ancestors, child.name].join(' '),
            status,
            duration: child.result?.duration ?? 0,
            failureMessages: (child.result?.errors ?? []).map(errorText),
          });
        }
      }
    };
    walk(file, []);
    const failed = file.result?.state === 'fail';
    testResults.push({
      name: file.filepath,
      status: failed || assertionResults.some((entry) => entry.status === 'failed') ? 'failed' : 'passed',
      message: failed ? (file.result?.errors ?? []).map(errorText).join('\n') : '',
      assertionResults,
    });
  }
  return { numTotalTests: testResults.reduce((sum, entry) => sum + entry.assertionResults.length, 0), success: testResults.every((entry) => entry.status === 'passed'), testResults };
}

async function serve(worker, request) {
  const { vitest } = worker;
  for (const file of request.changed ?? []) {
    vitest.invalidateFile(file);
    vitest.watcher?.invalidates?.add(file);
  }
  const specifications = request.files.flatMap((file) => vitest.getModuleSpecifications(file));
  const result = await vitest.runTestSpecifications(specifications, false);
  fs.writeFileSync(request.output, JSON.stringify(report((result?.testModules ?? []).map((module) => module.task))));
  send({ type: 'done', id: request.id });
}

async function main() {
  let worker;
  try {
    worker = await setup();
  } catch (error) {
    worker = { warm: false, reason: `starting Vitest failed: ${firstLine(error)}` };
  }
  send({ type: 'ready', warm: worker.warm, reason: worker.reason, version: worker.version, node: process.version });
  if (!worker.warm) process.exit(0);
  serveRequests(
    (request) => serve(worker, request),
    () => worker.vitest.close(),
  );
}

void main();
