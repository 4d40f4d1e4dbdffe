'use strict';
/**
 * Jest test runner that Revise passes with --testRunner: it hands every test file to the project's own
 * jest-circus runner, after giving the test environment an event handler that marks each test's start
 * and end for Revise's runtime (per-test coverage, a record of every outcome, the watchdog). Jest
 * resolves this file itself; jest-circus is resolved from the project, the way Jest finds its default.
 */
const path = require('node:path');
const runtime = require('./runtime.cjs');

const ROOT_BLOCK = 'ROOT_DESCRIBE_BLOCK';

function loadCircus(config) {
  const bases = [config.rootDir, process.cwd()];
  for (const base of bases) {
    try {
      return require(require.resolve('jest-circus/runner', { paths: [base] }));
    } catch {
      /* not hoisted: look beside Jest's own packages below */
    }
    for (const owner of ['jest-config', 'jest-runner', '@jest/core']) {
      try {
        const folder = path.dirname(require.resolve(`${owner}/package.json`, { paths: [base] }));
        return require(require.resolve('jest-circus/runner', { paths: [folder] }));
      } catch {
        /* try the next place */
      }
    }
  }
  throw new Error('Revise could not find jest-circus next to the project\'s Jest installation.');
}

function titlesOf(test) {
  const titles = [test.name];
  for (let block = test.parent; block && block.name !== ROOT_BLOCK; block = block.parent) titles.unshift(block.name);
  return titles;
}

/**
 * Where a test is defined, from the stack its definition left (Jest formats it through the test file's
 * source map): the first frame in the test file. Asked only of failing tests: formatting the stack of
 * every test, as --testLocationInResults does, costs about a fifth of a plain run.
 */
function definedAt(test, testPath) {
  try {
    const stack = test.asyncError && test.asyncError.stack;
    if (typeof stack !== 'string') return undefined;
    for (const line of stack.split('\n').slice(1)) {
      const match = /\(?([^()]+):(\d+):(\d+)\)?\s*$/.exec(line);
      if (match && match[1].replace(/^\s*at\s+/, '') === testPath) return { line: Number(match[2]), column: Number(match[3]) };
    }
  } catch {
    /* no stack: Revise looks for the title instead */
  }
  return undefined;
}

function firstError(errors) {
  for (const entry of errors || []) {
    // Circus keeps [error, asyncError] pairs or bare errors.
    const error = Array.isArray(entry) ? entry[0] || entry[1] : entry;
    if (error !== undefined && error !== null) return error;
  }
  return undefined;
}

/**
 * Hands the runtime the text Jest compiles for each module of the project (its module wrapper around
 * the transformed code), which spares asking the debugger for it. Jest versions without these methods
 * are left alone: the runtime then asks the debugger.
 */
function watchScripts(runtimeInstance) {
  const create = runtimeInstance && runtimeInstance.createScriptFromCode;
  const wrap = runtimeInstance && runtimeInstance.wrapCodeInModuleWrapper;
  if (!runtime.enabled || typeof create !== 'function' || typeof wrap !== 'function') return;
  runtimeInstance.createScriptFromCode = function createScriptFromCode(scriptSource, filename) {
    if (typeof scriptSource === 'string' && runtime.isRecorded(filename)) {
      try {
        runtime.rememberSource(filename, wrap.call(this, scriptSource));
      } catch {
        /* the debugger will tell */
      }
    }
    return Reflect.apply(create, this, arguments);
  };
}

module.exports = async function reviseJestRunner(globalConfig, config, environment, runtimeInstance, testPath, sendMessageToJest) {
  const circus = loadCircus(config);
  watchScripts(runtimeInstance);
  const original = typeof environment.handleTestEvent === 'function' ? environment.handleTestEvent.bind(environment) : undefined;
  environment.handleTestEvent = (event, state) => {
    if (event.name === 'setup') {
      // Circus and expect are loaded, the test file is not yet: its code (and what it imports) gets block
      // counters, Jest's own code only function counts. (Coverage stays on from file to file: stopping it
      // would strip the counters from code V8 reuses for the next file, from its compilation cache.)
      runtime.startCoverage();
    } else if (event.name === 'test_start') {
      const titles = titlesOf(event.test);
      runtime.beginTest(testPath, titles.join(' '), titles);
    } else if (event.name === 'test_done') {
      const error = firstError(event.test.errors);
      const at = error === undefined ? undefined : definedAt(event.test, testPath);
      runtime.endTest(testPath, titlesOf(event.test).join(' '), {
        outcome: error === undefined ? 'passed' : 'failed',
        ...(error === undefined ? {} : { message: String((error && error.message) || error), stack: error && error.stack }),
        ...(at ? { definedAt: at } : {}),
        durationMs: event.test.duration,
      });
    }
    return original ? original(event, state) : undefined;
  };
  return circus(globalConfig, config, environment, runtimeInstance, testPath, sendMessageToJest);
};
