/**
 * The Testing view's tree of the tests Revise ran (file → suite → test), and what each failure says,
 * as pure functions over the core's `TestRun` so plain Node tests cover them (this file must not import
 * `vscode`; `testing.ts` turns the nodes into `TestItem`s).
 */
import * as path from 'node:path';
import type { Framework, TestResult } from '../core/types';

/** One node of the tree: a file, a suite (class, `describe`) or a test. */
export interface TestNode {
  /** Unique within one workspace folder. */
  id: string;
  kind: 'file' | 'suite' | 'test';
  label: string;
  /** Absolute path of the file that holds it. */
  file: string;
  /** 1-based line of the definition, when the capture knows it (tests only). */
  line?: number;
  children: TestNode[];
  /** The test's result (tests only). */
  result?: TestResult;
}

/** A failure's expected and actual values, when its message states them. */
export interface ExpectedActual {
  expected: string;
  actual: string;
}

/**
 * The parts of a test id after its file: pytest `tests/test_x.py::TestY::test_z[1]` →
 * `['TestY', 'test_z[1]']`; the JavaScript runners' `test/x.test.js > suite > test` →
 * `['suite', 'test']`. The first element of the result is the file part as written in the id.
 */
export function splitTestId(id: string, framework: Framework): string[] {
  if (framework === 'pytest') return id.split('::');
  // JavaScript ids put the file first, then the titles; a title may itself hold `::`.
  return id.split(' > ');
}

/**
 * Builds the file → suite → test tree of a run's tests. Files come in path order, suites and tests in
 * the order the run reported them. A test whose file is unknown is placed under the file its id names.
 * @param tests the run's results
 * @param root the workspace folder (absolute), for files named relative to it in ids
 * @param framework how ids are written
 */
export function buildTestTree(tests: readonly TestResult[], root: string, framework: Framework): TestNode[] {
  const files = new Map<string, TestNode>();
  for (const test of tests) {
    const [filePart, ...rest] = splitTestId(test.id, framework);
    const file = test.file ?? path.resolve(root, filePart);
    const fileId = `file:${normalize(path.relative(root, file))}`;
    let fileNode = files.get(fileId);
    if (!fileNode) {
      fileNode = { id: fileId, kind: 'file', label: normalize(path.relative(root, file)) || path.basename(file), file, children: [] };
      files.set(fileId, fileNode);
    }
    let parent: TestNode = fileNode;
    const names = rest.length > 0 ? rest : [test.id];
    // Suites are every part but the last; their ids carry the whole path so equal names never merge.
    for (let depth = 0; depth < names.length - 1; depth++) {
      const suiteId = `suite:${fileId}::${names.slice(0, depth + 1).join('::')}`;
      let suite: TestNode | undefined = parent.children.find((child) => child.id === suiteId);
      if (!suite) {
        suite = { id: suiteId, kind: 'suite', label: names[depth], file, children: [] };
        parent.children.push(suite);
      }
      parent = suite;
    }
    parent.children.push({
      id: `test:${test.id}`,
      kind: 'test',
      label: names[names.length - 1],
      file,
      ...(test.line !== undefined ? { line: test.line } : {}),
      children: [],
      result: test,
    });
  }
  return [...files.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/** Every test under a node (the node itself when it is a test). */
export function testsUnder(node: TestNode): TestNode[] {
  return node.kind === 'test' ? [node] : node.children.flatMap(testsUnder);
}

/**
 * Expected and actual values from a failure's first line, for the ones common enough to read:
 * pytest's `assert 12 == 20` (pytest shows `assert actual == expected`), Node's `12 !== 20`, and
 * Chai's `expected 12 to equal 20`. Undefined when the message says neither.
 */
export function expectedActual(message: string | undefined): ExpectedActual | undefined {
  if (!message) return undefined;
  const text = message.replace(/^\w*Error(?: \[\w+\])?:\s*/, '').trim();
  const pytest = /^assert (.+?) == (.+)$/.exec(text);
  if (pytest && !pytest[2].includes(' == ')) return { actual: pytest[1].trim(), expected: pytest[2].trim() };
  const chai = /^expected (.+?) to (?:deeply )?equal (.+)$/.exec(text);
  if (chai) return { actual: chai[1].trim(), expected: chai[2].trim() };
  const strict = /^(.+?) !== (.+)$/.exec(text);
  if (strict) return { actual: strict[1].trim(), expected: strict[2].trim() };
  return undefined;
}

/**
 * Where a failure happened in the test's own file: the innermost stack frame in that file, else the
 * test's definition.
 */
export function failureLocation(test: TestResult): { file: string; line: number } | undefined {
  const inTestFile = test.file ? [...test.frames].reverse().find((frame) => frame.file === test.file) : undefined;
  if (inTestFile) return { file: inTestFile.file, line: inTestFile.line };
  if (test.file && test.line !== undefined) return { file: test.file, line: test.line };
  const innermost = test.frames[test.frames.length - 1];
  return innermost ? { file: innermost.file, line: innermost.line } : undefined;
}

function normalize(relative: string): string {
  return relative.split(path.sep).join('/');
}
