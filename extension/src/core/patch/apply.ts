import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ReviseError } from '../errors';
import type { Patch } from '../types';

/**
 * Writes a patch into the user's file: the one write Revise ever makes to a user's tree, and only when
 * asked (`revise check --apply`; the editor applies through a WorkspaceEdit instead). Refuses when the file
 * changed since the check computed the patch (its SHA-256 differs from `baseHash`), so nothing written
 * since is lost. The file's other bytes are untouched: `patch.newText` is the checked text with the edit.
 */
export async function applyPatchToFile(patch: Patch, baseHash: string | undefined): Promise<void> {
  let current: Buffer;
  try {
    current = await fs.readFile(patch.file);
  } catch (error) {
    throw new ReviseError('internal', `Cannot read ${patch.file} to apply the patch: ${(error as Error).message}`);
  }
  const hash = createHash('sha256').update(current.toString('utf8')).digest('hex');
  if (!baseHash || hash !== baseHash) {
    throw new ReviseError('internal', `${patch.file} changed since the check; the patch was not applied.`, 'Run the check again.');
  }
  const temporary = `${patch.file}.revise-${process.pid}.tmp`;
  const mode = (await fs.stat(patch.file)).mode;
  // Write then rename, so an interrupted write never leaves a half-written file.
  await fs.writeFile(temporary, patch.newText, { mode });
  await fs.rename(temporary, patch.file);
}
