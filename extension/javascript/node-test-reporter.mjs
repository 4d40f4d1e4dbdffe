/**
 * node:test reporter (Revise passes it with --test-reporter): one JSON line per event, keeping only the
 * fields Revise reads (and the start of each file's stderr), with the failure's original error (message, stack) flattened so that it survives
 * JSON. Runs in the orchestrating process, which receives every file process's events as they happen.
 */
const kept = new Set(['test:start', 'test:pass', 'test:fail', 'test:diagnostic', 'test:stderr']);
/** Standard error kept per file: enough for the error that stopped a file from loading. */
const STDERR_LIMIT = 4000;
const stderrSeen = new Map();

export function describeError(error) {
  if (error === null || typeof error !== 'object') return error === undefined ? undefined : { message: String(error) };
  const cause = error.cause;
  const original = cause !== null && typeof cause === 'object' && (cause.stack || cause.message) ? cause : error;
  return {
    failureType: error.failureType,
    code: original.code,
    name: original.name,
    message: typeof original.message === 'string' ? original.message : String(original.message ?? ''),
    stack: typeof original.stack === 'string' ? original.stack : undefined,
    outerMessage: error.message,
  };
}

/**
 * One event as the JSON line Revise reads, or undefined for events it does not keep. The warm worker's
 * reporter (`node-test-worker-reporter.mjs`) writes the same lines.
 */
export function formatEvent(event) {
  if (!kept.has(event.type)) return undefined;
  const data = event.data ?? {};
  if (event.type === 'test:stderr') {
    // A file that cannot load (a syntax error in the code under test) says why only on stderr.
    const seen = stderrSeen.get(data.file) ?? 0;
    if (typeof data.message !== 'string' || seen >= STDERR_LIMIT) return undefined;
    stderrSeen.set(data.file, seen + data.message.length);
    return `${JSON.stringify({ type: 'test:stderr', file: data.file, message: data.message.slice(0, STDERR_LIMIT - seen) })}\n`;
  }
  const details = data.details ?? {};
  return `${JSON.stringify({
    type: event.type,
    name: data.name,
    nesting: data.nesting,
    file: data.file,
    line: data.line,
    column: data.column,
    message: event.type === 'test:diagnostic' ? data.message : undefined,
    skip: data.skip === undefined ? undefined : data.skip !== false,
    todo: data.todo === undefined ? undefined : data.todo !== false,
    durationMs: details.duration_ms,
    kind: details.type,
    error: event.type === 'test:fail' ? describeError(details.error) : undefined,
  })}\n`;
}

export default async function* reviseReporter(source) {
  for await (const event of source) {
    const line = formatEvent(event);
    if (line !== undefined) yield line;
  }
}
