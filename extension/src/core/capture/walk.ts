import type { Dirent } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Bounds and filters of a breadth-first walk over a project's folders. */
export interface WalkOptions {
  /** Levels below the root that are read (0: the root only). */
  maxDepth: number;
  /** Folders read at most; the walk gives up (returns false) past this. */
  maxFolders: number;
  /** Folder names never entered (hidden folders are never entered either). */
  skipped: ReadonlySet<string>;
  /** Whether to enter a folder that passed the name filters (e.g. not a virtual environment). */
  enter?(folder: string): Promise<boolean>;
}

/**
 * Breadth-first search, nearest folders first, for a file that `matches`; resolves true at the first one.
 * Unreadable folders are passed over.
 */
export async function someFileBreadthFirst(root: string, options: WalkOptions, matches: (file: string, entry: Dirent) => boolean | Promise<boolean>): Promise<boolean> {
  let level = [root];
  let foldersRead = 0;
  for (let depth = 0; depth <= options.maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const folder of level) {
      if (++foldersRead > options.maxFolders) return false;
      let entries: Dirent[];
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (!entry.name.startsWith('.') && !options.skipped.has(entry.name)) next.push(full);
        } else if (entry.isFile() && (await matches(full, entry))) {
          return true;
        }
      }
    }
    level = [];
    for (const folder of next) {
      if (!options.enter || (await options.enter(folder))) level.push(folder);
    }
  }
  return false;
}

/** A symbolic link that leads back into its own folder or above it, or to itself. */
export interface SymlinkLoop {
  /** Path of the link relative to the root, with forward slashes. */
  link: string;
  /** Where it points, as written in the link. */
  target: string;
}

/**
 * Finds symbolic links in the project that make a loop (a link to a folder that holds it, or a link to
 * itself): tools that follow links (pytest's collection, recursive globs) would walk them until the path
 * is too long, multiplying every test many times over. Hidden and `skipped` folders are not searched, links
 * are never followed, and at most `maxFolders` folders are read.
 */
export async function findSymlinkLoops(root: string, options: { skipped: ReadonlySet<string>; maxFolders?: number }): Promise<SymlinkLoop[]> {
  const loops: SymlinkLoop[] = [];
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch {
    return loops;
  }
  const pending = [''];
  let foldersRead = 0;
  while (pending.length > 0 && foldersRead++ < (options.maxFolders ?? 5000)) {
    const relative = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(realRoot, relative), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const childRelative = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !options.skipped.has(entry.name)) pending.push(childRelative);
        continue;
      }
      if (!entry.isSymbolicLink()) continue;
      const link = path.join(realRoot, childRelative);
      let target = '';
      try {
        target = await fs.readlink(link);
        const resolved = await fs.realpath(link);
        const folder = path.dirname(link);
        const isAncestor = folder === resolved || folder.startsWith(resolved + path.sep);
        if (!isAncestor) continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOOP') continue; // dangling or unreadable: not a loop
      }
      loops.push({ link: childRelative.split(path.sep).join('/'), target });
    }
  }
  return loops;
}

/** How a report names a symbolic link loop that was skipped. */
export function symlinkLoopMessage(loop: SymlinkLoop): string {
  return `Skipped ${loop.link}: it is a symbolic link loop (it points to ${loop.target || 'itself'} and leads back to itself), which would repeat the tests below it without end.`;
}

/** Node 20's rule for a test file found by `node --test` without file arguments (outside a `test` folder). */
const NODE_TEST_FILE = /^(?:test(?:-.+)?|.+[.\-_]test)\.[cm]?js$/;
const NODE_SCRIPT = /\.[cm]?js$/;

/**
 * The files `node --test` (Node 20, no file arguments) would run from `root`, found the way it finds them
 * (every folder but node_modules, all scripts below a `test` folder, `test*.js` and `*[.-_]test.js`
 * elsewhere, links followed) except that the `loops` (relative link paths) are not entered and no folder
 * is entered twice. Relative paths with forward slashes, sorted; at most `maxFolders` folders are read.
 */
export async function nodeTestFiles(root: string, loops: readonly string[], maxFolders = 5000): Promise<string[]> {
  const skipped = new Set(loops.map((loop) => loop.split('/').join(path.sep)));
  const files: string[] = [];
  const seen = new Set<string>();
  const pending: Array<{ relative: string; underTest: boolean }> = [{ relative: '', underTest: false }];
  let foldersRead = 0;
  while (pending.length > 0 && foldersRead++ < maxFolders) {
    const { relative, underTest } = pending.pop()!;
    let names: string[];
    try {
      const real = await fs.realpath(path.join(root, relative));
      if (seen.has(real)) continue;
      seen.add(real);
      names = await fs.readdir(path.join(root, relative));
    } catch {
      continue;
    }
    for (const name of names) {
      const childRelative = path.join(relative, name);
      if (skipped.has(childRelative)) continue;
      let stats;
      try {
        stats = await fs.stat(path.join(root, childRelative));
      } catch {
        continue; // dangling, unreadable or a loop Node would trip over: Revise leaves it out
      }
      if (stats.isDirectory()) {
        if (name !== 'node_modules') pending.push({ relative: childRelative, underTest: underTest || name === 'test' });
      } else if (stats.isFile() && ((underTest && NODE_SCRIPT.test(name)) || NODE_TEST_FILE.test(name))) {
        files.push(childRelative.split(path.sep).join('/'));
      }
    }
  }
  return files.sort();
}
