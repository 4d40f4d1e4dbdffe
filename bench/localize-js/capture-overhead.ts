/**
 * Capture overhead for JavaScript: a generated suite of N tests (default 320) over a small module with
 * branches, run plainly (the framework's own command and reporter) and through `captureJavaScript` with
 * per-test coverage, for node:test, Vitest and Jest. Reports the median wall time of each and the ratio.
 * Vitest and Jest come from the installed fixtures (test/fixtures/js/*), linked into the generated
 * projects. Writes bench/results/capture-js-overhead.{json,md}.
 *
 * Usage: node out/bench/localize-js/capture-overhead.js [--tests 320] [--repeats 3] [--frameworks node:test,vitest,jest]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureJavaScript } from '../../extension/src/core/capture/javascript/index';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { parseArguments, repoRoot, resultsRoot, withTempDir } from '../localize/common';

export type Kind = 'node:test' | 'vitest' | 'jest';

const SOURCE = `
function classify(value) {
  if (value < 0) {
    return 'negative';
  }
  if (value === 0) {
    return 'zero';
  }
  let digits = 0;
  for (let rest = value; rest >= 1; rest = Math.floor(rest / 10)) {
    digits += 1;
  }
  return digits > 2 ? 'large' : 'small';
}

function total(values) {
  let sum = 0;
  for (const value of values) {
    sum += value;
  }
  return sum;
}

module.exports = { classify, total };
`;

function expected(value: number): string {
  if (value < 0) return 'negative';
  if (value === 0) return 'zero';
  return String(value).length > 2 ? 'large' : 'small';
}

/** Test files (10 per suite) with `count` tests in all, in the framework's style. */
function testFiles(kind: Kind, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  const perFile = Math.ceil(count / 10);
  for (let file = 0; file < 10; file++) {
    const lines: string[] = [];
    if (kind === 'node:test') lines.push("const { test } = require('node:test');", "const assert = require('node:assert/strict');");
    if (kind === 'vitest') lines.push("import { test, expect } from 'vitest';", "import { classify, total } from '../src/classify.mjs';");
    else lines.push("const { classify, total } = require('../src/classify.cjs');");
    for (let index = 0; index < perFile && file * perFile + index < count; index++) {
      const value = ((file * perFile + index) * 37) % 2000 - 500;
      const check = index % 5 === 0 ? `total([${value}, 1, 2])` : `classify(${value})`;
      const want = index % 5 === 0 ? String(value + 3) : JSON.stringify(expected(value));
      const assertion = kind === 'node:test' ? `assert.equal(${check}, ${want});` : `expect(${check}).toBe(${want});`;
      lines.push(`test('case ${file}-${index}', () => {`, `  ${assertion}`, '});');
    }
    files[`test/suite-${file}.test.${kind === 'vitest' ? 'mjs' : 'js'}`] = `${lines.join('\n')}\n`;
  }
  return files;
}

/** Writes the generated project for one framework into `dir`. */
export function writeProject(dir: string, kind: Kind, count: number): void {
  const scripts: Record<Kind, string> = { 'node:test': 'node --test', vitest: 'vitest run', jest: 'jest' };
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: `overhead-${kind.replace(':', '-')}`, private: true, scripts: { test: scripts[kind] } }),
    ...(kind === 'vitest'
      ? { 'src/classify.mjs': SOURCE.replace('module.exports = { classify, total };', 'export { classify, total };') }
      : { 'src/classify.cjs': SOURCE }),
    ...testFiles(kind, count),
  };
  if (kind === 'jest') files['jest.config.json'] = JSON.stringify({ testMatch: ['**/test/**/*.test.js'], moduleFileExtensions: ['js', 'cjs', 'json'] });
  if (kind === 'vitest') files['vitest.config.mjs'] = "export default { test: { include: ['test/**/*.test.mjs'] } };\n";
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  if (kind !== 'node:test') fs.symlinkSync(path.join(repoRoot, 'test', 'fixtures', 'js', kind, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

/**
 * CPU seconds (user + system) of this process and its finished children, from /proc (Linux), so that
 * the ratio means something on a machine shared with other work; undefined elsewhere.
 */
function cpuMs(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After the command name: utime, stime, cutime, cstime are fields 12–15 (0-based), in clock ticks.
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return (ticks * 1000) / 100;
  } catch {
    return undefined;
  }
}

interface Timing {
  wallMs: number;
  cpuMs?: number;
}

function since(started: bigint, cpuBefore: number | undefined): Timing {
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuAfter = cpuMs();
  return cpuBefore !== undefined && cpuAfter !== undefined ? { wallMs, cpuMs: cpuAfter - cpuBefore } : { wallMs };
}

function plainRun(dir: string, kind: Kind): Timing {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', CI: 'true' };
  delete env.NODE_TEST_CONTEXT;
  const bin = path.join(dir, 'node_modules', '.bin');
  const [program, args]: [string, string[]] = kind === 'node:test' ? ['node', ['--test']] : kind === 'vitest' ? [path.join(bin, 'vitest'), ['run']] : [path.join(bin, 'jest'), []];
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  const result = spawnSync(program, args, { cwd: dir, env, encoding: 'utf8' });
  const timing = since(started, cpuBefore);
  if (result.status !== 0) throw new Error(`${kind} plain run failed (${result.status}): ${result.stderr.slice(-500)}`);
  return timing;
}

async function capturedRun(dir: string, count: number): Promise<Timing> {
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  const run = await captureJavaScript({
    root: dir,
    runner: new NodeProcessRunner(),
    logger: silentLogger,
    assets: { grammarsDir: path.join(repoRoot, 'grammars'), pythonDir: path.join(repoRoot, 'extension', 'python') },
    perTestTimeoutMs: 30_000,
    totalTimeoutMs: 600_000,
  });
  const timing = since(started, cpuBefore);
  const covered = run.tests.filter((test) => Object.keys(test.coveredLines ?? {}).length > 0).length;
  if (run.tests.length !== count || covered !== count || run.tests.some((test) => test.outcome !== 'passed')) {
    throw new Error(`captured ${run.tests.length}/${count} tests, ${covered} with coverage; problems: ${JSON.stringify(run.problems)}`);
  }
  return timing;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Row {
  framework: Kind;
  tests: number;
  plainWallMs: number;
  capturedWallMs: number;
  wallRatio: number;
  plainCpuMs?: number;
  capturedCpuMs?: number;
  cpuRatio?: number;
  plainRuns: Timing[];
  capturedRuns: Timing[];
}

function summarize(kind: Kind, count: number, plainRuns: Timing[], capturedRuns: Timing[]): Row {
  const round2 = (value: number) => Math.round(value * 100) / 100;
  const plainWallMs = median(plainRuns.map((run) => run.wallMs));
  const capturedWallMs = median(capturedRuns.map((run) => run.wallMs));
  const row: Row = { framework: kind, tests: count, plainWallMs: Math.round(plainWallMs), capturedWallMs: Math.round(capturedWallMs), wallRatio: round2(capturedWallMs / plainWallMs), plainRuns, capturedRuns };
  const plainCpu = plainRuns.map((run) => run.cpuMs).filter((value): value is number => value !== undefined);
  const capturedCpu = capturedRuns.map((run) => run.cpuMs).filter((value): value is number => value !== undefined);
  if (plainCpu.length === plainRuns.length && capturedCpu.length === capturedRuns.length) {
    row.plainCpuMs = Math.round(median(plainCpu));
    row.capturedCpuMs = Math.round(median(capturedCpu));
    row.cpuRatio = round2(row.capturedCpuMs / row.plainCpuMs);
  }
  return row;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const count = Number(options.get('tests') ?? '320');
  const repeats = Number(options.get('repeats') ?? '3');
  const kinds = (options.get('frameworks') ?? 'node:test,vitest,jest').split(',') as Kind[];
  const rows: Row[] = [];
  for (const kind of kinds) {
    await withTempDir('revise-overhead-', async (dir) => {
      writeProject(dir, kind, count);
      plainRun(dir, kind); // warm caches (file system, Jest's transform cache) for both sides alike
      const plainRuns: Timing[] = [];
      const capturedRuns: Timing[] = [];
      for (let repeat = 0; repeat < repeats; repeat++) {
        plainRuns.push(plainRun(dir, kind));
        capturedRuns.push(await capturedRun(dir, count));
      }
      const row = summarize(kind, count, plainRuns, capturedRuns);
      rows.push(row);
      console.log(`${kind}: wall ${row.plainWallMs} → ${row.capturedWallMs} ms (×${row.wallRatio}); CPU ${row.plainCpuMs ?? '?'} → ${row.capturedCpuMs ?? '?'} ms (×${row.cpuRatio ?? '?'})`);
    });
  }
  const results = { benchmark: 'JavaScript capture overhead (per-test V8 coverage) against the plain test run', date: new Date().toISOString(), node: process.version, repeats, loadAverage: os.loadavg(), cores: os.cpus().length, rows };
  fs.mkdirSync(resultsRoot, { recursive: true });
  fs.writeFileSync(path.join(resultsRoot, 'capture-js-overhead.json'), `${JSON.stringify(results, null, 2)}\n`);
  const lines = [
    '# JavaScript capture overhead',
    '',
    `Generated by \`bench/localize-js/capture-overhead.ts\` on ${results.date.slice(0, 10)} (Node ${process.version}); median of ${repeats} runs each.` +
      ' Plain: the framework\'s own command and reporter. Captured: `captureJavaScript` with per-test V8 coverage, stack frames and source-map work, end to end.',
    '',
    '| Framework | tests | plain wall | captured wall | wall ratio | plain CPU | captured CPU | CPU ratio |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.framework} | ${row.tests} | ${row.plainWallMs} ms | ${row.capturedWallMs} ms | ×${row.wallRatio.toFixed(2)} | ${row.plainCpuMs ?? '–'} ms | ${row.capturedCpuMs ?? '–'} ms | ${row.cpuRatio === undefined ? '–' : `×${row.cpuRatio.toFixed(2)}`} |`,
    ),
    '',
    `Load average while measuring: ${os.loadavg().map((value) => value.toFixed(1)).join(', ')} on ${os.cpus().length} cores (CPU time, user + system of Revise and every test process, is the fairer ratio on a shared machine).`,
    '',
  ];
  fs.writeFileSync(path.join(resultsRoot, 'capture-js-overhead.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
