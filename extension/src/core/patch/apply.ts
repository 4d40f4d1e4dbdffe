import { createHash } from 'node:crypto';
import { promises as fs, statSync } from 'node:fs';
import { ReviseError } from '../errors';
import type { Patch } from '../types';

/**
 * Writes a patch into the user's file: the one write Revise ever makes to a user's tree, and only when
 * asked (`revise check --apply`; the editor applies through a WorkspaceEdit instead). Refuses when the file
 * changed since the check computed the patch (its SHA-256 differs from `baseHash`), so nothing written
 * since is lost, and when the file is read-only. The file's other bytes are untouched: `patch.newText` is the checked text with the edit.
 */
/**
 * True when the file's mode has no write permission for anyone (e.g. 0444): a deliberate "do not edit",
 * which Revise honours even where it could write anyway (as root).
 */
export function isReadOnlyFile(file: string): boolean {
  try {
    return (statSync(file).mode & 0o222) === 0;
  } catch {
    return false;
  }
}

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
  if (isReadOnlyFile(patch.file)) {
    throw new ReviseError('internal', `${patch.file} is read-only; the patch was not applied.`, 'Make it writable (chmod u+w) and run the check again, or apply the diff by hand.');
  }
  const temporary = `${patch.file}.revise-${process.pid}.tmp`;
  const mode = (await fs.stat(patch.file)).mode;
  // Write then rename, so an interrupted write never leaves a half-written file.
  await fs.writeFile(temporary, patch.newText, { mode });
  await fs.rename(temporary, patch.file);
}
