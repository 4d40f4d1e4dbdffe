/**
 * Broken-code bench: code that does not even load. Each case takes a correct HumanEvalFix solution
 * (`prompt + canonical_solution`, `declaration + canonical_solution`) and injects one kind of syntax or
 * load error into one line of the solution's body; Revise then checks and fixes the project with the
 * visible tests of the repair bench's `extended` set. Measured: the share of cases whose injected line
 * is the top suspect, and the share with a validated patch that passes the task's full hidden test
 * (the original behaviour restored).
 *
 * Usage (after `npm run build:tests`): nice node out/bench/broken-code/run.js [--per-kind N] [--stride S] [--kinds a,b] [--plan-only]
 * Writes bench/results/broken-code.json and bench/results/broken-code.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheck, DEFAULT_SETTINGS } from '../../extension/src/core/pipeline';
import { silentLogger } from '../../extension/src/core/ports';
import { dataDirectory, judgeWithHiddenTests, parseArguments, PYTHON, resultsRoot, visibleProjectFiles, withTempDir, writeFiles, type RepairTask } from '../repair/common';
import { loadHumanEvalFix } from '../localize/common';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

type Language = 'python' | 'js';

/** One way to break a line: returns the broken line, or undefined when it does not apply. */
type Injector = (line: string) => string | undefined;

const INJECTORS: Record<Language, Record<string, Injector>> = {
  python: {
    'unclosed-paren': (line) => removeLast(line, ')', /\(.*\)/),
    'unclosed-bracket': (line) => removeLast(line, ']', /\[.*\]/),
    'unclosed-string': (line) => unclosedString(line),
    'missing-colon': (line) => (/^\s*(if|elif|for|while|else)\b.*:\s*$/.test(line) ? line.replace(/:\s*$/, '') : undefined),
    'missing-comma': (line) => (/[\w)\]'"], [\w('"[]/.test(line) && /[([]/.test(line) ? line.replace(/([\w)\]'"]), ([\w('"[])/, '$1 $2') : undefined),
    'bad-indentation': () => undefined, // handled in `inject` (needs the line above)
    'assign-in-condition': (line) => (/^\s*(if|elif|while)\b[^=]*[^=!<>]==[^=]/.test(line) ? line.replace(/([^=!<>])==([^=])/, '$1=$2') : undefined),
    'misspelled-keyword': (line) => (/^\s*return\b/.test(line) ? line.replace('return', 'retrun') : undefined),
    'misspelled-name': () => undefined, // handled in `inject` (needs the names defined above)
    'missing-import': () => undefined, // a helper moved to its own module (see `splitHelper`)
  },
  js: {
    'unclosed-paren': (line) => removeLast(line, ')', /\(.*\)/),
    'unclosed-bracket': (line) => removeLast(line, ']', /\[.*\]/),
    'unclosed-string': (line) => unclosedString(line),
    'missing-comma': (line) => (/[\w)\]'"], [\w('"[]/.test(line) && /[([]/.test(line) && !/^\s*for\s*\(/.test(line) ? line.replace(/([\w)\]'"]), ([\w('"[])/, '$1 $2') : undefined),
    redeclared: () => undefined, // handled in `inject` (needs the declaration above)
    'misspelled-keyword': (line) => (/^\s*return\b/.test(line) ? line.replace('return', 'retrun') : undefined),
    'misspelled-name': () => undefined,
    'missing-import': () => undefined,
  },
};

const PYTHON_WORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'for', 'while', 'return', 'def', 'lambda', 'None', 'True', 'False', 'self', 'len', 'range', 'sum', 'max', 'min', 'str', 'int', 'list', 'set', 'dict', 'abs', 'sorted', 'all', 'any', 'map', 'zip']);
const JS_WORDS = new Set(['let', 'const', 'var', 'for', 'while', 'if', 'else', 'return', 'function', 'new', 'true', 'false', 'null', 'undefined', 'Math', 'Array', 'String', 'Number', 'Object', 'length', 'this']);

/** Names bound in `lines` (parameters, assignments, loop variables), by plain patterns. */
function boundNames(language: Language, lines: string[]): Set<string> {
  const names = new Set<string>();
  const text = lines.join('\n');
  const addList = (list: string) => {
    for (const part of list.split(',')) {
      const name = /^\s*\*{0,2}([A-Za-z_$][\w$]*)/.exec(part)?.[1];
      if (name) names.add(name);
    }
  };
  if (language === 'python') {
    for (const match of text.matchAll(/\bdef\s+\w+\s*\(([^)]*)\)/g)) addList(match[1]!);
    for (const match of text.matchAll(/^\s*([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*)\s*)?=(?!=)/gm)) [match[1], match[2]].forEach((name) => name && names.add(name));
    for (const match of text.matchAll(/\bfor\s+([\w\s,]+?)\s+in\b/g)) addList(match[1]!);
  } else {
    for (const match of text.matchAll(/\b(?:let|const|var)\s+([A-Za-z_$][\w$]*)/g)) names.add(match[1]!);
    for (const match of text.matchAll(/\(([^()]*)\)\s*=>/g)) addList(match[1]!);
    for (const match of text.matchAll(/\bfunction\s*[\w$]*\s*\(([^)]*)\)/g)) addList(match[1]!);
  }
  return names;
}

/** The line with its first read of a bound name (three letters or more) misspelled: two inner letters swapped. */
function misspellName(language: Language, line: string, bound: Set<string>, source: string): string | undefined {
  if (/['"`#]/.test(line) || /^\s*(def|class|function|const\s+\w+\s*=\s*\()/.test(line)) return undefined;
  const reserved = language === 'python' ? PYTHON_WORDS : JS_WORDS;
  for (const match of line.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const name = match[0];
    const before = line.slice(0, match.index);
    const after = line.slice(match.index + name.length);
    if (name.length < 3 || !bound.has(name) || reserved.has(name) || before.endsWith('.') || /^\s*=(?!=)/.test(after) || /^\s*[-+*/]?=(?!=)/.test(after)) continue;
    const swapAt = name[1] !== name[2] ? 1 : name.length > 3 && name[2] !== name[3] ? 2 : -1;
    if (swapAt < 0) continue;
    const misspelled = name.slice(0, swapAt) + name[swapAt + 1] + name[swapAt] + name.slice(swapAt + 2);
    if (bound.has(misspelled) || new RegExp(`\\b${misspelled.replace(/\$/g, '\\$')}\\b`).test(source)) continue;
    return before + misspelled + after;
  }
  return undefined;
}

/**
 * A missing import: a helper function of the solution (another top-level function the entry point calls,
 * or a function defined inside it) is moved to its own module, `helpers.py` / `helpers.js`, which the
 * solution imports; the broken case is the solution without that import. Undefined when the task has no
 * such helper.
 */
function splitHelper(language: Language, source: string, entryPoint: string): { solution: string; helpers: string; name: string } | undefined {
  const lines = source.split('\n');
  const indent = (line: string) => line.length - line.trimStart().length;
  // [start, end) of a function block starting at `start`: until the next non-blank line at its indentation or less.
  const blockEnd = (start: number) => {
    let end = start + 1;
    while (end < lines.length && (lines[end]!.trim() === '' || indent(lines[end]!) > indent(lines[start]!) || (language === 'js' && /^\s*}/.test(lines[end]!) && indent(lines[end]!) === indent(lines[start]!)))) {
      const closes = language === 'js' && indent(lines[end]!) === indent(lines[start]!);
      end++;
      if (closes) break;
    }
    while (end > start + 1 && lines[end - 1]!.trim() === '') end--;
    return end;
  };
  const definition = language === 'python' ? /^(\s*)def\s+(\w+)\s*\(/ : /^(\s*)(?:const|var|let)\s+([\w$]+)\s*=\s*(?:function\b|\([^)]*\)\s*=>)/;
  for (let index = 0; index < lines.length; index++) {
    const match = definition.exec(lines[index]!);
    if (!match || match[2] === entryPoint) continue;
    const name = match[2]!;
    const end = blockEnd(index);
    const rest = [...lines.slice(0, index), ...lines.slice(end)];
    if (!rest.some((line) => new RegExp(`\\b${name}\\(`).test(line))) continue;
    const depth = match[1]!.length;
    const block = lines.slice(index, end).map((line) => line.slice(Math.min(depth, indent(line))));
    if (language === 'python') {
      const imports = lines.filter((line) => /^\s*(?:import|from)\s+\w/.test(line)).map((line) => line.trim());
      const helpers = `${[...new Set(imports)].join('\n')}${imports.length ? '\n\n\n' : ''}${block.join('\n')}\n`;
      let at = 0;
      rest.forEach((line, position) => {
        if (/^(?:import|from)\s+\w/.test(line)) at = position + 1;
      });
      rest.splice(at, 0, `from helpers import ${name}`);
      return { solution: rest.join('\n'), helpers, name };
    }
    block[0] = block[0]!.replace(/^(?:var|let)\b/, 'const');
    return { solution: [`const { ${name} } = require('./helpers');`, ...rest].join('\n'), helpers: `${block.join('\n')}\n\nmodule.exports = { ${name} };\n`, name };
  }
  return undefined;
}

function removeLast(line: string, char: string, shape: RegExp): string | undefined {
  if (!shape.test(line) || /['"`]/.test(line)) return undefined;
  const index = line.lastIndexOf(char);
  return index < 0 ? undefined : line.slice(0, index) + line.slice(index + 1);
}

function unclosedString(line: string): string | undefined {
  const match = /(['"])[^'"\\]*\1/.exec(line);
  if (!match) return undefined;
  const closing = match.index + match[0].length - 1;
  return line.slice(0, closing) + line.slice(closing + 1);
}

/** The source with one line broken, and that line (1-based), or undefined when the kind does not apply. */
function inject(language: Language, kind: string, source: string, bodyStart: number): { broken: string; line: number } | undefined {
  const lines = source.split('\n');
  for (let index = bodyStart; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '' || line.trim().startsWith('#') || line.trim().startsWith('//')) continue;
    let replaced: string | undefined;
    if (kind === 'bad-indentation') {
      const previous = lines.slice(0, index).reverse().find((entry) => entry.trim() !== '');
      const indent = (text: string) => text.length - text.trimStart().length;
      if (previous && index > bodyStart && indent(previous) === indent(line) && !/[:,([{\\]\s*$/.test(previous) && indent(line) > 0) replaced = `  ${line}`;
    } else if (kind === 'misspelled-name') {
      replaced = misspellName(language, line, boundNames(language, lines.slice(0, index)), source);
    } else if (kind === 'redeclared') {
      const assignment = /^(\s*)([A-Za-z_$][\w$]*) = /.exec(line);
      const declared = assignment && lines.slice(bodyStart, index).some((entry) => new RegExp(`^${assignment[1]}let ${assignment[2]}\\b`).test(entry));
      if (assignment && declared) replaced = line.replace(/^(\s*)/, '$1let ');
    } else {
      replaced = INJECTORS[language][kind]!(line);
    }
    if (replaced !== undefined && replaced !== line) {
      lines[index] = replaced;
      return { broken: lines.join('\n'), line: index + 1 };
    }
  }
  return undefined;
}

/** The patch search's budget per case (smaller than the editor's default: the bench runs many cases). */
const PATCH_SETTINGS = { ...DEFAULT_SETTINGS.patch, workers: 1, maxCandidates: 20, timeMs: 15_000 };

interface CaseResult {
  taskId: string;
  language: Language;
  kind: string;
  line: number;
  topSuspect?: { file: string; line: number };
  topIsTrueLine: boolean;
  validatedPatches: number;
  restored: boolean;
  restoredExactly: boolean;
  decision?: string;
  firstFailure?: string;
  wallMs: number;
  error?: string;
}

async function runCase(task: RepairTask, item: PlannedCase): Promise<CaseResult> {
  const language = task.language as Language;
  const { correct, broken, line, extraFiles } = item;
  const started = Date.now();
  const result: CaseResult = { taskId: task.taskId, language, kind: item.kind, line, topIsTrueLine: false, validatedPatches: 0, restored: false, restoredExactly: false, wallMs: 0 };
  await withTempDir('revise-broken-', async (dir) => {
    const files = { ...visibleProjectFiles({ ...task, buggySource: correct }, 'extended'), ...extraFiles };
    const solution = language === 'python' ? 'solution.py' : 'solution.js';
    const original = files[solution]!;
    files[solution] = original.replace(correct, broken);
    // JavaScript: the visible tests import the helpers they call from where they now live.
    const testFile = files['test/solution.test.js'];
    if (item.helper && testFile !== undefined && new RegExp(`\\b${item.helper}\\(`).test(testFile)) {
      files['test/solution.test.js'] = testFile.replace(/^(const \{[^}]*\} = require\('\.\.\/solution\.js'\);)$/m, `$1\nconst { ${item.helper} } = require('../helpers');`);
    }
    writeFiles(dir, files);
    try {
      const { report, outcome } = await runCheck({
        root: dir,
        mode: 'fix',
        assets: { grammarsDir: path.join(repoRoot, 'grammars'), pythonDir: path.join(repoRoot, 'extension', 'python') },
        settings: { ...DEFAULT_SETTINGS, pythonPath: PYTHON, perTestTimeoutMs: 10_000, totalTimeoutMs: 60_000, patch: PATCH_SETTINGS },
        logger: silentLogger,
      });
      const top = report.suspects[0];
      if (top) result.topSuspect = { file: top.file, line: top.line };
      result.topIsTrueLine = top?.file === solution && top.line === line;
      result.decision = report.decision?.action;
      result.firstFailure = report.tests.failures[0]?.message?.slice(0, 160);
      const validated = outcome.patches.filter((patch) => patch.validated);
      result.validatedPatches = validated.length;
      for (const patch of validated) {
        const text = patch.newText;
        if (text === original) result.restoredExactly = true;
        if (!result.restored && (await judgeWithHiddenTests(task, text, undefined, extraFiles)).passed) result.restored = true;
      }
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
    }
  });
  result.wallMs = Date.now() - started;
  return result;
}

function share(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} % (${part}/${whole})`;
}

/** One planned case: a task, its correct source, the broken one and its broken line, and the kind of error. */
interface PlannedCase {
  task: RepairTask;
  correct: string;
  broken: string;
  /** 1-based line of `broken` that is broken (for a missing import: the first line that uses the name). */
  line: number;
  kind: string;
  round: number;
  /** Further project files (the helpers module of a missing import). */
  extraFiles?: Record<string, string>;
  helper?: string;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const perKind = Number(options.get('per-kind') ?? '5');
  const stride = Number(options.get('stride') ?? '7');
  const dataDir = dataDirectory(options);
  // Plan every case first, then run them round by round (one task of every kind per round), so that a
  // run stopped early still covers every kind of both languages.
  const planned: PlannedCase[] = [];
  for (const language of ['python', 'js'] as const) {
    const raw = fs
      .readFileSync(path.join(dataDir, 'humanevalfix', `${language}.jsonl`), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { task_id: string; prompt: string; declaration: string; canonical_solution: string });
    const tasks = loadHumanEvalFix(dataDir, language);
    for (const kind of Object.keys(INJECTORS[language])) {
      let found = 0;
      // Tasks by stride, a different start per kind, so that kinds do not all use the same few tasks.
      const offset = Object.keys(INJECTORS[language]).indexOf(kind);
      for (let step = 0; step < tasks.length && found < perKind; step++) {
        const index = (offset + step * stride) % tasks.length;
        const entry = raw[index]!;
        const head = language === 'python' ? entry.prompt : entry.declaration;
        const correct = head + entry.canonical_solution;
        const bodyStart = head.split('\n').length - 1;
        const task = tasks[index]!;
        if (kind === 'missing-import') {
          const split = splitHelper(language, correct, task.entryPoint);
          if (!split) continue;
          const helperFile = language === 'python' ? 'helpers.py' : 'helpers.js';
          const extraFiles = { [helperFile]: split.helpers };
          // Only a split that keeps the solution correct (the helper may have used the function's own names).
          const judged = language === 'python' ? split.solution : `${split.solution}\nmodule.exports = { ${task.entryPoint} };\n`;
          if (!(await judgeWithHiddenTests(task, judged, undefined, extraFiles)).passed) continue;
          const lines = split.solution.split('\n');
          const importLine = lines.findIndex((text) => text.includes('helpers') && /\b(import|require)\b/.test(text));
          lines.splice(importLine, 1);
          const broken = lines.join('\n');
          const line = lines.findIndex((text) => new RegExp(`\\b${split.name}\\(`).test(text)) + 1;
          planned.push({ task, correct: split.solution, broken, line, kind, round: found, extraFiles, helper: split.name });
          found++;
          continue;
        }
        const injected = inject(language, kind, correct, bodyStart);
        if (!injected) continue;
        planned.push({ task, correct, broken: injected.broken, line: injected.line, kind, round: found });
        found++;
      }
    }
  }
  planned.sort((a, b) => a.round - b.round);
  const kinds = options.get('kinds')?.split(',');
  if (kinds) planned.splice(0, planned.length, ...planned.filter((item) => kinds.includes(item.kind)));
  if (options.has('plan-only')) {
    for (const item of planned) process.stdout.write(`${item.task.taskId} ${item.kind} line ${item.line}: ${item.broken.split('\n')[item.line - 1]?.trim()}\n`);
    return;
  }
  const results: CaseResult[] = [];
  for (const item of planned) {
    const outcome = await runCase(item.task, item);
    results.push(outcome);
    process.stderr.write(`${outcome.taskId} ${item.kind}: top=${outcome.topIsTrueLine} restored=${outcome.restored} (${outcome.wallMs} ms)${outcome.error ? ` error: ${outcome.error}` : ''}\n`);
    writeResults(results, { perKind, stride, planned: planned.length });
  }
}

function writeResults(results: CaseResult[], plan: { perKind: number; stride: number; planned: number }): void {
  const { perKind, stride } = plan;
  const lines = [
    '# Broken-code bench: code that does not load',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} cores (load average ${os.loadavg()[0]!.toFixed(1)}, shared with other work), no LLM; ${results.length} of ${plan.planned} planned cases done.`,
    `Each case: a correct HumanEvalFix solution with one injected syntax or load error in its body (the first line where the kind applies, in tasks picked by stride ${stride}, up to ${perKind} tasks per kind, run round by round); visible tests: the repair bench's \`extended\` set; patch search: ${PATCH_SETTINGS.maxCandidates} candidates or ${PATCH_SETTINGS.timeMs / 1000} s, one worker; "restored": a validated patch passes the task's full hidden test.`,
    '`misspelled-name`: the first read of a parameter or local variable (3+ letters) with two inner letters swapped. `missing-import`: a helper function of the solution (another top-level function the entry point calls, or one defined inside it) moved to `helpers.py` / `helpers.js` and imported from there (only where the hidden test still passes so); the broken case drops that import, and its true line is the first line that calls the helper (where the NameError / ReferenceError is raised).',
    '',
    '| Language | Kind | Cases | True line is the top suspect | Validated patch restores the behaviour | … identical to the original |',
    '|---|---|---|---|---|---|',
  ];
  for (const language of ['python', 'js'] as const) {
    const mine = results.filter((result) => result.language === language);
    for (const kind of Object.keys(INJECTORS[language])) {
      const rows = mine.filter((result) => result.kind === kind);
      lines.push(`| ${language} | ${kind} | ${rows.length} | ${share(rows.filter((r) => r.topIsTrueLine).length, rows.length)} | ${share(rows.filter((r) => r.restored).length, rows.length)} | ${share(rows.filter((r) => r.restoredExactly).length, rows.length)} |`);
    }
    lines.push(`| **${language}** | all | ${mine.length} | **${share(mine.filter((r) => r.topIsTrueLine).length, mine.length)}** | **${share(mine.filter((r) => r.restored).length, mine.length)}** | ${share(mine.filter((r) => r.restoredExactly).length, mine.length)} |`);
  }
  lines.push(`| **both** | all | ${results.length} | **${share(results.filter((r) => r.topIsTrueLine).length, results.length)}** | **${share(results.filter((r) => r.restored).length, results.length)}** | ${share(results.filter((r) => r.restoredExactly).length, results.length)} |`);
  const misses = results.filter((result) => !result.topIsTrueLine || !result.restored);
  if (misses.length > 0) {
    lines.push('', '## Cases missed', '', '| Task | Kind | Line | Top suspect | Restored | First failure |', '|---|---|---|---|---|---|');
    for (const miss of misses) {
      lines.push(`| ${miss.taskId} | ${miss.kind} | ${miss.line} | ${miss.topSuspect ? `${miss.topSuspect.file}:${miss.topSuspect.line}` : '–'} | ${miss.restored} | ${(miss.error ?? miss.firstFailure ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    }
  }
  fs.mkdirSync(resultsRoot, { recursive: true });
  fs.writeFileSync(path.join(resultsRoot, 'broken-code.json'), `${JSON.stringify({ generated: new Date().toISOString(), perKind, stride, results }, null, 2)}\n`);
  fs.writeFileSync(path.join(resultsRoot, 'broken-code.md'), `${lines.join('\n')}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
