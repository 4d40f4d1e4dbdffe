import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Assets } from '../core/capture/types';
import { ReviseError } from '../core/errors';
import { DEFAULT_LLM_BUDGET, type CheckLlmOptions } from '../core/llm/check';
import { displayUrl } from '../core/llm/errors';
import { createOpenAiClient, OPENAI_BASE_URL } from '../core/llm/openai';
import { applyPatchToFile } from '../core/patch/apply';
import { describeChecks } from '../core/patch/describe';
import { DEFAULT_SETTINGS, runCheck, type CheckSettings } from '../core/pipeline';
import type { Logger } from '../core/ports';
import { MAX_TIMER_MS } from '../core/process';
import { describeTaskSource } from '../core/taskSource';
import type { CheckReport } from '../core/types';

/** The model used when a key or base URL is given without `--llm-model`. */
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
/** Time allowed for one model request. */
export const DEFAULT_LLM_TIMEOUT_MS = 60_000;

const USAGE = `Usage: revise check [dir] [options]

Runs the project's tests, scores every line run by a failing test with its probability of being
faulty, and prints the most suspicious lines (or the whole CheckReport with --json).

Options:
  --json              print the version-1 CheckReport as JSON on stdout
  --timeout S         stop the whole test run after S seconds (default ${DEFAULT_SETTINGS.totalTimeoutMs / 1000})
  --test-timeout S    stop a single test after S seconds (default ${DEFAULT_SETTINGS.perTestTimeoutMs / 1000})
  --python PATH       Python interpreter for pytest (default: python3)
  --parallel N        split a big pytest or node:test suite's whole-suite runs (the capture, the confirmation) over
                      at most N processes side by side (default ${DEFAULT_SETTINGS.parallelRuns}: one per core, at most 4; 1: one process)
  --workers N         validate candidate patches in N isolated copies side by side (default ${DEFAULT_SETTINGS.patch.workers}:
                      one per core, at most 4)
  --confirm SCOPE     what confirms the patch to propose, cold: suite (default, the whole suite) or affected (pytest)
                      (only the tests whose coverage reaches the patched file; faster on a big suite)
  --command "CMD"     test command to run instead of the detected one (e.g. "poetry run pytest")
  --task TEXT         what the code should do; Revise warns when it is too vague to act on
  --task-file F       read the task description from a file
  --no-patch          localize only: do not look for patches
  --no-task-examples  judge the task from its text alone: do not run its worked examples against the code
  --cold              validate every candidate with a cold run of the test command (no warm test
                      worker; slower, for comparison and for projects whose state a worker cannot reset)
  --apply             write the proposed patch into its file (only a patch the output bouncer trusts,
                      and only if the file has not changed since the check)
  --target-precision P  propose a patch only at the trust calibrated for precision P, 0–1 (default ${DEFAULT_SETTINGS.targetPrecision});
                      0 proposes the most trusted validated patch
  --llm               use a language model as critic, patch proposer and task judge (OpenAI
                      unless --llm-base-url says otherwise; key from the environment, see below)
  --llm-base-url URL  use the model at this OpenAI-compatible endpoint (implies --llm), e.g.
                      http://localhost:11434/v1 (Ollama); a local server needs no key
  --llm-model M       the model's name (default ${DEFAULT_LLM_MODEL}); implies --llm
  --llm-max-requests N  at most N model requests per check (default ${DEFAULT_LLM_BUDGET.maxCalls})
  --llm-timeout S     give up on a model request after S seconds (default ${DEFAULT_LLM_TIMEOUT_MS / 1000})
  --no-llm            never use a language model (overrides the flags above)
  --allow-unsandboxed-model-code  where no sandbox works (bubblewrap on Linux, sandbox-exec on
                      macOS), run model-written patches anyway; without it they are not run
  --top N             suspects to print in the table (default 10)
  --verbose           log what happens to stderr
  -h, --help          show this help

The language model is off unless --llm, --llm-base-url or --llm-model is given: a key in the
environment alone never sends code anywhere. The key is read from REVISE_LLM_API_KEY or
OPENAI_API_KEY (never from the command line). Without a base URL it goes to
${OPENAI_BASE_URL}. When the model fails (no connection, timeout, bad reply, budget spent) the
report says so under problems and the check finishes without it.

Exit status: 0 when the check ran (whatever it found), 1 when it could not run, 2 for bad usage.`;

/** Parsed command line. */
export interface CliOptions {
  dir: string;
  /** `check` localizes only; `fix` also proposes validated patches (the default). */
  mode: 'check' | 'fix';
  task?: string;
  json: boolean;
  /** Write the proposed patch into the user's file after the check. */
  apply: boolean;
  top: number;
  verbose: boolean;
  settings: CheckSettings;
  /** The language model to use; absent when it is off. */
  llm?: CliLlmOptions;
}

/** How the CLI reaches a language model. */
export interface CliLlmOptions {
  /** Absent: OpenAI's own API. */
  baseUrl?: string;
  model: string;
  /** From REVISE_LLM_API_KEY or OPENAI_API_KEY; never printed. */
  apiKey?: string;
  maxRequests: number;
  timeoutMs: number;
}

/**
 * Parses `revise check ...`; throws `UsageError` on bad input. `env` supplies the model's key
 * (REVISE_LLM_API_KEY, then OPENAI_API_KEY).
 */
export function parseArguments(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  const args = [...argv];
  if (args.length === 0 || args.includes('-h') || args.includes('--help')) return 'help';
  const command = args.shift();
  if (command !== 'check') throw new UsageError(`unknown command "${command}" (try: revise check [dir])`);
  const options: CliOptions = { dir: '.', mode: 'fix', json: false, apply: false, top: 10, verbose: false, settings: { ...DEFAULT_SETTINGS, patch: { ...DEFAULT_SETTINGS.patch } } };
  let dirSeen = false;
  const llm: { on: boolean; baseUrl?: string; model?: string; maxRequests: number; timeoutMs: number; off: boolean } = {
    on: false,
    maxRequests: DEFAULT_LLM_BUDGET.maxCalls,
    timeoutMs: DEFAULT_LLM_TIMEOUT_MS,
    off: false,
  };
  const value = (flag: string) => {
    const next = args.shift();
    if (next === undefined) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  const seconds = (flag: string) => {
    const parsed = Number(value(flag));
    if (!Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`${flag} needs a positive number of seconds`);
    if (parsed * 1000 > MAX_TIMER_MS) throw new UsageError(`${flag} can be at most ${Math.floor(MAX_TIMER_MS / 1000)} seconds (what Node's timers hold)`);
    return Math.round(parsed * 1000);
  };
  while (args.length > 0) {
    const arg = args.shift()!;
    switch (arg) {
      case '--json':
        options.json = true;
        break;
      case '--task':
        options.task = value(arg);
        break;
      case '--task-file': {
        const file = value(arg);
        try {
          options.task = fs.readFileSync(file, 'utf8');
        } catch {
          throw new UsageError(`cannot read the task file ${file}`);
        }
        break;
      }
      case '--no-patch':
        options.mode = 'check';
        break;
      case '--no-task-examples':
        options.settings.runTaskExamples = false;
        break;
      case '--cold':
        options.settings.patch.warmWorkers = false;
        break;
      case '--apply':
        options.apply = true;
        break;
      case '--target-precision': {
        const target = Number(value(arg));
        if (!Number.isFinite(target) || target < 0 || target > 1) throw new UsageError('--target-precision needs a number from 0 to 1');
        options.settings.targetPrecision = target;
        break;
      }
      case '--verbose':
        options.verbose = true;
        break;
      case '--allow-unsandboxed-model-code':
        options.settings.sandbox = { allowUnsandboxedModelCode: true };
        break;
      case '--timeout':
        options.settings.totalTimeoutMs = seconds(arg);
        break;
      case '--test-timeout':
        options.settings.perTestTimeoutMs = seconds(arg);
        break;
      case '--python':
        options.settings.pythonPath = value(arg);
        break;
      case '--parallel': {
        const parsed = Number(value(arg));
        if (!Number.isInteger(parsed) || parsed < 1 || parsed > 64) throw new UsageError('--parallel needs a whole number of processes from 1 to 64');
        options.settings.parallelRuns = parsed;
        break;
      }
      case '--confirm': {
        const scope = value(arg);
        if (scope !== 'suite' && scope !== 'affected') throw new UsageError('--confirm needs suite or affected');
        options.settings.confirm = scope;
        break;
      }
      case '--workers': {
        const parsed = Number(value(arg));
        if (!Number.isInteger(parsed) || parsed < 1 || parsed > 16) throw new UsageError('--workers needs a whole number of copies from 1 to 16');
        options.settings.patch = { ...options.settings.patch, workers: parsed };
        break;
      }
      case '--command':
        options.settings.testCommand = splitCommand(value(arg));
        break;
      case '--llm-base-url': {
        const url = value(arg).trim();
        if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new UsageError('--llm-base-url needs an http:// or https:// URL, e.g. http://localhost:11434/v1');
        llm.baseUrl = url;
        break;
      }
      case '--llm-model': {
        const model = value(arg).trim();
        if (!model) throw new UsageError('--llm-model needs a model name');
        llm.model = model;
        break;
      }
      case '--llm-max-requests': {
        const count = Number(value(arg));
        if (!Number.isInteger(count) || count < 1) throw new UsageError('--llm-max-requests needs a positive whole number');
        llm.maxRequests = count;
        break;
      }
      case '--llm-timeout':
        llm.timeoutMs = seconds(arg);
        break;
      case '--llm':
        llm.on = true;
        break;
      case '--no-llm':
        llm.off = true;
        break;
      case '--top': {
        const top = Number(value(arg));
        if (!Number.isInteger(top) || top < 1) throw new UsageError('--top needs a positive whole number');
        options.top = top;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (dirSeen) throw new UsageError(`only one directory can be checked at a time (got "${options.dir}" and "${arg}")`);
        options.dir = arg;
        dirSeen = true;
    }
  }
  if (options.apply && options.mode === 'check') throw new UsageError('--apply needs patches: drop --no-patch');
  const apiKey = env.REVISE_LLM_API_KEY?.trim() || env.OPENAI_API_KEY?.trim() || undefined;
  if (!llm.off && (llm.on || llm.baseUrl !== undefined || llm.model !== undefined)) {
    options.llm = {
      ...(llm.baseUrl !== undefined ? { baseUrl: llm.baseUrl } : {}),
      model: llm.model ?? DEFAULT_LLM_MODEL,
      ...(apiKey !== undefined ? { apiKey } : {}),
      maxRequests: llm.maxRequests,
      timeoutMs: llm.timeoutMs,
    };
  }
  return options;
}

/** Splits a command string on spaces, honouring simple single and double quotes. */
export function splitCommand(command: string): string[] {
  const parts = command.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  return parts.map((part) => part.replace(/^(["'])(.*)\1$/, '$2'));
}

/** A mistake in the command line. */
export class UsageError extends Error {}

/** The check's LLM seam for the CLI's options: an OpenAI-compatible client with the per-check budget. */
export function cliLlmOptions(llm: CliLlmOptions, logger: Logger): CheckLlmOptions {
  return {
    client: createOpenAiClient({ baseUrl: llm.baseUrl, apiKey: llm.apiKey, model: llm.model, timeoutMs: llm.timeoutMs, logger }),
    model: llm.model,
    endpoint: displayUrl(llm.baseUrl ?? OPENAI_BASE_URL),
    budget: { maxCalls: llm.maxRequests },
  };
}

/** Finds the folder that holds `grammars/` and `extension/python/` (the package root) above this script. */
export function locateAssets(start: string = __dirname): Assets {
  let directory = start;
  for (;;) {
    if (fs.existsSync(path.join(directory, 'grammars', 'tree-sitter.wasm'))) {
      return { grammarsDir: path.join(directory, 'grammars'), pythonDir: path.join(directory, 'extension', 'python') };
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new ReviseError('internal', 'Revise is installed incompletely: its grammars folder is missing.');
    directory = parent;
  }
}

/** `--verbose` lines carry the time since the CLI started (`[debug +1.24s]`), to see where a check spends it. */
function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (message: string) => {
    if (verbose) process.stderr.write(`[${level} +${(performance.now() / 1000).toFixed(2)}s] ${message}\n`);
  };
  return { trace: () => {}, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Renders the human-readable table. */
export function formatReport(report: CheckReport, top: number): string {
  const lines: string[] = [];
  const t = report.tests;
  lines.push(`Revise check of ${report.root}`);
  if (report.task) {
    // Where the task text came from: the user (--task, --task-file) or the suspect function's docstring.
    const origin = describeTaskSource(report.task, 'given with --task');
    const where = origin ? ` (${origin})` : '';
    lines.push(`Task${where}: ${report.task.verdict}, vagueness ${Math.round(report.task.vagueness * 100)}%`);
    if (report.task.verdict === 'vague') for (const missing of report.task.missing ?? []) lines.push(`  ? ${missing}`);
  }
  lines.push(`${t.framework}: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''} in ${(t.durationMs / 1000).toFixed(1)} s (coverage: ${t.coverage})${t.complete ? '' : ' — run cut short'}`);
  for (const problem of report.problems) lines.push(`  ! ${problem.message}${problem.file ? ` (${problem.file}${problem.line ? `:${problem.line}` : ''})` : ''}`);
  if (t.failures.length > 0) {
    lines.push('', 'Failing tests');
    for (const failure of t.failures.slice(0, 10)) lines.push(`  ${failure.id}  ${truncate(failure.message, 80)}`);
    if (t.failures.length > 10) lines.push(`  … and ${t.failures.length - 10} more`);
  }
  if (report.suspects.length > 0) {
    lines.push('', 'Suspect lines (probability of being faulty)');
    const rows = report.suspects.slice(0, top).map((suspect, index) => [
      String(index + 1),
      `${Math.round(suspect.score * 100)}%`,
      `${suspect.file}:${suspect.line}`,
      truncate(suspect.text ?? '', 36),
      truncate(suspect.evidence.slice(0, 2).map((item) => item.detail).join('; '), 90),
    ]);
    const header = ['#', 'score', 'location', 'code', 'evidence'];
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
    const render = (row: string[]) => '  ' + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
    lines.push(render(header), ...rows.map(render));
  } else if (t.failed > 0) {
    lines.push('', 'No line of non-test code was run by a failing test.');
  }
  if (report.patches.length > 0) {
    lines.push('', 'Patches (validated by re-running the tests in an isolated copy)');
    for (const patch of report.patches.slice(0, 5)) {
      const tests = describeChecks(patch);
      const trust = patch.trust !== undefined ? `, trust ${Math.round(patch.trust * 100)}%` : '';
      lines.push(`  ${patch.id}  ${patch.file}  ${patch.title}  (${patch.validated ? tests : `not validated: ${tests}`}${trust}; ${patch.origin})`);
    }
  }
  if (report.decision) {
    lines.push('', `Decision: ${report.decision.action} — ${report.decision.reasons.join('; ')}`);
    const proposed = report.patches.find((patch) => patch.id === report.decision?.patch);
    if (report.decision.action === 'propose' && proposed) lines.push('', proposed.diff.trimEnd());
  }
  return lines.join('\n');
}

function truncate(text: string, max: number): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length <= max ? single : `${single.slice(0, max - 1)}…`;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseArguments(argv);
  } catch (error) {
    process.stderr.write(`revise: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const root = path.resolve(options.dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    process.stderr.write(`revise: ${root} is not a directory\n`);
    return 1;
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const logger = stderrLogger(options.verbose);
  try {
    const { report, outcome, baseHashes, llm } = await runCheck({
      root,
      mode: options.mode,
      ...(options.task !== undefined ? { task: options.task } : {}),
      ...(options.llm ? { llm: cliLlmOptions(options.llm, logger) } : {}),
      assets: locateAssets(),
      settings: options.settings,
      logger,
      signal: abort.signal,
      onProgress: (update) => {
        if (options.verbose) process.stderr.write(`… ${update.message}\n`);
      },
    });
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, options.top)}\n`);
    if (llm && !options.json) {
      const used = `${llm.calls} request${llm.calls === 1 ? '' : 's'}, ${llm.tokens} tokens`;
      process.stderr.write(`revise: LLM ${llm.model} at ${llm.endpoint ?? 'the default endpoint'}: ${used}${llm.failures.length > 0 ? `, ${llm.failures.length} failed (see problems)` : ''}\n`);
    }
    if (options.apply) {
      const decision = outcome.decision;
      const patch = decision?.action === 'propose' ? outcome.patches.find((candidate) => candidate.id === decision.patch) : undefined;
      if (!patch) {
        process.stderr.write(`revise: nothing applied: ${decision?.action === 'nothing-to-fix' ? 'nothing to fix' : 'no patch is trusted enough to propose'}\n`);
      } else {
        await applyPatchToFile(patch, baseHashes[patch.file]);
        process.stderr.write(`revise: applied ${patch.id} (${patch.title}) to ${path.relative(root, patch.file)}\n`);
      }
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof ReviseError && error.hint ? ` ${error.hint}` : '';
    process.stderr.write(`revise: ${message}${hint}\n`);
    if (options.verbose && !(error instanceof ReviseError) && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
