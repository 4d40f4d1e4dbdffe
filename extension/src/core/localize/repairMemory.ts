/**
 * Repair evidence remembered between checks of the same code. Check and Fix learns from its candidates
 * which lines a one-token change fixes; a later Check (Localize Only) of the very same code and test
 * results reuses that evidence instead of ranking from the spectrum alone, so the two commands blame the
 * same line. Any change to a test outcome, a test file or a file the tests ran discards it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { RepairOutcome, TestRun } from '../types';

/** Folders remembered at once; the oldest is dropped first. */
const MAX_FOLDERS = 8;

interface Remembered {
  key: string;
  outcomes: RepairOutcome[];
}

/** What this process remembers, per project folder (the extension host's or the CLI's lifetime). */
export class RepairMemory {
  private readonly byRoot = new Map<string, Remembered>();

  /** Remembers the outcomes of `run`'s patch search. */
  async remember(root: string, run: TestRun, outcomes: RepairOutcome[]): Promise<void> {
    const key = await fingerprint(run);
    // Deleted first, so that a re-set folder moves to the end (the newest) of the map's order.
    this.byRoot.delete(root);
    if (key === undefined || outcomes.length === 0) return;
    this.byRoot.set(root, { key, outcomes: outcomes.map((outcome) => ({ ...outcome })) });
    while (this.byRoot.size > MAX_FOLDERS) this.byRoot.delete(this.byRoot.keys().next().value!);
  }

  /** The remembered outcomes when `run` has the same results over the same files, else undefined. */
  async recall(root: string, run: TestRun): Promise<RepairOutcome[] | undefined> {
    const remembered = this.byRoot.get(root);
    if (!remembered) return undefined;
    const key = await fingerprint(run);
    if (key !== remembered.key) return undefined;
    return remembered.outcomes.map((outcome) => ({ ...outcome }));
  }
}

/** The memory the pipeline uses. */
export const repairMemory = new RepairMemory();

/**
 * A digest of a run's outcomes and of the text of every file it ran or took tests from; undefined when
 * one of them cannot be read (nothing is then reused).
 */
export async function fingerprint(run: TestRun): Promise<string | undefined> {
  const hash = createHash('sha256');
  hash.update(`${run.framework}\n`);
  const files = new Set<string>();
  for (const test of [...run.tests].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))) {
    hash.update(`${test.id}\t${test.outcome}\n`);
    if (test.file) files.add(test.file);
    for (const file of Object.keys(test.coveredLines ?? {})) files.add(file);
  }
  for (const file of [...files].sort()) {
    try {
      hash.update(`${file}\n`);
      hash.update(await fs.readFile(file));
    } catch {
      return undefined;
    }
  }
  return hash.digest('hex');
}
