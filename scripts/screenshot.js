#!/usr/bin/env node
// Drives VS Code's web workbench (code-server) like a user: opens a file from the explorer, runs a
// command from the F1 palette, opens the Problems panel, reads its rows and saves a screenshot.
// `npm start -- --smoke` uses driveWorkbench(); run on its own, this script starts its own code-server
// with the built extension installed, on a temporary copy of the workspace:
//
//   node scripts/screenshot.js [--workspace examples/python-bug] [--file shop/cart.py]
//                              [--command "Revise: Check and Fix"] [--out docs/screenshot.png]
//
// Needs dist/extension.js (`npm run build`) and the tools from scripts/ensure-tools.sh.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const harness = require('../test/integration/harness');

/**
 * @typedef {object} DriveResult
 * @property {string[]} problems text of each row of the Problems panel
 * @property {number} squiggles warning and info squiggles in the visible editor
 * @property {string} screenshot path of the saved PNG
 */

/**
 * Waits for the workbench at url, opens file (a path relative to the workspace, opened by clicking
 * through the explorer; quick open was unreliable in headless Chromium), runs command from F1, waits
 * until a Problems row matches expectProblem, and saves a screenshot.
 * @param {import('playwright-core').Page} page
 * @param {object} options
 * @param {string} options.url workbench URL with ?folder=
 * @param {string} options.file file to open, relative to the workspace, '/'-separated
 * @param {string} options.command palette label, e.g. "Revise: Check and Fix"
 * @param {RegExp} options.expectProblem a Problems row that shows the command worked
 * @param {string} options.screenshot where to save the PNG
 * @param {number} [options.timeoutMs] for the command's result (default 180 s)
 * @param {(message: string) => void} [options.log]
 * @returns {Promise<DriveResult>}
 */
async function driveWorkbench(page, options) {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 180_000;
  await page.goto(options.url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  log('workbench loaded, explorer populated');

  // Expand each folder on the way, then open the file.
  const parts = options.file.split('/');
  for (let depth = 0; depth < parts.length; depth++) {
    const name = parts[depth];
    const isFile = depth === parts.length - 1;
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${depth + 1}"]`, { hasText: name }).filter({
      has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }),
    });
    await row.first().waitFor({ timeout: 30_000 });
    const expanded = await row.first().getAttribute('aria-expanded');
    if (isFile || expanded !== 'true') await row.first().click();
  }
  const fileName = parts[parts.length - 1];
  await page.waitForFunction((name) => document.querySelector('.tab.active')?.textContent?.includes(name) ?? false, fileName, { timeout: 30_000 });
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
  log(`${options.file} open in the editor`);

  // The command palette filters as you type; give it a moment to settle on the best match.
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15_000 });
  await page.keyboard.type(options.command);
  await page.waitForFunction(
    (label) => [...document.querySelectorAll('.quick-input-widget .monaco-list-row')].some((row) => row.textContent?.includes(label.split(': ').pop() ?? label)),
    options.command,
    { timeout: 15_000 },
  );
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  log(`ran "${options.command}" from F1`);

  await page.keyboard.press('Control+Shift+M');
  await page.waitForSelector('.markers-panel', { timeout: 15_000 });
  // Rows' aria-labels read as sentences ("Warning: 83% likely faulty ... at line 31 column 1 in cart.py").
  const readRows = () =>
    page.$$eval('.markers-panel .monaco-list-row', (rows) => rows.map((row) => row.getAttribute('aria-label') || row.textContent || ''));
  const deadline = Date.now() + timeoutMs;
  /** @type {string[]} */
  let problems = [];
  while (Date.now() < deadline) {
    problems = await readRows();
    if (problems.some((row) => options.expectProblem.test(row))) break;
    await page.waitForTimeout(500);
  }
  // Open the most likely suspect (the panel sorts by line, not by probability): the editor scrolls to
  // its line, so its squiggle is in the picture.
  problems = await readRows();
  const percentOf = (/** @type {string} */ row) => Number(/(\d{1,3})% likely faulty/.exec(row)?.[1] ?? -1);
  let best = problems.findIndex((row) => options.expectProblem.test(row));
  problems.forEach((row, index) => {
    if (best >= 0 && options.expectProblem.test(row) && percentOf(row) > percentOf(problems[best])) best = index;
  });
  if (best >= 0) {
    await page.locator('.markers-panel .monaco-list-row').nth(best).click();
    log(`opened the top problem: ${problems[best].slice(0, 100)}`);
  }
  // Decorations and the panel settle a moment after the markers arrive.
  await page.waitForTimeout(1500);
  problems = await readRows();
  const squiggles = await page.$$eval('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-info', (marks) => marks.length);
  fs.mkdirSync(path.dirname(options.screenshot), { recursive: true });
  await page.screenshot({ path: options.screenshot });
  log(`screenshot saved to ${options.screenshot}`);
  return { problems, squiggles, screenshot: options.screenshot };
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Links the extension (this repository, with dist/ built) into an extensions folder the way an
 * installed VSIX would sit there, so code-server loads it without the test-only payload URL.
 * @param {string} extensionsDir
 * @param {string} extensionRoot
 */
function linkExtension(extensionsDir, extensionRoot) {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionRoot, 'package.json'), 'utf8'));
  const link = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.rmSync(link, { force: true, recursive: true });
  fs.symlinkSync(extensionRoot, link, 'dir');
  return link;
}

/**
 * User settings for a demo or smoke session: no welcome page, and nothing that reaches for the network.
 * @param {string} sessionDir
 * @param {Record<string, unknown>} [extra]
 */
function writeUserSettings(sessionDir, extra = {}) {
  const file = path.join(sessionDir, 'user-data', 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'chat.commandCenter.enabled': false,
    'window.commandCenter': false,
    ...extra,
  };
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

function parseArguments(argv) {
  const options = {
    workspace: 'examples/python-bug',
    file: 'shop/cart.py',
    command: 'Revise: Check and Fix',
    out: path.join(harness.repoRoot, 'docs', 'screenshot.png'),
    expect: 'likely faulty',
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const next = argv[++index];
    if (next === undefined) throw new Error(`${argument} needs a value`);
    if (argument === '--workspace') options.workspace = next;
    else if (argument === '--file') options.file = next;
    else if (argument === '--command') options.command = next;
    else if (argument === '--out') options.out = path.resolve(next);
    else if (argument === '--expect') options.expect = next;
    else throw new Error(`unknown option ${argument}`);
  }
  return options;
}

/**
 * Starts code-server with the built extension, opens a copy of workspace, drives the command and
 * screenshots it; always cleans up. Shared by this script's command line and `npm start -- --smoke`.
 * @param {object} options
 * @param {string} options.executable code-server executable
 * @param {string} options.workspace folder to copy and open
 * @param {string} options.file
 * @param {string} options.command
 * @param {RegExp} options.expectProblem
 * @param {string} options.screenshot
 * @param {Record<string, unknown>} [options.userSettings]
 * @param {string} [options.extensionRoot] extension folder to install (default: this repository)
 * @param {(message: string) => void} options.log
 * @returns {Promise<DriveResult>}
 */
async function smokeSession(options) {
  const sessionDir = harness.makeSessionDir('revise-smoke-');
  /** @type {import('./../test/integration/harness').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  try {
    const extensionsDir = path.join(sessionDir, 'extensions');
    linkExtension(extensionsDir, options.extensionRoot ?? harness.repoRoot);
    writeUserSettings(sessionDir, options.userSettings);
    const workspace = path.join(sessionDir, path.basename(path.resolve(options.workspace)));
    harness.copyWorkspace(path.resolve(harness.repoRoot, options.workspace), workspace, {});
    server = await harness.startCodeServer({ executable: options.executable, sessionDir, extensionsDir });
    options.log(`code-server ${server.url} ready`);
    browser = await harness.launchChromium(sessionDir);
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    return await driveWorkbench(page, {
      url: `${server.url}/?folder=${encodeURIComponent(workspace).replace(/%2F/g, '/')}`,
      file: options.file,
      command: options.command,
      expectProblem: options.expectProblem,
      screenshot: options.screenshot,
      log: options.log,
    });
  } finally {
    if (browser) await Promise.race([browser.close().catch(() => {}), harness.delay(10_000)]);
    if (server) await server.stop();
    harness.removeTree(sessionDir);
  }
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (!fs.existsSync(path.join(harness.repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build first');
  const executable = harness.ensureTools();
  const started = Date.now();
  const log = (message) => console.log(`[screenshot ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const expectProblem = new RegExp(escapeRegExp(options.expect));
  const result = await smokeSession({ executable, workspace: options.workspace, file: options.file, command: options.command, expectProblem, screenshot: options.out, log });
  console.log('Problems panel:');
  for (const row of result.problems) console.log(`  ${row}`);
  const ok = result.problems.some((row) => expectProblem.test(row));
  console.log(ok ? `OK: ${result.screenshot}` : `FAILED: no Problems row matches ${expectProblem}`);
  return ok ? 0 : 1;
}

module.exports = { driveWorkbench, smokeSession, linkExtension, writeUserSettings };

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`[screenshot] FAILED: ${error instanceof Error ? error.stack : String(error)}`);
      process.exit(1);
    },
  );
}
