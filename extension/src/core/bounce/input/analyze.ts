/**
 * Turns a task description (and, optionally, the code it is about) into the feature vector and findings
 * the vagueness model reads. Shared by `assessTask` and the bench scripts that fit the model, so both
 * see exactly the same features.
 */
import { throwIfCancelled } from '../../errors';
import { checkExamplesAgainstTests, type AssertedCall } from './asserted';
import { checkExamples, checkExamplesAgainstCode, runnableExamples, type CodeCheck, type ExampleRunner } from './consistency';
import { computeFeatures, type FeatureVector, type TaskFindings } from './features';
import { uncoveredEdges, type UncoveredEdge } from './edges';
import { identifiersIn } from './names';
import { parseTask, type ParsedTask, type TaskExample, type TaskSignature } from './parse';

/** What the caller may know besides the task text. */
export interface TaskContext {
  /** Source of the code the task is about; gives the signature when the text has none. */
  code?: string;
  /** The function's signature, e.g. `def f(xs: list[int]) -> int`. */
  signature?: string;
  /** Evaluates one example call against the code; returns the result's literal text or `undefined`. */
  runExample?: ExampleRunner;
  /**
   * Inputs the tests pass to the function (calls such as \`f([])\` or their argument text); edges among
   * them that the task never speaks about (empty, zero, negative, None) are named in the warning.
   */
  testInputs?: readonly string[];
  /**
   * Results the tests assert for calls of the function (`assertedCalls`): an example of the task with the
   * same call and another result contradicts the tests. Read from the test text, so it holds while tests fail.
   */
  testAssertions?: readonly AssertedCall[];
  /** Cancels the example runs. */
  signal?: AbortSignal;
}

/** Everything the model and the explanations need. */
export interface TaskAnalysis {
  parsed: ParsedTask;
  features: FeatureVector;
  findings: TaskFindings;
  /** Edges the tests exercise that the task leaves open (empty when no test inputs were given). */
  uncoveredEdges: UncoveredEdge[];
}

/** The signature of the definition in `code` the text most likely describes (named in it, else the last). */
function signatureFromCode(code: string, text: string): string | undefined {
  const definitions = [...code.matchAll(/^[ \t]*(?:async[ \t]+)?def[ \t]+[A-Za-z_]\w*[ \t]*\([\s\S]*?\)[^:\n]*:|(?:function[ \t]*\*?[ \t]*[A-Za-z_$][\w$]*[ \t]*\([^)]*\)[^{\n]*)/gm)].map(
    (match) => match[0].trim(),
  );
  const named = definitions.find((definition) => {
    const name = /(?:def|function)\s*\*?\s*([\w$]+)/.exec(definition)?.[1];
    return name !== undefined && new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(text);
  });
  return named ?? definitions[definitions.length - 1];
}

function parseWithContext(text: string, context: TaskContext | undefined): ParsedTask {
  const signature = context?.signature ?? (context?.code ? signatureFromCode(context.code, text) : undefined);
  return parseTask(text, signature);
}

/** Analyses the text alone (no code is run): synchronous and fast. */
export function analyzeTaskText(text: string, context?: Pick<TaskContext, 'code' | 'signature' | 'testInputs' | 'testAssertions'>): TaskAnalysis {
  const parsed = parseWithContext(text, context);
  const contradictions = checkExamples(parsed);
  const { features, findings } = computeFeatures(parsed, contradictions, undefined, knownFromCode(context));
  return { parsed, features, findings: withTestContradictions(findings, parsed, context), uncoveredEdges: uncoveredEdges(parsed, context?.testInputs ?? []) };
}

/**
 * The findings with the examples the tests contradict added (not a model feature: any contradiction
 * makes the task vague by the hard rule), except where running the code already contradicted that example.
 */
function withTestContradictions(findings: TaskFindings, parsed: ParsedTask, context: Pick<TaskContext, 'testAssertions'> | undefined): TaskFindings {
  if (!context?.testAssertions?.length) return findings;
  const shown = new Set(findings.contradictions.flatMap((contradiction) => (contradiction.example ? [contradiction.example.call] : [])));
  const fresh = checkExamplesAgainstTests(parsed, context.testAssertions).mismatches.filter((mismatch) => !shown.has(mismatch.example!.call));
  return fresh.length === 0 ? findings : { ...findings, contradictions: [...findings.contradictions, ...fresh] };
}

/** Names in the code the task is about: a name the body uses is not undefined. */
function knownFromCode(context: Pick<TaskContext, 'code' | 'signature'> | undefined): Set<string> {
  return identifiersIn(`${context?.code ?? ''}\n${context?.signature ?? ''}`);
}

/**
 * The worked examples `analyzeTask` would run against the code, with the signature the text (or the
 * context) gives: what a caller needs to run them all at once before the assessment.
 */
export function examplesToRun(text: string, context?: Pick<TaskContext, 'code' | 'signature'>): { signature?: TaskSignature; examples: TaskExample[] } {
  const parsed = parseWithContext(text, context);
  return { ...(parsed.signature ? { signature: parsed.signature } : {}), examples: runnableExamples(parsed) };
}

/** Runs the task's worked examples through `runExample` only: what the code gives, against what the task states. */
export async function checkTaskExamples(text: string, runExample: ExampleRunner, context?: Pick<TaskContext, 'code' | 'signature' | 'signal'>): Promise<CodeCheck> {
  return checkExamplesAgainstCode(parseWithContext(text, context), runExample, context?.signal);
}

/** Analyses the text and, when `context.runExample` is given, runs its examples against the code. */
export async function analyzeTask(text: string, context?: TaskContext): Promise<TaskAnalysis> {
  const parsed = parseWithContext(text, context);
  const contradictions = checkExamples(parsed);
  let codeCheck: CodeCheck | undefined;
  if (context?.runExample) {
    codeCheck = await checkExamplesAgainstCode(parsed, context.runExample, context.signal);
    throwIfCancelled(context.signal);
  }
  const { features, findings } = computeFeatures(parsed, contradictions, codeCheck, knownFromCode(context));
  return { parsed, features, findings: withTestContradictions(findings, parsed, context), uncoveredEdges: uncoveredEdges(parsed, context?.testInputs ?? []) };
}
