#!/usr/bin/env node
// `npm start`: from a fresh checkout to Revise running in a real VS Code on the example project.
//   1. scripts/ensure-tools.sh (Chromium, pytest + coverage, code-server; fast when already there)
//   2. npm run build
//   3. node dist/cli.js check examples/python-bug   (the headless CLI's table)
//   4. opens examples/python-bug with the extension:
//      - desktop VS Code (`code --extensionDevelopmentPath=<repo>`) when `code` is on PATH;
//      - otherwise code-server on 127.0.0.1 with the built extension installed for this session only,
//        printing the URL to open; runs until Ctrl+C, then stops the server and removes its files.
//
// Options:
//   --smoke       (or REVISE_START_SMOKE=1) start everything, run "Revise: Check and Fix" on the buggy
//                 file from F1 in headless Chromium, print the Problems panel, save docs/screenshot.png, exit
//   --web         use code-server even when `code` is on PATH
//   --port N      (or REVISE_PORT) code-server port; default 8080 when free, else any free port
//   --no-build    skip `npm run build`
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const harness = require('../test/integration/harness');
const { linkExtension, smokeSession, writeUserSettings } = require('./screenshot');

const repoRoot = harness.repoRoot;
const example = path.join(repoRoot, 'examples', 'python-bug');
const exampleBuggyFile = 'shop/cart.py';
const screenshotPath = path.join(repoRoot, 'docs', 'screenshot.png');

const started = Date.now();
const step = (message) => console.log(`\n[start ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

function parseArguments(argv) {
  const options = {
    smoke: process.env.REVISE_START_SMOKE === '1' || process.env.REVISE_START_SMOKE === 'true',
    web: false,
    port: process.env.REVISE_PORT ? Number(process.env.REVISE_PORT) : undefined,
    build: true,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--smoke') options.smoke = true;
    else if (argument === '--web') options.web = true;
    else if (argument === '--no-build') options.build = false;
    else if (argument === '--port') options.port = Number(argv[++index]);
    else throw new Error(`unknown option ${argument} (options: --smoke, --web, --port N, --no-build)`);
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) {
    throw new Error('--port needs a port number');
  }
  return options;
}

/**
 * The desktop VS Code launcher on PATH, if any. Inside a code-server or remote terminal `code` is a
 * remote CLI that cannot load an extension under development, so it does not count.
 * @returns {string | undefined}
 */
function desktopCode() {
  if (process.env.VSCODE_IPC_HOOK_CLI) return undefined;
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(directory, 'code');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
    } catch {
      continue;
    }
    const real = fs.realpathSync(candidate);
    if (/remote-cli|code-server/.test(real)) return undefined;
    return candidate;
  }
  return undefined;
}

/** Runs the CLI on the example and streams its table; throws when it could not run (exit status 1 or 2). */
function runCli() {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing after the build');
  const relative = path.relative(repoRoot, example);
  console.log(`$ node dist/cli.js check ${relative}`);
  const result = childProcess.spawnSync(process.execPath, [cli, 'check', relative], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`the CLI exited with ${result.status ?? result.signal}`);
}


async function openInDesktop(code) {
  step(`opening ${path.relative(repoRoot, example)} in desktop VS Code with the extension under development`);
  // --wait keeps this process alive while the window is open, so Ctrl+C and closing the window both end it.
  const child = childProcess.spawn(code, ['--new-window', '--wait', `--extensionDevelopmentPath=${repoRoot}`, example], { stdio: 'inherit' });
  harness.setInterruptExitCode(0);
  harness.registerCleanup(() => {
    child.kill('SIGTERM');
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return 0;
}

async function openInCodeServer(executable, requestedPort) {
  const port = requestedPort ?? ((await harness.isPortFree(8080)) ? 8080 : await harness.findFreePort());
  const sessionDir = harness.makeSessionDir('revise-start-');
  /** @type {import('../test/integration/harness').CodeServer | undefined} */
  let server;
  try {
    const extensionsDir = path.join(sessionDir, 'extensions');
    linkExtension(extensionsDir, repoRoot);
    writeUserSettings(sessionDir);
    step(`starting code-server on 127.0.0.1:${port} with the built extension installed for this session`);
    server = await harness.startCodeServer({ executable, sessionDir, extensionsDir, port });
    // Slashes left readable: the URL is meant to be read and clicked.
    const url = `${server.url}/?folder=${encodeURIComponent(example).replace(/%2F/g, '/')}`;
    console.log(`\n  Revise is running in VS Code (code-server). Open:\n\n    ${url}\n`);
    console.log(`  Open ${exampleBuggyFile}, then F1 → "Revise: Check and Fix". After \`npm run build\`, reload the window to pick up changes.`);
    console.log('  Press Ctrl+C to stop.');
  } catch (error) {
    if (server) await server.stop();
    harness.removeTree(sessionDir);
    throw error;
  }
  // Runs until Ctrl+C; the harness's interrupt handler stops the server and removes the session folder.
  harness.setInterruptExitCode(0);
  // Registered last, so on Ctrl+C it runs first: the server's exit that follows is expected.
  let interrupted = false;
  harness.registerCleanup(() => {
    interrupted = true;
  });
  await server.exited;
  if (interrupted) return new Promise(() => {}); // the interrupt handler finishes and exits
  console.error(`\n[start] code-server exited on its own:\n${server.logTail()}`);
  await server.stop();
  harness.removeTree(sessionDir);
  return 1;
}

async function smoke(executable) {
  step(`smoke: code-server + headless Chromium, "Revise: Check and Fix" on ${exampleBuggyFile}`);
  const expectProblem = /likely faulty/;
  const result = await smokeSession({
    executable,
    workspace: example,
    file: exampleBuggyFile,
    command: 'Revise: Check and Fix',
    expectProblem,
    screenshot: screenshotPath,
    log: (message) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`),
  });
  console.log('\nProblems panel:');
  for (const row of result.problems) console.log(`  ${row}`);
  console.log(`Squiggles in the editor: ${result.squiggles}`);
  const ok = result.problems.some((row) => expectProblem.test(row));
  step(ok ? `smoke OK; screenshot: ${path.relative(repoRoot, result.screenshot)}` : 'smoke FAILED: no Revise problem appeared in the Problems panel');
  return ok ? 0 : 1;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  step('ensuring tools (scripts/ensure-tools.sh)');
  const executable = harness.ensureTools();
  if (options.build) {
    step('npm run build');
    harness.runNpmScript('build');
  }
  step('the CLI on the example');
  runCli();
  if (options.smoke) return smoke(executable);
  const code = options.web ? undefined : desktopCode();
  return code ? openInDesktop(code) : openInCodeServer(executable, options.port);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`\n[start] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
