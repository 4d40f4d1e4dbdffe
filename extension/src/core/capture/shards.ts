/**
 * A whole-suite test run split over processes that run side by side (pytest: `python/shards.ts`;
 * node:test: `--test-shard`), read back as one run.
 */
import type { ProcessResult } from '../ports';

/**
 * One process result for the processes of a split run, read as if one run had run them all: the
 * first that did not finish (killed, interrupted, internal or usage error) speaks for the run; else 1 when
 * any test failed, 0 when all passed, and 5 (pytest: no tests) only when no process collected anything.
 */
export function combineShardResults(results: readonly ProcessResult[]): ProcessResult {
  const codes = results.map((result) => result.exitCode);
  const unfinished = results.find((result) => result.exitCode === null || ![0, 1, 5].includes(result.exitCode));
  const exitCode = unfinished ? unfinished.exitCode : codes.includes(1) ? 1 : codes.includes(0) ? 0 : 5;
  const spawnError = results.find((result) => result.spawnError !== undefined)?.spawnError;
  return {
    exitCode,
    stdout: results.map((result) => result.stdout).filter(Boolean).join('\n'),
    stderr: results.map((result) => result.stderr).filter(Boolean).join('\n'),
    durationMs: Math.max(...results.map((result) => result.durationMs)),
    timedOut: results.some((result) => result.timedOut),
    cancelled: results.some((result) => result.cancelled),
    ...(spawnError !== undefined ? { spawnError } : {}),
  };
}
