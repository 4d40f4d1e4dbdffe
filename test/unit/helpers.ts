import * as path from 'node:path';

/** Repository root, from out/test/unit at run time. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** The shipped grammars folder. */
export const grammarsDir = path.join(repoRoot, 'grammars');
/** Fixture projects (source tree, not out/). */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
