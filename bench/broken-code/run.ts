/**
 * Broken-code bench: code that does not even load. Each case takes a correct HumanEvalFix solution
 * (`prompt + canonical_solution`, `declaration + canonical_solution`) and injects one kind of syntax or
 * load error into one line of the solution's body; Revise then checks and fixes the project with the
 * visible tests of the repair bench's `extended` set. Measured: the share of cases whose injected line
 * is the top suspect, and the share with a validated patch that passes the task's full hidden test
 * (the original behaviour restored).
 *
 * Usage (after `npm run build:tests`): nice node out/bench/broken-code/run.js [--per-kind N] [--stride S]
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
  },
  js: {
    'unclosed-paren': (line) => removeLast(line, ')', /\(.*\)/),
    'unclosed-bracket': (line) => removeLast(line, ']', /\[.*\]/),
    'unclosed-string': (line) => unclosedString(line),
    'missing-comma': (line) => (/[\w)\]'"], [\w('"[]/.test(line) && /[([]/.test(line) && !/^\s*for\s*\(/.test(line) ? line.replace(/([\w)\]'"]), ([\w('"[])/, '$1 $2') : undefined),
    redeclared: () => undefined, // handled in `inject` (needs the declaration above)
    'misspelled-keyword': (line) => (/^\s*return\b/.test(line) ? line.replace('return', 'retrun') : undefined),
  },
};

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

async function runCase(task: RepairTask, correct: string, bodyStart: number, kind: string): Promise<CaseResult | undefined> {
  const language = task.language as Language;
  const injected = inject(language, kind, correct, bodyStart);
  if (!injected) return undefined;
  const started = Date.now();
  const result: CaseResult = { taskId: task.taskId, language, kind, line: injected.line, topIsTrueLine: false, validatedPatches: 0, restored: false, restoredExactly: false, wallMs: 0 };
  await withTempDir('revise-broken-', async (dir) => {
    const files = visibleProjectFiles({ ...task, buggySource: correct }, 'extended');
    const solution = language === 'python' ? 'solution.py' : 'solution.js';
    const original = files[solution]!;
    files[solution] = original.replace(correct, injected.broken);
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
      result.topIsTrueLine = top?.file === solution && top.line === injected.line;
      result.decision = report.decision?.action;
      result.firstFailure = report.tests.failures[0]?.message?.slice(0, 160);
      const validated = outcome.patches.filter((patch) => patch.validated);
      result.validatedPatches = validated.length;
      for (const patch of validated) {
        const text = patch.newText;
        if (text === original) result.restoredExactly = true;
        if (!result.restored && (await judgeWithHiddenTests(task, text)).passed) result.restored = true;
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

/** One planned case: a task, its correct source and where its body starts, and the kind of error. */
interface PlannedCase {
  task: RepairTask;
  correct: string;
  bodyStart: number;
  kind: string;
  round: number;
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
        if (!inject(language, kind, correct, bodyStart)) continue;
        planned.push({ task: tasks[index]!, correct, bodyStart, kind, round: found });
        found++;
      }
    }
  }
  planned.sort((a, b) => a.round - b.round);
  const results: CaseResult[] = [];
  for (const item of planned) {
    const outcome = await runCase(item.task, item.correct, item.bodyStart, item.kind);
    if (!outcome) continue;
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
