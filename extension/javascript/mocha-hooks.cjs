'use strict';
/**
 * Mocha root hook plugin that Revise loads with --require: marks each test's start and end for Revise's
 * runtime. Root hooks run around every test of every file, also in --parallel workers. Mocha before 8
 * has no root hook plugins: there the runner's `test` and `test end` events do the same (see below).
 */
const runtime = require('./runtime.cjs');

// Mocha requires this file before the spec files: their code (and what they import) gets block counters.
runtime.startCoverage();

/**
 * Mocha follows links when it walks a folder (`--recursive`, a folder as spec): a symbolic link loop would
 * keep it walking the same tree deeper and deeper. Mocha requires this file before it looks for spec
 * files, so the loops Revise found (REVISE_LOOP_LINKS, absolute paths) are made to look like dangling
 * links to `fs.statSync`, which Mocha's walk calls and skips a file on when it throws.
 */
(function guardLoops() {
  let loops;
  try {
    loops = JSON.parse(process.env.REVISE_LOOP_LINKS || '[]');
  } catch {
    return;
  }
  if (!Array.isArray(loops) || loops.length === 0) return;
  const fs = require('node:fs');
  const path = require('node:path');
  const original = fs.statSync;
  const inLoop = (target) => {
    if (typeof target !== 'string') return false;
    const full = path.resolve(target);
    return loops.some((loop) => full === loop || full.startsWith(loop + path.sep));
  };
  fs.statSync = function statSync(target, options) {
    if (inLoop(target)) {
      if (options && options.throwIfNoEntry === false) return undefined;
      const error = new Error(`ELOOP: a symbolic link loop that Revise skips, stat '${target}'`);
      error.code = 'ELOOP';
      error.errno = -40;
      error.syscall = 'stat';
      error.path = target;
      throw error;
    }
    return original.apply(this, arguments);
  };
})();

/** Titles from the outermost suite to the test (`titlePath()` exists from Mocha 4.1 on). */
function titlePath(test) {
  if (typeof test.titlePath === 'function') return test.titlePath();
  const titles = [];
  for (let node = test; node; node = node.parent) if (node.title) titles.unshift(node.title);
  return titles;
}

function describeTest(test) {
  const titles = titlePath(test);
  return { file: test.file || '', name: titles.join(' '), titles };
}

function begin(test) {
  const { file, name, titles } = describeTest(test);
  runtime.beginTest(file, name, titles);
}

function end(test, error) {
  const { file, name } = describeTest(test);
  runtime.endTest(file, name, {
    outcome: test.state === 'failed' || error ? 'failed' : test.state === 'pending' || test.pending ? 'skipped' : 'passed',
    ...(error ? { message: String(error.message), stack: error.stack } : {}),
    durationMs: test.duration,
  });
}

exports.mochaHooks = {
  beforeEach() {
    if (this.currentTest) begin(this.currentTest);
  },
  afterEach() {
    if (this.currentTest) end(this.currentTest, this.currentTest.err);
  },
};

/** The project's Mocha (the one its `mocha` command runs), or undefined. */
function projectMocha() {
  try {
    const folder = require('node:path').dirname(require.resolve('mocha/package.json', { paths: [process.cwd()] }));
    const version = require(require('node:path').join(folder, 'package.json')).version;
    return { version, Runner: require(require('node:path').join(folder, 'lib', 'runner.js')) };
  } catch {
    return undefined;
  }
}

const mocha = projectMocha();
const major = mocha ? Number(String(mocha.version).split('.')[0]) : Infinity;
if (mocha && major < 8 && typeof mocha.Runner === 'function') {
  // Mocha 3 to 7: every run goes through Runner#run; its events mark each test. Failures of a test are
  // reported by `fail` before `test end`.
  const run = mocha.Runner.prototype.run;
  mocha.Runner.prototype.run = function (...args) {
    const failures = new Map();
    this.on('test', (test) => begin(test));
    this.on('fail', (test, error) => {
      if (test && test.type === 'test') failures.set(test, error);
    });
    this.on('test end', (test) => end(test, failures.get(test) || test.err));
    return run.apply(this, args);
  };
}
