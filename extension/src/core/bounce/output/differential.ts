/**
 * Differential testing of plausible patches: the calls the tests make to the patched module are replayed
 * with varied arguments (integers ±1, zero, sign flips, shorter or empty sequences, swapped neighbours),
 * and every validated patch runs them side by side, each in the same isolated copy of the project (never
 * the user's files), one process per patch. When the patches disagree, the tests do not pin the fix down.
 * Bounded in inputs, patches and time; a call that raises where others return, hangs (stopped by a
 * per-call alarm), or dies with its process counts as behaving differently.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { throwIfCancelled } from '../../errors';
import { DEFAULT_ISOLATION_LIMITS, WorkspaceCopy, planCopy } from '../../patch/isolation';
import type { Logger, ProcessRunner, SourceReader } from '../../ports';
import { NodeProcessRunner } from '../../process';
import { TEMP_PREFIX, makeTempDir } from '../../tempfiles';
import type { Patch, TestRun } from '../../types';
import { definedFunctions, findTestCalls, type TestCall } from './calls';
import { NODE_HARNESS, PYTHON_HARNESS } from './harness';
import type { DifferentialLimits, DifferentialResult, InputComparison } from './types';

/** Defaults: a few seconds on a small project, at most half a minute anywhere. */
export const DEFAULT_DIFFERENTIAL_LIMITS: DifferentialLimits = {
  maxInputs: 48,
  maxCandidates: 8,
  perCallTimeoutMs: 500,
  perCandidateTimeoutMs: 15_000,
  totalTimeMs: 30_000,
};

/** Prefix of the temporary folder holding the harness and its request and result files. */
export const HARNESS_PREFIX = `${TEMP_PREFIX}diff-`;

/** Inputs of `compareValidatedPatches`. */
export interface DifferentialRequest {
  /** Absolute project root; only read. */
  root: string;
  run: TestRun;
  /** Validated patches, best first. */
  patches: Patch[];
  sources: SourceReader;
  runner?: ProcessRunner;
  /**
   * The runner for candidate code (patched modules), given the folders that run may write: the pipeline
   * passes a sandboxed one. Default: \`runner\`.
   */
  candidateRunner?: (writable: string[]) => ProcessRunner;
  pythonPath?: string;
  nodePath?: string;
  limits?: Partial<DifferentialLimits>;
  logger: Logger;
  signal?: AbortSignal;
}

type HarnessLanguage = 'python' | 'javascript';

interface HarnessInput {
  file: string;
  function: string;
  value: string;
}

function harnessLanguage(file: string): HarnessLanguage | undefined {
  if (file.endsWith('.py')) return 'python';
  if (/\.(?:c|m)?js$/.test(file)) return 'javascript';
  return undefined;
}

/** Outcomes that say a candidate rejected an input (raised, hung, or died) rather than returned a value. */
function isRejection(outcome: string): boolean {
  return outcome.startsWith('raise:') || outcome === 'timeout' || outcome === 'crash';
}

/** Compares outcomes across patches; hangs and crashes never equal anything, not even each other. */
export function compareOutcomes(
  inputs: { function: string; input: string }[],
  outcomes: Map<string, string[]>,
): Pick<DifferentialResult, 'disagreements' | 'uninformative' | 'behaviorClasses' | 'examples'> & { compared: number } {
  const ids = [...outcomes.keys()];
  const signatures = new Map<string, string[]>(ids.map((id) => [id, []]));
  let disagreements = 0;
  let uninformative = 0;
  let compared = 0;
  const examples: InputComparison[] = [];
  inputs.forEach((input, index) => {
    const ran = ids.filter((id) => (outcomes.get(id)?.[index] ?? 'skipped') !== 'skipped');
    const values = ran.map((id) => outcomes.get(id)?.[index] ?? 'skipped');
    // An input every candidate rejects is most likely outside the function's domain: it says nothing.
    if (ran.length < 2 || values.every(isRejection)) {
      uninformative++;
      return;
    }
    compared++;
    const hangs = values.some((value) => value === 'timeout' || value === 'crash');
    const disagree = hangs || new Set(values).size > 1;
    if (disagree) {
      disagreements++;
      if (examples.length < 5) {
        examples.push({ function: input.function, input: input.input, outcomes: Object.fromEntries(ran.map((id, position) => [id, values[position]])), disagree });
      }
    }
    ran.forEach((id, position) => {
      const value = values[position];
      signatures.get(id)?.push(`${index}=${value === 'timeout' || value === 'crash' ? `${value}#${id}` : value}`);
    });
  });
  const classes = new Map<string, string[]>();
  for (const id of ids) {
    const key = (signatures.get(id) ?? []).join('\u0000');
    const members = classes.get(key) ?? [];
    members.push(id);
    classes.set(key, members);
  }
  const behaviorClasses = [...classes.values()].sort((a, b) => b.length - a.length || ids.indexOf(a[0]) - ids.indexOf(b[0]));
  return { disagreements, uninformative, behaviorClasses, examples, compared };
}

/** Reads a harness result file; undefined when the process died before writing it. */
async function readResult<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Runs the validated patches side by side on varied inputs taken from the tests' calls. Never writes
 * the user's tree: each patch is written into one isolated copy in turn, and the harness lives in its
 * own temporary folder; both are removed before returning. Throws `ReviseError('cancelled')` on abort.
 */
export async function compareValidatedPatches(request: DifferentialRequest): Promise<DifferentialResult> {
  const started = Date.now();
  const limits = { ...DEFAULT_DIFFERENTIAL_LIMITS, ...request.limits };
  const deadline = started + limits.totalTimeMs;
  const patches = request.patches.filter((patch) => patch.validated).slice(0, limits.maxCandidates);
  const base: DifferentialResult = {
    candidates: patches.map((patch) => patch.id),
    usableCalls: 0,
    inputs: 0,
    disagreements: 0,
    uninformative: 0,
    behaviorClasses: patches.map((patch) => [patch.id]),
    examples: [],
    elapsedMs: 0,
  };
  const finish = (result: Partial<DifferentialResult>): DifferentialResult => ({ ...base, ...result, elapsedMs: Date.now() - started });
  if (patches.length < 2) return finish({ skipped: 'fewer than two validated patches to compare', behaviorClasses: patches.map((patch) => [patch.id]) });
  const language = harnessLanguage(patches[0].file);
  if (!language || patches.some((patch) => harnessLanguage(patch.file) !== language)) {
    return finish({ skipped: 'differential testing runs Python and JavaScript modules only' });
  }

  // Calls from the tests to the functions the patched files define.
  const root = path.resolve(request.root);
  const patchedFiles = [...new Set(patches.map((patch) => path.resolve(patch.file)))];
  const testFiles = [...new Set([...request.run.testFiles, ...request.run.tests.map((test) => test.file).filter((file): file is string => file !== undefined)].map((file) => path.resolve(root, file)))];
  const calls: (TestCall & { file: string })[] = [];
  for (const patchedFile of patchedFiles) {
    const source = await request.sources.read(patchedFile);
    throwIfCancelled(request.signal);
    if (source === undefined) continue;
    const functions = definedFunctions(source, language);
    for (const testFile of testFiles) {
      if (patchedFiles.includes(testFile)) continue;
      const text = await request.sources.read(testFile);
      throwIfCancelled(request.signal);
      if (text === undefined) continue;
      for (const call of findTestCalls(text, functions)) calls.push({ ...call, file: path.relative(root, patchedFile) });
    }
  }
  if (calls.length === 0) return finish({ skipped: 'the tests make no call to the patched module that could be replayed' });

  const plainRunner = request.runner ?? new NodeProcessRunner();
  const program = language === 'python' ? (request.pythonPath ?? 'python3') : (request.nodePath ?? process.execPath);
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0' };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const workspace = await makeTempDir('diff');
  let copy: WorkspaceCopy | undefined;
  try {
    const harness = path.join(workspace, language === 'python' ? 'harness.py' : 'harness.cjs');
    await fsp.writeFile(harness, language === 'python' ? PYTHON_HARNESS : NODE_HARNESS);
    const call = async (mode: 'inputs' | 'run', payload: unknown, cwd: string, timeoutMs: number, name: string, runner = plainRunner) => {
      const requestFile = path.join(workspace, `${name}.request.json`);
      const resultFile = path.join(workspace, `${name}.result.json`);
      await fsp.writeFile(requestFile, JSON.stringify(payload));
      const result = await runner.run(program, [harness, mode, requestFile, resultFile], { cwd, env, timeoutMs, signal: request.signal, maxOutputChars: 64 * 1024 });
      throwIfCancelled(request.signal);
      return { process: result, resultFile };
    };

    // The varied inputs, made once so every patch sees exactly the same ones.
    const made = await call('inputs', { calls: calls.map((item) => ({ file: item.file, function: item.function, args: item.args })), max_inputs: limits.maxInputs }, workspace, 10_000, 'inputs');
    const generated = await readResult<{ inputs: HarnessInput[]; usable_calls: number }>(made.resultFile);
    if (!generated) return finish({ skipped: `could not make varied inputs (${made.process.spawnError ?? made.process.stderr.trim().split('\n').pop() ?? 'no output'})` });
    if (generated.inputs.length === 0) return finish({ usableCalls: generated.usable_calls, skipped: 'the tests call the patched module only with arguments that are not literals' });

    const plan = await planCopy(root, DEFAULT_ISOLATION_LIMITS, request.signal);
    throwIfCancelled(request.signal);
    if ('refused' in plan) return finish({ usableCalls: generated.usable_calls, skipped: plan.refused });
    copy = await WorkspaceCopy.create(plan, request.signal);
    throwIfCancelled(request.signal);
    // Patched code may write only its copy and the harness's folder (where its result goes).
    const candidateRunner = request.candidateRunner?.([copy.root, workspace]) ?? plainRunner;

    const outcomes = new Map<string, string[]>();
    for (const patch of patches) {
      const remaining = deadline - Date.now();
      if (remaining < 500) break;
      const relative = path.relative(root, patch.file);
      try {
        await copy.write(relative, patch.newText);
      } catch (error) {
        // A file outside the project or behind a link: this patch is not compared.
        request.logger.debug(`differential: cannot write ${patch.id} into the copy: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      try {
        const budget = Math.min(limits.perCandidateTimeoutMs, remaining);
        const payload = { root: copy.root, inputs: generated.inputs, per_call_timeout_ms: limits.perCallTimeoutMs, budget_ms: Math.max(200, budget - 2500) };
        const ran = await call('run', payload, copy.root, budget, `candidate-${patch.id}`, candidateRunner);
        const result = await readResult<{ outcomes: string[] }>(ran.resultFile);
        // A process that died or was killed: the calls it had not answered count as crashes.
        const values = generated.inputs.map((_, index) => result?.outcomes[index] ?? 'crash');
        outcomes.set(patch.id, values);
        if (!result) request.logger.debug(`differential: ${patch.id} gave no result (${ran.process.timedOut ? 'killed after its time limit' : `exit ${String(ran.process.exitCode)}`})`);
      } finally {
        await copy.restore(relative);
      }
    }
    if (outcomes.size < 2) return finish({ usableCalls: generated.usable_calls, skipped: 'ran out of time before two patches could be compared' });
    const described = generated.inputs.map((input) => ({ function: input.function, input: input.value }));
    const compared = compareOutcomes(described, outcomes);
    const notCompared = patches.filter((patch) => !outcomes.has(patch.id)).map((patch) => [patch.id]);
    return finish({
      candidates: [...outcomes.keys()],
      usableCalls: generated.usable_calls,
      inputs: compared.compared,
      disagreements: compared.disagreements,
      uninformative: compared.uninformative,
      behaviorClasses: [...compared.behaviorClasses, ...notCompared],
      examples: compared.examples,
    });
  } finally {
    await copy?.dispose().catch((error: unknown) => request.logger.warn(`Could not remove ${copy?.container ?? ''}: ${String(error)}`));
    await fsp.rm(workspace, { recursive: true, force: true }).catch(() => undefined);
  }
}
