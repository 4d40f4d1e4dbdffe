'use strict';
/**
 * Loaded with `--require` into every process of a `node --test` run (Revise adds it to the command).
 * Only the per-file test processes (NODE_TEST_CONTEXT is set there) register hooks; the orchestrating
 * process and any other Node program the test script starts (a compiler, say) are left alone.
 * Root-level hooks registered before the test file loads apply to every test and subtest in it.
 */
if (process.env.NODE_TEST_CONTEXT && process.env.REVISE_CAPTURE_DIR) {
  const runtime = require('./runtime.cjs');
  const { after, afterEach, beforeEach } = require('node:test');
  const testFile = process.argv[1] || '';
  const lingerMs = Number(process.env.REVISE_LINGER_MS || '0');

  beforeEach((context) => {
    runtime.beginTest(testFile, context.fullName, undefined);
  });
  afterEach((context) => {
    const error = context.error;
    const original = error && error.cause && typeof error.cause === 'object' ? error.cause : error;
    runtime.endTest(testFile, context.fullName, {
      outcome: context.passed ? 'passed' : 'failed',
      ...(original ? { message: String(original.message), stack: original.stack } : {}),
    });
  });
  if (lingerMs > 0) {
    // A handle nobody closed (a server, an interval) keeps a file's process alive after its last test,
    // and `node --test` waits for it forever. Every result has been reported by then: end it.
    after(() => {
      setTimeout(() => {
        runtime.note({ t: 'linger', file: testFile, afterMs: lingerMs });
        process.exit();
      }, lingerMs).unref();
    });
  }
}
