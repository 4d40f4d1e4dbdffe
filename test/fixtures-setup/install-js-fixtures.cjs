#!/usr/bin/env node
'use strict';
/**
 * Installs the pinned npm dependencies of the JavaScript fixture projects (test/fixtures/js/<name>) and of
 * the example workspaces (examples/<name>, e.g. tsx for examples/typescript-bug) into each one's own
 * node_modules, from its package-lock.json (`npm ci`). Idempotent and fast when they
 * are installed already: a stamp in node_modules records the hash of the lockfile it was installed
 * from. Fixtures without a lockfile are left alone on purpose (missing-framework must stay uninstalled).
 *
 * Usage: node test/fixtures-setup/install-js-fixtures.cjs [--force]
 * Also usable from code: require('./install-js-fixtures.cjs').installJavaScriptFixtures()
 */
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'js');
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const STAMP = '.revise-fixture-stamp';

function lockHash(folder) {
  return createHash('sha256').update(fs.readFileSync(path.join(folder, 'package-lock.json'))).digest('hex');
}

/** Fixtures that declare dependencies through a lockfile. */
function fixturesWithLockfiles() {
  return [FIXTURES, EXAMPLES].flatMap((parent) =>
    fs.existsSync(parent)
      ? fs
          .readdirSync(parent, { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(parent, entry.name, 'package-lock.json')))
          .map((entry) => path.join(parent, entry.name))
      : [],
  );
}

/**
 * Installs what is missing or stale. Returns the fixtures it installed. Throws when npm fails, with its
 * output, so that a test run says why instead of failing later on a missing framework.
 */
function installJavaScriptFixtures({ force = false, log = () => {} } = {}) {
  const installed = [];
  for (const folder of fixturesWithLockfiles()) {
    const hash = lockHash(folder);
    const stamp = path.join(folder, 'node_modules', STAMP);
    if (!force && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) continue;
    log(`installing ${path.relative(process.cwd(), folder) || folder} (npm ci)`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // No lifecycle scripts: the fixtures need none, and esbuild's binary comes as an optional package.
    const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      cwd: folder,
      encoding: 'utf8',
      shell: process.platform === 'win32',
      env: { ...process.env, NODE_TEST_CONTEXT: '' },
    });
    if (result.status !== 0) {
      throw new Error(`npm ci failed in ${folder} (exit ${result.status}):\n${result.stderr || result.stdout || result.error}`);
    }
    fs.writeFileSync(stamp, `${hash}\n`);
    installed.push(folder);
  }
  return installed;
}

module.exports = { installJavaScriptFixtures, FIXTURES };

if (require.main === module) {
  const started = Date.now();
  try {
    const installed = installJavaScriptFixtures({ force: process.argv.includes('--force'), log: (line) => console.log(`[fixtures] ${line}`) });
    console.log(`[fixtures] JavaScript fixtures and examples ready (${installed.length} installed, ${Date.now() - started} ms)`);
  } catch (error) {
    console.error(`[fixtures] ${error.message}`);
    process.exit(1);
  }
}
