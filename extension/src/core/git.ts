import * as path from 'node:path';
import type { ProcessRunner } from './ports';

/**
 * Lines of the working tree that differ from git HEAD, keyed by absolute path (1-based lines of the
 * current file). Returns an empty map outside a git repository or when git is missing: this is
 * evidence, never a reason to fail.
 */
export async function changedLinesSinceHead(root: string, runner: ProcessRunner, signal?: AbortSignal): Promise<Record<string, number[]>> {
  const top = await runner.run('git', ['rev-parse', '--show-toplevel'], { cwd: root, timeoutMs: 5000, signal });
  if (top.exitCode !== 0) return {};
  const topLevel = top.stdout.trim();
  const diff = await runner.run('git', ['diff', 'HEAD', '--unified=0', '--no-color', '--no-ext-diff', '--', '.'], {
    cwd: root,
    timeoutMs: 10000,
    signal,
  });
  if (diff.exitCode !== 0) return {};
  return parseUnifiedZeroDiff(diff.stdout, topLevel);
}

/**
 * The files among `files` (absolute) that git ignores and does not track: build output such as `dist/`,
 * which a build step writes again. Empty outside a git repository or when git is missing.
 */
export async function ignoredByGit(root: string, files: readonly string[], runner: ProcessRunner, signal?: AbortSignal): Promise<Set<string>> {
  const inside = [...new Set(files)].filter((file) => {
    const relative = path.relative(root, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  });
  if (inside.length === 0) return new Set();
  // `.` first: a project folder that git ignores as a whole (a scratch copy inside another repository) has
  // no build output to tell apart from its sources.
  const result = await runner.run('git', ['check-ignore', '--', '.', ...inside.map((file) => path.relative(root, file))], { cwd: root, timeoutMs: 5000, signal });
  // 0: some are ignored; 1: none; anything else: not a repository, or no git.
  if (result.exitCode !== 0) return new Set();
  const ignored = result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (ignored.includes('.')) return new Set();
  return new Set(ignored.map((line) => path.resolve(root, line)));
}

/** Parses `git diff --unified=0` output into added/changed line numbers of the new side. */
export function parseUnifiedZeroDiff(diff: string, topLevel: string): Record<string, number[]> {
  const changed: Record<string, number[]> = {};
  let current: string | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4).trim();
      current = target === '/dev/null' ? undefined : path.join(topLevel, target.replace(/^b\//, ''));
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && current) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      // A pure deletion (count 0) changes the line after it: the code that is now missing belonged there.
      const lines = count === 0 ? [Math.max(1, start)] : Array.from({ length: count }, (_, index) => start + index);
      (changed[current] ??= []).push(...lines);
    }
  }
  for (const file of Object.keys(changed)) changed[file] = [...new Set(changed[file])].sort((a, b) => a - b);
  return changed;
}

