import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  parseArguments,
  parseRecordSet,
  PYTHON,
  recordSetsOption,
  splitFold,
  visibleProjectFiles,
  writeFiles,
  type RepairTask,
} from '../../bench/repair/common';

function withDir<T>(body: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repair-bench-test-'));
  try {
    return body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const pythonTask: RepairTask = {
  taskId: 'Python/900',
  language: 'python',
  // Bug: adds one too many.
  buggySource: 'def add_one(x):\n    """Adds one.\n    >>> add_one(1)\n    2\n    """\n    return x + 2\n',
  exampleTest: 'def check(add_one):\n    assert add_one(1) == 2\n    assert add_one(5) == 6\n\ncheck(add_one)\n',
  test: [
    'import math',
    '',
    'def check(candidate):',
    '    # hidden asserts: #0 repeats an example, #1 and #3 stay hidden, #2 and #4 become visible',
    '    assert candidate(1) == 2',
    '    assert candidate(10) == 11',
    '    base = 40',
    '    assert candidate(base) == 41',
    '    assert True, "nameless asserts are no test"',
    '    assert candidate(-1) == 0',
    '    for value in range(3):',
    '        assert candidate(value) == value + 1 and math.isfinite(value)',
    '',
    'check(add_one)',
    '',
  ].join('\n'),
  entryPoint: 'add_one',
  bugType: 'value misuse',
  docstring: 'Adds one.',
  buggyLines: [6],
  missingAfter: [],
};

function pytest(files: Record<string, string>, source: string): { passed: number; failed: number; names: string[] } {
  return withDir((dir) => {
    writeFiles(dir, { ...files, 'solution.py': source });
    const result = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-rA', '-p', 'no:cacheprovider', 'test_solution.py'], { cwd: dir, encoding: 'utf8' });
    const out = result.stdout + result.stderr;
    return {
      passed: Number(/(\d+) passed/.exec(out)?.[1] ?? 0),
      failed: Number(/(\d+) failed/.exec(out)?.[1] ?? 0),
      names: [...out.matchAll(/^(?:PASSED|FAILED) test_solution\.py::(test_\d+)/gm)].map((match) => match[1]),
    };
  });
}

void test('Python extended visibility adds the even-indexed hidden asserts, not those among the examples', () => {
  const examples = visibleProjectFiles(pythonTask, 'examples');
  const extended = visibleProjectFiles(pythonTask, 'extended');
  assert.equal(examples['solution.py'], pythonTask.buggySource);
  assert.equal(extended['solution.py'], pythonTask.buggySource);
  const visible = extended['test_solution.py'];
  // The examples come first, unchanged.
  assert.match(visible, /def test_000\(\):\n {4}assert add_one\(1\) == 2/);
  assert.match(visible, /def test_001\(\):\n {4}assert add_one\(5\) == 6/);
  // Hidden #0 is example 1 again (dropped), #2 keeps its setup, #4 is the loop; #1 and #3 stay hidden.
  assert.match(visible, /def test_002\(\):\n[^]*base = 40\n {4}assert candidate\(base\) == 41/);
  assert.match(visible, /def test_003\(\):\n[^]*for value in range\(3\):/);
  assert.doesNotMatch(visible, /test_004/);
  assert.doesNotMatch(visible, /candidate\(10\)|candidate\(-1\)|assert True/);
  assert.match(visible, /^import math$/m);
  // The hidden check calls the function `candidate`, the examples `add_one`: both names work.
  assert.match(visible, /candidate = add_one/);

  const correct = pythonTask.buggySource.replace('x + 2', 'x + 1');
  assert.deepEqual(pytest(extended, correct), { passed: 4, failed: 0, names: ['test_000', 'test_001', 'test_002', 'test_003'] });
  assert.equal(pytest(extended, pythonTask.buggySource).failed, 4);
  assert.equal(pytest(examples, correct).passed, 2);
});

void test('Python extended visibility works without docstring examples', () => {
  const files = visibleProjectFiles({ ...pythonTask, exampleTest: '' }, 'extended');
  assert.equal(visibleProjectFiles({ ...pythonTask, exampleTest: '' }, 'examples')['test_solution.py'], undefined);
  // Hidden #0, #2, #4, none dropped.
  assert.equal(pytest(files, pythonTask.buggySource.replace('x + 2', 'x + 1')).passed, 3);
});

const jsTask: RepairTask = {
  taskId: 'JavaScript/900',
  language: 'js',
  buggySource: 'const shift = (x) => x + 1\nconst addOne = (x) => {\n  return shift(x) + 1\n}\n',
  exampleTest: 'const testAddOne = () => {\n  console.assert(addOne(1) === 2)\n}\ntestAddOne()\n',
  test: [
    'const testAddOne = () => {',
    '  console.assert(addOne(1) === 2)',
    '  console.assert(addOne(10) === 11)',
    '  let base = 40',
    '  console.assert(',
    '    addOne(base) === shift(base)',
    '  )',
    '  console.assert(addOne(-1) === 0)',
    '  for (let i = 0; i < 3; i++) {',
    '    console.assert(addOne(i) === i + 1)',
    '  }',
    '}',
    '',
    'testAddOne()',
    '',
  ].join('\n'),
  entryPoint: 'addOne',
  bugType: 'value misuse',
  docstring: 'Adds one.',
  buggyLines: [3],
  missingAfter: [],
};

function nodeTest(files: Record<string, string>, source: string): { pass: number; fail: number } {
  return withDir((dir) => {
    writeFiles(dir, { ...files, 'solution.js': source });
    // Inside `node --test`, a child runner would report to this one instead of printing TAP.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'test/'], { cwd: dir, encoding: 'utf8', env });
    return { pass: Number(/# pass (\d+)/.exec(result.stdout)?.[1] ?? -1), fail: Number(/# fail (\d+)/.exec(result.stdout)?.[1] ?? -1) };
  });
}

void test('JavaScript extended visibility adds the even-indexed hidden asserts with their setup', () => {
  const examples = visibleProjectFiles(jsTask, 'examples');
  const extended = visibleProjectFiles(jsTask, 'extended');
  const visible = extended['test/solution.test.js'];
  assert.equal((visible.match(/^test\('test_\d+'/gm) ?? []).length, 3);
  assert.match(visible, /test\('test_000', \(\) => \{\n {2}console\.assert\(addOne\(1\) === 2\);/);
  assert.match(visible, /test\('test_001', \(\) => \{\n {2}let base = 40\nconsole\.assert\(\n {4}addOne\(base\) === shift\(base\)/);
  assert.match(visible, /test\('test_002'[^]*for \(let i = 0; i < 3; i\+\+\)/);
  assert.doesNotMatch(visible, /addOne\(10\)|addOne\(-1\)/);
  // The hidden tests call `shift` too: extended exports every top-level name, examples only the entry point.
  assert.match(extended['solution.js'], /module\.exports = \{ addOne, shift \};/);
  assert.match(examples['solution.js'], /module\.exports = \{ addOne \};/);

  const correct = jsTask.buggySource.replace('shift(x) + 1', 'shift(x)');
  const buggyExtended = visibleProjectFiles(jsTask, 'extended');
  assert.deepEqual(nodeTest(extended, `${correct}\nmodule.exports = { addOne, shift };\n`), { pass: 3, fail: 0 });
  assert.deepEqual(nodeTest(extended, buggyExtended['solution.js']), { pass: 0, fail: 3 });
  assert.deepEqual(nodeTest(examples, examples['solution.js']), { pass: 0, fail: 1 });
});

void test('record sets: --sets pools named sets, --language is the shorthand', () => {
  const option = (...argv: string[]) => recordSetsOption(parseArguments(argv));
  assert.deepEqual(
    option('--sets', 'python,js,python-extended,python').sets.map((set) => [set.name, set.language, set.visibility]),
    [
      ['python', 'python', 'examples'],
      ['js', 'js', 'examples'],
      ['python-extended', 'python', 'extended'],
    ],
  );
  assert.equal(option('--sets', 'python,python-extended').name, 'python+python-extended');
  assert.deepEqual(option('--language', 'all'), { sets: [parseRecordSet('python'), parseRecordSet('js')], name: 'all' });
  assert.equal(option('--language', 'all', '--visible', 'extended').name, 'all-extended');
  assert.deepEqual(option('--language', 'js', '--visible', 'extended').sets, [parseRecordSet('js-extended')]);
  assert.equal(option().name, 'python');
  assert.throws(() => option('--sets', 'python,rust'), /unknown record set rust/);
  assert.throws(() => option('--sets', 'python', '--language', 'js'), /either --sets or --language/);
  assert.throws(() => option('--language', 'python', '--visible', 'hidden'), /unknown visibility/);
});

void test('folds keep every record set of a task on the same side', () => {
  const items = Array.from({ length: 60 }, (_, index) => ['python', 'python-extended'].map((set) => ({ set, taskId: `Python/${index}` }))).flat();
  const seenInTesting = new Map<string, number>();
  for (let fold = 0; fold < 10; fold++) {
    const { training, testing } = splitFold(items, fold, 10);
    assert.equal(training.length + testing.length, items.length);
    const testingTasks = new Set(testing.map((item) => item.taskId));
    assert.ok(training.every((item) => !testingTasks.has(item.taskId)));
    for (const task of testingTasks) {
      assert.equal(testing.filter((item) => item.taskId === task).length, 2);
      seenInTesting.set(task, (seenInTesting.get(task) ?? 0) + 1);
    }
  }
  // Every task is held out exactly once.
  assert.equal(seenInTesting.size, 60);
  assert.ok([...seenInTesting.values()].every((count) => count === 1));
});
