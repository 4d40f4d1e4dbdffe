/**
 * The warm node:test worker's reporter (`node-test-worker.mjs` is started with it as `--test-reporter`).
 * It runs in the worker's own process, so it hands each event, as the same JSON line the capture's
 * reporter writes, to the worker through a global; the worker's end-of-run marker test is held back and
 * tells the worker that every test it started has reported.
 */
import { fileURLToPath } from 'node:url';
import { formatEvent } from './node-test-reporter.mjs';

const STATE = Symbol.for('revise.nodeTestWorker');

/** The file a test is defined in, without the worker's `?revise-gen=` query. */
function plainFile(file) {
  if (typeof file !== 'string') return file;
  const bare = file.replace(/\?revise-gen=\d+$/, '');
  return bare.startsWith('file:') ? fileURLToPath(bare) : bare;
}

export default async function* workerReporter(source) {
  for await (const event of source) {
    const state = globalThis[STATE];
    if (!state) continue;
    const data = event.data ?? {};
    if (state.marker !== undefined && data.name === state.marker && (data.nesting ?? 0) === 0) {
      if (event.type === 'test:pass' || event.type === 'test:fail') state.markerReported();
      continue;
    }
    const line = formatEvent({ ...event, data: { ...data, file: plainFile(data.file) } });
    if (line !== undefined) state.lines.push(line);
  }
}
