import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root, from out/test/unit at run time. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** The shipped grammars folder. */
export const grammarsDir = path.join(repoRoot, 'grammars');
/** Fixture projects (source tree, not out/). */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');

/** Writes `files` (relative path → text) into a new temporary folder named after `prefix`; returns that folder. */
export function writeProject(prefix: string, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}
