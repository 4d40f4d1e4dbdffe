/**
 * The reliability bench: injects the faults a hostile-input probe found and checks each is survived (a
 * table case / expected / observed / pass), fuzzes every parser of foreign text with ≥ 100,000 generated
 * inputs, and measures the sandbox's cost per run against an unsandboxed run. Writes
 * bench/results/faults.{md,json}. Run: `npm run build:tests && nice node out/bench/faults/run.js [--runs N]`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureJavaScript } from '../../extension/src/core/capture/javascript/index';
import { findSymlinkLoops } from '../../extension/src/core/capture/walk';
import { excludeFlakyTests, findFlakyTests } from '../../extension/src/core/flaky';
import { LlmError } from '../../extension/src/core/llm/errors';
import { createOpenAiClient } from '../../extension/src/core/llm/openai';
import { applyPatchToFile } from '../../extension/src/core/patch/apply';
import { WorkspaceCopy, planCopy } from '../../extension/src/core/patch/isolation';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { detectSandbox, measureSandboxCost, sandboxedRunner } from '../../extension/src/core/sandbox/index';
import { screenModelEdit } from '../../extension/src/core/sandbox/screen';
import { makeTempDir, removeStaleTempDirs, tempPrefix } from '../../extension/src/core/tempfiles';
import type { Patch, TestRun } from '../../extension/src/core/types';
import { startFakeOpenAiServer, type FakeHandler } from '../../test/support/fake-openai-server';
import { fuzzParsers } from '../../test/support/fuzz-targets';

interface Row {
  case: string;
  expected: string;
  observed: string;
  pass: boolean;
}

const runner = new NodeProcessRunner();
const jsAssets = { grammarsDir: path.resolve(__dirname, '..', '..', '..', 'grammars'), pythonDir: path.resolve(__dirname, '..', '..', '..', 'extension', 'python') };
const repoRoot = path.resolve(__dirname, '..', '..', '..');

function sleepers(marker: string): number {
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^\S+ \(.*\) Z/.test(stat)) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim() === `sleep ${marker}`) count++;
    } catch {
      /* gone */
    }
  }
  return count;
}

async function settle(marker: string): Promise<number> {
  for (let attempt = 0; attempt < 20 && sleepers(marker) > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  return sleepers(marker);
}

async function withServer<T>(handler: FakeHandler, body: (baseUrl: string, count: () => number) => Promise<T>): Promise<T> {
  const server = await startFakeOpenAiServer(handler);
  try {
    return await body(server.baseUrl, () => server.requests.length);
  } finally {
    await server.close();
  }
}

async function llmFailure(baseUrl: string, options: { timeoutMs?: number; maxRetries?: number } = {}): Promise<LlmError | undefined> {
  const client = createOpenAiClient({ baseUrl, model: 'fake', timeoutMs: options.timeoutMs ?? 5000, maxRetries: options.maxRetries ?? 0, logger: silentLogger });
  try {
    await client.complete({ system: 's', user: 'u' });
    return undefined;
  } catch (error) {
    return error instanceof LlmError ? error : new LlmError('bad-reply', `untyped: ${String(error)}`);
  }
}

async function faultCases(): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (name: string, expected: string, observed: string, pass: boolean) => rows.push({ case: name, expected, observed, pass });
  const sandbox = await detectSandbox(runner);
  const outside = mkdtempSync(path.join(os.tmpdir(), 'revise-bench-outside-'));
  const copy = await makeTempDir('bench');
  const temp = await makeTempDir('bench');
  try {
    // 1. The escaping model patch, screened.
    const original = 'def add(a, b):\n    return a - b\n';
    const verdict = screenModelEdit(original, original.replace('return a - b', `open('${outside}/escape.txt','a').write('x'); return a + b`));
    add('model patch writes outside its copy', 'refused before it runs', verdict.refused ? `refused: ${verdict.reason}` : 'accepted', verdict.refused);

    // 2–4. The sandbox, where there is one.
    if (sandbox.kind === 'none') {
      add('sandbox available', 'bubblewrap or sandbox-exec', `none: ${sandbox.reason}`, false);
    } else {
      const boxed = sandboxedRunner(runner, sandbox, { writable: [copy], tempDir: temp, network: false });
      const write = await boxed.run('python3', ['-c', `open(${JSON.stringify(path.join(outside, 'escape.txt'))}, 'a').write('x')`], { cwd: copy, timeoutMs: 20_000 });
      const escaped = existsSync(path.join(outside, 'escape.txt'));
      add('sandboxed write outside the copy', 'fails, nothing written', `exit ${String(write.exitCode)}${escaped ? ', file written' : ', nothing written'}`, write.exitCode !== 0 && !escaped);
      const inside = await boxed.run('sh', ['-c', 'echo ok > inside.txt && echo ok > "$TMPDIR/t.txt"'], { cwd: copy, timeoutMs: 20_000 });
      add('sandboxed write inside the copy and its temp folder', 'works', `exit ${String(inside.exitCode)}`, inside.exitCode === 0 && existsSync(path.join(copy, 'inside.txt')) && existsSync(path.join(temp, 't.txt')));
      const net = await boxed.run('python3', ['-c', 'import socket\ntry:\n    socket.create_connection(("1.1.1.1", 53), timeout=3); print("online")\nexcept OSError as e:\n    print("offline", e.errno)'], { cwd: copy, timeoutMs: 20_000 });
      add('network from the sandbox', 'off', net.stdout.trim() || net.stderr.trim(), /offline/.test(net.stdout));
      const marker = `4${Math.floor(Math.random() * 1e6)}.1`;
      await boxed.run('sh', ['-c', `setsid sleep ${marker} </dev/null >/dev/null 2>&1 & echo`], { cwd: copy, timeoutMs: 20_000 });
      const left = await settle(marker);
      add('sandboxed run leaves a setsid child', 'the child dies with the run', `${left} left running`, left === 0);
    }

    // 5–6. Unsandboxed process hygiene.
    const marker = `5${Math.floor(Math.random() * 1e6)}.2`;
    const started = Date.now();
    const background = await runner.run('sh', ['-c', `sleep ${marker} & setsid sleep ${marker} </dev/null >/dev/null 2>&1 & echo`], { cwd: os.tmpdir(), timeoutMs: 30_000 });
    const left = await settle(marker);
    add('run leaves background children (one in its own session, one holding the output pipe)', 'both die; the run ends at once', `${left} left running; ended after ${Date.now() - started} ms${background.timedOut ? ' (timed out)' : ''}`, left === 0 && !background.timedOut);

    // 7. Temporary folders of a killed Revise.
    const parent = mkdtempSync(path.join(os.tmpdir(), 'revise-bench-stale-'));
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    for (const kind of ['patch', 'pytest', 'js', 'diff', 'run']) mkdirSync(path.join(parent, `${tempPrefix(kind, dead)}x`));
    const removed = await removeStaleTempDirs(parent);
    rmSync(parent, { recursive: true, force: true });
    add('temp folders left by a SIGKILLed Revise (patch, pytest, js, diff, run)', 'one cleanup removes all 5', `${removed} removed`, removed === 5);

    // 8–9. Read-only sources.
    const project = mkdtempSync(path.join(os.tmpdir(), 'revise-bench-readonly-'));
    writeFileSync(path.join(project, 'calc.py'), original);
    chmodSync(path.join(project, 'calc.py'), 0o444);
    const plan = await planCopy(project, { maxFiles: 100, maxBytes: 1e6 });
    let copyWritable = false;
    if (!('refused' in plan)) {
      const workspace = await WorkspaceCopy.create(plan);
      try {
        await workspace.write('calc.py', original.replace('-', '+'));
        copyWritable = true;
      } catch {
        copyWritable = false;
      } finally {
        await workspace.dispose();
      }
    }
    add('read-only source (0444) in a copy', 'copied writable', copyWritable ? 'writable' : 'EACCES', copyWritable);
    const hash = (await import('node:crypto')).createHash('sha256').update(original).digest('hex');
    let applied = 'applied';
    try {
      await applyPatchToFile({ id: 'p1', file: path.join(project, 'calc.py'), newText: 'x' } as unknown as Patch, hash);
    } catch (error) {
      applied = (error as Error).message.replace(project, '…');
    }
    add('--apply on a read-only file', 'refused', applied, /read-only/.test(applied) && readFileSync(path.join(project, 'calc.py'), 'utf8') === original);
    rmSync(project, { recursive: true, force: true });

    // 10–12. Endpoints.
    await withServer(() => ({ kind: 'raw', status: 200, body: "{'not json", contentType: 'application/json' }), async (url) => {
      const error = await llmFailure(url);
      add('endpoint answers 200 with invalid JSON', 'a plain-words problem', error?.message ?? 'no error', !!error && !/position \d|Expected property|SyntaxError/.test(error.message));
    });
    await withServer(() => ({ kind: 'hang' }), async (url, count) => {
      const error = await llmFailure(url, { timeoutMs: 1000, maxRetries: 2 });
      add('hung endpoint (timeout 1 s, retries allowed)', 'one request, no retry', `${count()} request(s): ${error?.kind ?? 'no error'}`, count() === 1 && error?.kind === 'timeout');
    });
    await withServer(() => ({ kind: 'json', status: 500, body: { error: { message: 'boom' } }, headers: { 'retry-after-ms': '1' } }), async (url, count) => {
      const error = await llmFailure(url, { maxRetries: 1 });
      add('endpoint fails with HTTP 500', 'retried once, then a server-error problem', `${count()} request(s): ${error?.message ?? 'no error'}`, count() === 2 && /server error \(500\)/.test(error?.message ?? ''));
    });
    await withServer(() => ({ kind: 'reply', content: 'x'.repeat(5 * 1024 * 1024) }), async (url) => {
      const client = createOpenAiClient({ baseUrl: url, model: 'fake', timeoutMs: 20_000, maxRetries: 0, logger: silentLogger });
      let observed = 'answered';
      try {
        const answer = await client.complete({ system: 's', user: 'u' });
        observed = `answered ${answer.text.length} characters`;
      } catch (error) {
        observed = error instanceof LlmError ? `${error.kind}: ${error.message.slice(0, 80)}` : `untyped: ${String(error)}`;
      }
      add('endpoint babbles a 5 MB reply', 'a result or a typed error', observed, !observed.startsWith('untyped'));
    });

    // 13. Symlink loop.
    const looped = mkdtempSync(path.join(os.tmpdir(), 'revise-bench-loop-'));
    mkdirSync(path.join(looped, 'pkg'));
    symlinkSync('..', path.join(looped, 'pkg', 'up'));
    const loops = await findSymlinkLoops(looped, { skipped: new Set() });
    rmSync(looped, { recursive: true, force: true });
    add('symlink loop pkg/up -> ..', 'named and skipped', loops.map((loop) => `${loop.link} -> ${loop.target}`).join(', ') || 'not found', loops.length === 1);

    // 13b. Symbolic link loops in JS projects (pkg/up -> .., test/back -> ..): each runner, and the copies.
    for (const { fixture, script, expected } of [
      { fixture: 'node-test', script: undefined, expected: 'node:test' },
      { fixture: 'mocha', script: 'mocha --recursive test', expected: 'Mocha --recursive' },
      { fixture: 'jest', script: undefined, expected: 'Jest' },
      { fixture: 'vitest', script: undefined, expected: 'Vitest' },
    ]) {
      const source = path.join(repoRoot, 'test', 'fixtures', 'js', fixture);
      if (!existsSync(path.join(source, fixture === 'node-test' ? 'package.json' : 'node_modules'))) {
        add(`symlink loops in a ${expected} project`, 'named and skipped, same tests', 'fixture not installed (node test/fixtures-setup/install-js-fixtures.cjs)', false);
        continue;
      }
      const plain = await captureJavaScript({ root: source, runner, logger: silentLogger, assets: jsAssets, perTestTimeoutMs: 10_000, totalTimeoutMs: 120_000 });
      const root = mkdtempSync(path.join(os.tmpdir(), `revise-bench-loop-${fixture}-`));
      cpSync(source, root, { recursive: true, filter: (file) => path.basename(file) !== 'node_modules' });
      if (existsSync(path.join(source, 'node_modules'))) symlinkSync(path.join(source, 'node_modules'), path.join(root, 'node_modules'));
      if (script) {
        const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
        manifest.scripts.test = script;
        writeFileSync(path.join(root, 'package.json'), JSON.stringify(manifest));
      }
      mkdirSync(path.join(root, 'pkg'));
      symlinkSync('..', path.join(root, 'pkg', 'up'));
      symlinkSync('..', path.join(root, 'test', 'back'));
      const started = Date.now();
      const looped = await captureJavaScript({ root, runner, logger: silentLogger, assets: jsAssets, perTestTimeoutMs: 10_000, totalTimeoutMs: 120_000 });
      const elapsed = Date.now() - started;
      const named = looped.problems.filter((problem) => /symbolic link loop/.test(problem.message)).map((problem) => problem.message.split(':')[0]!.replace('Skipped ', ''));
      const plan = await planCopy(root, { maxFiles: 20_000, maxBytes: 200 * 1024 * 1024 });
      const copySkips = 'refused' in plan ? [] : plan.skippedLoops.map((link) => link.path);
      rmSync(root, { recursive: true, force: true });
      add(
        `symlink loops in a ${expected} project (pkg/up, test/back -> ..)`,
        'named and skipped, the same tests, complete; copies leave them out',
        `${looped.tests.length} tests (${plain.tests.length} without loops) in ${elapsed} ms, ${looped.complete ? 'complete' : 'incomplete'}; named: ${named.sort().join(', ') || 'none'}; copies skip: ${copySkips.sort().join(', ') || 'none'}`,
        looped.complete && looped.tests.length === plain.tests.length && plain.tests.length > 0 && named.length === 2 && copySkips.length === 2,
      );
    }

    // 14. Flaky test.
    const run = (outcome: 'passed' | 'failed'): TestRun => ({ framework: 'pytest', root: '/p', command: [], tests: [{ id: 't', outcome, durationMs: 1, frames: [] }], problems: [], durationMs: 1, coverageMethod: 'none', complete: true, testFiles: [] });
    const flaky = findFlakyTests(run('failed'), run('passed'));
    const cleaned = excludeFlakyTests(run('failed'), flaky);
    add('test fails in the capture, passes on a re-run', 'reported flaky, not evidence', cleaned.problems[0]?.message ?? 'not reported', cleaned.tests.length === 0 && cleaned.problems[0]?.kind === 'flaky-test');
  } finally {
    for (const folder of [outside, copy, temp]) await fsp.rm(folder, { recursive: true, force: true });
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
}

async function candidateRunCost(sandbox: Awaited<ReturnType<typeof detectSandbox>>, repetitions: number): Promise<{ plain: number; boxed: number; repetitions: number }> {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'revise-bench-cost-'));
  cpSync(path.join(repoRoot, 'test', 'fixtures', 'js', 'node-test'), copy, { recursive: true });
  const temp = await makeTempDir('cost');
  const plain: number[] = [];
  const boxed: number[] = [];
  try {
    for (let index = 0; index < repetitions; index++) {
      for (const [target, times] of [[runner, plain], [sandboxedRunner(runner, sandbox, { writable: [copy], tempDir: temp, network: false }), boxed]] as const) {
        const started = process.hrtime.bigint();
        const run = await captureJavaScript({ root: copy, runner: target, logger: silentLogger, assets: jsAssets, perTestTimeoutMs: 10_000, totalTimeoutMs: 60_000, coverage: false, tempDir: temp });
        if (!run.complete || run.tests.length === 0) throw new Error('the node:test fixture did not run while measuring the sandbox');
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(temp, { recursive: true, force: true });
  }
  return { plain: median(plain), boxed: median(boxed), repetitions };
}

async function main(): Promise<void> {
  const runsArgument = process.argv.indexOf('--runs');
  const runs = runsArgument > 0 ? Number(process.argv[runsArgument + 1]) : 10_000;
  const rows = await faultCases();
  const sandbox = await detectSandbox(runner);
  const cost = sandbox.kind === 'none' ? undefined : await measureSandboxCost(sandbox, { repetitions: 30, program: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' });
  const costTrue = sandbox.kind === 'none' ? undefined : await measureSandboxCost(sandbox, { repetitions: 30, program: 'true', args: [] });
  // What a JS candidate's validation pays: one cold node:test run of the fixture, sandboxed or not, interleaved.
  const perRun = sandbox.kind === 'none' ? undefined : await candidateRunCost(sandbox, 9);
  const fuzzStarted = Date.now();
  const fuzz = await fuzzParsers(runs, 20261204);
  const fuzzMs = Date.now() - fuzzStarted;
  const inputs = fuzz.reduce((sum, item) => sum + item.inputs, 0);

  const lines = [
    '# Reliability: faults injected, inputs fuzzed, sandbox cost',
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} ×${os.cpus().length}, ${os.platform()} ${os.release()}, Node ${process.version}, load average at the end ${os.loadavg().map((value) => value.toFixed(1)).join(' / ')} (shared with other jobs); sandbox: ${sandbox.kind === 'none' ? `none (${sandbox.reason})` : sandbox.kind}. ${new Date().toISOString()}.`,
    '',
    '## Faults',
    '',
    '| case | expected | observed | pass |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.case} | ${row.expected} | ${row.observed.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | ${row.pass ? 'yes' : '**no**'} |`),
    '',
    `${rows.filter((row) => row.pass).length} of ${rows.length} faults survived.`,
    '',
    '## Fuzzing (fast-check, seed 20261204)',
    '',
    '| parser | reads | inputs | untyped throws | slowest input (ms) |',
    '|---|---|---|---|---|',
    ...fuzz.map((item) => `| ${item.name} | ${item.reads} | ${item.inputs} | ${item.failure ? `**${item.failure.replace(/\|/g, '\\|')}**` : 0} | ${item.slowestMs} |`),
    '',
    `${inputs} inputs in ${Math.round(fuzzMs / 1000)} s; ${fuzz.filter((item) => item.failure).length} parsers threw an untyped error.`,
    '',
    '## Sandbox cost per run',
    '',
    ...(cost && costTrue
      ? [
          '| program | unsandboxed median (ms) | sandboxed median (ms) | cost (ms) | runs each |',
          '|---|---|---|---|---|',
          ...[cost, costTrue].map((item) => `| \`${item.program}\` | ${item.unsandboxedMedianMs} | ${item.sandboxedMedianMs} | ${item.overheadMs} | ${item.repetitions} |`),
        ]
      : ['No sandbox on this machine.']),
    ...(perRun
      ? [`| node:test run of test/fixtures/js/node-test (one JS candidate validation, in a copy) | ${perRun.plain} | ${perRun.boxed} | ${Math.round((perRun.boxed - perRun.plain) * 10) / 10} | ${perRun.repetitions} |`]
      : []),
    '',
    'A pytest project pays the sandbox once per validation lane: its warm worker starts inside the sandbox and runs every candidate there.',
    '',
  ];
  const resultsDir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'faults.md'), lines.join('\n'));
  writeFileSync(path.join(resultsDir, 'faults.json'), JSON.stringify({ sandbox, rows, fuzz, fuzzMs, inputs, cost, costTrue, perRun, loadAverage: os.loadavg() }, null, 2));
  process.stdout.write(lines.join('\n'));
  if (rows.some((row) => !row.pass) || fuzz.some((item) => item.failure)) process.exitCode = 1;
}

void main();
