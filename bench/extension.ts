/**
 * Extension weight: VSIX size, activation time, and proof that activation loads nothing heavy (no
 * grammar read, no process started, no test runner or LLM SDK initialised) before the first command.
 * Usage: node out/bench/extension.js [--no-package]   (after `npm run build:production`)
 * Writes bench/results/extension.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** A stand-in for the `vscode` module: every property is a callable, constructible proxy. */
function fakeVscode(): unknown {
  const handler: ProxyHandler<() => unknown> = {
    get: (_target, property) => (property === 'then' ? undefined : property === Symbol.toPrimitive ? () => 'fake' : make()),
    apply: () => make(),
    construct: () => make() as object,
    set: () => true,
    defineProperty: () => true,
  };
  const make = (): unknown => new Proxy(function fake() {}, handler);
  // A bundle copies the module's own keys into a namespace object, so the top level must list them.
  const names = ['commands', 'extensions', 'languages', 'window', 'workspace', 'env', 'Uri', 'Disposable', 'EventEmitter', 'CodeAction', 'CodeActionKind',
    'Diagnostic', 'DiagnosticRelatedInformation', 'DiagnosticSeverity', 'Hover', 'Location', 'MarkdownString', 'OverviewRulerLane', 'Position',
    'ProgressLocation', 'Range', 'Selection', 'StatusBarAlignment', 'TextEditorRevealType', 'ViewColumn', 'WorkspaceEdit'];
  return Object.fromEntries(names.map((name) => [name, make()]));
}

function measureActivation(): { activationMs: number; requireMs: number; wasmReads: string[]; spawns: string[] } {
  const vscode = fakeVscode();
  const moduleWithLoad = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const originalLoad = moduleWithLoad._load;
  moduleWithLoad._load = function load(request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? vscode : originalLoad.call(this, request, parent, isMain);
  };
  const wasmReads: string[] = [];
  const spawns: string[] = [];
  // The mutable module objects (an ES namespace import is read-only).
  type Functions = Record<string, (...args: unknown[]) => unknown>;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const fsModule = require('node:fs') as Functions;
  const fsPromises = require('node:fs/promises') as Functions;
  const processModule = require('node:child_process') as Functions;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const watched: [Functions, string][] = [
    [fsModule, 'readFile'],
    [fsModule, 'readFileSync'],
    [fsModule, 'createReadStream'],
    [fsPromises, 'readFile'],
  ];
  const originals = watched.map(([owner, name]) => owner[name]);
  watched.forEach(([owner, name], index) => {
    owner[name] = (...args: unknown[]) => {
      if (String(args[0]).endsWith('.wasm')) wasmReads.push(String(args[0]));
      return originals[index](...args);
    };
  });
  const spawnNames = ['spawn', 'spawnSync', 'exec', 'execFile', 'fork'];
  const spawnOriginals = spawnNames.map((name) => processModule[name]);
  spawnNames.forEach((name, index) => {
    processModule[name] = (...args: unknown[]) => {
      spawns.push(String(args[0]));
      return spawnOriginals[index](...args);
    };
  });
  try {
    const started = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const extension = require(path.join(repoRoot, 'dist', 'extension.js')) as { activate(context: unknown): void };
    const loaded = process.hrtime.bigint();
    extension.activate({ subscriptions: [], extensionUri: fakeVscode(), extensionPath: repoRoot });
    const activated = process.hrtime.bigint();
    return { requireMs: Number(loaded - started) / 1e6, activationMs: Number(activated - started) / 1e6, wasmReads, spawns };
  } finally {
    moduleWithLoad._load = originalLoad;
    watched.forEach(([owner, name], index) => (owner[name] = originals[index]));
    spawnNames.forEach((name, index) => (processModule[name] = spawnOriginals[index]));
  }
}

function packageVsix(): { vsixBytes: number; files: number } | { error: string } {
  const out = path.join(os.tmpdir(), `revise-bench-${process.pid}.vsix`);
  const result = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) return { error: (result.stderr || result.stdout).slice(-500) };
  const vsixBytes = fs.statSync(out).size;
  fs.rmSync(out, { force: true });
  // `vsce ls` lists exactly the files `vsce package` puts in the VSIX, one per line.
  const listed = spawnSync('npx', ['vsce', 'ls', '--no-dependencies'], { cwd: repoRoot, encoding: 'utf8' });
  const files = listed.status === 0 ? listed.stdout.split('\n').filter((line) => line.trim() !== '').length : 0;
  return { vsixBytes, files };
}

function main(): void {
  const activation = measureActivation();
  const vsix = process.argv.includes('--no-package') ? undefined : packageVsix();
  const bundleBytes = fs.statSync(path.join(repoRoot, 'dist', 'extension.js')).size;
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
    bundleBytes,
    requireMs: Math.round(activation.requireMs * 10) / 10,
    activationMs: Math.round(activation.activationMs * 10) / 10,
    wasmReadsDuringActivation: activation.wasmReads,
    processesStartedDuringActivation: activation.spawns,
    vsix,
  };
  fs.mkdirSync(path.join(repoRoot, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(repoRoot, 'bench', 'results', 'extension.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  if (activation.wasmReads.length > 0 || activation.spawns.length > 0) process.exitCode = 1;
}

main();
