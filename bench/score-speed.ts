/**
 * Times `localizeFaults` (no syntax service) on synthetic test runs of 2,000 tests over 5,000 lines.
 * Usage: node out/bench/score-speed.js [--out bench/results/score-speed.json]
 * The target is ≤ 200 ms per call for the standard shape.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { localizeFaults } from '../extension/src/core/localize/index';
import type { SourceReader } from '../extension/src/core/ports';
import type { TestResult, TestRun } from '../extension/src/core/types';

/** Small deterministic generator (mulberry32), so every run times the same input. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  name: string;
  tests: number;
  files: number;
  linesPerFile: number;
  /** Share of the files each test touches. */
  filesPerTest: number;
  /** Share of a touched file's lines the test runs. */
  lineDensity: number;
  failingShare: number;
}

const ROOT = path.resolve('/synthetic-project');
const LINE_TEMPLATES = ['    total = total + values[index]', '    if count > limit:', '    return compute(left, right)', '    for item in items:', '    name = "label"', '    raise ValueError(message)'];

function syntheticRun(shape: Shape): { run: TestRun; sources: SourceReader } {
  const next = random(42);
  const files = Array.from({ length: shape.files }, (_, index) => path.join(ROOT, 'pkg', `module_${String(index).padStart(3, '0')}.py`));
  const texts = new Map(files.map((file, fileIndex) => [file, Array.from({ length: shape.linesPerFile }, (_, line) => LINE_TEMPLATES[(line + fileIndex) % LINE_TEMPLATES.length]).join('\n')]));
  const tests: TestResult[] = [];
  for (let testIndex = 0; testIndex < shape.tests; testIndex++) {
    const coveredLines: Record<string, number[]> = {};
    for (const file of files) {
      if (next() >= shape.filesPerTest) continue;
      const lines: number[] = [];
      for (let line = 1; line <= shape.linesPerFile; line++) if (next() < shape.lineDensity) lines.push(line);
      coveredLines[file] = lines;
    }
    const failed = next() < shape.failingShare;
    const touched = Object.keys(coveredLines);
    const frameFile = touched[0];
    tests.push({
      id: `tests/test_synthetic.py::test_${testIndex}`,
      file: path.join(ROOT, 'tests', 'test_synthetic.py'),
      outcome: failed ? 'failed' : 'passed',
      durationMs: 1,
      frames: failed && frameFile ? [{ file: path.join(ROOT, 'tests', 'test_synthetic.py'), line: testIndex + 1 }, { file: frameFile, line: coveredLines[frameFile][0] ?? 1 }] : [],
      coveredLines,
    });
  }
  const run: TestRun = {
    framework: 'pytest',
    root: ROOT,
    command: ['python3', '-m', 'pytest'],
    tests,
    problems: [],
    durationMs: 0,
    coverageMethod: 'coverage.py',
    complete: true,
    testFiles: [path.join(ROOT, 'tests', 'test_synthetic.py')],
  };
  return { run, sources: { read: async (file) => texts.get(file) } };
}

async function timeShape(shape: Shape, repetitions: number) {
  const { run, sources } = syntheticRun(shape);
  const coveredEntries = run.tests.reduce((sum, test) => sum + Object.values(test.coveredLines ?? {}).reduce((inner, lines) => inner + lines.length, 0), 0);
  const failing = run.tests.filter((test) => test.outcome === 'failed').length;
  let scoredLines = 0;
  for (let warmup = 0; warmup < 2; warmup++) scoredLines = (await localizeFaults({ run, sources })).length;
  const timings: number[] = [];
  const cpuTimings: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await localizeFaults({ run, sources });
    const cpu = process.cpuUsage(cpuStart);
    timings.push(performance.now() - start);
    cpuTimings.push((cpu.user + cpu.system) / 1000);
  }
  timings.sort((left, right) => left - right);
  cpuTimings.sort((left, right) => left - right);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    shape,
    failingTests: failing,
    coveredLineEntries: coveredEntries,
    scoredLines,
    medianMs: round(timings[Math.floor(timings.length / 2)]),
    minMs: round(timings[0]),
    maxMs: round(timings[timings.length - 1]),
    // CPU time of this process (all its threads, garbage collection included): less disturbed than
    // wall time when other work shares the machine.
    medianCpuMs: round(cpuTimings[Math.floor(cpuTimings.length / 2)]),
    repetitions,
  };
}

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const outFile = outIndex > 0 ? process.argv[outIndex + 1] : path.join('bench', 'results', 'score-speed.json');
  const standard: Shape = { name: 'standard', tests: 2000, files: 50, linesPerFile: 100, filesPerTest: 0.3, lineDensity: 0.6, failingShare: 0.05 };
  const dense: Shape = { name: 'dense (every test runs 80% of every file)', tests: 2000, files: 50, linesPerFile: 100, filesPerTest: 1, lineDensity: 0.8, failingShare: 0.05 };
  const results = [];
  for (const shape of [standard, dense]) {
    const result = await timeShape(shape, 15);
    results.push(result);
    console.log(`${shape.name}: ${result.scoredLines} lines scored from ${result.coveredLineEntries} coverage entries; median ${result.medianMs} ms wall (min ${result.minMs}, max ${result.maxMs}), median ${result.medianCpuMs} ms CPU`);
  }
  const report = {
    benchmark: 'localizeFaults on synthetic runs of 2,000 tests × 5,000 lines, no syntax service',
    targetMs: 200,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    // Other work on the machine inflates the median; the minimum is the least disturbed repetition.
    loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100),
    date: new Date().toISOString(),
    results,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${outFile}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
