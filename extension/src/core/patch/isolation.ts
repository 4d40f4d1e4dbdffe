/**
 * Isolated copies of a project for validating candidate patches: the user's tree is only read. Heavy
 * read-only folders (node_modules, virtual environments) are linked instead of copied, caches and VCS
 * folders are left out, and every copy is removed when its owner is done, when the process exits, or by
 * a later run when the process that made it died.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { throwIfCancelled } from '../errors';
import { TEMP_PREFIX, removeStaleTempDirs, tempPrefix } from '../tempfiles';
import type { IsolationLimits } from './types';

/** Default limits: enough for real projects, small enough that copying stays a fraction of a test run. */
export const DEFAULT_ISOLATION_LIMITS: IsolationLimits = { maxFiles: 20_000, maxBytes: 200 * 1024 * 1024 };

/** Prefix of every copy this module makes in `os.tmpdir()` (all Revise temporary folders share `TEMP_PREFIX`). */
export const COPY_PREFIX = `${TEMP_PREFIX}patch-`;
const OWNER_FILE = 'owner.json';

/** Folders never copied: version control, caches, coverage output (tests recreate what they need). */
const SKIPPED_NAMES = new Set(['.git', '.hg', '.svn', '__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.nyc_output', '.coverage']);
/** Folders linked instead of copied: installed dependencies that tests read but do not change. */
const LINKED_NAMES = new Set(['node_modules', 'bower_components', '.venv', 'venv', '.tox', '.nox', '.yarn']);

/** What to recreate in each copy. Paths are relative to the project root, with the platform separator. */
export interface CopyPlan {
  root: string;
  directories: string[];
  files: string[];
  /** Symbolic links found in the tree, recreated as links (`target` as it should be written). */
  symlinks: { path: string; target: string }[];
  /** Heavy folders linked to the original (absolute `target`). */
  linkedDirectories: { path: string; target: string }[];
  /** Symbolic links left out of the copies because they lead back into their own folder (loops). */
  skippedLoops: { path: string; target: string }[];
  fileCount: number;
  byteCount: number;
}

/** Why a tree will not be copied. */
export interface CopyRefusal {
  refused: string;
}

/** Walks the project once and decides what each copy holds; refuses trees beyond `limits`. */
export async function planCopy(root: string, limits: IsolationLimits, signal?: AbortSignal): Promise<CopyPlan | CopyRefusal> {
  const plan: CopyPlan = { root, directories: [], files: [], symlinks: [], linkedDirectories: [], skippedLoops: [], fileCount: 0, byteCount: 0 };
  const pending: string[] = [''];
  while (pending.length > 0) {
    throwIfCancelled(signal);
    const relative = pending.pop() as string;
    const absolute = path.join(root, relative);
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(absolute, { withFileTypes: true });
    } catch {
      continue; // unreadable folders are left out; tests that need them fail validation, not the check
    }
    for (const entry of entries) {
      const childRelative = path.join(relative, entry.name);
      const childAbsolute = path.join(root, childRelative);
      if (SKIPPED_NAMES.has(entry.name)) continue;
      if (entry.isSymbolicLink()) {
        const target = await linkTarget(root, childAbsolute);
        // A loop is not recreated: the runners that follow links would walk it without end in the copy.
        if (target !== undefined && (await isLoop(childAbsolute))) plan.skippedLoops.push({ path: childRelative, target });
        else if (target !== undefined) plan.symlinks.push({ path: childRelative, target });
      } else if (entry.isDirectory()) {
        if (LINKED_NAMES.has(entry.name) || fs.existsSync(path.join(childAbsolute, 'pyvenv.cfg'))) {
          plan.linkedDirectories.push({ path: childRelative, target: childAbsolute });
        } else {
          plan.directories.push(childRelative);
          pending.push(childRelative);
        }
      } else if (entry.isFile()) {
        let size = 0;
        try {
          size = (await fsp.stat(childAbsolute)).size;
        } catch {
          continue;
        }
        plan.files.push(childRelative);
        plan.fileCount++;
        plan.byteCount += size;
        if (plan.fileCount > limits.maxFiles) {
          return { refused: `The project has more than ${limits.maxFiles} files (not counting installed dependencies), too many to copy for validating patches.` };
        }
        if (plan.byteCount > limits.maxBytes) {
          return { refused: `The project holds more than ${Math.round(limits.maxBytes / (1024 * 1024))} MB (not counting installed dependencies), too much to copy for validating patches.` };
        }
      }
    }
  }
  plan.directories.sort((a, b) => a.length - b.length);
  return plan;
}

/** Whether a symbolic link leads to itself or to a folder that holds it (never followed further). */
async function isLoop(link: string): Promise<boolean> {
  try {
    const resolved = await fsp.realpath(link);
    const folder = await fsp.realpath(path.dirname(link));
    return folder === resolved || folder.startsWith(resolved + path.sep);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

/** How a symbolic link is written in a copy: relative links inside the tree stay relative, the rest become absolute. */
async function linkTarget(root: string, link: string): Promise<string | undefined> {
  try {
    const target = await fsp.readlink(link);
    const resolved = path.resolve(path.dirname(link), target);
    const inside = resolved === root || resolved.startsWith(root + path.sep);
    return !path.isAbsolute(target) && inside ? target : resolved;
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------------------------------------
// Leftover removal. Process-wide by nature: an exit hook cannot belong to one search.

const liveContainers = new Set<string>();
let exitHookInstalled = false;

function removeLiveContainersNow(): void {
  for (const container of liveContainers) {
    try {
      fs.rmSync(container, { recursive: true, force: true });
    } catch {
      /* best effort at exit */
    }
  }
  liveContainers.clear();
}

function track(container: string): void {
  liveContainers.add(container);
  if (!exitHookInstalled) {
    process.on('exit', removeLiveContainersNow);
    exitHookInstalled = true;
  }
}

function untrack(container: string): void {
  liveContainers.delete(container);
  if (liveContainers.size === 0 && exitHookInstalled) {
    process.removeListener('exit', removeLiveContainersNow);
    exitHookInstalled = false;
  }
}

/** Temporary folders made by this process and not yet removed (for tests and diagnostics). */
export function liveCopyContainers(): string[] {
  return [...liveContainers];
}

/**
 * Removes copies and other temporary folders left behind by Revise processes that died without cleaning
 * up (killed, crashed). Folders of live processes, including other windows' checks, are left alone.
 */
export function removeStaleCopies(temporaryDirectory = os.tmpdir()): Promise<number> {
  return removeStaleTempDirs(temporaryDirectory, liveContainers);
}

// -------------------------------------------------------------------------------------------------

/** Seconds handed out as modification times, strictly increasing across all copies of this process. */
let lastStamp = 0;

/**
 * A distinct modification time for each write. Python's bytecode cache trusts (mtime in whole
 * seconds, size); two same-size candidates written within one second would otherwise run stale code.
 */
function nextStamp(): number {
  lastStamp = Math.max(lastStamp + 1, Math.floor(Date.now() / 1000) + 2);
  return lastStamp;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/** One isolated copy of the project, reused across candidates by one validation worker. */
export class WorkspaceCopy {
  private readonly originals = new Map<string, string>();

  private constructor(
    /** The temporary folder holding the copy and its owner file. */
    readonly container: string,
    /** Absolute root of the copy (same folder name as the original root). */
    readonly root: string,
  ) {}

  /** Makes a copy following `plan`; removes what it made if anything fails or the signal aborts. */
  static async create(plan: CopyPlan, signal?: AbortSignal, temporaryDirectory = os.tmpdir()): Promise<WorkspaceCopy> {
    const container = await fsp.mkdtemp(path.join(temporaryDirectory, tempPrefix('patch')));
    track(container);
    const copy = new WorkspaceCopy(container, path.join(container, path.basename(plan.root) || 'project'));
    try {
      await fsp.writeFile(path.join(container, OWNER_FILE), JSON.stringify({ pid: process.pid, root: plan.root, created: new Date().toISOString() }));
      await fsp.mkdir(copy.root);
      for (const directory of plan.directories) await fsp.mkdir(path.join(copy.root, directory), { recursive: true });
      throwIfCancelled(signal);
      await forEachLimited(plan.files, 16, async (file) => {
        throwIfCancelled(signal);
        // Copy-on-write where the file system supports it, a plain copy elsewhere.
        const target = path.join(copy.root, file);
        await fsp.copyFile(path.join(plan.root, file), target, fs.constants.COPYFILE_FICLONE);
        // A read-only source (mode 0444) stays read-only in the copy; candidates must be able to write it.
        const { mode } = await fsp.stat(target);
        if ((mode & 0o200) === 0) await fsp.chmod(target, mode | 0o200);
      });
      for (const link of plan.symlinks) await fsp.symlink(link.target, path.join(copy.root, link.path)).catch(() => undefined);
      for (const linked of plan.linkedDirectories) {
        await fsp.symlink(linked.target, path.join(copy.root, linked.path), process.platform === 'win32' ? 'junction' : 'dir');
      }
      throwIfCancelled(signal);
      return copy;
    } catch (error) {
      await copy.dispose();
      throw error;
    }
  }

  /** Absolute path in the copy of a path relative to the project root; refuses paths that leave it. */
  resolve(relativePath: string): string {
    const target = path.resolve(this.root, relativePath);
    if (!target.startsWith(this.root + path.sep)) throw new Error(`${relativePath} is outside the project`);
    return target;
  }

  /** Writes `text` to a project file in the copy, remembering the copy's original content for `restore`. */
  async write(relativePath: string, text: string): Promise<void> {
    const target = this.resolve(relativePath);
    // A path through a linked folder or a symbolic link would write into the user's tree.
    const [realRoot, realParent, stat] = await Promise.all([fsp.realpath(this.root), fsp.realpath(path.dirname(target)), fsp.lstat(target)]);
    if (!stat.isFile() || !(realParent === realRoot || realParent.startsWith(realRoot + path.sep))) {
      throw new Error(`${relativePath} is not a regular file of the copied project`);
    }
    if (!this.originals.has(relativePath)) this.originals.set(relativePath, await fsp.readFile(target, 'utf8'));
    await fsp.writeFile(target, text);
    const stamp = nextStamp();
    await fsp.utimes(target, stamp, stamp);
  }

  /** Puts a file written by `write` back to its original content. */
  async restore(relativePath: string): Promise<void> {
    const original = this.originals.get(relativePath);
    if (original === undefined) return;
    const target = this.resolve(relativePath);
    await fsp.writeFile(target, original);
    const stamp = nextStamp();
    await fsp.utimes(target, stamp, stamp);
  }

  /** Removes the copy (links are removed, never followed). */
  async dispose(): Promise<void> {
    try {
      await fsp.rm(this.container, { recursive: true, force: true, maxRetries: 3 });
    } finally {
      untrack(this.container);
    }
  }
}
