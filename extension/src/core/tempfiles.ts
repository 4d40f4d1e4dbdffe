/**
 * Every temporary folder Revise makes is named `revise-tmp-<kind>-<pid>-XXXXXX` in the system's temporary
 * folder: one prefix, so one cleanup finds them all, and the owner's process id in the name, so a later
 * check can remove what a killed Revise (SIGKILL, a crash) left behind without reading anything inside.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** The prefix of every temporary folder Revise makes. */
export const TEMP_PREFIX = 'revise-tmp-';

/** Folders without an owner in their name or an owner file are removed only after this long. */
const UNOWNED_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The name prefix of a temporary folder of `kind` (lowercase letters) owned by `pid`. */
export function tempPrefix(kind: string, pid = process.pid): string {
  return `${TEMP_PREFIX}${kind}-${pid}-`;
}

/** Makes a fresh temporary folder of `kind` owned by this process (in `parent`, default the system's). */
export function makeTempDir(kind: string, parent = os.tmpdir()): Promise<string> {
  return fsp.mkdtemp(path.join(parent, tempPrefix(kind)));
}

/** The owner's process id written into a temporary folder's name, if any. */
export function tempOwner(name: string): number | undefined {
  const match = /^revise-tmp-[a-z]+-(\d+)-/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** True when a process with this id exists (EPERM: it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes Revise's temporary folders whose owner died. The owner comes from the name, else from an
 * `owner.json` holding `{ "pid": n }` inside (older copies), else the folder must be a day old. Folders of
 * this process and of live processes (other windows' checks) are left alone; so are `keep`.
 */
export async function removeStaleTempDirs(temporaryDirectory = os.tmpdir(), keep: ReadonlySet<string> = new Set()): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await fsp.readdir(temporaryDirectory);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const folder = path.join(temporaryDirectory, name);
    if (keep.has(folder)) continue;
    let owner = tempOwner(name);
    if (owner === undefined) {
      try {
        const parsed = JSON.parse(await fsp.readFile(path.join(folder, 'owner.json'), 'utf8')) as { pid?: unknown };
        if (typeof parsed.pid === 'number') owner = parsed.pid;
      } catch {
        /* no owner file */
      }
    }
    if (owner !== undefined) {
      if (owner === process.pid || processIsAlive(owner)) continue;
    } else {
      try {
        const stat = await fsp.stat(folder);
        if (Date.now() - stat.mtimeMs < UNOWNED_MAX_AGE_MS) continue;
      } catch {
        continue;
      }
    }
    await fsp.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}

/** Runs `body` with a fresh temporary folder of `kind`, removed afterwards whatever happens. */
export async function withTempDir<T>(kind: string, body: (folder: string) => Promise<T>): Promise<T> {
  const folder = await makeTempDir(kind);
  try {
    return await body(folder);
  } finally {
    await fsp.rm(folder, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
}
