#!/usr/bin/env node
// Runs the integration suite inside a real VS Code extension host: code-server serves VS Code, headless
// Chromium opens its web workbench with the `payload` URL parameter carrying extensionDevelopmentPath
// (this repository) and extensionTestsPath (the compiled suite), once per workspace the suite needs, and
// the workbench reports the suite's exit code through window.codeAutomationExit.
//
// Usage: node test/integration/run-code-server.js [options]
//   --workspace NAME|DIR  run only this workspace (a name from suite/workspaces.ts, or a folder, which
//                         the suite treats as the spec of the same name); repeatable
//   --tests FILE          compiled tests entry exporting run() (default out/test/integration/suite/index.js)
//   --extension DIR       extension under development (default: this repository)
//   --timeout SECONDS     per workspace, overrides the spec (env REVISE_IT_TIMEOUT)
//   --no-build            do not compile the suite first (it is compiled on its own, like `npm run build:tests`
//                         does, so a half-written file elsewhere in the repository cannot stop this run)
//   --keep                keep the session folder (server logs, workspace copies) for debugging
//   --verbose             forward every workbench log line, not only warnings and errors
// Needs dist/extension.js (`npm run build`). Works without a TTY (CI=true).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const harness = require('./harness');

const repoRoot = harness.repoRoot;
const defaultTestsEntry = path.join(repoRoot, 'out', 'test', 'integration', 'suite', 'index.js');
const workspacesModule = path.join(repoRoot, 'out', 'test', 'integration', 'suite', 'workspaces.js');
const failuresDir = path.join(process.env.REVISE_CACHE || path.join(repoRoot, '.vscode-test'), 'failures');

function parseArguments(argv) {
  const options = { workspaces: [], tests: defaultTestsEntry, extension: repoRoot, timeoutSeconds: undefined, build: true, keep: false, verbose: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--workspace') options.workspaces.push(value());
    else if (argument === '--tests') options.tests = path.resolve(value());
    else if (argument === '--extension') options.extension = path.resolve(value());
    else if (argument === '--timeout') options.timeoutSeconds = Number(value());
    else if (argument === '--no-build') options.build = false;
    else if (argument === '--keep') options.keep = true;
    else if (argument === '--verbose') options.verbose = true;
    else throw new Error(`unknown option ${argument}`);
  }
  if (options.timeoutSeconds === undefined && process.env.REVISE_IT_TIMEOUT) options.timeoutSeconds = Number(process.env.REVISE_IT_TIMEOUT);
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) throw new Error('--timeout must be a positive number of seconds');
  return options;
}

/**
 * The workspaces to open: the suite's table (compiled from suite/workspaces.ts), filtered by --workspace
 * names; a --workspace that names a folder instead runs the suite on that folder as is.
 */
function selectWorkspaces(requested) {
  /** @type {{ name: string, fixture: string, settings: Record<string, unknown>, timeoutSeconds?: number }[]} */
  let table = [];
  if (fs.existsSync(workspacesModule)) table = require(workspacesModule).workspaces;
  if (requested.length === 0) {
    if (table.length === 0) throw new Error(`no workspaces: ${path.relative(repoRoot, workspacesModule)} is missing or empty (run npm run build:tests)`);
    return table;
  }
  return requested.map((request) => {
    const known = table.find((spec) => spec.name === request);
    if (known) return known;
    const folder = path.resolve(request);
    if (fs.existsSync(folder) && fs.statSync(folder).isDirectory()) {
      // A variant of a known workspace (same folder name) keeps that spec's settings and timeout.
      const namesake = table.find((spec) => spec.name === path.basename(folder));
      return { ...namesake, name: path.basename(folder), fixture: folder, settings: namesake?.settings ?? {} };
    }
    throw new Error(`unknown workspace ${request}; known: ${table.map((spec) => spec.name).join(', ') || '(none)'}`);
  });
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (message) => console.log(`[it ${elapsed()}] ${message}`);

/**
 * Opens one workspace copy with the extension and its tests, and waits for the suite's exit code.
 * @returns {Promise<{ outcome: 'passed' | 'failed' | 'timeout' | 'error', detail: string }>}
 */
async function runWorkspace(browser, server, spec, options, sessionDir) {
  const workspace = path.join(sessionDir, 'workspaces', spec.name);
  const fixture = path.isAbsolute(spec.fixture) ? spec.fixture : path.join(repoRoot, spec.fixture);
  if (!fs.existsSync(fixture)) return { outcome: 'error', detail: `fixture ${fixture} does not exist` };
  fs.mkdirSync(path.dirname(workspace), { recursive: true });
  harness.copyWorkspace(fixture, workspace, spec.settings ?? {});

  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  /** @type {(value: { code: number }) => void} */
  let reportExit = () => {};
  const exited = new Promise((resolve) => { reportExit = resolve; });
  // After the suite reports, the window shuts down and logs cancelled reads; those are not news.
  let finished = false;
  await page.exposeFunction('codeAutomationExit', (code) => {
    finished = true;
    reportExit({ code });
  });
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    if (!finished || options.verbose) forwardWorkbenchLog(String(level), String(message), options.verbose);
  });
  page.on('console', (message) => {
    if (options.verbose) console.log(`  [page ${message.type()}] ${message.text().slice(0, 500)}`);
  });
  page.on('pageerror', (error) => console.log(`  [page error] ${error.message}`));
  // A crashed renderer never reports; end the wait at once instead of at the timeout.
  page.on('crash', () => reportExit({ code: Number.NaN }));

  const timeoutSeconds = options.timeoutSeconds ?? spec.timeoutSeconds ?? 180;
  const url = harness.workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: options.extension, extensionTestsPath: options.tests });
  say(`${spec.name}: opening ${path.relative(repoRoot, fixture) || fixture} (copy in ${workspace}), timeout ${timeoutSeconds} s`);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000); });
  const openedAt = Date.now() - 1000;
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    const result = await Promise.race([exited, timedOut]);
    if (result === 'timeout') {
      await saveScreenshot(page, spec.name);
      printExtensionHostLogs(sessionDir, openedAt);
      return { outcome: 'timeout', detail: `no result from the suite after ${timeoutSeconds} s` };
    }
    if (result.code === 0) {
      fs.rmSync(path.join(failuresDir, `${spec.name}.png`), { force: true }); // an older failure's picture
      return { outcome: 'passed', detail: 'exit code 0' };
    }
    if (Number.isNaN(result.code)) {
      printExtensionHostLogs(sessionDir, openedAt);
      return { outcome: 'error', detail: 'the Chromium page crashed' };
    }
    await saveScreenshot(page, spec.name);
    printExtensionHostLogs(sessionDir, openedAt);
    return { outcome: 'failed', detail: `exit code ${result.code}` };
  } catch (error) {
    await saveScreenshot(page, spec.name);
    return { outcome: 'error', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => {});
  }
}

/** Lines the suite prints start with this tag (see suite/runner.ts); they are its report. */
const suiteTag = '[revise-it] ';
/** Errors every session logs on this offline machine; they say nothing about the extension. */
const knownNoise = [/open-vsx\.org/, /Long running operations during shutdown/, /vsda/];

/**
 * Forwards the workbench log, which also carries the extension host's console: the suite's own lines
 * always, other errors and warnings unless they are known noise, everything with --verbose.
 */
function forwardWorkbenchLog(level, message, verbose) {
  const index = message.indexOf(suiteTag);
  if (index >= 0) {
    console.log(`  ${message.slice(index + suiteTag.length)}`);
  } else if (verbose || ((level === 'error' || level === 'warn') && !knownNoise.some((pattern) => pattern.test(message)))) {
    const [first, ...rest] = message.split('\n');
    const stack = rest.filter((line) => !/^\s+at .*workbench\.js/.test(line)).slice(0, 20);
    console.log(`  [workbench ${level}] ${[first, ...stack].join('\n  ')}`);
  }
}

async function saveScreenshot(page, name) {
  try {
    fs.mkdirSync(failuresDir, { recursive: true });
    const file = path.join(failuresDir, `${name}.png`);
    await page.screenshot({ path: file, timeout: 10000 });
    say(`screenshot of the workbench: ${path.relative(repoRoot, file)}`);
  } catch (error) {
    say(`could not take a screenshot: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * On failure, the server-side logs of this window say what the extension host did: activation errors
 * (remoteexthost.log) and Revise's own log channel. Only files written since the window opened.
 */
function printExtensionHostLogs(sessionDir, sinceMs) {
  const logsRoot = path.join(sessionDir, 'user-data', 'logs');
  /** @type {string[]} */
  const files = [];
  const walk = (directory) => {
    if (!fs.existsSync(directory)) return;
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^(remoteexthost\.log|.*revise.*\.log)$/i.test(entry.name) && fs.statSync(full).mtimeMs >= sinceMs) files.push(full);
    }
  };
  walk(logsRoot);
  for (const file of files) {
    let lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    // The extension host log is long and mostly routine; its warnings and errors are what matter
    // (first line of each, since some continue with dozens of path mappings).
    if (path.basename(file) === 'remoteexthost.log') {
      lines = lines.filter((line) => /^\d{4}-\d\d-\d\d .*\[(error|warning)\]/.test(line) || /revise-dev\.revise/.test(line)).map((line) => line.slice(0, 400));
    }
    if (lines.length === 0) continue;
    console.log(`  ── ${path.relative(logsRoot, file)} (last ${Math.min(lines.length, 40)} of ${lines.length} lines)`);
    for (const line of lines.slice(-40)) console.log(`  ${line}`);
  }
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.build) {
    say('compiling the suite');
    await harness.compileSuite();
  }
  if (options.extension === repoRoot && !fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run npm run build first');
  }
  if (!fs.existsSync(options.tests)) throw new Error(`tests entry ${options.tests} is missing: run npm run build:tests first`);
  const specs = selectWorkspaces(options.workspaces);
  const executable = harness.ensureTools();

  const sessionDir = harness.makeSessionDir('revise-it-');
  /** @type {import('./harness').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    if (browser) await Promise.race([browser.close().catch(() => {}), harness.delay(10000)]);
    if (server) await server.stop();
    if (options.keep) say(`kept ${sessionDir}`);
    else harness.removeTree(sessionDir);
  };
  // Ctrl+C / SIGTERM: the harness module stops the server and browser and removes the session folder.

  /** @type {{ name: string, outcome: string, detail: string, seconds: number }[]} */
  const results = [];
  try {
    server = await harness.startCodeServer({
      executable,
      sessionDir,
      onOutput: (line) => { if (options.verbose) console.log(`  [code-server] ${line}`); },
    });
    say(`code-server ${server.url} ready`);
    browser = await harness.launchChromium(sessionDir);
    for (const spec of specs) {
      const workspaceStarted = Date.now();
      const result = await runWorkspace(browser, server, spec, options, sessionDir);
      results.push({ name: spec.name, ...result, seconds: (Date.now() - workspaceStarted) / 1000 });
      say(`${spec.name}: ${result.outcome.toUpperCase()} (${result.detail})`);
      if (result.outcome === 'timeout' || result.outcome === 'error') {
        console.log(`  ── code-server output (tail)\n${server.logTail().split('\n').map((line) => `  ${line}`).join('\n')}`);
      }
    }
  } finally {
    await cleanUp();
  }

  console.log('\nIntegration results (code-server, real extension host):');
  for (const result of results) {
    console.log(`  ${result.outcome === 'passed' ? 'PASS' : 'FAIL'}  ${result.name.padEnd(24)} ${result.seconds.toFixed(1).padStart(6)} s  ${result.outcome === 'passed' ? '' : result.detail}`);
  }
  const failed = results.filter((result) => result.outcome !== 'passed');
  console.log(failed.length === 0 ? `All ${results.length} workspace(s) passed in ${elapsed()}.` : `${failed.length} of ${results.length} workspace(s) FAILED: ${failed.map((result) => result.name).join(', ')}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[it] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
