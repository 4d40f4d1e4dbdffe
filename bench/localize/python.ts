/**
 * The Python driver of the localization benchmarks: builds a pytest project per HumanEvalFix task
 * (one test per assert) and captures it with Revise's real pytest capture.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { capturePytest } from '../../extension/src/core/capture/python/index';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { TestRun } from '../../extension/src/core/types';
import { repoRoot, type HumanEvalFixTask, type LanguageDriver } from './common';

/** Debian's interpreter, which has coverage.py (the pyenv `python3` on PATH does not). */
export const PYTHON = '/usr/bin/python3';
/** Python/10, 156 and 160 loop forever when buggy; a few seconds is plenty for the others. */
const PER_TEST_TIMEOUT_MS = 5000;
const TOTAL_TIMEOUT_MS = 180_000;

const splitScript = path.join(repoRoot, 'bench', 'localize', 'split_tests.py');

/** Writes `test_<module>.py` with one pytest test per assert of a HumanEval `check()`. */
export function splitHumanEvalTest(test: string, entryPoint: string, module: string): string {
  const result = spawnSync(PYTHON, [splitScript], { input: JSON.stringify({ test, entry_point: entryPoint, module }), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`split_tests.py failed: ${result.stderr}`);
  return result.stdout;
}

/** Runs the real pytest capture in `dir` with coverage. */
export function capturePythonProject(dir: string, signal?: AbortSignal): Promise<TestRun> {
  return capturePytest({
    root: dir,
    runner: new NodeProcessRunner(),
    logger: silentLogger,
    signal,
    assets: { grammarsDir: path.join(repoRoot, 'grammars'), pythonDir: path.join(repoRoot, 'extension', 'python') },
    pythonPath: PYTHON,
    perTestTimeoutMs: PER_TEST_TIMEOUT_MS,
    totalTimeoutMs: TOTAL_TIMEOUT_MS,
    coverage: true,
  });
}

export const pythonDriver: LanguageDriver = {
  language: 'python',
  async writeTaskProject(task: HumanEvalFixTask, dir: string) {
    const files: Record<string, string> = {
      'solution.py': task.buggySource,
      'test_solution.py': splitHumanEvalTest(task.test, task.entryPoint, 'solution'),
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return { sourceFile: 'solution.py', files };
  },
  capture: capturePythonProject,
};
