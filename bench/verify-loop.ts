/**
 * The verify loop, measured as a user meets it: `revise check` (Check and Fix) through the built CLI,
 * against the project's plain test run, side by side and interleaved in one run of this script, so that
 * machine load hits every variant alike. Variants per workspace:
 *   plain   the project's own test command (what "one plain suite run" means in the ratios)
 *   warm    Check and Fix as shipped: validation in warm test workers where the runner has one
 *   cold    Check and Fix with `--cold`: every candidate a cold run of the test command (the old way)
 * Each Check and Fix records whether it proposed the expected fix, its decision, top suspect, candidates
 * tried and warm/cold runs. With `--load N`, N CPU-bound processes run during the second half of the
 * rounds: the determinism check compares suspects, patches and decisions across idle and loaded rounds.
 *
 * Workspaces: examples/python-bug, examples/typescript-bug (copied to a temporary folder), and a
 * generated pytest project of 5,000 tests in 200 modules and a generated node:test project of 2,000 tests in
 * 100 files, each with one seeded bug (`--big`).
 *
 * Usage: npm run build && npm run build:tests &&
 *        node out/bench/verify-loop.js [--rounds 3] [--load 2] [--big] [--no-cold] [--only NAME] [--confirm suite|affected] [--out bench/results/verify-loop]
 *
 * `--confirm affected` passes `--confirm affected` to every Check and Fix: the patch to propose is
 * confirmed by the tests whose coverage reaches its file only (see README), not the whole suite.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const repoRoot = path.resolve(__dirname, '..', '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const python = '/usr/bin/python3';

interface Workspace {
  name: string;
  root: string;
  plain: string[];
  /** Text the proposed patch's diff must contain to count as the expected fix. */
  fix: string;
  extraArgs: string[];
}

interface CheckRecord {
  variant: 'warm' | 'cold';
  round: number;
  loaded: boolean;
  wallMs: number;
  proposedFix: boolean;
  decision: string;
  proposed?: string;
  topSuspect?: string;
  suspects: string[];
  patches: string[];
  candidatesTried?: number;
  warmRuns?: number;
  coldRuns?: number;
  timings?: Record<string, number>;
}

function parseArgs(argv: string[]) {
  const options = { rounds: 3, load: 2, big: false, cold: true, out: path.join(repoRoot, 'bench', 'results', 'verify-loop'), only: '', confirm: 'suite' };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--rounds') options.rounds = Number(argv[++index]);
    else if (arg === '--load') options.load = Number(argv[++index]);
    else if (arg === '--big') options.big = true;
    else if (arg === '--no-cold') options.cold = false;
    else if (arg === '--out') options.out = path.resolve(argv[++index]);
    else if (arg === '--only') options.only = argv[++index];
    else if (arg === '--confirm') options.confirm = argv[++index];
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/** 200 modules × 25 tests; `mod_0.total` has the seeded bug (`-` for `+`), which 5 tests see. */
export function generateBigProject(root: string): void {
  mkdirSync(path.join(root, 'pkg'), { recursive: true });
  mkdirSync(path.join(root, 'tests'), { recursive: true });
  writeFileSync(path.join(root, 'pytest.ini'), '[pytest]\ntestpaths = tests\npythonpath = .\n');
  writeFileSync(path.join(root, 'pkg', '__init__.py'), '');
  for (let module = 0; module < 200; module++) {
    const body = [
      `"""Generated module ${module}."""`,
      '',
      '',
      'def total(values):',
      '    result = 0',
      '    for value in values:',
      `        result = result ${module === 0 ? '-' : '+'} value`,
      '    return result',
      '',
      '',
      'def scale(value, factor):',
      '    if factor < 0:',
      '        raise ValueError("negative factor")',
      '    return value * factor',
      '',
      '',
      'def label(value):',
      '    if value > 100:',
      '        return "big"',
      '    return "small"',
      '',
    ].join('\n');
    writeFileSync(path.join(root, 'pkg', `mod_${module}.py`), body);
    const tests = [`from pkg.mod_${module} import label, scale, total`, ''];
    for (let test = 0; test < 25; test++) {
      if (test % 5 === 0) tests.push(`def test_total_${test}():`, `    assert total([${test}, 2, 3]) == ${test + 5}`, '');
      else if (test % 5 === 1) tests.push(`def test_scale_${test}():`, `    assert scale(${test}, 3) == ${test * 3}`, '');
      else tests.push(`def test_label_${test}():`, `    assert label(${test * 9}) == "${test * 9 > 100 ? 'big' : 'small'}"`, '');
    }
    writeFileSync(path.join(root, 'tests', `test_mod_${module}.py`), tests.join('\n'));
  }
}

/** 100 test files × 20 node:test tests over 100 modules; `lib/mod_0.js` has the seeded bug (`-` for `+`). */
export function generateBigNodeProject(root: string): void {
  mkdirSync(path.join(root, 'lib'), { recursive: true });
  mkdirSync(path.join(root, 'test'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), `${JSON.stringify({ name: 'generated-node-test-2000', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`);
  for (let module = 0; module < 100; module++) {
    const body = [
      `/** Generated module ${module}. */`,
      'export function total(values) {',
      '  let result = 0;',
      '  for (const value of values) {',
      `    result = result ${module === 0 ? '-' : '+'} value;`,
      '  }',
      '  return result;',
      '}',
      '',
      'export function scale(value, factor) {',
      '  if (factor < 0) {',
      "    throw new RangeError('negative factor');",
      '  }',
      '  return value * factor;',
      '}',
      '',
      'export function label(value) {',
      '  if (value > 100) {',
      "    return 'big';",
      '  }',
      "  return 'small';",
      '}',
      '',
    ].join('\n');
    writeFileSync(path.join(root, 'lib', `mod_${module}.js`), body);
    const tests = ["import { test } from 'node:test';", "import * as assert from 'node:assert/strict';", `import { label, scale, total } from '../lib/mod_${module}.js';`, ''];
    for (let index = 0; index < 20; index++) {
      if (index % 5 === 0) tests.push(`test('total ${index}', () => assert.equal(total([${index}, 2, 3]), ${index + 5}));`);
      else if (index % 5 === 1) tests.push(`test('scale ${index}', () => assert.equal(scale(${index}, 3), ${index * 3}));`);
      else tests.push(`test('label ${index}', () => assert.equal(label(${index * 9}), '${index * 9 > 100 ? 'big' : 'small'}'));`);
    }
    writeFileSync(path.join(root, 'test', `mod_${module}.test.js`), `${tests.join('\n')}\n`);
  }
}

function workspaces(base: string, big: boolean): Workspace[] {
  const list: Workspace[] = [];
  const pythonBug = path.join(base, 'python-bug');
  cpSync(path.join(repoRoot, 'examples', 'python-bug'), pythonBug, { recursive: true });
  list.push({ name: 'examples/python-bug', root: pythonBug, plain: [python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'], fix: '+        return points * 2', extraArgs: ['--python', python] });
  const tsBug = path.join(base, 'typescript-bug');
  cpSync(path.join(repoRoot, 'examples', 'typescript-bug'), tsBug, { recursive: true });
  list.push({ name: 'examples/typescript-bug', root: tsBug, plain: ['npm', 'test', '--silent'], fix: '+  return a.start < b.end && b.start < a.end;', extraArgs: [] });
  if (big) {
    const bigRoot = path.join(base, 'pytest-5000');
    generateBigProject(bigRoot);
    list.push({ name: 'generated pytest, 5,000 tests', root: bigRoot, plain: [python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'], fix: '+        result = result + value', extraArgs: ['--python', python] });
    const nodeRoot = path.join(base, 'node-test-2000');
    generateBigNodeProject(nodeRoot);
    list.push({ name: 'generated node:test, 2,000 tests', root: nodeRoot, plain: ['node', '--test'], fix: '+    result = result + value;', extraArgs: [] });
  }
  return list;
}

function timed(command: string[], cwd: string): { ms: number; status: number | null; stdout: string } {
  const started = performance.now();
  const result = spawnSync(command[0], command.slice(1), { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - started, status: result.status, stdout: result.stdout };
}

interface ReportShape {
  suspects: { file: string; line: number; score: number }[];
  patches: { id: string; title: string; validated: boolean; diff: string }[];
  decision?: { action: string; patch?: string };
  timingsMs?: Record<string, number>;
}

function check(workspace: Workspace, variant: 'warm' | 'cold', round: number, loaded: boolean, confirm: string): CheckRecord {
  const args = [process.execPath, cli, 'check', workspace.root, '--json', ...workspace.extraArgs, ...(variant === 'cold' ? ['--cold'] : []), ...(confirm !== 'suite' ? ['--confirm', confirm] : [])];
  const { ms, stdout } = timed(args, workspace.root);
  let report: ReportShape | undefined;
  try {
    report = JSON.parse(stdout) as ReportShape;
  } catch {
    report = undefined;
  }
  const proposed = report?.patches.find((patch) => patch.id === report?.decision?.patch);
  const stats = (report as unknown as { patchStats?: { candidatesTried?: number; warmRuns?: number; coldRuns?: number } })?.patchStats;
  return {
    variant,
    round,
    loaded,
    wallMs: Math.round(ms),
    proposedFix: report?.decision?.action === 'propose' && !!proposed?.diff.includes(workspace.fix),
    decision: report?.decision?.action ?? 'no report',
    ...(proposed ? { proposed: proposed.title } : {}),
    ...(report?.suspects[0] ? { topSuspect: `${report.suspects[0].file}:${report.suspects[0].line}` } : {}),
    suspects: (report?.suspects ?? []).slice(0, 5).map((suspect) => `${suspect.file}:${suspect.line}`),
    patches: (report?.patches ?? []).map((patch) => `${patch.title}${patch.validated ? '' : ' (partial)'}`),
    ...(stats?.candidatesTried !== undefined ? { candidatesTried: stats.candidatesTried } : {}),
    ...(stats?.warmRuns !== undefined ? { warmRuns: stats.warmRuns, coldRuns: stats.coldRuns } : {}),
    ...(report?.timingsMs ? { timings: report.timingsMs } : {}),
  };
}

function startLoad(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const base = mkdtempSync(path.join(os.tmpdir(), 'revise-bench-verify-'));
  const results: { workspace: string; plainMs: { round: number; loaded: boolean; ms: number }[]; checks: CheckRecord[] }[] = [];
  try {
    for (const workspace of workspaces(base, options.big)) {
      if (options.only && !workspace.name.includes(options.only)) continue;
      const entry = { workspace: workspace.name, plainMs: [] as { round: number; loaded: boolean; ms: number }[], checks: [] as CheckRecord[] };
      // Warm-up: bytecode and tsx caches, as on a developer's machine.
      timed(workspace.plain, workspace.root);
      for (let round = 0; round < options.rounds * 2; round++) {
        const loaded = options.load > 0 && round >= options.rounds;
        const load = loaded ? startLoad(options.load) : [];
        try {
          entry.plainMs.push({ round, loaded, ms: Math.round(timed(workspace.plain, workspace.root).ms) });
          entry.checks.push(check(workspace, 'warm', round, loaded, options.confirm));
          if (options.cold) entry.checks.push(check(workspace, 'cold', round, loaded, options.confirm));
        } finally {
          for (const child of load) child.kill('SIGKILL');
        }
        const last = entry.checks.slice(options.cold ? -2 : -1);
        const coldSaid = last[1] ? `, cold ${last[1].wallMs} ms (${last[1].decision})` : '';
        process.stderr.write(`${workspace.name} round ${round}${loaded ? ' (loaded)' : ''}: plain ${entry.plainMs.at(-1)?.ms} ms, warm ${last[0].wallMs} ms (${last[0].decision})${coldSaid}\n`);
      }
      results.push(entry);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const summary = results.map(({ workspace, plainMs, checks }) => {
    const row = (loaded: boolean) => {
      const plain = median(plainMs.filter((entry) => entry.loaded === loaded).map((entry) => entry.ms));
      const of = (variant: 'warm' | 'cold') => checks.filter((entry) => entry.variant === variant && entry.loaded === loaded);
      const warm = of('warm');
      const cold = of('cold');
      return {
        loaded,
        plainMs: plain,
        warmMs: median(warm.map((entry) => entry.wallMs)),
        coldMs: median(cold.map((entry) => entry.wallMs)),
        warmRatio: Math.round((median(warm.map((entry) => entry.wallMs)) / plain) * 100) / 100,
        coldRatio: Math.round((median(cold.map((entry) => entry.wallMs)) / plain) * 100) / 100,
        warmBudget: `≤ 2× plain + 2 s = ${Math.round(2 * plain + 2000)} ms`,
        warmProposed: `${warm.filter((entry) => entry.proposedFix).length}/${warm.length}`,
        coldProposed: `${cold.filter((entry) => entry.proposedFix).length}/${cold.length}`,
      };
    };
    const signature = (entry: CheckRecord) => JSON.stringify([entry.suspects, entry.patches, entry.decision, entry.proposed ?? null]);
    const warmSignatures = new Set(checks.filter((entry) => entry.variant === 'warm').map(signature));
    return { workspace, idle: row(false), loaded: options.load > 0 ? row(true) : undefined, deterministic: warmSignatures.size === 1, distinctOutcomes: warmSignatures.size };
  });
  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
    rounds: options.rounds,
    loadProcesses: options.load,
    confirm: options.confirm,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(`${options.out}.json`, `${JSON.stringify({ meta, summary, results }, null, 1)}\n`);
  const lines = [
    '# Verify loop: Check and Fix against the plain test run',
    '',
    `Run ${meta.date} on ${meta.machine}; load average at start ${meta.loadAverageAtStart.join(' / ')}. ${options.rounds} idle rounds, then ${options.rounds} rounds with ${options.load} CPU-bound processes running. Medians; plain = the project's own test command, measured in the same round.${options.confirm !== 'suite' ? ` Check and Fix ran with \`--confirm ${options.confirm}\`.` : ''}`,
    '',
    '| workspace | load | plain | Check and Fix (warm) | ratio | proposed the fix | Check and Fix `--cold` | ratio | proposed the fix |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const item of summary) {
    for (const row of [item.idle, item.loaded].filter((value): value is NonNullable<typeof value> => value !== undefined)) {
      const cold = options.cold ? `${(row.coldMs / 1000).toFixed(2)} s | ${row.coldRatio}× | ${row.coldProposed}` : 'not run (`--no-cold`) | | ';
      lines.push(`| ${item.workspace} | ${row.loaded ? 'loaded' : 'idle'} | ${(row.plainMs / 1000).toFixed(2)} s | ${(row.warmMs / 1000).toFixed(2)} s | ${row.warmRatio}× | ${row.warmProposed} | ${cold} |`);
    }
  }
  lines.push('', '## Determinism (warm, idle and loaded rounds)', '', '| workspace | same suspects, patches and decision in every round |', '|---|---|');
  for (const item of summary) lines.push(`| ${item.workspace} | ${item.deterministic ? 'yes' : `no: ${item.distinctOutcomes} distinct outcomes`} |`);
  writeFileSync(`${options.out}.md`, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) main();
