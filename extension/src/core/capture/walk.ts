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
