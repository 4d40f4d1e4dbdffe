'use strict';
/**
 * Loaded with `--require` into every process of a `node --test` run (Revise adds it to the command).
 * Only the per-file test processes (NODE_TEST_CONTEXT is set there) register hooks; the orchestrating
 * process and any other Node program the test script starts (a compiler, say) are left alone.
 * A root-level hook registered before the test file loads applies to every test and subtest in it.
 * Only `beforeEach` is registered: each hook run costs about half a millisecond of node:test's own
 * machinery, so the end of a test is taken from its context's signal, which node:test aborts once the
 * test (its afterEach and after hooks included) has finished and its outcome is set.
 */
if (process.env.NODE_TEST_CONTEXT && process.env.REVISE_CAPTURE_DIR) {
  const runtime = require('./runtime.cjs');
  const { after, beforeEach } = require('node:test');
  const testFile = process.argv[1] || '';
  const lingerMs = Number(process.env.REVISE_LINGER_MS || '0');

  /** Tests that began and have not ended, outermost first: { name, context }. */
  const running = [];
  /** Whether a test has an outcome (it has finished), from its context. */
  const finished = (context) => context.passed === true || (context.error !== null && context.error !== undefined);
  const end = (entry) => {
    const index = running.indexOf(entry);
    if (index < 0) return;
    running.splice(index, 1);
    const { context, name } = entry;
    const error = context.error;
    const original = error && error.cause && typeof error.cause === 'object' ? error.cause : error;
    runtime.endTest(testFile, name, {
      outcome: context.passed ? 'passed' : 'failed',
      ...(original ? { message: String(original.message), stack: original.stack } : {}),
    });
  };

  beforeEach((context) => {
    const name = context.fullName;
    // Where a test runner does not abort the signal of a test that ended, a test still listed that has
    // finished and is not this one's ancestor ends here, before this one begins.
    for (const entry of [...running]) {
      if (!name.startsWith(`${entry.name} > `) && finished(entry.context)) end(entry);
    }
    runtime.beginTest(testFile, name, undefined);
    const entry = { name, context };
    running.push(entry);
    const signal = context.signal;
    if (signal && typeof signal.addEventListener === 'function') signal.addEventListener('abort', () => end(entry), { once: true });
  });
  process.on('exit', () => {
    // Same fallback for the last test; a test cut short by the exit stays unfinished.
    for (const entry of [...running]) if (finished(entry.context)) end(entry);
  });
  // node:test is loaded, the test file is not yet: its code (and what it imports) gets block counters.
  runtime.startCoverage();
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
