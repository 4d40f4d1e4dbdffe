/**
 * Overhead of Revise's pytest capture (plugin + per-test coverage + parsing) against a plain pytest run,
 * on a generated project of 300 tests (10 modules of 30 tests, loops and branches in the code under test,
 * a conftest fixture, parametrized tests).
 *
 * For each interpreter (coverage.py: /usr/bin/python3; line tracer: `python3` without coverage.py) the
 * runs are interleaved, repeated, and the median wall time of each variant is reported:
 *   plain          `python -m pytest -q` as a user would run it (bytecode caches warm)
 *   plugin         the exact pytest command capturePytest runs, coverage on, without probe and parsing
 *   plugin-nocov   the same with coverage off (what patch validation uses)
 *   capture        capturePytest() end to end: probe, run, parse, coverage merge, file checks
 * The target is capture / plain ≤ 1.6 with coverage.py. Wall and CPU time are both recorded: on a shared
 * machine wall time swings with other load, CPU time much less.
 *
 * Usage: node out/bench/capture-python-overhead.js [--repeats 7] [--out bench/results/capture-python-overhead.json]
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { capturePytest } from '../extension/src/core/capture/python/index';
import { silentLogger } from '../extension/src/core/ports';
import { NodeProcessRunner } from '../extension/src/core/process';

const repoRoot = path.resolve(__dirname, '..', '..');
const pythonDir = path.join(repoRoot, 'extension', 'python');
const MODULES = 10;
const TESTS_PER_MODULE = 30;

/** Writes the 300-test project into `root`. */
export async function generateProject(root: string): Promise<void> {
  await fs.mkdir(path.join(root, 'shop'), { recursive: true });
  await fs.mkdir(path.join(root, 'tests'), { recursive: true });
  await fs.writeFile(path.join(root, 'pytest.ini'), '[pytest]\ntestpaths = tests\n');
  await fs.writeFile(path.join(root, 'shop', '__init__.py'), '');
  await fs.writeFile(
    path.join(root, 'tests', 'conftest.py'),
    [
      'import os',
      'import sys',
      '',
      'import pytest',
      '',
      'sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))',
      '',
      '',
      '@pytest.fixture',
      'def prices():',
      '    values = []',
      '    for index in range(40):',
      '        values.append((index * 7) % 23 + 1)',
      '    return values',
      '',
    ].join('\n'),
  );
  for (let module = 0; module < MODULES; module++) {
    const source = [
      '"""Generated module under test."""',
      '',
      '',
      'def total(values):',
      '    result = 0',
      '    for value in values:',
      '        if value % 3 == 0:',
      '            result += value * 2',
      '        elif value % 3 == 1:',
      '            result += value',
      '        else:',
      '            result -= 1',
      '    return result',
      '',
      '',
      `def discount(amount, rate=${module + 5}):`,
      '    if amount <= 0:',
      '        return 0',
      '    if amount > 1000:',
      '        rate += 5',
      '    return amount - amount * rate // 100',
      '',
      '',
      'def histogram(values, buckets=5):',
      '    counts = [0] * buckets',
      '    for value in values:',
      '        counts[value % buckets] += 1',
      '    return counts',
      '',
      '',
      'class Basket:',
      '    def __init__(self):',
      '        self.items = {}',
      '',
      '    def add(self, name, price, quantity=1):',
      '        if quantity <= 0:',
      '            raise ValueError("quantity must be positive")',
      '        line = self.items.setdefault(name, [price, 0])',
      '        line[1] += quantity',
      '',
      '    def value(self):',
      '        return sum(price * quantity for price, quantity in self.items.values())',
      '',
    ].join('\n');
    await fs.writeFile(path.join(root, 'shop', `module${module}.py`), source);
    const tests = [`import pytest`, '', `from shop import module${module} as subject`, '', ''];
    // 10 plain tests, 2 parametrized tests with 5 cases each, 10 fixture tests: 30 per module.
    for (let index = 0; index < 10; index++) {
      tests.push(
        `def test_total_${index}():`,
        `    values = list(range(${20 + index * 5}))`,
        '    expected = sum(v * 2 if v % 3 == 0 else v if v % 3 == 1 else -1 for v in values)',
        '    assert subject.total(values) == expected',
        '',
        '',
      );
    }
    tests.push(
      '@pytest.mark.parametrize("amount", [0, 10, 500, 1500, 3000])',
      'def test_discount(amount):',
      '    assert subject.discount(amount) <= max(amount, 0)',
      '',
      '',
      '@pytest.mark.parametrize("buckets", [2, 3, 4, 5, 7])',
      'def test_histogram(buckets):',
      '    assert sum(subject.histogram(list(range(60)), buckets)) == 60',
      '',
      '',
    );
    for (let index = 0; index < 10; index++) {
      tests.push(
        `def test_basket_${index}(prices):`,
        '    basket = subject.Basket()',
        `    for position, price in enumerate(prices[: ${10 + index}]):`,
        '        basket.add("item%d" % (position % 7), price)',
        '    assert basket.value() > 0',
        '',
        '',
      );
    }
    await fs.writeFile(path.join(root, 'tests', `test_module${module}.py`), tests.join('\n'));
  }
}

interface VariantTimes {
  runsMs: number[];
  medianMs: number;
  /** CPU time (user + system) of the child processes plus, for `capture`, of this process's own work. */
  cpuRunsMs: number[];
  cpuMedianMs: number;
}

/**
 * CPU milliseconds used so far by this process's reaped children (Linux `/proc/self/stat` cutime + cstime),
 * or NaN elsewhere. CPU time is far less disturbed than wall time when other work shares the machine.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5), counted from 1 with pid and comm as 1 and 2.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface InterpreterResult {
  python: string;
  version: string;
  coverageMethod: string;
  tests: number;
  variants: Record<'plain' | 'plugin' | 'plugin-nocov' | 'capture', VariantTimes>;
  /** capture / plain, plugin / plain, plugin-nocov / plain (medians of wall time). */
  ratios: { capture: number; plugin: number; pluginWithoutCoverage: number };
  /** The same ratios on CPU time. */
  cpuRatios: { capture: number; plugin: number; pluginWithoutCoverage: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeCommand(program: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, into?: VariantTimes): void {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(program, args, { cwd, env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${result.status}: ${result.stdout.slice(-500)}${result.stderr.slice(-500)}`);
  into?.runsMs.push(elapsed);
  into?.cpuRunsMs.push(childrenCpuMs() - cpuBefore);
}

async function measure(python: string, root: string, repeats: number): Promise<InterpreterResult> {
  const version = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).stdout.trim();
  const output = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-bench-out-'));
  const pluginArgs = (junit: string) => [
    '-m', 'pytest', '-p', 'revise_pytest', '-p', 'no:cacheprovider', `--junitxml=${junit}`, '-o', 'junit_family=xunit1',
    '-q', '--tb=short', `--rootdir=${root}`, '--continue-on-collection-errors',
  ];
  const pluginEnv = (coverage: 'auto' | 'off'): NodeJS.ProcessEnv => ({
    ...process.env,
    PYTHONPATH: [pythonDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    PY_COLORS: '0',
    REVISE_OUTPUT_DIR: output,
    REVISE_ROOT: root,
    REVISE_TEST_TIMEOUT: '30',
    REVISE_COVERAGE: coverage,
  });
  const runner = new NodeProcessRunner();
  const times: InterpreterResult['variants'] = {
    plain: { runsMs: [], medianMs: 0, cpuRunsMs: [], cpuMedianMs: 0 },
    plugin: { runsMs: [], medianMs: 0, cpuRunsMs: [], cpuMedianMs: 0 },
    'plugin-nocov': { runsMs: [], medianMs: 0, cpuRunsMs: [], cpuMedianMs: 0 },
    capture: { runsMs: [], medianMs: 0, cpuRunsMs: [], cpuMedianMs: 0 },
  };
  let coverageMethod = '?';
  let tests = 0;
  const clearOutput = async () => {
    for (const name of await fs.readdir(output)) await fs.rm(path.join(output, name), { force: true, recursive: true });
  };
  try {
    // Warm-up: fills the bytecode caches a user's own runs would have left, and the OS file cache.
    timeCommand(python, ['-m', 'pytest', '-q'], root, process.env);
    const variants: Record<keyof InterpreterResult['variants'], () => Promise<void>> = {
      plain: async () => timeCommand(python, ['-m', 'pytest', '-q'], root, process.env, times.plain),
      plugin: async () => {
        await clearOutput();
        timeCommand(python, pluginArgs(path.join(output, 'junit.xml')), root, pluginEnv('auto'), times.plugin);
      },
      'plugin-nocov': async () => {
        await clearOutput();
        timeCommand(python, pluginArgs(path.join(output, 'junit.xml')), root, pluginEnv('off'), times['plugin-nocov']);
      },
      capture: async () => {
        const cpuBefore = childrenCpuMs() + ownCpuMs();
        const started = performance.now();
        const run = await capturePytest({
          root,
          runner,
          logger: silentLogger,
          assets: { grammarsDir: path.join(repoRoot, 'grammars'), pythonDir },
          pythonPath: python,
          perTestTimeoutMs: 30_000,
          totalTimeoutMs: 600_000,
        });
        times.capture.runsMs.push(performance.now() - started);
        times.capture.cpuRunsMs.push(childrenCpuMs() + ownCpuMs() - cpuBefore);
        coverageMethod = run.coverageMethod;
        tests = run.tests.length;
        const covered = run.tests.filter((test) => Object.keys(test.coveredLines ?? {}).length > 0).length;
        if (run.tests.some((test) => test.outcome !== 'passed') || covered !== run.tests.length) {
          throw new Error(`unexpected capture: ${run.tests.length} tests, ${covered} with coverage, problems ${JSON.stringify(run.problems)}`);
        }
      },
    };
    const order = Object.keys(variants) as (keyof typeof variants)[];
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Rotate the order each round so that no variant always follows the same one.
      for (let index = 0; index < order.length; index++) await variants[order[(index + repeat) % order.length]!]();
    }
  } finally {
    await fs.rm(output, { recursive: true, force: true });
  }
  for (const variant of Object.values(times)) {
    variant.medianMs = Math.round(median(variant.runsMs));
    variant.cpuMedianMs = Math.round(median(variant.cpuRunsMs));
    variant.runsMs = variant.runsMs.map(Math.round);
    variant.cpuRunsMs = variant.cpuRunsMs.map(Math.round);
  }
  const ratio = (value: number, base: number) => Math.round((value / base) * 100) / 100;
  const ratios = (key: 'medianMs' | 'cpuMedianMs') => ({
    capture: ratio(times.capture[key], times.plain[key]),
    plugin: ratio(times.plugin[key], times.plain[key]),
    pluginWithoutCoverage: ratio(times['plugin-nocov'][key], times.plain[key]),
  });
  return { python, version, coverageMethod, tests, variants: times, ratios: ratios('medianMs'), cpuRatios: ratios('cpuMedianMs') };
}

/** Runs the benchmark for each interpreter that has pytest, and returns the results. */
export async function runCapturePythonOverhead(options: { repeats: number; pythons: string[] }): Promise<Record<string, unknown>> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revise-bench-project-'));
  try {
    await generateProject(root);
    const interpreters: InterpreterResult[] = [];
    for (const python of options.pythons) {
      if (spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status !== 0) continue;
      interpreters.push(await measure(python, root, options.repeats));
    }
    return {
      benchmark: 'capture-python-overhead',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?', loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100) },
      project: { tests: MODULES * TESTS_PER_MODULE, modules: MODULES },
      repeats: options.repeats,
      target: 'capture / plain <= 1.6 with coverage.py',
      interpreters,
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argument = (name: string) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  const repeats = Number(argument('--repeats') ?? 7);
  const out = argument('--out') ?? path.join(repoRoot, 'bench', 'results', 'capture-python-overhead.json');
  const result = await runCapturePythonOverhead({ repeats, pythons: ['/usr/bin/python3', 'python3'] });
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
