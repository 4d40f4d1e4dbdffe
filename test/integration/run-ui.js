#!/usr/bin/env node
// UI tests in a real browser: code-server serves VS Code with the extension under development, headless
// Chromium drives the web workbench the way a user would (F1 palette, clicks and keys in the report
// webview, the Testing view), and the test reads the result from the screen and from disk.
//
// What it checks, on a copy of examples/python-bug:
//   1. "Revise: Check and Fix" from the palette puts a `likely faulty` problem on the buggy line;
//   2. "Revise: Show Report" opens the report (it failed in code-server with "Not a CSP source", issue 14):
//      ranked suspects with bars and evidence, the decision, a side-by-side diff of the proposed patch,
//      stage timings, the stylesheet applied (so the CSP lets the webview's own CSS in), and it follows
//      the color theme (dark, then light);
//   3. the proposed patch's Apply button, pressed from the keyboard, edits the file; saved, the file on
//      disk has the fix and the project's tests pass;
//   4. the Testing view lists the tests Revise ran with their results, and re-running one from it (after
//      the fix) runs the check again: the test passes and the suspects are gone.
// Screenshots of each step go to --screenshots DIR (default .vscode-test/ui; `--screenshots docs`
// refreshes the ones the README shows).
//
// Usage: node test/integration/run-ui.js [--screenshots DIR] [--keep] [--verbose]
// Needs dist/extension.js (`npm run build`) and the tools of scripts/ensure-tools.sh.
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const harness = require('./harness');
const { driveWorkbench, writeUserSettings } = require('../../scripts/screenshot');

const repoRoot = harness.repoRoot;
const cacheRoot = process.env.REVISE_CACHE || path.join(repoRoot, '.vscode-test');
/** The interpreter that has pytest and coverage.py (see suite/workspaces.ts). */
const python = '/usr/bin/python3';
const fixture = path.join(repoRoot, 'examples', 'python-bug');
const buggyFile = 'shop/cart.py';
const buggyLineText = 'return points + 2';
const fixedLineText = 'return points * 2';
/** Generous waits for a busy 2-core machine: they bound a hang, they are not performance budgets. */
const CHECK_WAIT_MS = 240_000;
const UI_WAIT_MS = 30_000;

function parseArguments(argv) {
  const options = { screenshots: path.join(cacheRoot, 'ui'), keep: false, verbose: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--screenshots') options.screenshots = path.resolve(argv[++index] ?? '');
    else if (argument === '--keep') options.keep = true;
    else if (argument === '--verbose') options.verbose = true;
    else throw new Error(`unknown option ${argument}`);
  }
  return options;
}

const started = Date.now();
const say = (message) => console.log(`[ui ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

/**
 * Runs a command from the F1 palette by its label ("Revise: Show Report").
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
async function runCommand(page, label) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_WAIT_MS });
  await input.fill(`>${label}`);
  await pickRow(page, label);
}

/**
 * Clicks the quick-pick row whose label is `label` (rows are read by their aria-label, which starts with
 * the label; "Preferences: Color Theme" must not pick "Preferences: Browse Color Themes in Marketplace").
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
async function pickRow(page, label) {
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const deadline = Date.now() + UI_WAIT_MS;
  while (Date.now() < deadline) {
    const labels = await rows.evaluateAll((elements) => elements.map((row) => row.getAttribute('aria-label') || row.textContent || ''));
    const index = labels.findIndex((text) => text === label || text.startsWith(`${label},`) || text.startsWith(`${label} `));
    if (index >= 0) {
      await rows.nth(index).click();
      return;
    }
    await page.waitForTimeout(200);
  }
  const labels = await rows.evaluateAll((elements) => elements.map((row) => row.getAttribute('aria-label') || row.textContent || ''));
  throw new Error(`no quick-pick row "${label}"; rows: ${JSON.stringify(labels)}`);
}

/**
 * The report webview's content frame (the inner frame of VS Code's webview iframe), once it shows a
 * report with suspects.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<import('playwright-core').Frame>}
 */
async function findReportFrame(page) {
  const deadline = Date.now() + UI_WAIT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const found = await frame.evaluate(() => document.querySelector('main.report .suspects') !== null).catch(() => false);
      if (found) return frame;
    }
    await page.waitForTimeout(250);
  }
  const errors = [];
  for (const frame of page.frames()) {
    const text = await frame.evaluate(() => document.body?.innerText?.slice(0, 200) ?? '').catch(() => '');
    errors.push(`${frame.url().slice(0, 80)}: ${JSON.stringify(text)}`);
  }
  throw new Error(`no frame shows the report; frames:\n  ${errors.join('\n  ')}`);
}

/** @param {boolean} condition @param {string} message */
function check(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * The UI test proper. Throws on the first step that fails (each step needs the previous one).
 * @param {import('playwright-core').Page} page
 * @param {{ url: string, workspace: string, screenshots: string }} context
 */
async function uiTest(page, context) {
  const shot = async (name) => {
    const file = path.join(context.screenshots, name);
    await page.screenshot({ path: file });
    say(`  screenshot ${path.relative(repoRoot, file)}`);
  };
  const buggyPath = path.join(context.workspace, ...buggyFile.split('/'));
  const original = fs.readFileSync(buggyPath, 'utf8');
  const buggyLine = original.split('\n').findIndex((line) => line.trim() === buggyLineText) + 1;
  check(buggyLine > 0, `the fixture has the line "${buggyLineText}"`);

  say('step 1: Check and Fix from the palette');
  const drive = await driveWorkbench(page, {
    url: context.url,
    file: buggyFile,
    command: 'Revise: Check and Fix',
    expectProblem: /likely faulty/,
    screenshot: path.join(context.screenshots, 'screenshot.png'),
    timeoutMs: CHECK_WAIT_MS,
    log: (message) => say(`  ${message}`),
  });
  const suspectRow = drive.problems.find((row) => /likely faulty/.test(row) && new RegExp(`\\b${buggyLine}\\b`).test(row));
  check(suspectRow !== undefined, `a "likely faulty" problem on line ${buggyLine}; rows:\n  ${drive.problems.join('\n  ')}`);
  check(drive.squiggles > 0, 'the suspect line has a squiggle in the editor');
  // Check and Fix announces its decision once the check is over; the report waits for that.
  await page.locator('.notification-toast', { hasText: /Revise proposes|Revise offers no patch/ }).first().waitFor({ timeout: CHECK_WAIT_MS });
  say(`  ✓ problem on line ${buggyLine}: ${suspectRow.slice(0, 90)}`);

  say('step 2: the Testing view lists the tests Revise ran, failures marked');
  await runCommand(page, 'View: Show Testing');
  await expandTestTree(page);
  const failingRow = testRow(page, 'test_points_count_double_from_one_hundred');
  await failingRow.waitFor({ timeout: UI_WAIT_MS });
  const treeRows = await page.locator('.test-explorer .monaco-list-row').evaluateAll((rows) => rows.map((row) => `${row.textContent ?? ''} [${row.getAttribute('aria-label') ?? ''}]`));
  check(treeRows.some((row) => /test_cart\.py/.test(row)), `a file item for tests/test_cart.py; rows: ${JSON.stringify(treeRows)}`);
  check((await failingRow.locator('.codicon-testing-failed-icon').count()) > 0, `the failing test is marked failed; rows: ${JSON.stringify(treeRows)}`);
  await shot('testing-view.png');
  // The failing test's context menu offers Check and Fix from it.
  await failingRow.click({ button: 'right' });
  const menuEntry = page.locator('.context-view .action-label', { hasText: 'Check and Fix from This Test' });
  await menuEntry.first().waitFor({ timeout: UI_WAIT_MS });
  await page.keyboard.press('Escape');
  say(`  ✓ ${treeRows.length} rows in the Testing view; the failing test's context menu offers Check and Fix from This Test`);

  say('step 3: Show Report, dark theme');
  await runCommand(page, 'Notifications: Clear All Notifications');
  // Room for the report: no side bar, no panel; the editor keeps its half with the squiggle.
  await runCommand(page, 'View: Close Primary Side Bar');
  await runCommand(page, 'View: Hide Panel');
  await runCommand(page, 'Revise: Show Report');
  const errorToast = page.locator('.notification-toast', { hasText: /resulted in an error|Not a CSP source/ });
  const frame = await findReportFrame(page).catch(async (error) => {
    const toast = (await errorToast.count()) > 0 ? await errorToast.first().innerText() : '';
    throw new Error(`${error.message}${toast ? `\nnotification: ${toast}` : ''}`);
  });
  check((await errorToast.count()) === 0, `no error notification: ${(await errorToast.count()) > 0 ? await errorToast.first().innerText() : ''}`);
  // The user setting asks for Dark Modern, but code-server does not always apply it at startup: pick it
  // the way a user would, so that this step checks the report against a dark theme either way.
  if (!(await frame.evaluate(() => document.body.classList.contains('vscode-dark')))) {
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill('Dark Modern');
    await pickRow(page, 'Dark Modern');
    await frame.waitForFunction(() => document.body.classList.contains('vscode-dark'), undefined, { timeout: UI_WAIT_MS });
    await page.waitForTimeout(500); // the workbench repaints a moment after the webview
  }
  const report = await frame.evaluate(() => {
    const texts = (selector) => [...document.querySelectorAll(selector)].map((element) => element.textContent ?? '');
    const firstFill = document.querySelector('.suspect .bar-fill');
    const highFill = document.querySelector('.bar-fill.heat-high');
    return {
      suspects: texts('.suspect .suspect-row .location'),
      scores: texts('.suspect .score'),
      firstBarWidth: firstFill ? firstFill.getBoundingClientRect().width : 0,
      highFillColor: highFill ? getComputedStyle(highFill).backgroundColor : '',
      evidence: texts('.suspect:first-child .evidence li'),
      decision: texts('.decision h2').join(' '),
      reasons: texts('.decision .reasons li'),
      proposedRemoved: texts('.patch.proposed .side-by-side .diff-cell.left.diff-remove'),
      proposedAdded: texts('.patch.proposed .side-by-side .diff-cell.right.diff-add'),
      patchTests: texts('.patch.proposed .patch-tests').join(' '),
      stages: texts('.stage-row .stage-name'),
      bodyClass: document.body.className,
      background: getComputedStyle(document.body).backgroundColor,
    };
  });
  if (context.verbose) say(`  report: ${JSON.stringify(report)}`);
  check(report.suspects[0] === `${buggyFile}:${buggyLine}`, `the first suspect is ${buggyFile}:${buggyLine}; suspects: ${report.suspects.join(', ')}`);
  const percents = report.scores.map((score) => Number(score.replace('%', '')));
  check(percents.every((value, index) => index === 0 || percents[index - 1] >= value), `suspects ranked by probability: ${report.scores.join(', ')}`);
  check(report.firstBarWidth > 0, 'the first suspect has a visible bar');
  check(report.highFillColor !== '' && report.highFillColor !== 'rgba(0, 0, 0, 0)', `the stylesheet is applied (bar color ${report.highFillColor || 'none'})`);
  check(report.evidence.some((item) => /failing/.test(item)), `the top suspect's evidence names failing tests: ${report.evidence.join(' | ')}`);
  check(/Proposed fix/.test(report.decision) && report.reasons.length > 0, `the decision proposes a fix with reasons: ${report.decision} / ${report.reasons.join(' | ')}`);
  check(report.proposedRemoved.some((text) => text.trim() === buggyLineText), `the diff's left side removes "${buggyLineText}": ${JSON.stringify(report.proposedRemoved)}`);
  check(report.proposedAdded.some((text) => text.trim() === fixedLineText), `the diff's right side adds "${fixedLineText}": ${JSON.stringify(report.proposedAdded)}`);
  check(/Passes all \d+ tests/.test(report.patchTests), `the proposed patch says which tests it passed: ${report.patchTests}`);
  check(report.stages.includes('capture') && report.stages.includes('patch'), `stage timings: ${report.stages.join(', ')}`);
  check(/vscode-dark/.test(report.bodyClass), `the report follows the dark theme (body class "${report.bodyClass}")`);
  // The ranked suspects in the picture (the decision and task come first in the page).
  await frame.evaluate(() => document.querySelector('.suspects-section')?.scrollIntoView({ block: 'start' }));
  await shot('report-dark.png');
  say('  ✓ report: ranked suspects with bars and evidence, decision, side-by-side diff, timings');

  say('step 4: the report follows a light theme');
  await runCommand(page, 'Preferences: Color Theme');
  await page.locator('.quick-input-widget input').fill('Light Modern');
  await pickRow(page, 'Light Modern');
  await frame.waitForFunction(() => document.body.classList.contains('vscode-light'), undefined, { timeout: UI_WAIT_MS });
  const lightBackground = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(lightBackground !== report.background, `the background changes with the theme (${report.background} → ${lightBackground})`);
  await frame.evaluate(() => document.querySelector('.patches')?.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(500); // the workbench repaints a moment after the webview
  await shot('report-light.png');
  say(`  ✓ light theme: background ${report.background} → ${lightBackground}`);

  say('step 5: Apply the proposed patch from the report, with the keyboard');
  const apply = frame.locator('.patch.proposed .actions button', { hasText: /^Apply$/ });
  check((await apply.count()) === 1, 'the proposed patch has one Apply button');
  await apply.focus();
  await page.keyboard.press('Enter');
  await frame.locator('.patch.proposed .success', { hasText: 'Applied' }).waitFor({ timeout: UI_WAIT_MS });
  // The edit is left unsaved, like a quick fix; save it as a user would.
  await runCommand(page, 'File: Save All Files');
  const deadline = Date.now() + UI_WAIT_MS;
  let onDisk = fs.readFileSync(buggyPath, 'utf8');
  while (onDisk === original && Date.now() < deadline) {
    await page.waitForTimeout(250);
    onDisk = fs.readFileSync(buggyPath, 'utf8');
  }
  const changed = original.split('\n').flatMap((line, index) => (onDisk.split('\n')[index] === line ? [] : [index + 1]));
  check(changed.length === 1 && changed[0] === buggyLine, `only line ${buggyLine} changed on disk; changed: ${changed.join(', ') || 'none'}`);
  check(onDisk.split('\n')[buggyLine - 1].trim() === fixedLineText, `line ${buggyLine} reads "${fixedLineText}": ${JSON.stringify(onDisk.split('\n')[buggyLine - 1])}`);
  const pytest = childProcess.spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: context.workspace, encoding: 'utf8' });
  check(pytest.status === 0, `the project's tests pass after the patch (pytest exit ${pytest.status}):\n${(pytest.stdout ?? '').slice(-1500)}`);
  say(`  ✓ ${buggyFile}:${buggyLine} is now "${fixedLineText}"; pytest: ${(pytest.stdout ?? '').trim().split('\n').pop()}`);

  say('step 6: re-run a test from the Testing view; the scores refresh');
  await runCommand(page, 'View: Show Testing');
  await expandTestTree(page);
  const row = testRow(page, 'test_points_count_double_from_one_hundred');
  await row.waitFor({ timeout: UI_WAIT_MS });
  await row.hover();
  const runButton = row.locator('.action-label[aria-label^="Run Test"]');
  await runButton.first().click({ timeout: UI_WAIT_MS });
  await row.locator('.codicon-testing-passed-icon').waitFor({ timeout: CHECK_WAIT_MS });
  // The check behind the run replaced the scores: no test fails, so no suspect is left.
  const status = page.locator('.statusbar-item', { hasText: /Revise: \d+ tests pass/ });
  await status.first().waitFor({ timeout: UI_WAIT_MS });
  await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const problemRows = await page.$$eval('.markers-panel .monaco-list-row', (rows) => rows.map((element) => element.getAttribute('aria-label') || element.textContent || ''));
  check(!problemRows.some((text) => /likely faulty/.test(text)), `no suspect is left after the re-run: ${JSON.stringify(problemRows)}`);
  say(`  ✓ the test passes in the Testing view; status "${(await status.first().innerText()).trim()}"`);
}

/**
 * A row of the Testing view's tree whose label contains `name`.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
function testRow(page, name) {
  return page.locator('.test-explorer .monaco-list-row', { hasText: name }).first();
}

/**
 * Expands every collapsed row of the Testing view's tree (files and suites), a few rounds deep.
 * @param {import('playwright-core').Page} page
 */
async function expandTestTree(page) {
  await page.locator('.test-explorer').first().waitFor({ timeout: UI_WAIT_MS });
  for (let round = 0; round < 4; round++) {
    const collapsed = page.locator('.test-explorer .monaco-list-row[aria-expanded="false"]');
    const count = await collapsed.count();
    if (count === 0) return;
    for (let index = count - 1; index >= 0; index--) {
      await collapsed.nth(index).locator('.monaco-tl-twistie').click().catch(() => {});
    }
    await page.waitForTimeout(300);
  }
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build first');
  const executable = harness.ensureTools();
  fs.mkdirSync(options.screenshots, { recursive: true });
  const sessionDir = harness.makeSessionDir('revise-ui-');
  /** @type {import('./harness').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  /** @type {import('playwright-core').Page | undefined} */
  let page;
  try {
    writeUserSettings(sessionDir, {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.reduceMotion': 'on',
      // A peek view that opens by itself would cover the editor in the screenshots.
      'testing.automaticallyOpenPeekView': 'never',
    });
    const workspace = path.join(sessionDir, 'workspaces', 'python-bug');
    fs.mkdirSync(path.dirname(workspace), { recursive: true });
    harness.copyWorkspace(fixture, workspace, { 'revise.python.path': python });
    server = await harness.startCodeServer({
      executable,
      sessionDir,
      onOutput: (line) => { if (options.verbose) console.log(`  [code-server] ${line}`); },
    });
    say(`code-server ${server.url} ready`);
    browser = await harness.launchChromium(sessionDir);
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (error) => console.log(`  [page error] ${error.message}`));
    const url = harness.workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: repoRoot });
    await uiTest(page, { url, workspace, screenshots: options.screenshots, verbose: options.verbose });
    say('PASSED: every UI step');
    return 0;
  } catch (error) {
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    if (page) {
      const file = path.join(cacheRoot, 'failures', 'ui.png');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file }).then(() => say(`screenshot of the failure: ${path.relative(repoRoot, file)}`), () => {});
    }
    return 1;
  } finally {
    if (browser) await Promise.race([browser.close().catch(() => {}), harness.delay(10_000)]);
    if (server) await server.stop();
    if (options.keep) say(`kept ${sessionDir}`);
    else harness.removeTree(sessionDir);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[ui] FAILED: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
