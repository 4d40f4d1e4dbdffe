import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { someFileBreadthFirst } from '../../extension/src/core/capture/walk';

async function tree(files: string[]): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-walk-'));
  for (const file of files) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), '');
  }
  return root;
}

const isTest = (_file: string, entry: { name: string }) => /^test_.*\.py$/.test(entry.name);
const options = { maxDepth: 3, maxFolders: 100, skipped: new Set(['node_modules']) };

test('finds a matching file in a nested folder, within the depth', async () => {
  const root = await tree(['src/pkg/tests/test_a.py']);
  try {
    assert.equal(await someFileBreadthFirst(root, options, isTest), true);
    assert.equal(await someFileBreadthFirst(root, { ...options, maxDepth: 2 }, isTest), false, 'three levels down is past depth 2');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('never enters hidden, skipped or refused folders, and gives up past the folder limit', async () => {
  const root = await tree(['.hidden/test_a.py', 'node_modules/x/test_b.py', 'venv/test_c.py', 'venv/pyvenv.cfg', 'a/b/c.txt']);
  try {
    const enter = async (folder: string) => !(await fs.stat(path.join(folder, 'pyvenv.cfg')).then(() => true, () => false));
    assert.equal(await someFileBreadthFirst(root, { ...options, enter }, isTest), false);
    assert.equal(await someFileBreadthFirst(root, options, isTest), true, 'without the enter filter, venv/test_c.py is found');
    assert.equal(await someFileBreadthFirst(root, { ...options, maxFolders: 1 }, isTest), false, 'only the root may be read');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
