'use strict';
/**
 * The line protocol every warm JavaScript worker (node:test, Mocha, Jest, Vitest) speaks with Revise
 * (`extension/src/core/exec/jsWorker.ts`): requests are JSON lines on stdin, served one at a time and in
 * order; messages to Revise go to stdout after a marker that test output cannot end by accident.
 */
const fs = require('node:fs');
const readline = require('node:readline');

const MARK = '\u001eREVISE-WORKER ';

function send(message) {
  fs.writeSync(1, `\n${MARK}${JSON.stringify(message)}\n`);
}

/** The first line of an error's message, for a `ready` message's reason. */
function firstLine(error) {
  return String(error && error.message ? error.message : error).split('\n')[0];
}

/**
 * Serves each request line with `serve(request)`, one at a time; a request that throws is answered with an
 * `error` message. When stdin ends, the last request finishes, `onClose` runs, and the process exits.
 */
function serveRequests(serve, onClose = () => undefined) {
  let queue = Promise.resolve();
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return;
    }
    queue = queue.then(() => serve(request)).catch((error) => send({ type: 'error', id: request.id, message: String(error && error.stack ? error.stack : error) }));
  });
  input.on('close', () => {
    void queue
      .then(() => onClose())
      .catch(() => undefined)
      .then(() => process.exit(0));
  });
}

module.exports = { MARK, send, firstLine, serveRequests };
