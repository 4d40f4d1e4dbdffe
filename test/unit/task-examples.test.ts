/**
 * A task's worked examples run against the project's code (`bounce/examples`), and the pipeline's use of
 * them: only when no test fails, for an explicit task or the docstring of the function at the cursor.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { brokenDocExamples, findExampleTarget, runDocExamples, runExamples } from '../../extension/src/core/bounce/examples';
import { examplesToRun } from '../../extension/src/core/bounce/input/index';
import { DEFAULT_SETTINGS, runCheck } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { DiskSourceReader } from '../../extension/src/core/sources';
import { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import { grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;

function project(files: Record<string, string>): { base: string; root: string } {
  const base = mkdtempSync(path.join(os.tmpdir(), 'revise-examples-'));
  const root = path.join(base, 'project');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return { base, root };
}

/** Every file under `root`, relative, sorted: to show a run wrote nothing there. */
function listing(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).map(String).sort();
}

const plainRunner = () => new NodeProcessRunner();

const PYTHON_MODULE = [
  'import time',
  '',
  'class Box:',
  '    pass',
  '',
  'def add(a, b):',
  '    return a + b',
  '',
  'def boxed(a):',
  '    return Box()',
  '',
  'def fail(a):',
  '    raise ValueError(a)',
  '',
  'def slow(a):',
  '    while True:',
  '        time.sleep(0.01)',
  '',
].join('\n');

test('runs a Python task\'s examples against the module: literal results only, errors and hangs give no value, nothing written', { skip: pythonMissing }, async () => {
  const { base, root } = project({ 'pkg/calc.py': PYTHON_MODULE, 'pkg/__init__.py': '' });
  try {
    const before = listing(root);
    const text = 'def add(a, b):\n    """Sum.\n\n    >>> add(2, 3)\n    6\n    >>> add([1], [2])\n    [1, 2]\n    >>> add(x, 1)\n    2\n    """';
    const { examples } = examplesToRun(text);
    assert.deepEqual(examples.map((example) => example.call), ['add(2, 3)', 'add([1], [2])', 'add(x, 1)']);
    const file = path.join(root, 'pkg', 'calc.py');
    const runs = await runExamples({ root, target: { file, functionName: 'add' }, examples, runner: plainRunner, pythonPath: python, logger: silentLogger });
    assert.equal(await runs.runExample('add(2, 3)'), '5');
    assert.equal(await runs.runExample('add([1], [2])'), '[1, 2]');
    assert.equal(await runs.runExample('add(x, 1)'), undefined, 'a name, not a literal: never evaluated');
    assert.equal(runs.compared, 2);

    const others = examplesToRun('>>> boxed(1)\n1\n>>> fail(2)\n2\n>>> slow(3)\n3').examples;
    for (const functionName of ['boxed', 'fail', 'slow']) {
      const one = await runExamples({ root, target: { file, functionName }, examples: others, runner: plainRunner, pythonPath: python, perCallTimeoutMs: 200, logger: silentLogger });
      assert.equal(one.compared, 0, functionName);
      assert.match(one.note ?? '', new RegExp(`no example of \`${functionName}\` gave a value`), functionName);
    }
    assert.deepEqual(listing(root), before, 'nothing written next to the code (no __pycache__)');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('runs a JavaScript task\'s examples against a CommonJS module', async () => {
  const { base, root } = project({ 'lib/calc.js': 'function add(a, b) {\n  return a + b;\n}\nfunction pair(a) {\n  return [a, null];\n}\nfunction box(a) {\n  return new Map([[a, a]]);\n}\nmodule.exports = { add, pair, box };\n' });
  try {
    const file = path.join(root, 'lib', 'calc.js');
    const { examples } = examplesToRun('/**\n * Sum of two numbers.\n * add(2, 3) ➞ 6\n */\nfunction add(a, b) {}');
    const runs = await runExamples({ root, target: { file, functionName: 'add' }, examples, runner: plainRunner, logger: silentLogger });
    assert.equal(await runs.runExample('add(2, 3)'), '5');
    assert.equal(runs.compared, 1);
    const others = [
      { call: 'pair(1)', functionName: 'pair', argumentsText: '1', argumentCount: 1, expected: '[1, null]' },
      { call: 'box(1)', functionName: 'box', argumentsText: '1', argumentCount: 1, expected: '[1]' },
    ];
    const paired = await runExamples({ root, target: { file, functionName: 'pair' }, examples: others, runner: plainRunner, logger: silentLogger });
    assert.equal(await paired.runExample('pair(1)'), '[1,null]');
    const boxed = await runExamples({ root, target: { file, functionName: 'box' }, examples: others, runner: plainRunner, logger: silentLogger });
    assert.equal(await boxed.runExample('box(1)'), undefined, 'a Map is no literal');
    const other = await runExamples({ root, target: { file: path.join(root, 'lib', 'calc.rb'), functionName: 'add' }, examples, runner: plainRunner, logger: silentLogger });
    assert.equal(other.compared, 0);
    assert.match(other.note ?? '', /Python, JavaScript and TypeScript modules only/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

const exampleModules = path.join(repoRoot, 'examples', 'typescript-bug', 'node_modules');
const tsxMissing = existsSync(path.join(exampleModules, 'tsx', 'package.json')) ? undefined : 'examples/typescript-bug has no node_modules/tsx (npm ci there)';

test('runs a TypeScript module\'s examples through the project\'s own tsx, and says so when it has none', { skip: tsxMissing }, async () => {
  const source = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
  const { base, root } = project({ 'package.json': '{ "type": "module" }\n', 'src/calc.ts': source });
  try {
    const file = path.join(root, 'src', 'calc.ts');
    const { examples } = examplesToRun('/**\n * Sum of two numbers.\n * add(2, 3) ➞ 6\n */\nfunction add(a: number, b: number): number {}');
    const without = await runExamples({ root, target: { file, functionName: 'add' }, examples, runner: plainRunner, logger: silentLogger });
    assert.equal(without.compared, 0);
    assert.match(without.note ?? '', /calc\.ts is TypeScript and the project has no tsx/);
    symlinkSync(exampleModules, path.join(root, 'node_modules'), 'dir');
    const before = listing(root);
    const runs = await runExamples({ root, target: { file, functionName: 'add' }, examples, runner: plainRunner, logger: silentLogger });
    assert.equal(await runs.runExample('add(2, 3)'), '5');
    assert.equal(runs.compared, 1);
    assert.deepEqual(listing(root).filter((name) => !name.startsWith('node_modules')), before.filter((name) => !name.startsWith('node_modules')), 'nothing written in the project');
    assert.deepEqual(await findExampleTarget(['add'], [file], new DiskSourceReader()), { file, functionName: 'add' });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('finds the module that defines the function the task names, the signature\'s name first', async () => {
  const { base, root } = project({ 'a.py': 'def helper(x):\n    return x\n', 'b.py': 'def total(xs):\n    return sum(xs)\n', 'c.js': 'function helper(x) { return x; }\n' });
  try {
    const files = ['a.py', 'b.py', 'c.js'].map((name) => path.join(root, name));
    const sources = new DiskSourceReader();
    assert.deepEqual(await findExampleTarget(['total', 'helper'], files, sources), { file: files[1], functionName: 'total' });
    assert.deepEqual(await findExampleTarget(['candidate', 'helper'], files, sources), { file: files[0], functionName: 'helper' });
    assert.equal(await findExampleTarget(['candidate'], files, sources), undefined);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

const CALC = 'def add(a, b):\n    """Sum of a and b.\n\n    >>> add(2, 3)\n    6\n    """\n    return a + b\n';

async function check(root: string, extra: { task?: string; focus?: { file: string; line: number } }) {
  const said: string[] = [];
  const logger = { ...silentLogger, info: (message: string) => said.push(message), debug: (message: string) => said.push(message) };
  const result = await runCheck({
    root,
    mode: 'check',
    assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
    settings: { ...DEFAULT_SETTINGS, pythonPath: python },
    logger,
    syntax: new SyntaxService(grammarsDir),
    ...extra,
  });
  return { result, said };
}

test('a check with every test passing runs an explicit task\'s examples against the code and says when they contradict it', { skip: pythonMissing }, async () => {
  const { base, root } = project({ 'calc.py': CALC, 'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(1, 1) == 2\n', 'pytest.ini': '[pytest]\npythonpath = .\n' });
  try {
    const task = (output: number) => `def add(a, b):\n    """Return the sum of the two integers a and b.\n\n    >>> add(2, 3)\n    ${output}\n    """`;
    const wrong = await check(root, { task: task(6) });
    assert.equal(wrong.result.report.task?.verdict, 'vague');
    assert.match((wrong.result.report.task?.missing ?? []).join('\n'), /`add\(2, 3\)` is said to return 6 but the code returns 5/);
    assert.ok(wrong.said.some((line) => /task examples: 1 of 1 run against `add` \(calc\.py\), which passes every test/.test(line)), wrong.said.join('\n'));
    const right = await check(root, { task: task(5) });
    assert.ok(!(right.result.report.task?.missing ?? []).some((reason) => /contradict/.test(reason)), JSON.stringify(right.result.report.task));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the docstring of the function at the cursor is checked the same way; with a failing test no example runs', { skip: pythonMissing }, async () => {
  const passing = project({ 'calc.py': CALC, 'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(1, 1) == 2\n', 'pytest.ini': '[pytest]\npythonpath = .\n' });
  const failing = project({ 'calc.py': CALC, 'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(1, 1) == 3\n', 'pytest.ini': '[pytest]\npythonpath = .\n' });
  try {
    const docstring = await check(passing.root, { focus: { file: path.join(passing.root, 'calc.py'), line: 7 } });
    assert.equal(docstring.result.report.task?.source, 'docstring');
    assert.equal(docstring.result.report.task?.verdict, 'vague', JSON.stringify(docstring.result.report.task));
    assert.match((docstring.result.report.task?.missing ?? []).join('\n'), /the code returns 5/);

    const broken = await check(failing.root, { task: 'def add(a, b):\n    """Return the sum of the two integers a and b.\n\n    >>> add(2, 3)\n    6\n    """' });
    assert.ok(!(broken.result.report.task?.missing ?? []).some((reason) => /contradict the code/.test(reason)), JSON.stringify(broken.result.report.task));
    assert.ok(!broken.said.some((line) => /task examples/.test(line)), 'not run while a test fails');
  } finally {
    rmSync(passing.base, { recursive: true, force: true });
    rmSync(failing.base, { recursive: true, force: true });
  }
});

test('Check and Fix runs the task\'s examples against the patch it would propose: it is withheld when they contradict it, and the agreement is a reason when they do not', { skip: pythonMissing }, async () => {
  const buggy = 'def add(a, b):\n    """Sum of a and b.\n\n    >>> add(2, 3)\n    5\n    """\n    return a - b\n';
  const { base, root } = project({ 'calc.py': buggy, 'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n\ndef test_same():\n    assert add(1, 1) == 2\n', 'pytest.ini': '[pytest]\npythonpath = .\n' });
  const fix = (task?: string, runTaskExamples = true) =>
    runCheck({
      root,
      mode: 'fix',
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      settings: { ...DEFAULT_SETTINGS, pythonPath: python, runTaskExamples, patch: { ...DEFAULT_SETTINGS.patch, workers: 1 } },
      logger: silentLogger,
      syntax: new SyntaxService(grammarsDir),
      ...(task ? { task } : {}),
    });
  try {
    const docstring = await fix();
    assert.equal(docstring.report.decision?.action, 'propose', docstring.report.decision?.reasons.join(' | '));
    const proposed = docstring.report.patches.find((patch) => patch.id === docstring.report.decision?.patch);
    assert.deepEqual(proposed?.examples, { compared: 1, contradictions: [] });
    assert.ok(docstring.report.decision?.reasons.some((reason) => /gives the task's example the result it states/.test(reason)));

    // No test asserts anything for add(3, 4): only the patched code can contradict this example.
    const contradictingTask = 'def add(a, b):\n    """Return the sum of the two integers a and b.\n\n    >>> add(3, 4)\n    8\n    """';
    const contradicting = await fix(contradictingTask);
    assert.equal(contradicting.report.decision?.action, 'abstain', contradicting.report.decision?.reasons.join(' | '));
    assert.ok(contradicting.report.decision?.reasons.some((reason) => /`add\(3, 4\)` is said to return 8 but the patched code returns 7/.test(reason)), contradicting.report.decision?.reasons.join(' | '));
    // The verdict on the task stays about its text: the patch, the example or the tests may be what is wrong.
    assert.ok(!(contradicting.report.task?.missing ?? []).some((reason) => /contradict/.test(reason)), JSON.stringify(contradicting.report.task));
    const textOnly = await fix(contradictingTask, false);
    assert.equal(textOnly.report.decision?.action, 'propose', 'with revise.task.runExamples off, the task is judged from its text alone');
    assert.equal(textOnly.report.patches.find((patch) => patch.id === textOnly.report.decision?.patch)?.examples, undefined);
    // An example a test asserts another result for makes the task vague before any patch is searched.
    const againstTests = await fix(contradictingTask.replace('add(3, 4)\n    8', 'add(2, 3)\n    6'));
    assert.equal(againstTests.report.task?.verdict, 'vague');
    assert.equal(againstTests.report.decision?.action, 'abstain');
    assert.ok(againstTests.report.decision?.reasons.some((reason) => /tests\/test_calc\.py:4 asserts 5/.test(reason)), againstTests.report.decision?.reasons.join(' | '));
    assert.equal(readFileSync(path.join(root, 'calc.py'), 'utf8'), buggy, 'the user\'s file is untouched');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

const BOX = [
  'class Box:',
  '    def __init__(self, size):',
  '        self.size = size',
  '',
  '    def grow(self, by):',
  '        """Grows the box.',
  '',
  '        >>> Box(2).grow(3).size',
  '        5',
  '        >>> Box(0).grow(0).size',
  '        0',
  '        >>> Box(1).grow(1).size',
  '        3',
  '        """',
  '        self.size = self.size + by',
  '        return self',
  '',
  '',
  'def outer():',
  '    def inner():',
  '        """',
  '        >>> 1',
  '        1',
  '        """',
  '        return 1',
  '    return inner',
  '',
].join('\n');

test('runs the doctest examples of the function holding a line, and names those a change breaks', { skip: pythonMissing }, async () => {
  const { base, root } = project({ 'box.py': BOX });
  try {
    const file = path.join(root, 'box.py');
    const before = await runDocExamples({ root, file, line: 15, runner: plainRunner, pythonPath: python, logger: silentLogger });
    assert.equal(before?.qualname, 'Box.grow');
    assert.deepEqual(before?.examples.map((example) => example.passed), [true, true, false], 'the third example is wrong in the docstring itself');
    assert.equal(await runDocExamples({ root, file, line: 25, runner: plainRunner, pythonPath: python, logger: silentLogger }), undefined, 'a nested function cannot be reached from the module');

    writeFileSync(file, BOX.replace('self.size = self.size + by', 'self.size = self.size * by'));
    const after = await runDocExamples({ root, file, qualname: 'Box.grow', runner: plainRunner, pythonPath: python, logger: silentLogger });
    const broken = brokenDocExamples(before!, after!);
    assert.deepEqual(
      broken.map(({ source, want, got }) => ({ source, want, got })),
      [{ source: 'Box(2).grow(3).size', want: '5', got: '6' }],
      'the example that passed before and fails now; the one that failed before does not count',
    );
    assert.deepEqual(listing(root), ['box.py'], 'nothing written next to the code');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('Check and Fix runs the patched function\'s doctests before and after the patch it would propose', { skip: pythonMissing }, async () => {
  const source = 'def add(a, b):\n    """Sum of a and b.\n\n    >>> add(3, 0)\n    3\n    """\n    return a - b\n';
  const { base, root } = project({ 'calc.py': source, 'tests/test_calc.py': 'from calc import add\n\ndef test_add():\n    assert add(2, 2) == 4\n', 'pytest.ini': '[pytest]\npythonpath = .\n' });
  try {
    const result = await runCheck({
      root,
      mode: 'fix',
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      settings: { ...DEFAULT_SETTINGS, pythonPath: python, targetPrecision: 0, patch: { ...DEFAULT_SETTINGS.patch, workers: 1 } },
      logger: silentLogger,
      syntax: new SyntaxService(grammarsDir),
    });
    const proposed = result.report.patches.find((patch) => patch.id === result.report.decision?.patch);
    assert.ok(proposed, result.report.decision?.reasons.join(' | '));
    assert.deepEqual(proposed.documented, { function: 'add', run: 1, broken: [] });
    assert.ok(result.report.decision?.reasons.some((reason) => /the doctest examples of `add` still pass with it \(1\)/.test(reason)));
    for (const patch of result.report.patches) assert.ok(!patch.documented || patch.documented.broken.length === 0 || patch.id !== proposed.id);
    assert.equal(readFileSync(path.join(root, 'calc.py'), 'utf8'), source);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
