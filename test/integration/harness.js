// Shared plumbing for running Revise inside a real VS Code on a machine without a desktop: code-server
// (VS Code's server and web workbench) driven by headless Chromium through playwright-core.
// Used by test/integration/run-code-server.js (extension tests), scripts/start.js (`npm start`) and
// scripts/screenshot.js. Plain CommonJS so it runs before anything is built.
'use strict';

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');

/** Chromium flags that keep a headless browser quiet on a machine without network or GPU. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-breakpad',
];

/**
 * The browser to drive: $REVISE_CHROMIUM, else Debian's Chromium, else Google Chrome (CI images);
 * playwright's own browser downloads are unreachable here. Keep in step with scripts/ensure-tools.sh.
 */
function chromiumPath() {
  const candidates = [process.env.REVISE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/chromium-browser'];
  return candidates.find((candidate) => candidate && fs.existsSync(candidate)) ?? '/usr/bin/chromium';
}

/**
 * Runs scripts/ensure-tools.sh (installs Chromium and code-server when missing; fast when done) and
 * returns the code-server executable it reports.
 * @returns {string}
 */
function ensureTools() {
  const result = childProcess.spawnSync('bash', [path.join(repoRoot, 'scripts', 'ensure-tools.sh')], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`scripts/ensure-tools.sh failed (exit ${result.status ?? result.signal})`);
  }
  const lines = result.stdout.trim().split('\n');
  const executable = lines[lines.length - 1];
  if (!executable || !fs.existsSync(executable)) {
    throw new Error(`scripts/ensure-tools.sh did not report a code-server executable (got ${JSON.stringify(result.stdout)})`);
  }
  return executable;
}

/**
 * Runs an npm script of this repository, streaming its output; throws when it fails.
 * @param {string} script
 */
function runNpmScript(script) {
  const result = childProcess.spawnSync('npm', ['run', '--silent', script], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run ${script} failed (exit ${result.status ?? result.signal})`);
}

/**
 * Transpiles test/integration/suite/*.ts into out/test/integration/suite/ with the same options as
 * `npm run build:tests` (one file each, CommonJS, inline source maps), but only the suite, so the
 * harness does not depend on every other folder of the repository compiling at this moment.
 */
async function compileSuite() {
  const esbuild = require('esbuild');
  const suiteDir = path.join(repoRoot, 'test', 'integration', 'suite');
  const entryPoints = fs
    .readdirSync(suiteDir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => path.join(suiteDir, name));
  await esbuild.build({
    entryPoints,
    outdir: path.join(repoRoot, 'out'),
    outbase: repoRoot,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

/**
 * A free TCP port on 127.0.0.1 (the kernel picks; the port is released before code-server binds it, so
 * a rare race with another process is possible and surfaces as a failed start).
 * @returns {Promise<number>}
 */
function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** @type {Set<() => Promise<void> | void>} */
const pendingCleanups = new Set();
let interruptExitCode = 130;
let interruptHandlerInstalled = false;

/**
 * Registers work that must run if the process is interrupted (Ctrl+C, SIGTERM) before it runs normally:
 * code-server lives in its own process group, so the terminal's Ctrl+C never reaches it. Returns a
 * function that unregisters it. On a signal every pending clean-up runs, newest first, then the
 * process exits with setInterruptExitCode's code (130 unless changed).
 * @param {() => Promise<void> | void} cleanup
 * @returns {() => void}
 */
function registerCleanup(cleanup) {
  pendingCleanups.add(cleanup);
  if (!interruptHandlerInstalled) {
    interruptHandlerInstalled = true;
    let interrupted = false;
    const onSignal = async (/** @type {NodeJS.Signals} */ signal) => {
      if (interrupted) return; // a second Ctrl+C while cleaning up: keep cleaning
      interrupted = true;
      console.error(`\n[revise] ${signal}: stopping and cleaning up`);
      for (const pending of [...pendingCleanups].reverse()) {
        try {
          await pending();
        } catch (error) {
          console.error(`[revise] clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      process.exit(interruptExitCode);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return () => pendingCleanups.delete(cleanup);
}

/**
 * Exit status after an interrupt; an interactive session that is meant to end with Ctrl+C sets 0.
 * @param {number} code
 */
function setInterruptExitCode(code) {
  interruptExitCode = code;
}

/**
 * Whether port can be bound on 127.0.0.1 right now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** @param {number} milliseconds */
function delay(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Resolves once GET url answers 200, or rejects after timeoutMs or when stillRunning() turns false.
 * @param {string} url
 * @param {number} timeoutMs
 * @param {() => boolean} stillRunning
 */
async function waitForHttpOk(url, timeoutMs, stillRunning) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!stillRunning()) throw new Error(`the server exited before ${url} answered`);
    const status = await new Promise((resolve) => {
      const request = http.get(url, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.on('error', () => resolve(0));
      request.setTimeout(2000, () => request.destroy());
    });
    if (status === 200) return;
    await delay(200);
  }
  throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * A temporary folder for one session: user data, extensions, XDG homes, runtime sockets and workspace
 * copies all live under it, so removing it removes everything the session wrote.
 * @param {string} prefix
 */
function makeSessionDir(prefix) {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  sessionDirCleanups.set(directory, registerCleanup(() => removeTree(directory)));
  return directory;
}

/** Unregister functions of the session folders not yet removed, by folder. */
/** @type {Map<string, () => void>} */
const sessionDirCleanups = new Map();

/** Names of /tmp/vscode-*.sock files now present. */
function listVscodeSockets() {
  try {
    return new Set(fs.readdirSync(os.tmpdir()).filter((name) => /^vscode-.*\.sock$/.test(name)));
  } catch {
    return new Set();
  }
}

/**
 * Pids of processes whose environment carries `name=value`. Every process the session starts inherits
 * this marker, including test runners that Revise starts in their own process group, so they can be
 * found and stopped even when their parent is already gone.
 * @param {string} name
 * @param {string} value
 * @returns {number[]}
 */
function findMarkedProcesses(name, value) {
  const needle = Buffer.from(`${name}=${value}\0`);
  /** @type {number[]} */
  const pids = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`).includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended, or belongs to someone else.
    }
  }
  return pids;
}

/**
 * @typedef {object} CodeServer
 * @property {string} url base URL, e.g. http://127.0.0.1:43121
 * @property {string} authority host:port, for vscode-remote:// URIs
 * @property {(absolutePath: string) => string} remoteUri vscode-remote:// URI of a path on this machine
 * @property {() => string} logTail the last lines the server printed
 * @property {() => Promise<void>} stop stops the server, its children and anything else carrying the session marker
 * @property {Promise<void>} exited settles when the server process exits, for whatever reason
 */

/**
 * Starts code-server on a free 127.0.0.1 port with user data, extensions, XDG homes, runtime sockets and
 * temporary files inside sessionDir, and waits until /healthz answers.
 * @param {object} options
 * @param {string} options.executable code-server executable
 * @param {string} options.sessionDir folder from makeSessionDir; everything the server writes goes there
 * @param {string} [options.extensionsDir] defaults to <sessionDir>/extensions
 * @param {number} [options.port] defaults to a free port
 * @param {(line: string) => void} [options.onOutput] receives each line the server prints
 * @param {NodeJS.ProcessEnv} [options.env] extra environment for the server and its extension hosts
 * @returns {Promise<CodeServer>}
 */
async function startCodeServer(options) {
  if (options.port !== undefined) return startCodeServerOnPort(options, options.port);
  // A free port found here can be taken by someone else before code-server binds it; try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCodeServerOnPort(options, await findFreePort());
    } catch (error) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}

/**
 * startCodeServer on a given port.
 * @param {Parameters<typeof startCodeServer>[0]} options
 * @param {number} port
 * @returns {Promise<CodeServer>}
 */
async function startCodeServerOnPort(options, port) {
  const { executable, sessionDir } = options;
  const directories = {
    userData: path.join(sessionDir, 'user-data'),
    extensions: options.extensionsDir ?? path.join(sessionDir, 'extensions'),
    config: path.join(sessionDir, 'xdg-config'),
    data: path.join(sessionDir, 'xdg-data'),
    runtime: path.join(sessionDir, 'runtime'),
    temp: path.join(sessionDir, 'tmp'),
    cache: path.join(sessionDir, 'xdg-cache'),
  };
  for (const directory of Object.values(directories)) fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  const marker = crypto.randomUUID();
  const socketsBefore = listVscodeSockets();
  const env = {
    ...process.env,
    ...options.env,
    // code-server writes config.yaml and logs under the XDG homes; VS Code puts its IPC sockets in
    // XDG_RUNTIME_DIR (else /tmp) and temporary files in TMPDIR. Keep them all in the session folder.
    XDG_CONFIG_HOME: directories.config,
    XDG_DATA_HOME: directories.data,
    XDG_RUNTIME_DIR: directories.runtime,
    TMPDIR: directories.temp,
    // VS Code's device id (@vscode/deviceid) goes to $XDG_CACHE_HOME/Microsoft.
    XDG_CACHE_HOME: directories.cache,
    REVISE_SESSION_MARKER: marker,
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', directories.userData,
    '--extensions-dir', directories.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  // Its own process group, so stopping it reaches the VS Code server, extension hosts and pty host too.
  const child = childProcess.spawn(executable, args, { cwd: sessionDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {string[]} */
  const lines = [];
  let running = true;
  const exited = new Promise((resolve) => child.on('exit', () => { running = false; resolve(undefined); }));
  child.on('error', (error) => { running = false; lines.push(`spawn error: ${error.message}`); });
  const collect = (/** @type {import('node:stream').Readable} */ stream) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        // VS Code's server prints blank lines (sometimes behind a timestamp) between its messages.
        if (/^(\[\d\d:\d\d:\d\d\])?\s*$/.test(line)) continue;
        lines.push(line);
        if (lines.length > 400) lines.shift();
        options.onOutput?.(line);
      }
    });
  };
  if (child.stdout) collect(child.stdout);
  if (child.stderr) collect(child.stderr);

  const authority = `127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    const signalGroup = (/** @type {NodeJS.Signals} */ signal) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    if (running) {
      signalGroup('SIGTERM');
      await Promise.race([exited, delay(5000)]);
      if (running) signalGroup('SIGKILL');
      await Promise.race([exited, delay(2000)]);
    }
    signalGroup('SIGKILL'); // children that outlived the server in the same group
    // Anything the session started in another process group (test runners started by the extension).
    for (let attempt = 0; attempt < 3; attempt++) {
      const leftovers = findMarkedProcesses('REVISE_SESSION_MARKER', marker);
      if (leftovers.length === 0) break;
      for (const pid of leftovers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await delay(200);
    }
    // Sockets VS Code created in /tmp despite XDG_RUNTIME_DIR (older code paths use os.tmpdir()).
    for (const name of listVscodeSockets()) {
      if (socketsBefore.has(name)) continue;
      const socketPath = path.join(os.tmpdir(), name);
      if (unheldSocket(socketPath)) fs.rmSync(socketPath, { force: true });
    }
  };

  const unregister = registerCleanup(() => stop());
  try {
    await waitForHttpOk(`http://${authority}/healthz`, 30000, () => running);
  } catch (error) {
    await stop();
    throw new Error(`code-server did not start: ${error instanceof Error ? error.message : String(error)}\n${lines.slice(-30).join('\n')}`);
  }
  return {
    url: `http://${authority}`,
    authority,
    remoteUri: (absolutePath) => `vscode-remote://${authority}${absolutePath.split(path.sep).map(encodeURIComponent).join('/')}`,
    logTail: () => lines.slice(-60).join('\n'),
    stop,
    exited: exited.then(() => {}),
  };
}

/**
 * Whether no live process listens on the socket file. A socket that appeared while the session ran and
 * that nobody holds after the session's processes stopped is the session's leftover; one that another
 * program (another code-server) still holds is left alone.
 * @param {string} socketPath
 */
function unheldSocket(socketPath) {
  let holders = '';
  try {
    holders = fs.readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return false;
  }
  return !holders.includes(socketPath);
}

/**
 * Copies a fixture folder (minus caches and coverage output) to destination and merges settings into
 * the copy's .vscode/settings.json, so tests and demos never write into the repository's fixtures.
 * @param {string} fixture absolute path of the folder to copy
 * @param {string} destination absolute path of the copy (must not exist)
 * @param {Record<string, unknown>} settings
 */
function copyWorkspace(fixture, destination, settings) {
  const skipped = new Set(['.pytest_cache', '__pycache__', '.benchmarks', '.coverage', 'coverage', '.nyc_output', '.revise']);
  fs.cpSync(fixture, destination, {
    recursive: true,
    filter: (source) => !skipped.has(path.basename(source)) && !source.endsWith('.pyc'),
  });
  const settingsFile = path.join(destination, '.vscode', 'settings.json');
  if (Object.keys(settings).length === 0) return;
  /** @type {Record<string, unknown>} */
  let existing = {};
  if (fs.existsSync(settingsFile)) {
    try {
      existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    } catch {
      // Comments or trailing commas (JSONC): the test settings replace the file.
    }
  }
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, `${JSON.stringify({ ...existing, ...settings }, null, 2)}\n`);
}

/**
 * Launches headless Chromium through playwright-core with everything it writes (profile, crash
 * reports, dconf cache, singleton socket) inside sessionDir instead of $HOME and /tmp.
 * @param {string} sessionDir
 * @returns {Promise<import('playwright-core').Browser>}
 */
async function launchChromium(sessionDir) {
  const { chromium } = require('playwright-core');
  const browserHome = path.join(sessionDir, 'browser');
  const temp = path.join(browserHome, 'tmp');
  fs.mkdirSync(temp, { recursive: true });
  const env = {
    ...process.env,
    TMPDIR: temp,
    XDG_CONFIG_HOME: path.join(browserHome, 'config'),
    XDG_CACHE_HOME: path.join(browserHome, 'cache'),
  };
  // Playwright makes the profile folder with os.tmpdir() of this process, read at launch.
  const savedTemp = process.env.TMPDIR;
  process.env.TMPDIR = temp;
  /** @type {import('playwright-core').Browser} */
  let browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: chromiumArgs, env });
  } finally {
    if (savedTemp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTemp;
  }
  const unregister = registerCleanup(() => Promise.race([browser.close().catch(() => {}), delay(10_000)]).then(() => {}));
  browser.on('disconnected', unregister);
  return browser;
}

/**
 * The workbench URL that opens folder and, through the `payload` parameter (code-server rejects the
 * command-line flags), loads the extension under development and optionally its tests.
 * @param {CodeServer} server
 * @param {object} options
 * @param {string} options.folder absolute path of the workspace folder
 * @param {string} [options.extensionDevelopmentPath] absolute path of the extension
 * @param {string} [options.extensionTestsPath] absolute path of the compiled tests entry exporting run()
 */
function workbenchUrl(server, options) {
  /** @type {[string, string][]} */
  const payload = [];
  if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', server.remoteUri(options.extensionDevelopmentPath)]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', server.remoteUri(options.extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  return `${server.url}/?folder=${encodeURIComponent(options.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Removes a folder tree, retrying briefly because processes that were just killed may still be closing
 * files in it.
 * @param {string} directory
 */
function removeTree(directory) {
  sessionDirCleanups.get(directory)?.();
  sessionDirCleanups.delete(directory);
  fs.rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

module.exports = {
  repoRoot,
  chromiumArgs,
  chromiumPath,
  ensureTools,
  runNpmScript,
  compileSuite,
  findFreePort,
  isPortFree,
  delay,
  makeSessionDir,
  startCodeServer,
  copyWorkspace,
  launchChromium,
  workbenchUrl,
  removeTree,
  registerCleanup,
  setInterruptExitCode,
};
