/**
 * A whole node:test suite split into `--test-shard`s that run side by side (captureJavaScript): the same
 * tests, outcomes and coverage as one `node --test`, each test run once; runs of chosen tests stay whole.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MIN_FILES_PER_NODE_SHARD, captureJavaScript, supportsTestShard } from '../../extension/src/core/capture/javascript/capture';
import type { CaptureOptions } from '../../extension/src/core/capture/types';
import type { Logger } from '../../extension/src/core/ports';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { TestRun } from '../../extension/src/core/types';
import { grammarsDir, repoRoot } from './helpers';

test('--test-shard is used only with a Node that has it (20.5+, 21.5+, 22+)', () => {
  for (const version of ['v20.5.0', 'v20.20.2', 'v21.5.0', 'v22.0.0', 'v24.1.3']) assert.equal(supportsTestShard(version), true, version);
  for (const version of ['v18.19.0', 'v20.4.0', 'v21.4.0', 'v19.9.0', 'garbage', '']) assert.equal(supportsTestShard(version), false, version);
});

const canShard = supportsTestShard(process.version);

describe('a split node:test capture', { skip: canShard ? undefined : `Node ${process.version} has no --test-shard` }, () => {
  let folder = '';
  let marks = '';
  const files = 2 * MIN_FILES_PER_NODE_SHARD;
  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'revise-node-shards-'));
    marks = path.join(folder, 'marks.txt');
    const root = path.join(folder, 'project');
    mkdirSync(path.join(root, 'lib'), { recursive: true });
    mkdirSync(path.join(root, 'test'), { recursive: true });
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'shards', private: true, type: 'module', scripts: { test: 'node --test' } }));
    writeFileSync(path.join(root, 'lib', 'calc.js'), 'export function double(value) {\n  return value * 2;\n}\n\nexport function half(value) {\n  return value / 2;\n}\n');
    for (let index = 0; index < files; index++) {
      writeFileSync(
        path.join(root, 'test', `calc_${index}.test.js`),
        [
          "import { test } from 'node:test';",
          "import assert from 'node:assert/strict';",
          "import { appendFileSync } from 'node:fs';",
          "import { double, half } from '../lib/calc.js';",
          `test('double ${index}', () => { appendFileSync(process.env.REVISE_NODE_SHARD_MARKS, 'double ${index}\\n'); assert.equal(double(${index}), ${2 * index}); });`,
          `test('half ${index}', () => { appendFileSync(process.env.REVISE_NODE_SHARD_MARKS, 'half ${index}\\n'); assert.equal(half(${index}), ${index === 5 ? 99 : index / 2}); });`,
          '',
        ].join('\n'),
      );
    }
    process.env.REVISE_NODE_SHARD_MARKS = marks;
  });
  afterEach(() => {
    delete process.env.REVISE_NODE_SHARD_MARKS;
    rmSync(folder, { recursive: true, force: true });
  });

  const capture = async (overrides: Partial<CaptureOptions>): Promise<{ run: TestRun; log: string[]; ran: string[] }> => {
    const log: string[] = [];
    const logger: Logger = { ...silentLogger, debug: (message: string) => log.push(message) };
    writeFileSync(marks, '');
    const run = await captureJavaScript({
      root: path.join(folder, 'project'),
      runner: new NodeProcessRunner(),
      logger,
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      perTestTimeoutMs: 20_000,
      totalTimeoutMs: 120_000,
      ...overrides,
    });
    return { run, log, ran: readFileSync(marks, 'utf8').split('\n').filter(Boolean).sort() };
  };
  const view = (run: TestRun) =>
    run.tests.map((entry) => ({ id: entry.id, outcome: entry.outcome, lines: entry.coveredLines, failed: entry.message !== undefined })).sort((a, b) => a.id.localeCompare(b.id));

  test('gives the same tests, outcomes and coverage as one process, each test run once', async () => {
    const single = await capture({ parallelRuns: 1 });
    const split = await capture({ parallelRuns: 2 });
    assert.ok(!single.log.some((line) => line.includes('--test-shard')));
    assert.ok(split.log.some((line) => line.includes('split over 2 processes (--test-shard)')), split.log.join('\n'));
    assert.equal(single.ran.length, 2 * files);
    assert.deepEqual(split.ran, single.ran, 'no test ran twice or not at all');
    assert.deepEqual(view(split.run), view(single.run));
    assert.equal(split.run.tests.filter((entry) => entry.outcome === 'failed').length, 1);
    assert.equal(split.run.complete, true);
    assert.deepEqual(split.run.problems, single.run.problems);
    const calc = path.join(folder, 'project', 'lib', 'calc.js');
    assert.ok(split.run.tests.find((entry) => entry.id.endsWith('double 6'))?.coveredLines?.[calc]?.includes(2), 'per-test coverage in a split run');
  });

  test('a run of chosen tests, or with too few files per process, is never split', async () => {
    const chosen = await capture({ parallelRuns: 4, testIds: ['test/calc_1.test.js > half 1'] });
    assert.ok(!chosen.log.some((line) => line.includes('--test-shard')));
    assert.deepEqual(chosen.ran, ['half 1']);
    const many = await capture({ parallelRuns: files });
    assert.ok(many.log.some((line) => line.includes(`split over ${files / MIN_FILES_PER_NODE_SHARD} processes`)), many.log.join('\n'));
    assert.equal(many.ran.length, 2 * files);
  });
});
