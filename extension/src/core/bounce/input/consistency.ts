/**
 * Example consistency: worked examples are the most checkable part of a task description. They can
 * contradict each other (the same call with two answers), the signature (wrong number of arguments, a
 * list where a `bool` is declared), what the prose promises (a "sorted" result that is not sorted), or —
 * when a runner is supplied — the code itself.
 */
import { throwIfCancelled } from '../../errors';
import { checkClaims } from './claims';
import { formatLiteral, literalsEqual, outputsEqual, parseLiteral, type LiteralValue } from './literal';
import { splitTopLevel, type ParsedTask, type TaskExample, type TaskSignature } from './parse';

/** Why a task's examples cannot all be right. */
export interface Contradiction {
  kind:
    | 'arity'
    | 'conflicting-examples'
    | 'return-type'
    | 'order'
    | 'uniqueness'
    | 'sign'
    | 'prime'
    | 'permutation'
    | 'predicate'
    | 'count'
    | 'extreme'
    | 'constant'
    | 'range'
    | 'parity'
    | 'concatenation'
    | 'code'
    | 'tests';
  /** In words a developer can act on, naming the example. */
  message: string;
  /** For `code` and `tests`: the example's call, the result it states, and what the code gave (the tests assert). */
  example?: { call: string; expected: string; actual: string };
  /** For `tests`: the assertion the example contradicts. */
  test?: { file: string; line: number };
}

/** Runs one example call against the user's code; the result's literal text, or `undefined` if it could not run. */
export type ExampleRunner = (call: string) => Promise<string | undefined>;

/** What running the examples against the code showed. */
export interface CodeCheck {
  /** Examples that ran and could be compared. */
  checked: number;
  mismatches: Contradiction[];
}

/** At most this many examples are run against the code, to bound the time an assessment takes. */
const MAXIMUM_RUNS = 12;

type ExpectedKind = 'number' | 'integer' | 'string' | 'boolean' | 'list' | 'tuple' | 'dict' | 'set' | 'none';

interface TypeExpectation {
  kinds: ExpectedKind[];
  /** Element expectation for homogeneous containers (`List[int]`). */
  element?: TypeExpectation;
  /** Per-position expectations for fixed tuples (`Tuple[int, int]`). */
  positions?: TypeExpectation[];
}

/** Reads a Python or TypeScript type annotation into what a literal of that type can look like; `undefined` when unknown. */
export function expectationOfType(annotation: string): TypeExpectation | undefined {
  const type = annotation.trim().replace(/^typing\./, '');
  const union = splitTopLevel(type, '|');
  if (union.length > 1) return mergeExpectations(union.map(expectationOfType));
  const generic = /^(\w+)\s*\[(.*)\]$/s.exec(type);
  if (generic) {
    const [, outer, inner] = generic;
    const argumentsList = splitTopLevel(inner);
    switch (outer.toLowerCase()) {
      case 'optional': {
        const base = expectationOfType(inner);
        return base ? { ...base, kinds: [...base.kinds, 'none'] } : undefined;
      }
      case 'union':
        return mergeExpectations(argumentsList.map(expectationOfType));
      case 'list':
      case 'sequence':
      case 'iterable':
        return { kinds: ['list', 'tuple'], element: expectationOfType(argumentsList[0] ?? '') };
      case 'tuple':
        if (argumentsList.some((argument) => argument === '...')) return { kinds: ['tuple', 'list'], element: expectationOfType(argumentsList[0]) };
        return { kinds: ['tuple', 'list'], positions: argumentsList.map((argument) => expectationOfType(argument) ?? { kinds: [] }) };
      case 'dict':
      case 'mapping':
      case 'record':
        return { kinds: ['dict'] };
      case 'set':
      case 'frozenset':
        return { kinds: ['set'] };
      case 'array':
        return { kinds: ['list', 'tuple'], element: expectationOfType(argumentsList[0] ?? '') };
      default:
        return undefined;
    }
  }
  if (/\[\]$/.test(type)) return { kinds: ['list', 'tuple'], element: expectationOfType(type.slice(0, -2)) };
  switch (type.toLowerCase()) {
    case 'bool':
    case 'boolean':
      return { kinds: ['boolean'] };
    case 'int':
      return { kinds: ['integer'] };
    case 'float':
    case 'number':
      return { kinds: ['number'] };
    case 'str':
    case 'string':
      return { kinds: ['string'] };
    case 'list':
    case 'array':
      return { kinds: ['list', 'tuple'] };
    case 'tuple':
      return { kinds: ['tuple', 'list'] };
    case 'dict':
    case 'object':
      return { kinds: ['dict'] };
    case 'set':
      return { kinds: ['set'] };
    case 'none':
    case 'null':
    case 'undefined':
    case 'void':
      return { kinds: ['none'] };
    default:
      return undefined;
  }
}

function mergeExpectations(parts: (TypeExpectation | undefined)[]): TypeExpectation | undefined {
  if (parts.some((part) => part === undefined)) return undefined;
  return { kinds: parts.flatMap((part) => part!.kinds) };
}

function matchesExpectation(value: LiteralValue, expectation: TypeExpectation): boolean {
  if (expectation.kinds.length === 0) return true;
  const kindMatches = expectation.kinds.some((kind) => {
    switch (kind) {
      case 'integer':
        return value.kind === 'number' && Number.isInteger(value.value);
      case 'number':
        return value.kind === 'number';
      case 'list':
      case 'tuple':
        return value.kind === 'list';
      default:
        return value.kind === kind;
    }
  });
  if (!kindMatches) return false;
  if (value.kind !== 'list') return true;
  if (expectation.positions && value.items.length === expectation.positions.length) {
    return value.items.every((item, index) => matchesExpectation(item, expectation.positions![index]));
  }
  if (expectation.positions) return false;
  const element = expectation.element;
  return element === undefined || value.items.every((item) => matchesExpectation(item, element));
}

function argumentsAreLiterals(example: TaskExample): boolean {
  return example.argumentsText === '' || parseLiteral(`[${example.argumentsText}]`) !== undefined;
}

function sentences(description: string): string[] {
  return description.split(/(?<=[.!?;])\s+|\s+-\s+/).map((sentence) => sentence.toLowerCase());
}

function comparableItems(value: LiteralValue): (number | string)[] | undefined {
  if (value.kind !== 'list' || value.items.length < 2) return undefined;
  if (value.items.every((item) => item.kind === 'number')) return value.items.map((item) => (item as { value: number }).value);
  if (value.items.every((item) => item.kind === 'string')) return value.items.map((item) => (item as { value: string }).value);
  return undefined;
}

function requiredArguments(signature: TaskSignature): { minimum: number; maximum: number } | undefined {
  if (signature.elided || signature.parameters.some((parameter) => parameter.variadic)) return undefined;
  return {
    minimum: signature.parameters.filter((parameter) => !parameter.optional).length,
    maximum: signature.parameters.length,
  };
}

/** Contradictions visible in the text alone: between examples, the signature and the prose. */
export function checkExamples(task: ParsedTask): Contradiction[] {
  const contradictions: Contradiction[] = [];
  const signature = task.signature;
  const ownExamples = task.examples.filter((example) => !signature || example.functionName === signature.name);

  const arity = signature && requiredArguments(signature);
  if (arity) {
    const wrong = ownExamples.find((example) => example.argumentCount < arity.minimum || example.argumentCount > arity.maximum);
    if (wrong) {
      contradictions.push({
        kind: 'arity',
        message: `the examples contradict the signature: \`${wrong.call}\` passes ${wrong.argumentCount} argument(s) but \`${signature.name}\` takes ${arity.minimum === arity.maximum ? arity.maximum : `${arity.minimum} to ${arity.maximum}`}`,
      });
    }
  }

  const withValues = ownExamples
    .filter((example) => example.expected !== undefined && argumentsAreLiterals(example))
    .map((example) => ({ example, value: parseLiteral(example.expected!) }))
    .filter((entry): entry is { example: TaskExample; value: LiteralValue } => entry.value !== undefined);

  for (let left = 0; left < withValues.length; left++) {
    const clash = withValues.slice(left + 1).find((right) => {
      const sameCall = outputsEqual(`[${withValues[left].example.argumentsText}]`, `[${right.example.argumentsText}]`);
      return sameCall && !literalsEqual(withValues[left].value, right.value);
    });
    if (clash) {
      contradictions.push({
        kind: 'conflicting-examples',
        message: `the examples contradict each other: \`${clash.example.call}\` is said to return both ${withValues[left].example.expected} and ${clash.example.expected}`,
      });
      break;
    }
  }

  const expectation = signature?.returnType ? expectationOfType(signature.returnType) : undefined;
  if (expectation) {
    const wrongType = withValues.find((entry) => !matchesExpectation(entry.value, expectation));
    if (wrongType) {
      contradictions.push({
        kind: 'return-type',
        message: `the examples contradict the signature: \`${wrongType.example.call}\` is said to return ${wrongType.example.expected} but the return type is ${signature!.returnType}`,
      });
    }
  }

  contradictions.push(...checkPromises(task.description, withValues));
  // Claims in the prose the examples can be checked against (see `claims.ts`); one report per kind.
  const reported = new Set(contradictions.map((contradiction) => contradiction.kind));
  for (const found of checkClaims(task.description, withValues, signature?.parameters.map((parameter) => parameter.name) ?? [])) {
    if (!reported.has(found.kind)) contradictions.push(found);
    reported.add(found.kind);
  }
  return contradictions;
}

function isPrime(value: number): boolean {
  if (!Number.isInteger(value) || value < 2) return false;
  for (let divisor = 2; divisor * divisor <= value; divisor++) if (value % divisor === 0) return false;
  return true;
}

/**
 * Examples whose calls differ but whose expected outputs are all the same non-boolean value: they do not
 * show how the result depends on the input (and a rewrite that changed every output often looks like
 * this). Not a contradiction — a clear task can have two examples with one answer — so it is a feature the
 * model weighs, not a hard rule. Returns the shared output, or `undefined`.
 */
export function constantOutput(task: ParsedTask): string | undefined {
  const signature = task.signature;
  const examples = task.examples
    .filter((example) => (!signature || example.functionName === signature.name) && example.expected !== undefined)
    .map((example) => ({ call: parseLiteral(`[${example.argumentsText}]`), value: parseLiteral(example.expected!) }))
    .filter((entry): entry is { call: LiteralValue; value: LiteralValue } => entry.call !== undefined && entry.value !== undefined);
  if (examples.length < 2 || examples[0].value.kind === 'boolean') return undefined;
  const calls = new Set(examples.map((entry) => formatLiteral(entry.call)));
  const outputs = new Set(examples.map((entry) => formatLiteral(entry.value)));
  return calls.size >= 2 && outputs.size === 1 ? formatLiteral(examples[0].value) : undefined;
}

/** Checks list outputs against what the prose promises about them: order, uniqueness, sign. */
function checkPromises(description: string, examples: { example: TaskExample; value: LiteralValue }[]): Contradiction[] {
  const found: Contradiction[] = [];
  const claims = sentences(description).filter((sentence) => /\b(return|returns|returned|output|result)\b/.test(sentence) && !/\bor\b/.test(sentence));
  // A sort by a key, or of some positions only ("sorted at the even indices"), need not leave the whole list in order.
  const keyed = (sentence: string): boolean => /\b(according to|based on|by (?:their|the|its)|key|indic\w*|indices|index|indexes|positions?)\b/.test(sentence);
  const ascending = claims.find((sentence) => /\b(sorted|ascending|increasing order)\b/.test(sentence) && !/\b(descending|decreasing|reverse)/.test(sentence) && !keyed(sentence));
  const descending = claims.find((sentence) => /\b(descending|decreasing order)\b/.test(sentence) && !/\b(ascending|increasing)/.test(sentence) && !keyed(sentence));
  const unique = claims.find((sentence) => /\b(unique|distinct|without duplicates|no duplicates)\b/.test(sentence));
  const positive = claims.find((sentence) => /\bpositive (numbers|values|elements|integers)\b/.test(sentence) && !/\b(non-?positive|negative)\b/.test(sentence));
  // "return a list of the prime numbers ...": every number listed must be prime.
  const primes = claims.find((sentence) => /\bprimes?\b|\bprime numbers?\b/.test(sentence) && !/\b(not|non-?)\s*prime|\bcomposite\b|\bfactor/.test(sentence));
  // "return the list in (some) order", "return a sorted copy of the array": the same elements, reordered.
  const reordering = claims.find(
    (sentence) =>
      /\b(?:return|returns)\b[^.]*\b(?:list|array)\b[^.]*\b(?:order|sorted|sorting)\b|\bsort (?:the |this |a |given )*(?:list|array)\b/.test(sentence) &&
      // Words that make the result a selection, not a reordering of every element.
      !/\b(unique|distinct|remov\w*|filter\w*|only|common|duplicates?|first|last|top|k|n|drop\w*|without|except|exclud\w*|skip\w*|ignor\w*|select\w*|even|odd|positive|negative|greater|less|smaller|larger|merg\w*|flatten\w*|count\w*)\b/.test(sentence),
  );
  for (const { example, value } of examples) {
    const items = comparableItems(value);
    if (items && ascending && items.some((item, index) => index > 0 && items[index - 1] > item)) {
      found.push({ kind: 'order', message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, which is not in ascending order, but the text says "${ascending.trim()}"` });
    } else if (items && descending && items.some((item, index) => index > 0 && items[index - 1] < item)) {
      found.push({ kind: 'order', message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, which is not in descending order, but the text says "${descending.trim()}"` });
    } else if (items && unique && new Set(items).size < items.length) {
      found.push({ kind: 'uniqueness', message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, which has repeated elements, but the text says "${unique.trim()}"` });
    } else if (value.kind === 'list' && positive && value.items.some((item) => item.kind === 'number' && item.value <= 0)) {
      found.push({ kind: 'sign', message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, which holds numbers that are not positive, but the text says "${positive.trim()}"` });
    }
    if (found.length === 0 && value.kind === 'list' && primes && value.items.length > 0 && value.items.every((item) => item.kind === 'number')) {
      const notPrime = value.items.find((item) => item.kind === 'number' && !isPrime(item.value));
      if (notPrime) {
        found.push({ kind: 'prime', message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, which holds ${formatLiteral(notPrime)}, not a prime, but the text says "${primes.trim()}"` });
      }
    }
    if (found.length === 0 && value.kind === 'list' && reordering) {
      const input = parseLiteral(`[${example.argumentsText}]`);
      const list = input?.kind === 'list' && input.items.length === 1 && input.items[0].kind === 'list' ? input.items[0] : undefined;
      const multiset = (items: LiteralValue[]): string => items.map(formatLiteral).sort().join('\u0000');
      if (list && multiset(list.items) !== multiset(value.items)) {
        found.push({ kind: 'permutation', message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, which does not hold the same elements as the input, but the text says "${reordering.trim()}"` });
      }
    }
    if (found.length > 0) break;
  }
  return found;
}

/** A one-element list or tuple written as `("Venus")` reads as the element itself; accept either spelling. */
export function sameOutput(expected: string, actual: string): boolean {
  if (outputsEqual(expected, actual)) return true;
  const left = parseLiteral(expected);
  const right = parseLiteral(actual);
  if (!left || !right) return false;
  const unwrap = (value: LiteralValue): LiteralValue => (value.kind === 'list' && value.items.length === 1 ? value.items[0] : value);
  return literalsEqual(unwrap(left), unwrap(right));
}

/**
 * The examples `checkExamplesAgainstCode` runs: those that state an expected output written as a literal
 * ("1 + (2 / 2) = 2" is prose, not a value), at most `MAXIMUM_RUNS`.
 */
export function runnableExamples(task: ParsedTask): TaskExample[] {
  return task.examples.filter((example) => example.expected !== undefined && parseLiteral(example.expected) !== undefined).slice(0, MAXIMUM_RUNS);
}

/**
 * Runs the examples that state an expected output through `runExample` and reports those whose result
 * differs. Examples the runner cannot evaluate (it returns `undefined`) are skipped, not counted.
 */
export async function checkExamplesAgainstCode(task: ParsedTask, runExample: ExampleRunner, signal?: AbortSignal): Promise<CodeCheck> {
  const mismatches: Contradiction[] = [];
  let checked = 0;
  for (const example of runnableExamples(task)) {
    throwIfCancelled(signal);
    const actual = await runExample(example.call);
    throwIfCancelled(signal);
    if (actual === undefined) continue;
    checked++;
    if (!sameOutput(example.expected!, actual)) {
      mismatches.push({
        kind: 'code',
        example: { call: example.call, expected: example.expected!, actual: actual.trim() },
        message: `the examples contradict the code: \`${example.call}\` is said to return ${example.expected} but the code returns ${actual.trim()} (either the example or the code is wrong)`,
      });
    }
  }
  return { checked, mismatches };
}
