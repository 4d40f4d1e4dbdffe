/**
 * Edges the tests exercise that the task never speaks about: a test calls the function with an empty
 * list, zero, a negative number or `None`, but neither the description nor any of its worked examples
 * says what should happen then. The tests then decide behaviour the task left open; a developer should
 * either state it or know that the tests are the specification.
 */
import { parseLiteral, type LiteralValue } from './literal';
import type { ParsedTask } from './parse';

/** Kinds of edge input a test can pass. */
export type EdgeKind = 'empty' | 'zero' | 'negative' | 'none';

/** One edge the tests exercise and the task leaves open. */
export interface UncoveredEdge {
  kind: EdgeKind;
  /** The test input, as given (a call or its arguments). */
  input: string;
}

const EDGE_WORDS: Record<EdgeKind, RegExp> = {
  empty: /\bempty\b|\bno (?:elements?|items?|words?|characters?|numbers?|values?|entries)\b|\blength (?:of )?(?:0|zero)\b|\[\]|''|""/i,
  zero: /\bzero\b|(?<![\w.])0(?![\w.])|\bnon-?negative\b|\bnon-?positive\b|\bnatural\b/i,
  negative: /\bnegative\b|\bnon-?negative\b|\bpositive\b|(?<![\w)\]])-\d/i,
  none: /\bNone\b|\bnull\b|\bundefined\b|\bnil\b|\bmissing\b/,
};

const EDGE_NAMES: Record<EdgeKind, string> = {
  empty: 'an empty input',
  zero: 'zero',
  negative: 'a negative number',
  none: 'None / null',
};

/** Negative numbers among a collection's elements (zero inside a list is too ordinary to count). */
function holdsNegative(items: LiteralValue[]): EdgeKind[] {
  return items.some((item) => item.kind === 'number' && item.value < 0) ? ['negative'] : [];
}

function edgesOf(value: LiteralValue): EdgeKind[] {
  switch (value.kind) {
    case 'list':
    case 'set':
      return value.items.length === 0 ? ['empty'] : holdsNegative(value.items);
    case 'dict':
      return value.entries.length === 0 ? ['empty'] : [];
    case 'string':
      return value.value === '' ? ['empty'] : [];
    case 'number':
      return value.value === 0 ? ['zero'] : value.value < 0 ? ['negative'] : [];
    case 'none':
      return ['none'];
    default:
      return [];
  }
}

/** The arguments of `name(…)`, or the text itself when it is already an argument list. */
function argumentsOf(input: string): string {
  const call = /^\s*[A-Za-z_$][\w$.]*\s*\(([\s\S]*)\)\s*$/.exec(input);
  return call ? call[1] : input;
}

/** Edge kinds in one call's top-level arguments. */
export function edgeKindsOf(input: string): EdgeKind[] {
  const parsed = parseLiteral(`[${argumentsOf(input)}]`);
  if (!parsed || parsed.kind !== 'list') return [];
  return [...new Set(parsed.items.flatMap(edgesOf))];
}

/**
 * Edges that `testInputs` (calls such as `f([])`, or their argument text) exercise and that the task
 * neither describes in words nor shows in a worked example; at most one per kind, in a fixed order.
 */
export function uncoveredEdges(task: Pick<ParsedTask, 'description' | 'examples'>, testInputs: readonly string[]): UncoveredEdge[] {
  const shown = new Set(task.examples.flatMap((example) => edgeKindsOf(example.argumentsText)));
  const found = new Map<EdgeKind, UncoveredEdge>();
  for (const input of testInputs) {
    for (const kind of edgeKindsOf(input)) {
      if (found.has(kind) || shown.has(kind) || EDGE_WORDS[kind].test(task.description)) continue;
      found.set(kind, { kind, input: input.trim() });
    }
  }
  return (['empty', 'zero', 'negative', 'none'] as EdgeKind[]).filter((kind) => found.has(kind)).map((kind) => found.get(kind)!);
}

/** The warning for one uncovered edge, in words a developer can act on. */
export function describeUncoveredEdge(edge: UncoveredEdge): string {
  return `the tests call it with ${EDGE_NAMES[edge.kind]} (\`${edge.input}\`) but the task does not say what should happen then: state the expected result, or treat the test as the specification`;
}
