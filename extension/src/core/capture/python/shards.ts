/**
 * Splitting a whole-suite pytest run over a few processes that run side by side (the capture and the
 * cold confirmation of a patch), the way pytest-xdist splits a suite, without needing it installed. Each
 * process collects only its share of the test modules (`ShardFilter` in `revise_pytest.py`); their
 * results are read together as one run (`combineShardResults` in `../shards.ts`).
 */
import { promises as fs } from 'node:fs';
import { someFileBreadthFirst } from '../walk';
import { isTestModuleName } from './detect';

/** A process gets at least this many test modules: fewer would not repay its start. */
export const MIN_MODULES_PER_SHARD = 4;
/** …and at least this much test code (bytes): a small suite runs faster in one process. */
export const MIN_BYTES_PER_SHARD = 32 * 1024;
/** Folders read at most while listing test modules. */
const MAX_FOLDERS = 5000;

/** A test module and its size, the proxy for how long its tests take. */
export interface TestModule {
  file: string;
  bytes: number;
}

/**
 * The shares of at most `wanted` processes, each a list of absolute test-module paths; undefined when
 * the suite is too small to be worth splitting (see `MIN_MODULES_PER_SHARD`, `MIN_BYTES_PER_SHARD`).
 */
export function splitModules(modules: readonly TestModule[], wanted: number): string[][] | undefined {
  const totalBytes = modules.reduce((sum, module) => sum + module.bytes, 0);
  const count = Math.min(Math.floor(wanted), Math.floor(modules.length / MIN_MODULES_PER_SHARD), Math.floor(totalBytes / MIN_BYTES_PER_SHARD));
  if (!(count >= 2)) return undefined;
  // Largest first, each to the lightest share so far (longest-processing-time first); ties by path, so
  // the same suite always splits the same way.
  const ordered = [...modules].sort((a, b) => b.bytes - a.bytes || a.file.localeCompare(b.file));
  const shares = Array.from({ length: count }, () => ({ files: [] as string[], bytes: 0 }));
  for (const module of ordered) {
    let lightest = shares[0]!;
    for (const share of shares) if (share.bytes < lightest.bytes) lightest = share;
    lightest.files.push(module.file);
    lightest.bytes += module.bytes;
  }
  return shares.map((share) => share.files.sort());
}

/**
 * The project's test modules as pytest names them by default (`test_*.py`, `*_test.py`), outside hidden
 * folders and `skipped` ones; symbolic links are not followed. A module found here that pytest would not
 * collect only makes its share lighter; one pytest collects that is not found here (custom
 * `python_files`) runs in the first process.
 */
export async function listTestModules(root: string, skipped: ReadonlySet<string>): Promise<TestModule[]> {
  const modules: TestModule[] = [];
  await someFileBreadthFirst(root, { maxDepth: Infinity, maxFolders: MAX_FOLDERS, skipped }, async (file, entry) => {
    if (!isTestModuleName(entry.name)) return false;
    try {
      modules.push({ file, bytes: (await fs.stat(file)).size });
    } catch {
      // Gone or unreadable: pytest will say so if it matters.
    }
    return false;
  });
  return modules;
}

/**
 * What each process is told (`REVISE_SHARD`): the first leaves the others' modules alone and runs
 * everything else; each other runs only its own.
 */
export function shardFilters(shares: readonly string[][]): Array<{ skip: string[] } | { keep: string[] }> {
  return shares.map((files, index) => (index === 0 ? { skip: shares.slice(1).flat() } : { keep: files }));
}
