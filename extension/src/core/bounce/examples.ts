/**
 * Runs a task's worked examples against the project's code, so that the input bouncer can tell a task
 * whose examples contradict code the tests hold to be right (a clear description whose example outputs
 * were changed: the wording alone rarely shows it). The caller decides when the code can be trusted.
 *
 * Read-only: the code is imported from where it is (the project, or an isolated copy), the harness and
 * its request and result files live in their own temporary folder, and the process may write only that
 * folder (in the sandbox, when there is one). Only literal arguments are passed, so no text of the task is
 * evaluated as code. One process for all examples; each call has its own time limit.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { throwIfCancelled } from '../errors';
import type { Logger, ProcessRunner, SourceReader } from '../ports';
import { withTempDir } from '../tempfiles';
import type { ExampleRunner, TaskExample } from './input/index';
import { parseLiteral } from './input/literal';
import { definedFunctions } from './output/calls';
import { NODE_HARNESS, PYTHON_HARNESS } from './output/harness';

/** The function the examples call, and the module that defines it. */
export interface ExampleTarget {
  /** Absolute path of the module. */
  file: string;
  functionName: string;
}

export interface RunExamplesRequest {
  /** The folder the code is imported from (the project, or a copy of it); only read. */
  root: string;
  target: ExampleTarget;
  /** The examples to run; only those that call `target.functionName` (or an alias the task names) run. */
  examples: readonly TaskExample[];
  /** Names the task uses for the target (its signature's), besides the target's own. */
  aliases?: readonly string[];
  /** The runner for the harness, given the folders it may write (its own temporary folder only). */
  runner: (writable: string[]) => ProcessRunner;
  pythonPath?: string;
  /** Per example call; default 1 s. */
  perCallTimeoutMs?: number;
  /** For the whole process (loading the module included); default 15 s. */
  timeoutMs?: number;
  logger: Logger;
  signal?: AbortSignal;
}

/** What running the examples gave. */
export interface ExampleRuns {
  /** Each example call's result as literal text; undefined where it did not run, raised, hung or is no literal. */
  runExample: ExampleRunner;
  /** How many examples gave a value to compare. */
  compared: number;
  /** Why no example gave a value, when none did. */
  note?: string;
}

export type ExampleLanguage = 'python' | 'javascript' | 'typescript';

/** The harness language for a module, when there is one (TypeScript runs only through the project's own tsx). */
export function exampleLanguage(file: string): ExampleLanguage | undefined {
  if (file.endsWith('.py')) return 'python';
  if (/\.(?:c|m)?js$/.test(file)) return 'javascript';
  if (/\.(?:c|m)?ts$|\.tsx$/.test(file)) return 'typescript';
  return undefined;
}

/**
 * Whether the project at `root` has tsx installed (`node_modules/tsx`), which loads a TypeScript module
 * as Node runs the project's own tests (`node --import tsx`). Revise brings no TypeScript compiler of its own.
 */
function hasTsx(root: string): boolean {
  return fs.existsSync(path.join(root, 'node_modules', 'tsx', 'package.json'));
}

/**
 * The module among `files` that defines a function the task names (`names` in order of preference: the
 * task's signature, then the functions its examples call); undefined when none does.
 */
export async function findExampleTarget(names: readonly string[], files: readonly string[], sources: SourceReader, signal?: AbortSignal): Promise<ExampleTarget | undefined> {
  const wanted = [...new Set(names.filter((name) => name.length > 0))];
  if (wanted.length === 0) return undefined;
  const defined = new Map<string, string>();
  for (const file of files) {
    const language = exampleLanguage(file);
    if (!language) continue;
    const source = await sources.read(file);
    throwIfCancelled(signal);
    if (source === undefined) continue;
    for (const name of definedFunctions(source, language === 'python' ? 'python' : 'javascript')) if (!defined.has(name)) defined.set(name, file);
    const found = wanted.find((name) => defined.has(name));
    // The first wanted name decides as soon as it is found; a later one waits for all files.
    if (found === wanted[0]) break;
  }
  const name = wanted.find((candidate) => defined.has(candidate));
  return name ? { file: defined.get(name)!, functionName: name } : undefined;
}

/**
 * Runs one harness mode once (`<program> harness <mode> request.json result.json`) in a temporary folder of
 * its own, the only one the process may write; the parsed result, or undefined when the process left none.
 */
async function runHarness<T>(
  language: ExampleLanguage,
  mode: 'examples' | 'doctest',
  payload: unknown,
  request: Pick<RunExamplesRequest, 'root' | 'runner' | 'pythonPath' | 'logger' | 'signal'> & { timeoutMs: number },
): Promise<T | undefined> {
  return withTempDir(mode, async (folder) => {
    const harness = path.join(folder, language === 'python' ? 'harness.py' : 'harness.cjs');
    const requestFile = path.join(folder, 'request.json');
    const resultFile = path.join(folder, 'result.json');
    await fsp.writeFile(harness, language === 'python' ? PYTHON_HARNESS : NODE_HARNESS);
    await fsp.writeFile(requestFile, JSON.stringify(payload));
    // Temporary files (tsx's cache among them) go to the one folder the process may write.
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', TMPDIR: folder };
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    const program = language === 'python' ? (request.pythonPath ?? 'python3') : process.execPath;
    // tsx resolves from the working folder, the project (or its copy): the project's own loader.
    const loader = language === 'typescript' ? ['--import', 'tsx'] : [];
    const ran = await request.runner([folder]).run(program, [...loader, harness, mode, requestFile, resultFile], {
      cwd: request.root,
      env,
      timeoutMs: request.timeoutMs,
      maxOutputChars: 64 * 1024,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    throwIfCancelled(request.signal);
    try {
      return JSON.parse(await fsp.readFile(resultFile, 'utf8')) as T;
    } catch {
      request.logger.debug(`${mode}: the harness gave no result (${ran.timedOut ? 'killed after its time limit' : (ran.spawnError ?? `exit ${String(ran.exitCode)}: ${ran.stderr.trim().split('\n').pop() ?? ''}`)})`);
      return undefined;
    }
  });
}

/** Runs the examples that call the target in one harness process; never throws for the code's own errors. */
export async function runExamples(request: RunExamplesRequest): Promise<ExampleRuns> {
  const language = exampleLanguage(request.target.file);
  const names = new Set([request.target.functionName, ...(request.aliases ?? [])]);
  const examples = request.examples.filter((example) => names.has(example.functionName));
  const none = (note: string): ExampleRuns => ({ runExample: () => Promise.resolve(undefined), compared: 0, note });
  if (!language) return none(`examples are run against Python, JavaScript and TypeScript modules only, not ${path.basename(request.target.file)}`);
  if (language === 'typescript' && !hasTsx(request.root)) return none(`${path.basename(request.target.file)} is TypeScript and the project has no tsx (node_modules/tsx) to load it with`);
  if (examples.length === 0) return none(`no example calls \`${request.target.functionName}\``);
  const relative = path.relative(request.root, request.target.file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return none(`${request.target.file} is outside ${request.root}`);

  const timeoutMs = request.timeoutMs ?? 15_000;
  const payload = {
    root: request.root,
    calls: examples.map((example) => ({ file: relative, function: request.target.functionName, args: example.argumentsText })),
    per_call_timeout_ms: request.perCallTimeoutMs ?? 1_000,
    budget_ms: Math.max(500, timeoutMs - 2_000),
  };
  const outcomes = (await runHarness<{ outcomes: string[] }>(language, 'examples', payload, { ...request, timeoutMs }))?.outcomes;
  if (!outcomes) return none(`the examples could not be run against \`${request.target.functionName}\``);

  const results = new Map<string, string>();
  examples.forEach((example, index) => {
    const outcome = outcomes[index] ?? '';
    if (!outcome.startsWith('ok:')) return;
    const text = outcome.slice(3);
    // A value that does not read back as a literal (a truncated or custom repr) cannot be compared.
    if (parseLiteral(text) !== undefined) results.set(example.call, text);
  });
  const skipped = outcomes.filter((outcome) => !outcome.startsWith('ok:'));
  if (skipped.length > 0) request.logger.debug(`examples: ${skipped.length} of ${examples.length} gave no value (${[...new Set(skipped)].slice(0, 3).join(', ')})`);
  return {
    runExample: (call) => Promise.resolve(results.get(call)),
    compared: results.size,
    ...(results.size === 0 ? { note: `no example of \`${request.target.functionName}\` gave a value to compare` } : {}),
  };
}

/** One doctest example of a function's docstring, as it ran. */
export interface DocExample {
  source: string;
  want: string;
  got: string;
  passed: boolean;
}

/** What the doctest examples of one function gave. */
export interface DocExampleRun {
  /** Dotted name of the function, from its module (`Class.method`). */
  qualname: string;
  examples: DocExample[];
}

export interface RunDocExamplesRequest {
  /** The folder the code is imported from (the project, or a copy of it); only read. */
  root: string;
  /** Absolute path of a Python module under `root`. */
  file: string;
  /** The function holding this 1-based line, unless `qualname` names it. */
  line?: number;
  qualname?: string;
  runner: (writable: string[]) => ProcessRunner;
  pythonPath?: string;
  /** For all examples together; default 5 s (the process gets 10 s more to load the module). */
  timeoutMs?: number;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Runs the doctest examples (`>>> …`) of the Python function that holds a line (or is named), with
 * `ELLIPSIS` and `NORMALIZE_WHITESPACE`, in one process that may write only its own temporary folder.
 * Undefined when the module is not Python, the function cannot be reached from its module (one nested in
 * another function), or the process gave no result.
 */
export async function runDocExamples(request: RunDocExamplesRequest): Promise<DocExampleRun | undefined> {
  if (exampleLanguage(request.file) !== 'python') return undefined;
  const relative = path.relative(request.root, request.file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const timeoutMs = request.timeoutMs ?? 5_000;
  const payload = { root: request.root, file: relative, line: request.line ?? 0, qualname: request.qualname ?? null, timeout_ms: timeoutMs };
  const result = await runHarness<{ qualname: string | null; examples: DocExample[]; error?: string }>('python', 'doctest', payload, { ...request, timeoutMs: timeoutMs + 10_000 });
  if (!result?.qualname) return undefined;
  if (result.error) request.logger.debug(`doctest: ${result.qualname} in ${relative}: ${result.error}`);
  return { qualname: result.qualname, examples: result.examples };
}

/**
 * The doctest examples a change breaks: those that pass on the code before it and fail after, matched by
 * their source in order (an example the change itself edits is compared with its old self by position).
 */
export function brokenDocExamples(before: DocExampleRun, after: DocExampleRun): DocExample[] {
  if (before.examples.length !== after.examples.length) return [];
  return after.examples.filter((example, index) => !example.passed && before.examples[index]!.passed && before.examples[index]!.source === example.source);
}
