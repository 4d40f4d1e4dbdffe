'use strict';
/**
 * Mocha root hook plugin that Revise loads with --require: marks each test's start and end for Revise's
 * runtime. Root hooks run around every test of every file, also in --parallel workers.
 */
const runtime = require('./runtime.cjs');

// Mocha requires this file before the spec files: their code (and what they import) gets block counters.
runtime.startCoverage();

function describeTest(test) {
  const titles = test.titlePath();
  return { file: test.file || '', name: titles.join(' '), titles };
}

exports.mochaHooks = {
  beforeEach() {
    if (!this.currentTest) return;
    const { file, name, titles } = describeTest(this.currentTest);
    runtime.beginTest(file, name, titles);
  },
  afterEach() {
    if (!this.currentTest) return;
    const test = this.currentTest;
    const { file, name } = describeTest(test);
    const error = test.err;
    runtime.endTest(file, name, {
      outcome: test.state === 'failed' ? 'failed' : test.state === 'pending' ? 'skipped' : 'passed',
      ...(error ? { message: String(error.message), stack: error.stack } : {}),
      durationMs: test.duration,
    });
  },
};
