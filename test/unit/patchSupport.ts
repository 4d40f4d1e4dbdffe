/**
 * Support for the patch tests: a small real runner for node:test fixtures (JavaScript capture is
 * another stage's work), tree digests, and suspects built by hand.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { LineScore, TestResult, TestRun } from '../../extension/src/core/types';
import type { TestRunRequest } from '../../extension/src/core/patch/index';

const runner = new NodeProcessRunner();

/** Files under `folder` (relative, sorted) whose name ends with `.test.js`. */
function nodeTestFiles(root: string, folder = 'test'): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.test.js')) found.push(child);
    }
  };
  walk(folder);
  return found.sort();
}

function decodeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs node:test files in `request.root` (one process per file, junit reporter) and reports each test
 * as `<file>::<name>`. Honours `testIds` with a name pattern and stops its processes on abort.
 */
export async function runNodeTests(request: TestRunRequest): Promise<TestRun> {
  const started = Date.now();
  const files = nodeTestFiles(request.root);
  const wanted = request.testIds ? new Set(request.testIds) : undefined;
  const tests: TestResult[] = [];
  let complete = true;
  for (const file of files) {
    const names = wanted ? [...wanted].filter((id) => id.startsWith(`${file}::`)).map((id) => id.slice(file.length + 2)) : undefined;
    if (names && names.length === 0) continue;
    const args = ['--test', '--test-reporter=junit'];
    if (names) args.push(`--test-name-pattern=^(${names.map(escapeRegExp).join('|')})$`);
    args.push(file);
    // Under `node --test` the child would otherwise report to this process's runner, not print junit.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const result = await runner.run(process.execPath, args, { cwd: request.root, env, signal: request.signal, timeoutMs: 60_000 });
    if (result.cancelled || result.timedOut) {
      complete = false;
      break;
    }
    for (const match of result.stdout.matchAll(/<testcase name="([^"]*)"([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const name = decodeXml(match[1]);
      const body = match[4] ?? '';
      const outcome = match[2].includes('failure=') || body.includes('<failure') ? 'failed' : body.includes('<skipped') ? 'skipped' : 'passed';
      tests.push({ id: `${file}::${name}`, file: path.join(request.root, file), outcome, durationMs: 0, frames: [] });
    }
  }
  return {
    framework: 'node:test',
    root: request.root,
    command: [process.execPath, '--test'],
    tests,
    problems: [],
    durationMs: Date.now() - started,
    coverageMethod: 'none',
    complete,
    testFiles: files.map((file) => path.join(request.root, file)),
  };
}

/** A digest of every file and folder under `root` (names, kinds, contents) to prove nothing changed. */
export function treeDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        hash.update(`D ${relative}\n`);
        walk(full);
      } else {
        hash.update(`F ${relative}\n`);
        hash.update(readFileSync(full));
      }
    }
  };
  walk(root);
  return hash.digest('hex');
}

/** 1-based line of the first line of `file` containing `text`, so tests do not hard-code numbers. */
export function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} not found in ${file}`);
  return index + 1;
}

/** Suspects as localization would hand them over, best first. */
export function suspects(entries: { file: string; line: number; score: number }[]): LineScore[] {
  return [...entries]
    .sort((a, b) => b.score - a.score)
    .map((entry, index) => ({ file: entry.file, line: entry.line, score: entry.score, rank: index + 1, features: {}, evidence: [] }));
}
