'use strict';
/**
 * Revise's helper inside a JavaScript test process. The framework adapters beside this file (the
 * node:test preload, the Mocha root hooks, the Jest runner, the Vitest setup file) call `beginTest` and
 * `endTest` around every test; this module
 *  - records per-test V8 block coverage: one in-process inspector session with precise coverage and
 *    call counts, started before the test file loads (`startCoverage`, called by each adapter once the
 *    framework itself is loaded, so that the framework's code carries no block counters), taken (which
 *    also resets the counters) when a test ends, and when a subtest or a new test file begins, so each
 *    delta belongs to the tests running at that moment;
 *  - keeps the executed source of every recorded script whose text is not the file on disk (Jest,
 *    Vitest, tsx run transformed code whose byte offsets only make sense against that text and its
 *    inline source map): from the adapters' hooks where they see it compiled (`rememberSource`), else
 *    from the debugger, once per batch of new scripts;
 *  - appends one JSON line per event to `records-<pid>-<thread>.jsonl`, synchronously, so a process that
 *    is killed keeps what it recorded;
 *  - stops the process when one test runs past the watchdog deadline: a synchronous endless loop blocks
 *    the framework's own timers, and only another thread can still act.
 * Everything is configured through the environment, set by Revise for this run only:
 *   REVISE_CAPTURE_DIR  folder (in the system temp dir) that receives the records;
 *   REVISE_COVERAGE     '1' to record coverage;
 *   REVISE_ROOTS        JSON array of folders whose scripts are recorded (node_modules never are);
 *   REVISE_WATCHDOG_MS  deadline per test in milliseconds, 0 or absent for none.
 */
const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const workerThreads = require('node:worker_threads');

const captureDir = process.env.REVISE_CAPTURE_DIR || '';
const enabled = captureDir !== '' && fs.existsSync(captureDir);
const recordsFile = path.join(captureDir, `records-${process.pid}-${workerThreads.threadId}.jsonl`);
const roots = parseRoots(process.env.REVISE_ROOTS);
const watchdogMs = Number(process.env.REVISE_WATCHDOG_MS || '0');
const nodeModulesSegment = `${path.sep}node_modules${path.sep}`;
/** Files Node runs as they are on disk when no loader transforms them. */
const PLAIN_SCRIPT = /\.(?:js|cjs|mjs)$/i;

/** Tests running now, outermost first; a coverage delta belongs to all of them. */
const active = [];
/** scriptId → whether the script is one of ours (under a root, outside node_modules). */
const knownScripts = new Map();
/**
 * Text the adapters saw compiled for files of ours (`rememberSource`): file → text length → the text,
 * or null where two different texts of that length were compiled for the file.
 */
const compiledSources = new Map();
let session;
let coverageFailed = false;
let watchdog;
/** The test file of the last test that began. */
let lastFile;
/** The records file, opened once for appending. */
let recordsFd;

function parseRoots(text) {
  try {
    const value = JSON.parse(text || '[]');
    return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** Appends records, one JSON line each, in one synchronous write. */
function write(...records) {
  if (!enabled || records.length === 0) return;
  try {
    if (recordsFd === undefined) recordsFd = fs.openSync(recordsFile, 'a');
    const buffer = Buffer.from(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    for (let offset = 0; offset < buffer.length; ) offset += fs.writeSync(recordsFd, buffer, offset);
  } catch {
    /* the capture folder was removed: the run is being torn down */
  }
}

/** Sends one inspector command; the in-process session answers synchronously. */
function post(method, params) {
  let answer;
  let failure;
  session.post(method, params, (error, result) => {
    failure = error;
    answer = result;
  });
  if (failure) throw failure;
  return answer;
}

/**
 * Starts recording coverage (once). The adapters call it as soon as the framework is loaded and before
 * the test file is: code compiled from then on carries block counters (each branch of the tests' code
 * is told apart), code compiled before (the framework's) only function counts, which keeps every take
 * cheap. `beginTest` starts it too, for an adapter that did not.
 */
function startCoverage() {
  if (!enabled || session !== undefined || coverageFailed || process.env.REVISE_COVERAGE !== '1') return;
  try {
    session = new (require('node:inspector').Session)();
    session.connect();
    post('Profiler.enable');
    post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  } catch (error) {
    coverageFailed = true;
    session = undefined;
    write({ t: 'problem', message: `V8 coverage could not start: ${error && error.message}` });
  }
}

function scriptPath(url) {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(url) ? url : undefined;
}

function isOurs(file) {
  if (file.includes(nodeModulesSegment) || file === __filename || path.dirname(file) === __dirname) return false;
  return roots.some((root) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
}

/** Whether the coverage of a script loaded from this file (a path or a file URL) is recorded. */
function isRecorded(file) {
  if (!enabled || typeof file !== 'string') return false;
  const resolved = scriptPath(file);
  return resolved !== undefined && isOurs(resolved);
}

/**
 * Tells the runtime the exact text about to be compiled for a file (what Jest's or Vite's module
 * wrapper made of it), which spares asking the debugger for it. A text is only used for a script of
 * exactly its length.
 */
function rememberSource(file, code) {
  if (typeof code !== 'string' || !isRecorded(file)) return;
  const resolved = scriptPath(file);
  let byLength = compiledSources.get(resolved);
  if (byLength === undefined) {
    byLength = new Map();
    compiledSources.set(resolved, byLength);
  }
  const known = byLength.get(code.length);
  if (known === undefined) byLength.set(code.length, code);
  else if (known !== null && known !== code) byLength.set(code.length, null);
}

/** Takes (and resets) the coverage counters; returns the scripts of ours that ran since the last take. */
function takeCoverage() {
  if (session === undefined) return [];
  let result;
  try {
    result = post('Profiler.takePreciseCoverage').result;
  } catch {
    return [];
  }
  const scripts = [];
  const fresh = [];
  for (const script of result) {
    let ours = knownScripts.get(script.scriptId);
    if (ours === undefined) {
      const file = script.url ? scriptPath(script.url) : undefined;
      ours = file !== undefined && isOurs(file);
      knownScripts.set(script.scriptId, ours);
      if (ours) fresh.push({ script, file });
    }
    if (!ours) continue;
    let ran = false;
    const ranges = [];
    for (const fn of script.functions) {
      // start, end, count, and a kind: 1 for a function's own extent (its first range), 2 for the
      // extent of a class's field initializer (it spans the class body), 0 for a block.
      const kind = fn.functionName.charCodeAt(0) === 60 && /^<(instance_members|static)_initializer>/.test(fn.functionName) ? 2 : 1;
      const fnRanges = fn.ranges;
      for (let index = 0; index < fnRanges.length; index++) {
        const range = fnRanges[index];
        ranges.push(range.startOffset, range.endOffset, range.count, index === 0 ? kind : 0);
        if (range.count > 0) ran = true;
      }
    }
    if (ran) scripts.push({ id: script.scriptId, ranges });
  }
  if (fresh.length > 0) saveSources(fresh);
  return scripts;
}

/**
 * The length of a script's text, from the range of its top-level code: present when that code ran
 * while coverage was on (it spans the whole text), undefined otherwise.
 */
function scriptLength(script) {
  const top = script.functions[0];
  const range = top && top.functionName === '' ? top.ranges[0] : undefined;
  return range && range.startOffset === 0 ? range.endOffset : undefined;
}

/** The length of a file's text on disk, or -1. */
function diskLength(file) {
  try {
    return fs.readFileSync(file, 'utf8').length;
  } catch {
    return -1;
  }
}

/**
 * Records the scripts of ours seen for the first time, with the text V8 ran where it is not the file on
 * disk. That text comes from `rememberSource` where an adapter saw it compiled; a plain script whose
 * length is the file's is the file (Node runs .js, .cjs and .mjs files as they are, unless a loader
 * transforms them, which changes their length); any other is asked of the debugger, all of them at
 * once: enabling the debugger costs a walk over every script of the process, and enabled, it makes
 * every coverage take about twice as slow, so it is on only while reading them.
 */
function saveSources(fresh) {
  const unknown = [];
  for (const { script, file } of fresh) {
    const length = scriptLength(script);
    const byLength = length === undefined ? undefined : compiledSources.get(file);
    const compiled = byLength === undefined ? undefined : byLength.get(length);
    if (typeof compiled === 'string') saveSource(script, file, compiled);
    else if (length !== undefined && PLAIN_SCRIPT.test(file) && diskLength(file) === length) write({ t: 'script', id: script.scriptId, url: script.url, file });
    else unknown.push({ script, file });
  }
  if (unknown.length === 0) return;
  let debuggerOn = false;
  try {
    post('Debugger.enable');
    debuggerOn = true;
  } catch {
    /* saved without their text below; Revise reads the files instead */
  }
  try {
    for (const { script, file } of unknown) {
      let text;
      try {
        if (debuggerOn) text = post('Debugger.getScriptSource', { scriptId: script.scriptId }).scriptSource;
      } catch {
        text = undefined;
      }
      saveSource(script, file, text);
    }
  } finally {
    if (debuggerOn) {
      try {
        post('Debugger.disable');
      } catch {
        /* the session is gone */
      }
    }
  }
}

/** Saves the text V8 ran for a script next to the records, and records the script. */
function saveSource(script, file, text) {
  const { scriptId, url } = script;
  if (typeof text === 'string') {
    const name = `source-${process.pid}-${workerThreads.threadId}-${scriptId}.txt`;
    try {
      fs.writeFileSync(path.join(captureDir, name), text);
      write({ t: 'script', id: scriptId, url, file, source: name });
      return;
    } catch {
      /* recorded without its text */
    }
  }
  write({ t: 'script', id: scriptId, url, file });
}

/** Takes coverage; returns the record of what ran, for the tests running now, if anything of ours ran. */
function takeDelta() {
  const scripts = takeCoverage();
  return scripts.length > 0 && active.length > 0 ? [{ t: 'cov', tests: active.map((test) => [test.file, test.name]), scripts }] : [];
}

function recordDelta() {
  write(...takeDelta());
}

function armWatchdog() {
  if (!(watchdogMs > 0) || !workerThreads.isMainThread) return;
  if (watchdog === undefined) {
    // What the watchdog asks the main thread to run before it stops a test that hangs.
    globalThis[Symbol.for('revise.capture.flush')] = () => {
      recordDelta();
      return true;
    };
    // The watchdog thread kills the whole process: only safe where this process runs tests alone
    // (node:test file processes, Jest and Vitest fork workers, Mocha), never inside a thread pool.
    watchdog = new workerThreads.Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const fs = require('node:fs');
       let timer;
       parentPort.on('message', (test) => {
         clearTimeout(timer);
         if (test === null) return;
         timer = setTimeout(() => stop(test), workerData.watchdogMs);
       });
       function stop(test) {
         let stopped = false;
         const kill = () => {
           if (stopped) return;
           stopped = true;
           try {
             fs.appendFileSync(workerData.recordsFile, JSON.stringify({ t: 'timeout', file: test.file, name: test.name, afterMs: workerData.watchdogMs }) + '\\n');
           } finally {
             process.kill(process.pid, 'SIGKILL');
           }
         };
         // First let the busy main thread record the coverage of the test that hangs: the inspector
         // interrupts even an endless loop to evaluate this. Kill anyway if it does not answer.
         setTimeout(kill, 1500);
         try {
           const { Session } = require('node:inspector');
           const session = new Session();
           session.connectToMainThread();
           session.post('Runtime.evaluate', { expression: 'globalThis[Symbol.for("revise.capture.flush")]?.()' }, kill);
         } catch {
           kill();
         }
       }`,
      // No execArgv: the worker must not load the preload (or a loader such as tsx) again.
      { eval: true, workerData: { recordsFile, watchdogMs }, execArgv: [], stdout: true, stderr: true },
    );
    watchdog.unref();
  }
  const current = active[active.length - 1];
  watchdog.postMessage(current === undefined ? null : { file: current.file, name: current.name });
}

/**
 * Marks the start of a test. `file` is the test file's absolute path, `name` the framework's full name
 * (the same string its reporter prints), `titles` the names from the outermost suite to the test.
 */
function beginTest(file, name, titles) {
  if (!enabled) return;
  startCoverage();
  let delta = [];
  if (active.length > 0 || file !== lastFile) {
    // A subtest splits its parent's window; a new file first drops what loading it ran (module code
    // runs once, not per test). Between two tests of a file only the framework runs (not recorded), so
    // the take at the end of a test doubles as the start of the next: one take per test, not two.
    delta = takeDelta();
    lastFile = file;
  }
  active.push({ file, name });
  write(...delta, { t: 'begin', file, name, titles, at: Date.now() });
  armWatchdog();
}

/** Marks the end of a test; `result` holds what the adapter knows (outcome, message, stack). */
function endTest(file, name, result) {
  if (!enabled) return;
  const delta = takeDelta();
  for (let index = active.length - 1; index >= 0; index -= 1) {
    if (active[index].file === file && active[index].name === name) {
      active.splice(index, 1);
      break;
    }
  }
  write(...delta, { t: 'end', file, name, ...(result || {}) });
  armWatchdog();
}

/** Appends a free-form record (the adapters' own notes, such as a process that lingered). */
function note(record) {
  write(record);
}

module.exports = { beginTest, endTest, startCoverage, rememberSource, isRecorded, note, enabled };
