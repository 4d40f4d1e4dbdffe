/**
 * The project's tests as an oracle for a task's worked examples. An assertion such as
 * `assert add(2, 3) == 5`, `self.assertEqual(add(2, 3), 5)`, `assert.strictEqual(add(2, 3), 5)` or
 * `expect(add(2, 3)).toBe(5)` states a result the tests hold the code to. A task example with the same call
 * and a different result contradicts the tests: the task and the tests cannot both be right, so Revise
 * cannot act on the task as written. This reads test text only (nothing runs), so it holds while tests
 * fail too, where running the examples against the code would say nothing about the task.
 */
import { sameOutput, type Contradiction } from './consistency';
import { formatLiteral, literalsEqual, parseLiteral, type LiteralValue } from './literal';
import { findClosingBracket, splitTopLevel, unquoted, type ParsedTask } from './parse';

/** One call a test asserts a result for. */
export interface AssertedCall {
  functionName: string;
  /** The text between the call's parentheses. */
  argumentsText: string;
  /** The literal the test states, or, for `assert f(x)` / `assert not f(x)`, only whether it is truthy. */
  expected: { literal: string } | { truthy: boolean };
  /** Where the assertion is, as the message names it (`tests/test_add.py:12`). */
  where: string;
  /** The test file (as the caller named it) and the assertion's 1-based line. */
  file: string;
  line: number;
}

/** What comparing a task's examples with the tests' assertions showed. */
export interface TestsCheck {
  /** Examples whose call some test asserts a result for. */
  checked: number;
  mismatches: Contradiction[];
}

/** Test files longer than this are read only up to it; the rest is not searched. */
const MAXIMUM_SOURCE_CHARACTERS = 400_000;
/** At most this many assertions are kept per check. */
const MAXIMUM_ASSERTIONS = 2_000;

/** Removes parentheses that wrap the whole expression. */
function unwrap(expression: string): string {
  let text = expression.trim();
  while (text.startsWith('(') && findClosingBracket(text, 0) === text.length) text = text.slice(1, -1).trim();
  return text;
}

/** `text` without a trailing comment (`#` in Python, `//` in JavaScript) outside strings, and without a trailing `;`. */
function withoutComment(text: string): string {
  let end = text.length;
  for (const [index] of unquoted(text)) {
    if (text[index] === '#' || text.startsWith('//', index)) {
      end = index;
      break;
    }
  }
  return text.slice(0, end).trimEnd().replace(/;+$/, '');
}

/**
 * The call `name(…)` or `module.name(…)` that is the whole of `expression`, for one of `names`. A method
 * of an object (`self.calc.add(…)`, `this.add(…)`) is another function that may share the name: not read.
 */
function wholeCall(expression: string, names: ReadonlySet<string>): { functionName: string; argumentsText: string } | undefined {
  const text = unwrap(expression);
  const match = /^(?:([A-Za-z_$][\w$]*)\.)?([A-Za-z_$][\w$]*)\s*\(/.exec(text);
  if (!match || !names.has(match[2]) || match[1] === 'self' || match[1] === 'this') return undefined;
  const open = match[0].length - 1;
  if (findClosingBracket(text, open) !== text.length) return undefined;
  return { functionName: match[2], argumentsText: text.slice(open + 1, -1).trim() };
}

/** `JSON.stringify(x)` (how JavaScript tests compare arrays) reads as `x`. */
function unstringified(expression: string): string {
  const text = unwrap(expression);
  const match = /^JSON\.stringify\s*\(/.exec(text);
  if (match && findClosingBracket(text, match[0].length - 1) === text.length) {
    const inner = splitTopLevel(text.slice(match[0].length, -1));
    if (inner.length === 1) return inner[0];
  }
  return text;
}

/** Splits `left OP right` at the first top-level equality operator (`==`, `===`, Python `is`), or undefined. */
function equalitySides(expression: string): [string, string] | undefined {
  const text = unwrap(expression);
  for (const [index, depth] of unquoted(text)) {
    if (depth !== 0) continue;
    if (text.startsWith('==', index) && !'!<>='.includes(text[index - 1] ?? '')) {
      const width = text[index + 2] === '=' ? 3 : 2;
      return [text.slice(0, index), text.slice(index + width)];
    }
    if (/\sis\s/.test(text.slice(index - 1, index + 3)) && text.startsWith('is', index) && !/^is\s+not\b/.test(text.slice(index))) {
      return [text.slice(0, index), text.slice(index + 2)];
    }
  }
  return undefined;
}

/** The call to one of `names` on one side and a literal on the other, in either order (`JSON.stringify` read through). */
function callAgainstLiteral(first: string, second: string, names: ReadonlySet<string>): Omit<AssertedCall, 'where' | 'file' | 'line'> | undefined {
  for (const [callSide, valueSide] of [
    [first, second],
    [second, first],
  ].map((sides) => sides.map(unstringified))) {
    const call = wholeCall(callSide, names);
    if (call && parseLiteral(valueSide) !== undefined) return { ...call, expected: { literal: valueSide.trim() } };
  }
  return undefined;
}

/** What one asserted expression says about a call to one of `names`. */
function readExpression(expression: string, names: ReadonlySet<string>): Omit<AssertedCall, 'where' | 'file' | 'line'> | undefined {
  const text = unwrap(expression);
  const negated = /^(?:not\s+|!\s*)/.exec(text);
  if (negated) {
    const call = wholeCall(text.slice(negated[0].length), names);
    return call ? { ...call, expected: { truthy: false } } : undefined;
  }
  // `abs(f(x) - 0.5) < 1e-6` (and `Math.abs`): the result is 0.5, up to the tolerance.
  const near = /^(?:Math\.)?abs\s*\(/.exec(text);
  if (near) {
    const close = findClosingBracket(text, near[0].length - 1);
    if (close > 0 && /^\s*<=?\s*[\d.eE+-]+$/.test(text.slice(close))) {
      const inside = text.slice(near[0].length, close - 1);
      const minus = splitTopLevel(inside, ' - ');
      if (minus.length === 2) {
        const call = wholeCall(minus[0], names);
        if (call && parseLiteral(minus[1])?.kind === 'number') return { ...call, expected: { literal: minus[1] } };
      }
    }
    return undefined;
  }
  const sides = equalitySides(text);
  if (sides) return callAgainstLiteral(sides[0], sides[1], names);
  const call = wholeCall(text, names);
  return call ? { ...call, expected: { truthy: true } } : undefined;
}

/** The arguments of the call that opens at `open` in `text`, split at top-level commas. */
function callArguments(text: string, open: number): string[] | undefined {
  const close = findClosingBracket(text, open);
  if (close < 0) return undefined;
  return splitTopLevel(text.slice(open + 1, close - 1));
}

/** Reads one (logical) line of a test: the asserted calls it states. */
function readStatement(statement: string, names: ReadonlySet<string>): Omit<AssertedCall, 'where' | 'file' | 'line'> | undefined {
  const text = withoutComment(statement.trim());
  // Python `assert E` or `assert E, message`.
  const python = /^assert\s+(?!\()/.exec(text) ?? /^assert\s+(?=\(.*\)\s*,)/.exec(text);
  if (python) return readExpression(splitTopLevel(text.slice(python[0].length))[0] ?? '', names);
  // `expect(A).toBe(B)` / `.toEqual(B)` / `.toStrictEqual(B)` / `.toBeTruthy()` / `.toBeFalsy()` (Jest, Vitest), and Chai's `expect(A).to.equal(B)`.
  const expect = /^expect\s*\(/.exec(text);
  if (expect) {
    const close = findClosingBracket(text, expect[0].length - 1);
    if (close < 0) return undefined;
    const subject = splitTopLevel(text.slice(expect[0].length, close - 1));
    const call = subject.length === 1 ? wholeCall(subject[0], names) : undefined;
    if (!call) return undefined;
    const rest = text.slice(close);
    // The matcher's argument, when it is a literal: `.toBe(B)`, Chai's `.to.equal(B)`.
    const literalAfter = (matched: RegExpExecArray) => {
      const value = callArguments(text, close + matched[0].length - 1)?.[0];
      return value !== undefined && parseLiteral(value) !== undefined ? { ...call, expected: { literal: value } } : undefined;
    };
    // Chai: `.to.equal(B)`, `.to.deep.equal(B)`, `.to.eql(B)`, `.to.be.true`, `.to.be.false`.
    const chai = /^\.to(?:\.be)?(?:\.deep)?\.(equal|eql|equals)\s*\(/.exec(rest);
    if (chai) return literalAfter(chai);
    const chaiTruth = /^\.to\.be\.(true|false)\s*$/.exec(rest);
    if (chaiTruth) return { ...call, expected: { literal: chaiTruth[1] } };
    const matcher = /^\.(toBe|toEqual|toStrictEqual|toBeTruthy|toBeFalsy|toBeCloseTo)\s*\(/.exec(rest);
    if (!matcher) return undefined;
    if (matcher[1] === 'toBeTruthy' || matcher[1] === 'toBeFalsy') return { ...call, expected: { truthy: matcher[1] === 'toBeTruthy' } };
    return literalAfter(matcher);
  }
  // Two-argument equality assertions: Node's `assert`, unittest's `assertEqual`.
  const pair = /^(?:assert\.(?:strictEqual|equal|deepStrictEqual|deepEqual)|(?:self\.)?assert(?:Equal|Equals|Is|AlmostEqual))\s*\(/.exec(text);
  if (pair) {
    const values = callArguments(text, pair[0].length - 1);
    return values && values.length >= 2 ? callAgainstLiteral(values[0], values[1], names) : undefined;
  }
  // One-argument truth assertions: `assert(E)`, `assert.ok(E)`, `console.assert(E)`, `assertTrue(E)`, `assertFalse(E)`.
  const truth = /^(?:console\.assert|assert\.ok|assert|(?:self\.)?assert(True|False))\s*\(/.exec(text);
  if (truth) {
    const values = callArguments(text, truth[0].length - 1);
    if (!values || values.length < 1) return undefined;
    const read = readExpression(values[0], names);
    if (!read || truth[1] !== 'False') return read;
    return 'truthy' in read.expected ? { ...read, expected: { truthy: !read.expected.truthy } } : undefined;
  }
  return undefined;
}

/**
 * The calls to `names` that the test source `source` asserts a result for, one per assertion line, with
 * `where` naming `label` and the line (`file`, the test file's path, defaults to `label`). Only assertions
 * whose expected value is written as a literal count.
 */
export function assertedCalls(source: string, names: readonly string[], label: string, file: string = label): AssertedCall[] {
  const wanted = new Set(names.filter((name) => name !== ''));
  if (wanted.size === 0) return [];
  const text = source.length > MAXIMUM_SOURCE_CHARACTERS ? source.slice(0, MAXIMUM_SOURCE_CHARACTERS) : source;
  const found: AssertedCall[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (!/assert|expect/.test(line) || ![...wanted].some((name) => line.includes(name))) continue;
    const read = readStatement(line, wanted);
    if (read) found.push({ ...read, where: `${label}:${index + 1}`, file, line: index + 1 });
    if (found.length >= MAXIMUM_ASSERTIONS) break;
  }
  return found;
}

function truthiness(value: LiteralValue): boolean {
  switch (value.kind) {
    case 'number':
      return value.value !== 0 && !Number.isNaN(value.value);
    case 'string':
      return value.value !== '';
    case 'boolean':
      return value.value;
    case 'none':
      return false;
    case 'list':
    case 'set':
      return value.items.length > 0;
    case 'dict':
      return value.entries.length > 0;
  }
}

/** The same arguments: equal as literals where both read as literals, else the same text up to spacing and quotes. */
function sameArguments(left: string, right: string): boolean {
  const a = parseLiteral(`[${left}]`);
  const b = parseLiteral(`[${right}]`);
  if (a && b) return literalsEqual(a, b);
  const normalize = (text: string): string => text.replace(/\s+/g, '').replace(/"/g, "'");
  return normalize(left) === normalize(right);
}

/** The kind of value a literal is, a one-element list read as its element. */
function valueKind(value: LiteralValue): string {
  if (value.kind === 'list' && value.items.length === 1) return valueKind(value.items[0]);
  return value.kind === 'set' ? 'list' : value.kind;
}

/**
 * The test asserts another value of the same kind. A value of another kind (`tri(1) = 3` in prose that
 * defines a sequence, where the tests show `tri` returns a list) reads as a definition, not a call's result.
 */
function differentValueOfItsKind(expectedText: string, expected: LiteralValue, assertedText: string): boolean {
  const asserted = parseLiteral(assertedText);
  return asserted !== undefined && valueKind(asserted) === valueKind(expected) && !sameOutput(expectedText, assertedText);
}

/**
 * Compares the task's worked examples that state a result with what the tests assert for the same call.
 * An example no test asserts anything for is not counted; one contradiction is reported per example.
 */
export function checkExamplesAgainstTests(task: ParsedTask, asserted: readonly AssertedCall[]): TestsCheck {
  const mismatches: Contradiction[] = [];
  let checked = 0;
  for (const example of task.examples) {
    if (example.expected === undefined) continue;
    const expected = parseLiteral(example.expected);
    if (!expected) continue;
    const same = asserted.filter((call) => call.functionName === example.functionName && sameArguments(call.argumentsText, example.argumentsText));
    if (same.length === 0) continue;
    checked++;
    const against = same.find((call) => ('truthy' in call.expected ? truthiness(expected) !== call.expected.truthy : differentValueOfItsKind(example.expected!, expected, call.expected.literal)));
    if (!against) continue;
    const stated = 'truthy' in against.expected ? `a ${against.expected.truthy ? 'true' : 'false'} value` : formatLiteral(parseLiteral(against.expected.literal)!);
    mismatches.push({
      kind: 'tests',
      example: { call: example.call, expected: example.expected, actual: stated },
      test: { file: against.file, line: against.line },
      message: `the examples contradict the tests: \`${example.call}\` is said to return ${example.expected}, but ${against.where} asserts ${stated} (either the task or the test is wrong: say which)`,
    });
  }
  return { checked, mismatches };
}
