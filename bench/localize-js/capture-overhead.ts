/**
 * Capture overhead for JavaScript: a generated suite of N tests (default 320) over a small module with
 * branches, run plainly (the framework's own command and reporter) and through `captureJavaScript` with
 * per-test coverage, for node:test, Vitest and Jest. Reports the median wall and CPU time of each and the
 * ratios. With `--before-ref`, the capture as it was at that git commit (its whole tree, taken from the
 * object store with `git archive` into a temporary folder and built there) is measured too, interleaved
 * with the others so that before and after see the same load.
 * Vitest and Jest come from the installed fixtures (test/fixtures/js/*), linked into the generated
 * projects. Writes bench/results/capture-js-overhead.{json,md}.
 *
 * Usage: node out/bench/localize-js/capture-overhead.js [--tests 320] [--repeats 3] [--frameworks node:test,vitest,jest]
 *          [--before-ref <git commit>] [--target 1.6] [--note "text for the report"]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureJavaScript } from '../../extension/src/core/capture/javascript/index';
import { silentLogger, type ProcessRunner } from '../../extension/src/core/ports';
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

/** A capture implementation: this checkout's, or an earlier build's (`--before-ref`). */
interface Capturer {
  capture: typeof captureJavaScript;
  runner: () => ProcessRunner;
  /** The checkout whose grammars and runtime helpers it uses. */
  tree: string;
}

const current: Capturer = { capture: captureJavaScript, runner: () => new NodeProcessRunner(), tree: repoRoot };

async function capturedRun(dir: string, count: number, capturer: Capturer = current): Promise<Timing> {
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  const run = await capturer.capture({
    root: dir,
    runner: capturer.runner(),
    logger: silentLogger,
    assets: { grammarsDir: path.join(capturer.tree, 'grammars'), pythonDir: path.join(capturer.tree, 'extension', 'python') },
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

/** Medians of one way of running the suite, and their ratios to the plain run. */
interface Measured {
  wallMs: number;
  wallRatio: number;
  cpuMs?: number;
  cpuRatio?: number;
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
  /** The capture with the helpers of `--before-ref`, when asked for. */
  before?: Measured;
  plainRuns: Timing[];
  capturedRuns: Timing[];
  beforeRuns?: Timing[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** CPU medians, when every run has its CPU time. */
function cpuMedian(runs: Timing[]): number | undefined {
  const values = runs.map((run) => run.cpuMs).filter((value): value is number => value !== undefined);
  return values.length === runs.length && values.length > 0 ? Math.round(median(values)) : undefined;
}

/**
 * Medians of a way of running, and its ratios to the plain run: the median of the ratios of runs made
 * in the same repeat (one right after the other), which the load of a shared machine, changing from
 * minute to minute, disturbs less than a ratio of medians.
 */
function measured(runs: Timing[], plainRuns: Timing[]): Measured {
  const wallMs = median(runs.map((run) => run.wallMs));
  const result: Measured = { wallMs: Math.round(wallMs), wallRatio: round2(median(runs.map((run, index) => run.wallMs / plainRuns[index]!.wallMs))) };
  const cpu = cpuMedian(runs);
  if (cpuMedian(plainRuns) !== undefined && cpu !== undefined) {
    result.cpuMs = cpu;
    result.cpuRatio = round2(median(runs.map((run, index) => run.cpuMs! / plainRuns[index]!.cpuMs!)));
  }
  return result;
}

function summarize(kind: Kind, count: number, plainRuns: Timing[], capturedRuns: Timing[], beforeRuns?: Timing[]): Row {
  const after = measured(capturedRuns, plainRuns);
  const row: Row = { framework: kind, tests: count, plainWallMs: Math.round(median(plainRuns.map((run) => run.wallMs))), capturedWallMs: after.wallMs, wallRatio: after.wallRatio, plainRuns, capturedRuns };
  const plainCpu = cpuMedian(plainRuns);
  if (plainCpu !== undefined && after.cpuMs !== undefined) {
    row.plainCpuMs = plainCpu;
    row.capturedCpuMs = after.cpuMs;
    row.cpuRatio = after.cpuRatio;
  }
  if (beforeRuns) {
    row.before = measured(beforeRuns, plainRuns);
    row.beforeRuns = beforeRuns;
  }
  return row;
}

/**
 * Builds the checkout of an earlier commit, for the "before" column: `git archive` of the commit (the
 * working tree and the index are left alone) into `dir`, this checkout's node_modules linked in, and
 * the tests' build (esbuild) run there. Returns the full commit id and its capture implementation.
 */
function buildBefore(ref: string, dir: string): { commit: string; capturer: Capturer } {
  const run = (program: string, args: string[], cwd: string) => {
    const result = spawnSync(program, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  const commit = run('git', ['rev-parse', '--verify', `${ref}^{commit}`], repoRoot).trim();
  const archive = path.join(dir, 'tree.tar');
  run('git', ['archive', '--format=tar', `--output=${archive}`, commit], repoRoot);
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(tree);
  run('tar', ['-xf', archive, '-C', tree], dir);
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
  run(process.execPath, ['esbuild.js', '--tests'], tree);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const capture = require(path.join(tree, 'out', 'extension', 'src', 'core', 'capture', 'javascript', 'index.js')) as { captureJavaScript: typeof captureJavaScript };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const processModule = require(path.join(tree, 'out', 'extension', 'src', 'core', 'process.js')) as { NodeProcessRunner: new () => ProcessRunner };
  return { commit, capturer: { capture: capture.captureJavaScript, runner: () => new processModule.NodeProcessRunner(), tree } };
}

function ratioCell(value: number | undefined): string {
  return value === undefined ? '–' : `×${value.toFixed(2)}`;
}

function msCell(value: number | undefined): string {
  return value === undefined ? '–' : `${value} ms`;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const count = Number(options.get('tests') ?? '320');
  const repeats = Number(options.get('repeats') ?? '3');
  const kinds = (options.get('frameworks') ?? 'node:test,vitest,jest').split(',') as Kind[];
  const beforeRef = options.get('before-ref');
  const note = options.get('note');
  const target = Number(options.get('target') ?? '1.6');
  const loadAtStart = os.loadavg();
  const rows: Row[] = [];
  let beforeCommit: string | undefined;
  await withTempDir('revise-overhead-before-', async (beforeDir) => {
    let before: Capturer | undefined;
    if (beforeRef) ({ commit: beforeCommit, capturer: before } = buildBefore(beforeRef, beforeDir));
    for (const kind of kinds) {
      await withTempDir('revise-overhead-', async (dir) => {
        writeProject(dir, kind, count);
        plainRun(dir, kind); // warm caches (file system, Jest's transform cache) for both sides alike
        const plainRuns: Timing[] = [];
        const capturedRuns: Timing[] = [];
        const beforeRuns: Timing[] = [];
        for (let repeat = 0; repeat < repeats; repeat++) {
          plainRuns.push(plainRun(dir, kind));
          // Before and after take turns going first, so that neither always runs right after the plain run.
          if (before && repeat % 2 === 0) beforeRuns.push(await capturedRun(dir, count, before));
          capturedRuns.push(await capturedRun(dir, count));
          if (before && repeat % 2 === 1) beforeRuns.push(await capturedRun(dir, count, before));
        }
        const row = summarize(kind, count, plainRuns, capturedRuns, before ? beforeRuns : undefined);
        rows.push(row);
        const earlier = row.before ? `; before: wall ×${row.before.wallRatio}, CPU ×${row.before.cpuRatio ?? '?'}` : '';
        console.log(`${kind}: wall ${row.plainWallMs} → ${row.capturedWallMs} ms (×${row.wallRatio}); CPU ${row.plainCpuMs ?? '?'} → ${row.capturedCpuMs ?? '?'} ms (×${row.cpuRatio ?? '?'})${earlier}`);
      });
    }
  });
  const loadAtEnd = os.loadavg();
  const results = {
    benchmark: 'JavaScript capture overhead (per-test V8 coverage) against the plain test run',
    date: new Date().toISOString(),
    node: process.version,
    repeats,
    ...(beforeCommit ? { beforeCommit } : {}),
    ...(note ? { note } : {}),
    target,
    loadAverageAtStart: loadAtStart,
    loadAverage: loadAtEnd,
    cores: os.cpus().length,
    rows,
  };
  fs.mkdirSync(resultsRoot, { recursive: true });
  fs.writeFileSync(path.join(resultsRoot, 'capture-js-overhead.json'), `${JSON.stringify(results, null, 2)}\n`);
  const load = (values: number[]) => values.map((value) => value.toFixed(1)).join(', ');
  const lines = [
    '# JavaScript capture overhead',
    '',
    `Generated by \`bench/localize-js/capture-overhead.ts\` on ${results.date.slice(0, 10)} (Node ${process.version}); median of ${repeats} runs each.` +
      ' Plain: the framework\'s own command and reporter. Captured: `captureJavaScript` with per-test V8 coverage, stack frames and source-map work, end to end.' +
      ' CPU: user + system time of Revise and every test process. Times are medians; a ratio is the median of the ratios of runs made in the same repeat.',
    '',
  ];
  if (beforeCommit) {
    lines.push(
      `Before: the capture of commit ${beforeCommit.slice(0, 10)} (its tree built apart); after: this checkout's. Plain, before and after runs were interleaved, so each median saw the same load.`,
      '',
      '| Framework | tests | plain wall | before wall | after wall | wall ratio before → after | plain CPU | before CPU | after CPU | CPU ratio before → after |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.framework} | ${row.tests} | ${row.plainWallMs} ms | ${msCell(row.before?.wallMs)} | ${row.capturedWallMs} ms | ${ratioCell(row.before?.wallRatio)} → ${ratioCell(row.wallRatio)} | ${msCell(row.plainCpuMs)} | ${msCell(row.before?.cpuMs)} | ${msCell(row.capturedCpuMs)} | ${ratioCell(row.before?.cpuRatio)} → ${ratioCell(row.cpuRatio)} |`,
      ),
    );
  } else {
    lines.push(
      '| Framework | tests | plain wall | captured wall | wall ratio | plain CPU | captured CPU | CPU ratio |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.framework} | ${row.tests} | ${row.plainWallMs} ms | ${row.capturedWallMs} ms | ${ratioCell(row.wallRatio)} | ${msCell(row.plainCpuMs)} | ${msCell(row.capturedCpuMs)} | ${ratioCell(row.cpuRatio)} |`,
      ),
    );
  }
  const verdict = (label: string, ratio: (row: Row) => number | undefined) => {
    const met = rows.filter((row) => (ratio(row) ?? Infinity) <= target).map((row) => row.framework);
    const missed = rows.filter((row) => !((ratio(row) ?? Infinity) <= target)).map((row) => `${row.framework} (${ratioCell(ratio(row))})`);
    return `${label}: ${met.length > 0 ? `met for ${met.join(', ')}` : 'met for none'}${missed.length > 0 ? `; not met for ${missed.join(', ')}` : ''}.`;
  };
  lines.push(
    '',
    `Target: at most ×${target.toFixed(2)} the plain run. ${verdict('CPU', (row) => row.cpuRatio)} ${verdict('Wall', (row) => row.wallRatio)}`,
    '',
    `Load average (1, 5, 15 min) at the start: ${load(loadAtStart)}; at the end: ${load(loadAtEnd)}; ${os.cpus().length} cores. CPU time is the fairer ratio on a shared machine.`,
    ...(note ? ['', note] : []),
    '',
  );
  fs.writeFileSync(path.join(resultsRoot, 'capture-js-overhead.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
