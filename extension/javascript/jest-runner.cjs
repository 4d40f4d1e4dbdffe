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

function firstError(errors) {
  for (const entry of errors || []) {
    // Circus keeps [error, asyncError] pairs or bare errors.
    const error = Array.isArray(entry) ? entry[0] || entry[1] : entry;
    if (error !== undefined && error !== null) return error;
  }
  return undefined;
}

module.exports = async function reviseJestRunner(globalConfig, config, environment, runtimeInstance, testPath, sendMessageToJest) {
  const circus = loadCircus(config);
  const original = typeof environment.handleTestEvent === 'function' ? environment.handleTestEvent.bind(environment) : undefined;
  environment.handleTestEvent = (event, state) => {
    if (event.name === 'test_start') {
      const titles = titlesOf(event.test);
      runtime.beginTest(testPath, titles.join(' '), titles);
    } else if (event.name === 'test_done') {
      const error = firstError(event.test.errors);
      runtime.endTest(testPath, titlesOf(event.test).join(' '), {
        outcome: error === undefined ? 'passed' : 'failed',
        ...(error === undefined ? {} : { message: String((error && error.message) || error), stack: error && error.stack }),
        durationMs: event.test.duration,
      });
    }
    return original ? original(event, state) : undefined;
  };
  return circus(globalConfig, config, environment, runtimeInstance, testPath, sendMessageToJest);
};
