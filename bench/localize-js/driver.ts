/**
 * The JavaScript driver of the localization benchmarks: builds a node:test project per HumanEvalFix-JS
 * task (the buggy `declaration + buggy_solution` as solution.js, one test file per `console.assert`
 * statement of the task's test function, `console.assert` made to throw) and captures it with Revise's
 * real JavaScript capture.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureJavaScript } from '../../extension/src/core/capture/javascript/index';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { TestRun } from '../../extension/src/core/types';
import { repoRoot, type HumanEvalFixTask, type LanguageDriver } from '../localize/common';

/** Some buggy programs loop forever; a correct one answers in milliseconds. */
const PER_TEST_TIMEOUT_MS = 3000;
const TOTAL_TIMEOUT_MS = 300_000;
/** Tasks that need a package the benchmark does not install (JavaScript/162 imports js-md5). */
export const SKIPPED_TASKS = new Map([['JavaScript/162', 'needs the js-md5 package']]);

/** Statement continuations: a line starting with one of these belongs to the statement above. */
const CONTINUATION = /^(?:else\b|catch\b|finally\b|\.|\?|:|&&|\|\||\+|-|\*|\/(?![/*])|,|\))/;

/**
 * Splits JavaScript statements at depth 0 (newlines or semicolons outside brackets, strings and
 * comments), keeping a line that continues the previous statement (`.map(…)`, `else`) with it.
 */
export function splitStatements(body: string): string[] {
  const statements: string[] = [];
  let depth = 0;
  let current = '';
  let index = 0;
  const flush = () => {
    if (current.trim() !== '') statements.push(current.trim());
    current = '';
  };
  while (index < body.length) {
    const character = body[index]!;
    const next = body[index + 1];
    if (character === '/' && next === '/') {
      const end = body.indexOf('\n', index);
      const stop = end < 0 ? body.length : end;
      current += body.slice(index, stop);
      index = stop;
      continue;
    }
    if (character === '/' && next === '*') {
      const end = body.indexOf('*/', index + 2);
      const stop = end < 0 ? body.length : end + 2;
      current += body.slice(index, stop);
      index = stop;
      continue;
    }
    if (character === '"' || character === "'" || character === '`') {
      let stop = index + 1;
      while (stop < body.length && body[stop] !== character) stop += body[stop] === '\\' ? 2 : 1;
      current += body.slice(index, stop + 1);
      index = stop + 1;
      continue;
    }
    if ('([{'.includes(character)) depth++;
    if (')]}'.includes(character)) depth--;
    if (depth === 0 && (character === ';' || character === '\n')) {
      current += character;
      const rest = body.slice(index + 1).trimStart();
      if (character === '\n' && CONTINUATION.test(rest)) {
        index++;
        continue;
      }
      flush();
      index++;
      continue;
    }
    current += character;
    index++;
  }
  flush();
  return statements;
}

/** The body of the first arrow function or function in a HumanEvalFix test text (between its braces). */
export function testFunctionBody(test: string): string {
  const start = test.search(/=>\s*\{|function[^(]*\([^)]*\)\s*\{/);
  if (start < 0) throw new Error('no test function found');
  const open = test.indexOf('{', start);
  let depth = 0;
  for (let index = open; index < test.length; index++) {
    if (test[index] === '{') depth++;
    else if (test[index] === '}') {
      depth--;
      if (depth === 0) return test.slice(open + 1, index);
    }
  }
  throw new Error('unbalanced braces in the test function');
}

/** Names declared at the top level of a solution (to export them to the tests). */
export function topLevelNames(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(/^(?:const|let|var|function\*?|async\s+function|class)\s+([A-Za-z_$][\w$]*)/gm)) names.add(match[1]!);
  return [...names];
}

/** One test file per statement that asserts; every other statement is repeated before it as setup. */
export function splitHumanEvalTest(test: string, names: string[]): { name: string; text: string }[] {
  const statements = splitStatements(testFunctionBody(test));
  const files: { name: string; text: string }[] = [];
  const header = [
    "'use strict';",
    "const { test } = require('node:test');",
    '// HumanEval tests assert with console.assert, which only logs: make it throw.',
    "console.assert = (condition, ...data) => { if (!condition) throw new Error(`console.assert failed${data.length > 0 ? `: ${data.join(' ')}` : ''}`); };",
    `const { ${names.join(', ')} } = require('../solution.js');`,
    '',
  ].join('\n');
  let count = 0;
  statements.forEach((statement, index) => {
    if (!statement.includes('console.assert')) return;
    count++;
    const setup = statements.slice(0, index).filter((other) => !other.includes('console.assert'));
    const title = statement.replace(/\s+/g, ' ').slice(0, 80);
    const body = [...setup, statement].map((line) => `  ${line.split('\n').join('\n  ')}`).join('\n');
    files.push({ name: `test/assert-${String(count).padStart(2, '0')}.test.js`, text: `${header}test(${JSON.stringify(`#${count} ${title}`)}, () => {\n${body}\n});\n` });
  });
  if (files.length === 0) throw new Error('the test function has no console.assert');
  return files;
}

/**
 * HumanEvalFix-JS annotates lines of `prompt + buggy_solution` (the prompt is a doc comment followed by
 * the declaration); the benchmark's source is `declaration + buggy_solution`. Both end with the
 * function's signature line, so the lines shift by the difference in length (checked on all 209
 * annotated lines: the text at the shifted line is the same).
 */
export function toDeclarationLines(task: HumanEvalFixTask, dataDir: string): HumanEvalFixTask {
  promptShift ??= readPromptShift(dataDir);
  const shift = promptShift.get(task.taskId) ?? 0;
  return { ...task, buggyLines: task.buggyLines.map((line) => line - shift), missingAfter: task.missingAfter.map((line) => line - shift) };
}

let promptShift: Map<string, number> | undefined;

function readPromptShift(dataDir: string): Map<string, number> {
  const shift = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(dataDir, 'humanevalfix', 'js.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const raw = JSON.parse(line) as { task_id: string; prompt: string; declaration: string };
    shift.set(raw.task_id, raw.prompt.split('\n').length - raw.declaration.split('\n').length);
  }
  return shift;
}

/** Runs the real JavaScript capture in `dir` with coverage. */
export function captureJavaScriptProject(dir: string, signal?: AbortSignal): Promise<TestRun> {
  return captureJavaScript({
    root: dir,
    runner: new NodeProcessRunner(),
    logger: silentLogger,
    ...(signal ? { signal } : {}),
    assets: { grammarsDir: path.join(repoRoot, 'grammars'), pythonDir: path.join(repoRoot, 'extension', 'python') },
    perTestTimeoutMs: PER_TEST_TIMEOUT_MS,
    totalTimeoutMs: TOTAL_TIMEOUT_MS,
    coverage: true,
  });
}

export const javascriptDriver: LanguageDriver = {
  language: 'js',
  async writeTaskProject(task: HumanEvalFixTask, dir: string) {
    const names = topLevelNames(task.buggySource);
    // Appended after the last line, so the annotated line numbers still hold.
    const solution = `${task.buggySource}\nmodule.exports = { ${names.join(', ')} };\n`;
    const files: Record<string, string> = {
      'package.json': `${JSON.stringify({ name: 'humanevalfix-task', private: true, scripts: { test: 'node --test' } }, null, 2)}\n`,
      'solution.js': solution,
    };
    for (const file of splitHumanEvalTest(task.test, names)) files[file.name] = file.text;
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return { sourceFile: 'solution.js', files };
  },
  capture: captureJavaScriptProject,
};
