import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatchToFile } from '../../extension/src/core/patch/apply';
import type { Patch } from '../../extension/src/core/types';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function withFile(text: string, body: (file: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-apply-'));
  try {
    const file = path.join(dir, 'm.py');
    await fs.writeFile(file, text);
    await body(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function patchFor(file: string, newText: string): Patch {
  return { id: 'p1', file, origin: 'template:arithmetic-operator', title: '`+` → `*`', diff: '', newText, lines: [2], validated: true, testsPassed: 3, testsFailed: 0 };
}

test('applyPatchToFile writes the patched text when the file is as the check saw it', async () => {
  const before = 'def f(a):\n    return a + 2\n';
  await withFile(before, async (file) => {
    await applyPatchToFile(patchFor(file, 'def f(a):\n    return a * 2\n'), sha(before));
    assert.equal(await fs.readFile(file, 'utf8'), 'def f(a):\n    return a * 2\n');
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['m.py'], 'no temporary file left behind');
  });
});

test('applyPatchToFile refuses, and loses nothing, when the file changed since the check', async () => {
  const before = 'def f(a):\n    return a + 2\n';
  const edited = 'def f(a):\n    return a + 3  # edited meanwhile\n';
  await withFile(edited, async (file) => {
    await assert.rejects(applyPatchToFile(patchFor(file, 'def f(a):\n    return a * 2\n'), sha(before)), /changed since the check/);
    assert.equal(await fs.readFile(file, 'utf8'), edited);
    await assert.rejects(applyPatchToFile(patchFor(file, 'x'), undefined), /changed since the check/);
    assert.equal(await fs.readFile(file, 'utf8'), edited);
  });
});
