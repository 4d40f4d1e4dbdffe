import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureJavaScript } from '../../extension/src/core/capture/javascript/index';
import { hasFileArguments } from '../../extension/src/core/capture/javascript/invocation';
import { nodeTestFiles } from '../../extension/src/core/capture/walk';
import { DEFAULT_ISOLATION_LIMITS, planCopy, type CopyPlan } from '../../extension/src/core/patch/isolation';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { fixturesDir, grammarsDir, repoRoot } from './helpers';

const runner = new NodeProcessRunner();
const assets = { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') };

/** A copy of a JS fixture (its node_modules linked) with two loops: pkg/up -> .. and test/back -> .. */
async function loopedFixture(name: string, script?: string): Promise<string> {
  const source = path.join(fixturesDir, 'js', name);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `revise-loop-${name}-`));
  await fs.cp(source, root, { recursive: true, filter: (file) => path.basename(file) !== 'node_modules' });
  if (await fs.stat(path.join(source, 'node_modules')).then(() => true, () => false)) await fs.symlink(path.join(source, 'node_modules'), path.join(root, 'node_modules'));
  if (script) {
    const manifest = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    manifest.scripts.test = script;
    await fs.writeFile(path.join(root, 'package.json'), JSON.stringify(manifest));
  }
  await fs.mkdir(path.join(root, 'pkg'));
  await fs.symlink('..', path.join(root, 'pkg', 'up'));
  await fs.symlink('..', path.join(root, 'test', 'back'));
  return root;
}

async function capture(root: string) {
  // The total timeout is far above what the runs take: a loop that is walked shows as an incomplete run.
  return captureJavaScript({ root, runner, logger: silentLogger, assets, perTestTimeoutMs: 10_000, totalTimeoutMs: 90_000 });
}

describe('symbolic link loops in a JavaScript project are named and skipped', () => {
  const cases: Array<{ fixture: string; tests: number; script?: string }> = [
    { fixture: 'node-test', tests: 0 },
    { fixture: 'mocha', tests: 5, script: 'mocha --recursive test' },
    { fixture: 'jest', tests: 7 },
    { fixture: 'vitest', tests: 5 },
  ];
  for (const { fixture, tests, script } of cases) {
    test(`${fixture}${script ? ` (${script})` : ''}`, async () => {
      const plain = fixture === 'node-test' ? await capture(path.join(fixturesDir, 'js', fixture)) : undefined;
      const expected = plain ? plain.tests.length : tests;
      const root = await loopedFixture(fixture, script);
      try {
        const run = await capture(root);
        assert.equal(run.complete, true, JSON.stringify(run.problems));
        assert.ok(expected > 0);
        assert.equal(run.tests.length, expected, run.tests.map((item) => item.id).join('\n'));
        const loops = run.problems.filter((problem) => /symbolic link loop/.test(problem.message)).map((problem) => problem.message.split(':')[0]);
        assert.deepEqual(loops.sort(), ['Skipped pkg/up', 'Skipped test/back']);
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    });
  }
});

test('nodeTestFiles finds what node --test would, without entering loops or node_modules', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-nodetest-'));
  try {
    for (const file of ['test/helper.js', 'test/deep/a.mjs', 'src/x.test.js', 'src/y.js', 'src/test-z.cjs', 'src/w_test.js', 'node_modules/p/test/q.js', 'docs/test.md']) {
      await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await fs.writeFile(path.join(root, file), '');
    }
    await fs.symlink('..', path.join(root, 'src', 'up'));
    assert.deepEqual(await nodeTestFiles(root, ['src/up']), ['src/test-z.cjs', 'src/w_test.js', 'src/x.test.js', 'test/deep/a.mjs', 'test/helper.js']);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('hasFileArguments tells file arguments from flag values', () => {
  assert.equal(hasFileArguments(['node', '--test']), false);
  assert.equal(hasFileArguments(['node', '--import', 'tsx', '--test', '--test-reporter', 'spec']), false);
  assert.equal(hasFileArguments(['node', '--test', 'test/a.test.js']), true);
  assert.equal(hasFileArguments(['node', '--import', 'tsx', '--test', 'test/']), true);
});

test('copies leave symbolic link loops out and keep other links', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-copyloop-'));
  try {
    await fs.mkdir(path.join(root, 'pkg'));
    await fs.writeFile(path.join(root, 'a.js'), '');
    await fs.symlink('..', path.join(root, 'pkg', 'up'));
    await fs.symlink('self', path.join(root, 'self'));
    await fs.symlink('../a.js', path.join(root, 'pkg', 'a.js'));
    const plan = (await planCopy(root, DEFAULT_ISOLATION_LIMITS)) as CopyPlan;
    assert.deepEqual(plan.skippedLoops.map((link) => link.path).sort(), [path.join('pkg', 'up'), 'self']);
    assert.deepEqual(plan.symlinks.map((link) => link.path), [path.join('pkg', 'a.js')]);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
