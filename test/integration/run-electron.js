#!/usr/bin/env node
// Runs the same integration suite (out/test/integration/suite/index.js) in a desktop VS Code through
// @vscode/test-electron, for contributors with a display and network access. It downloads VS Code into
// .vscode-test/ unless --code names an installed one. On machines without either (CI containers, this
// repository's build box) use test/integration/run-code-server.js instead.
//
// Usage: node test/integration/run-electron.js [--workspace NAME]... [--code PATH] [--vscode-version V] [--no-build]
//   --code PATH          VS Code executable to use instead of downloading (env VSCODE_EXECUTABLE)
//   --vscode-version V   version to download: stable (default), insiders, 1.100.3, ...
// Needs dist/extension.js (`npm run build`). On Linux without a display, run it under xvfb-run.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const harness = require('./harness');

const repoRoot = harness.repoRoot;
const testsEntry = path.join(repoRoot, 'out', 'test', 'integration', 'suite', 'index.js');

function parseArguments(argv) {
  const options = { workspaces: [], code: process.env.VSCODE_EXECUTABLE, version: 'stable', build: true };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--workspace') options.workspaces.push(value());
    else if (argument === '--code') options.code = path.resolve(value());
    else if (argument === '--vscode-version') options.version = value();
    else if (argument === '--no-build') options.build = false;
    else throw new Error(`unknown option ${argument}`);
  }
  return options;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.build) await harness.compileSuite();
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build first');
  const { runTests } = require('@vscode/test-electron');
  const { workspaces } = require(path.join(repoRoot, 'out', 'test', 'integration', 'suite', 'workspaces.js'));
  const unknown = options.workspaces.filter((name) => !workspaces.some((spec) => spec.name === name));
  if (unknown.length > 0) throw new Error(`unknown workspace(s) ${unknown.join(', ')}; known: ${workspaces.map((spec) => spec.name).join(', ')}`);
  const specs = options.workspaces.length === 0 ? workspaces : workspaces.filter((spec) => options.workspaces.includes(spec.name));

  const sessionDir = harness.makeSessionDir('revise-electron-');
  /** @type {string[]} */
  const failed = [];
  try {
    for (const spec of specs) {
      // Same layout as the code-server harness: a copy named like the spec, so the suite finds its spec
      // by the folder's base name and the repository's fixture is never written.
      const workspace = path.join(sessionDir, 'workspaces', spec.name);
      fs.mkdirSync(path.dirname(workspace), { recursive: true });
      harness.copyWorkspace(path.join(repoRoot, spec.fixture), workspace, spec.settings ?? {});
      console.log(`[it] ${spec.name}: ${workspace}`);
      try {
        const exitCode = await runTests({
          version: options.version,
          vscodeExecutablePath: options.code,
          extensionDevelopmentPath: repoRoot,
          extensionTestsPath: testsEntry,
          launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
        });
        if (exitCode !== 0) failed.push(spec.name);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`[it] ${spec.name}: ${message}`);
        if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|download/i.test(message) && !options.code) {
          console.error('[it] VS Code could not be downloaded. Pass --code /path/to/code, or run test/integration/run-code-server.js.');
        }
        failed.push(spec.name);
      }
    }
  } finally {
    harness.removeTree(sessionDir);
  }
  console.log(failed.length === 0 ? `[it] all ${specs.length} workspace(s) passed` : `[it] FAILED: ${failed.join(', ')}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[it] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
