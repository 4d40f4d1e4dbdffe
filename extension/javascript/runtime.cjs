'use strict';
/**
 * Revise's helper inside a JavaScript test process. The framework adapters beside this file (the
 * node:test preload, the Mocha root hooks, the Jest runner, the Vitest setup file) call `beginTest` and
 * `endTest` around every test; this module
 *  - records per-test V8 block coverage: one in-process inspector session with precise coverage and
 *    call counts, taken (which also resets the counters) when a test ends, and when a subtest or a new
 *    test file begins, so each delta belongs to the tests running at that moment;
 *  - keeps the executed source of every recorded script (Jest, Vitest, tsx run transformed code whose
 *    byte offsets only make sense against that text and its inline source map);
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
const inspector = require('node:inspector');
const { fileURLToPath } = require('node:url');
const workerThreads = require('node:worker_threads');

const captureDir = process.env.REVISE_CAPTURE_DIR || '';
const enabled = captureDir !== '' && fs.existsSync(captureDir);
const recordsFile = path.join(captureDir, `records-${process.pid}-${workerThreads.threadId}.jsonl`);
const roots = parseRoots(process.env.REVISE_ROOTS);
const watchdogMs = Number(process.env.REVISE_WATCHDOG_MS || '0');
const nodeModulesSegment = `${path.sep}node_modules${path.sep}`;

/** Tests running now, outermost first; a coverage delta belongs to all of them. */
const active = [];
/** scriptId → whether the script is one of ours (under a root, outside node_modules). */
const knownScripts = new Map();
let session;
let coverageFailed = false;
let watchdog;
/** The test file of the last test that began. */
let lastFile;

function parseRoots(text) {
  try {
    const value = JSON.parse(text || '[]');
    return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function write(record) {
  if (!enabled) return;
  try {
    fs.appendFileSync(recordsFile, `${JSON.stringify(record)}\n`);
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

function startCoverage() {
  if (session !== undefined || coverageFailed || process.env.REVISE_COVERAGE !== '1') return;
  try {
    session = new inspector.Session();
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
  for (const script of result) {
    let ours = knownScripts.get(script.scriptId);
    if (ours === undefined) {
      const file = script.url ? scriptPath(script.url) : undefined;
      ours = file !== undefined && isOurs(file);
      knownScripts.set(script.scriptId, ours);
      if (ours) saveSource(script.scriptId, script.url, file);
    }
    if (!ours) continue;
    let ran = false;
    const ranges = [];
    for (const fn of script.functions) {
      // start, end, count, and a kind: 1 for a function's own extent (its first range), 2 for the
      // extent of a class's field initializer (it spans the class body), 0 for a block.
      const kind = /^<(instance_members|static)_initializer>/.test(fn.functionName) ? 2 : 1;
      fn.ranges.forEach((range, index) => {
        ranges.push(range.startOffset, range.endOffset, range.count, index === 0 ? kind : 0);
        if (range.count > 0) ran = true;
      });
    }
    if (ran) scripts.push({ id: script.scriptId, ranges });
  }
  return scripts;
}

/**
 * Saves the text V8 ran for a script. The debugger domain is on only while reading it: enabled, it makes
 * every coverage take about twice as slow.
 */
function saveSource(scriptId, url, file) {
  const name = `source-${process.pid}-${workerThreads.threadId}-${scriptId}.txt`;
  try {
    post('Debugger.enable');
    let scriptSource;
    try {
      scriptSource = post('Debugger.getScriptSource', { scriptId }).scriptSource;
    } finally {
      post('Debugger.disable');
    }
    fs.writeFileSync(path.join(captureDir, name), scriptSource);
    write({ t: 'script', id: scriptId, url, file, source: name });
  } catch {
    write({ t: 'script', id: scriptId, url, file });
  }
}

function recordDelta() {
  const scripts = takeCoverage();
  if (scripts.length > 0 && active.length > 0) {
    write({ t: 'cov', tests: active.map((test) => [test.file, test.name]), scripts });
  }
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
  if (active.length > 0 || file !== lastFile) {
    // A subtest splits its parent's window; a new file first drops what loading it ran (module code
    // runs once, not per test). Between two tests of a file only the framework runs (not recorded), so
    // the take at the end of a test doubles as the start of the next: one take per test, not two.
    recordDelta();
    lastFile = file;
  }
  active.push({ file, name });
  write({ t: 'begin', file, name, titles, at: Date.now() });
  armWatchdog();
}

/** Marks the end of a test; `result` holds what the adapter knows (outcome, message, stack). */
function endTest(file, name, result) {
  if (!enabled) return;
  recordDelta();
  for (let index = active.length - 1; index >= 0; index -= 1) {
    if (active[index].file === file && active[index].name === name) {
      active.splice(index, 1);
      break;
    }
  }
  write({ t: 'end', file, name, ...(result || {}) });
  armWatchdog();
}

/** Appends a free-form record (the adapters' own notes, such as a process that lingered). */
function note(record) {
  write(record);
}

module.exports = { beginTest, endTest, note, enabled };
