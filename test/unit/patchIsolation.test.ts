import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COPY_PREFIX, WorkspaceCopy, liveCopyContainers, planCopy, removeStaleCopies, type CopyPlan } from '../../extension/src/core/patch/isolation';
import { treeDigest } from './patchSupport';

const limits = { maxFiles: 1000, maxBytes: 10 * 1024 * 1024 };

/** A small project with the folders a copy must skip, link or copy. */
function makeProject(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'revise-isolation-test-'));
  const write = (relative: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), text);
  };
  write('pkg/calc.py', 'def add(a, b):\n    return a + b\n');
  write('tests/test_calc.py', 'from pkg.calc import add\n');
  write('.git/HEAD', 'ref: refs/heads/main\n');
  write('pkg/__pycache__/calc.cpython-311.pyc', 'stale');
  write('node_modules/left-pad/index.js', 'module.exports = 1;\n');
  write('env311/pyvenv.cfg', 'home = /usr/bin\n');
  write('env311/lib/site.py', '# site\n');
  symlinkSync('pkg/calc.py', path.join(root, 'calc-link.py'));
  return root;
}

test('a copy leaves out VCS and caches, links dependencies and virtual environments, copies the rest', async () => {
  const root = makeProject();
  try {
    const before = treeDigest(root);
    const plan = (await planCopy(root, limits)) as CopyPlan;
    assert.ok(!('refused' in plan));
    assert.deepEqual(plan.files.sort(), [path.join('pkg', 'calc.py'), path.join('tests', 'test_calc.py')].sort());
    assert.deepEqual(plan.linkedDirectories.map((entry) => entry.path).sort(), ['env311', 'node_modules']);
    const copy = await WorkspaceCopy.create(plan);
    try {
      assert.equal(path.basename(copy.root), path.basename(root), 'the copy keeps the folder name');
      assert.equal(readFileSync(path.join(copy.root, 'pkg', 'calc.py'), 'utf8'), 'def add(a, b):\n    return a + b\n');
      assert.ok(!existsSync(path.join(copy.root, '.git')));
      assert.ok(!existsSync(path.join(copy.root, 'pkg', '__pycache__')));
      assert.ok(lstatSync(path.join(copy.root, 'node_modules')).isSymbolicLink());
      assert.equal(readFileSync(path.join(copy.root, 'node_modules', 'left-pad', 'index.js'), 'utf8'), 'module.exports = 1;\n');
      assert.ok(lstatSync(path.join(copy.root, 'calc-link.py')).isSymbolicLink());

      await copy.write(path.join('pkg', 'calc.py'), 'def add(a, b):\n    return a - b\n');
      assert.match(readFileSync(path.join(copy.root, 'pkg', 'calc.py'), 'utf8'), /a - b/);
      await copy.restore(path.join('pkg', 'calc.py'));
      assert.match(readFileSync(path.join(copy.root, 'pkg', 'calc.py'), 'utf8'), /a \+ b/);

      // Writing through a linked folder would reach the user's tree: refused.
      await assert.rejects(copy.write(path.join('node_modules', 'left-pad', 'index.js'), 'changed'));
      await assert.rejects(copy.write('calc-link.py', 'changed'));
      await assert.rejects(copy.write(path.join('..', 'escape.py'), 'changed'));
      assert.ok(liveCopyContainers().includes(copy.container));
    } finally {
      await copy.dispose();
    }
    assert.ok(!existsSync(copy.container), 'the copy is removed');
    assert.ok(!liveCopyContainers().includes(copy.container));
    assert.equal(treeDigest(root), before, 'the project is untouched, its linked folders included');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('huge trees are refused with a sentence saying why', async () => {
  const root = makeProject();
  try {
    const refusal = await planCopy(root, { maxFiles: 1, maxBytes: 10 * 1024 * 1024 });
    assert.ok('refused' in refusal);
    assert.match(refusal.refused, /more than 1 files/);
    const bytes = await planCopy(root, { maxFiles: 100, maxBytes: 10 });
    assert.ok('refused' in bytes);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('copies left by a dead process are removed; those of live processes stay', async () => {
  const temporary = mkdtempSync(path.join(os.tmpdir(), 'revise-stale-test-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    mkdirSync(path.join(temporary, `${COPY_PREFIX}dead`));
    writeFileSync(path.join(temporary, `${COPY_PREFIX}dead`, 'owner.json'), JSON.stringify({ pid: deadPid }));
    mkdirSync(path.join(temporary, `${COPY_PREFIX}alive`));
    writeFileSync(path.join(temporary, `${COPY_PREFIX}alive`, 'owner.json'), JSON.stringify({ pid: process.pid }));
    mkdirSync(path.join(temporary, 'unrelated'));
    assert.equal(await removeStaleCopies(temporary), 1);
    assert.deepEqual(readdirSync(temporary).sort(), [`${COPY_PREFIX}alive`, 'unrelated']);
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
});

test('copies still open when the process exits are removed by the exit hook', () => {
  const root = makeProject();
  try {
    const module = path.join(__dirname, '..', '..', 'extension', 'src', 'core', 'patch', 'isolation.js');
    const script = `
      const { planCopy, WorkspaceCopy } = require(${JSON.stringify(module)});
      (async () => {
        const plan = await planCopy(${JSON.stringify(root)}, { maxFiles: 1000, maxBytes: 1e7 });
        const copy = await WorkspaceCopy.create(plan);
        process.stdout.write(copy.container);
        process.exit(3);
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 3, child.stderr);
    assert.ok(child.stdout.includes(COPY_PREFIX));
    assert.ok(!existsSync(child.stdout), 'the exit hook removed the copy');
    assert.ok(existsSync(path.join(root, 'node_modules', 'left-pad', 'index.js')), 'without following its links');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
