/**
 * Vitest setup file that Revise adds to the project's own (through a generated config that wraps the
 * project's config): marks each test's start and end for Revise's runtime. The `vitest` module must be
 * the very instance the tests use, so its entry is passed in as a file URL resolved from the project.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const runtime = require('./runtime.cjs');
const { beforeEach, afterEach } = await import(process.env.REVISE_VITEST_ENTRY);

// Vite's module runner compiles each module with vm.runInThisContext, in its own wrapper: handing the
// runtime that text spares asking the debugger for it.
const vm = require('node:vm');
const WATCHED = Symbol.for('revise.capture.vm');
if (runtime.enabled && typeof vm.runInThisContext === 'function' && !vm.runInThisContext[WATCHED]) {
  const runInThisContext = vm.runInThisContext;
  const watched = function (code, options) {
    runtime.rememberSource(typeof options === 'string' ? options : options && options.filename, code);
    return Reflect.apply(runInThisContext, this, arguments);
  };
  Object.defineProperty(watched, 'name', { value: 'runInThisContext' });
  watched[WATCHED] = true;
  vm.runInThisContext = watched;
}
// Setup files run before the test file: its code (and what it imports) gets block counters.
runtime.startCoverage();

function describeTask(task) {
  const titles = [];
  for (let current = task; current && current.type !== undefined && current !== task.file; current = current.suite) {
    titles.unshift(current.name);
  }
  return { file: task.file ? task.file.filepath : '', titles };
}

beforeEach((context) => {
  const { file, titles } = describeTask(context.task);
  runtime.beginTest(file, titles.join(' '), titles);
});

afterEach((context) => {
  const { file, titles } = describeTask(context.task);
  const result = context.task.result || {};
  const error = (result.errors || [])[0];
  runtime.endTest(file, titles.join(' '), {
    outcome: result.state === 'fail' || error ? 'failed' : 'passed',
    ...(error ? { message: String(error.message), stack: error.stack } : {}),
  });
});
