import type { Node } from 'web-tree-sitter';
import {
  ancestor,
  enclosingLoop,
  indentationAt,
  indentUnit,
  isAtom,
  isBinary,
  isFunction,
  isReadIdentifier,
  lastWrites,
  lineEndOffset,
  lineStartOffset,
  namedChildren,
  nextLineOffset,
  operatorToken,
  parameterNames,
  scopeAt,
  startsLine,
  statementsOnRow,
  type Family,
} from './syntaxFacts';
import { syntaxRepair } from './syntaxRepair';
import type { ProjectNames } from './nameRepair';
import type { TemplateEdit, TemplateName, TextEdit } from './types';

/** What every template sees: one suspect line of one parsed file. */
export interface LineContext {
  family: Family;
  source: string;
  root: Node;
  /** 0-based row of the suspect line. */
  row: number;
  /** Every node (named and anonymous) that starts on `row`, in document order. */
  nodes: Node[];
  /** Absolute path of the file, when known (the missing-import repair needs it). */
  file?: string;
  /** The project's top-level definitions, when a name on the line resolves nowhere in the file. */
  project?: ProjectNames;
}

/** A repair template: proposes edits for one line. */
export type Template = (context: LineContext) => TemplateEdit[];

/** Longest snippet of code shown in a title. */
const TITLE_SNIPPET = 40;

/** Shortens code for a title: one line, at most `TITLE_SNIPPET` characters. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= TITLE_SNIPPET ? flat : `${flat.slice(0, TITLE_SNIPPET - 1)}…`;
}

function replaceTitle(before: string, after: string): string {
  return `\`${snippet(before)}\` → \`${snippet(after)}\``;
}

/**
 * A title for replacing `node` with `replacement`. When the node's text occurs more than once on its
 * line, the smallest enclosing expression that tells the occurrences apart is shown instead.
 */
function nodeTitle(source: string, node: Node, replacement: string): string {
  const lineText = source.slice(lineStartOffset(source, node.startIndex), lineEndOffset(source, node.startIndex));
  const escaped = node.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const occurrences = lineText.match(new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`, 'g'))?.length ?? 0;
  if (occurrences <= 1) return replaceTitle(node.text, replacement);
  for (let current = node.parent; current; current = current.parent) {
    if (current.startPosition.row !== current.endPosition.row || current.text.length > TITLE_SNIPPET) break;
    const text = current.text;
    const count = lineText.split(text).length - 1;
    if (text.length > node.text.length && count === 1) {
      const offset = node.startIndex - current.startIndex;
      return replaceTitle(text, text.slice(0, offset) + replacement + text.slice(offset + node.text.length));
    }
  }
  return replaceTitle(node.text, replacement);
}

function replaceNode(node: Node, text: string): TextEdit {
  return { start: node.startIndex, end: node.endIndex, text };
}

function edit(template: TemplateName, variant: string, title: string, edits: TextEdit[], weight = 1): TemplateEdit {
  return { template, variant, title, edits, weight };
}

/** Wraps an expression in parentheses unless it is an atom. */
function parenthesize(family: Family, node: Node): string {
  return isAtom(family, node) ? node.text : `(${node.text})`;
}

/** `not x` / `!x` with the parentheses the operand needs. */
function negation(family: Family, node: Node): string {
  let inner = node;
  // `if (x)` in JavaScript: negate inside the statement's own parentheses.
  if (family === 'javascript' && node.type === 'parenthesized_expression' && namedChildren(node).length === 1) inner = namedChildren(node)[0];
  const negated = family === 'python' ? `not ${parenthesize(family, inner)}` : `!${parenthesize(family, inner)}`;
  return inner === node ? negated : `(${negated})`;
}

// ---------------------------------------------------------------------------------------------
// Operators

interface Alternative {
  to: string;
  variant: string;
}

const COMPARISON_ALTERNATIVES: Record<string, Alternative[]> = {
  '<': [
    { to: '<=', variant: 'boundary' },
    { to: '>', variant: 'flip' },
    { to: '>=', variant: 'negate' },
    { to: '==', variant: 'equality' },
    { to: '!=', variant: 'equality' },
  ],
  '<=': [
    { to: '<', variant: 'boundary' },
    { to: '>=', variant: 'flip' },
    { to: '>', variant: 'negate' },
    { to: '==', variant: 'equality' },
  ],
  '>': [
    { to: '>=', variant: 'boundary' },
    { to: '<', variant: 'flip' },
    { to: '<=', variant: 'negate' },
    { to: '==', variant: 'equality' },
    { to: '!=', variant: 'equality' },
  ],
  '>=': [
    { to: '>', variant: 'boundary' },
    { to: '<=', variant: 'flip' },
    { to: '<', variant: 'negate' },
    { to: '==', variant: 'equality' },
  ],
  '==': [
    { to: '!=', variant: 'negate' },
    { to: '<=', variant: 'equality' },
    { to: '>=', variant: 'equality' },
    { to: '<', variant: 'equality' },
    { to: '>', variant: 'equality' },
  ],
  '!=': [
    { to: '==', variant: 'negate' },
    { to: '<', variant: 'equality' },
    { to: '>', variant: 'equality' },
  ],
  in: [{ to: 'not in', variant: 'membership' }],
  'not in': [{ to: 'in', variant: 'membership' }],
  is: [{ to: 'is not', variant: 'identity' }],
  'is not': [{ to: 'is', variant: 'identity' }],
};

/** JavaScript spells equality strictly; keep the author's strictness when swapping. */
function javascriptComparison(operator: string): { base: string; strict: boolean } | undefined {
  if (operator === '===') return { base: '==', strict: true };
  if (operator === '!==') return { base: '!=', strict: true };
  if (['<', '<=', '>', '>=', '==', '!='].includes(operator)) return { base: operator, strict: false };
  return undefined;
}

function strictly(operator: string, strict: boolean): string {
  if (!strict) return operator;
  if (operator === '==') return '===';
  if (operator === '!=') return '!==';
  return operator;
}

/** True for an operator token that is the comparison operator of its parent. */
function comparisonToken(family: Family, token: Node): string | undefined {
  const parent = token.parent;
  if (!parent || token.isNamed) return undefined;
  if (family === 'python') return parent.type === 'comparison_operator' && COMPARISON_ALTERNATIVES[token.type] ? token.type : undefined;
  if (parent.type !== 'binary_expression') return undefined;
  return javascriptComparison(token.type) ? token.type : undefined;
}

/** `<` ↔ `<=`, `<` ↔ `>`, `==` ↔ `!=`, `in` ↔ `not in`, … on every comparison operator of the line. */
export const comparisonOperator: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const token of nodes) {
    const operator = comparisonToken(family, token);
    if (!operator) continue;
    if (family === 'python') {
      for (const alternative of COMPARISON_ALTERNATIVES[operator]) {
        edits.push(edit('comparison-operator', alternative.variant, `\`${operator}\` → \`${alternative.to}\``, [replaceNode(token, alternative.to)]));
      }
    } else {
      const parsed = javascriptComparison(operator);
      if (!parsed) continue;
      for (const alternative of COMPARISON_ALTERNATIVES[parsed.base]) {
        const to = strictly(alternative.to, parsed.strict);
        edits.push(edit('comparison-operator', alternative.variant, `\`${operator}\` → \`${to}\``, [replaceNode(token, to)]));
      }
    }
  }
  return edits;
};

const ARITHMETIC_ALTERNATIVES: Record<Family, Record<string, Alternative[]>> = {
  python: {
    '+': [
      { to: '-', variant: 'inverse' },
      { to: '*', variant: 'related' },
    ],
    '-': [
      { to: '+', variant: 'inverse' },
      { to: '*', variant: 'related' },
    ],
    '*': [
      { to: '//', variant: 'inverse' },
      { to: '/', variant: 'inverse' },
      { to: '+', variant: 'related' },
      { to: '**', variant: 'power' },
    ],
    '/': [
      { to: '//', variant: 'inverse' },
      { to: '*', variant: 'inverse' },
    ],
    '//': [
      { to: '/', variant: 'inverse' },
      { to: '%', variant: 'related' },
      { to: '*', variant: 'related' },
    ],
    '%': [
      { to: '//', variant: 'related' },
      { to: '/', variant: 'related' },
    ],
    '**': [{ to: '*', variant: 'power' }],
    '<<': [{ to: '>>', variant: 'bitwise' }],
    '>>': [{ to: '<<', variant: 'bitwise' }],
    '&': [{ to: '|', variant: 'bitwise' }],
    '|': [{ to: '&', variant: 'bitwise' }],
    '^': [{ to: '|', variant: 'bitwise' }],
  },
  javascript: {
    '+': [
      { to: '-', variant: 'inverse' },
      { to: '*', variant: 'related' },
    ],
    '-': [
      { to: '+', variant: 'inverse' },
      { to: '*', variant: 'related' },
    ],
    '*': [
      { to: '/', variant: 'inverse' },
      { to: '+', variant: 'related' },
      { to: '**', variant: 'power' },
    ],
    '/': [
      { to: '*', variant: 'inverse' },
      { to: '%', variant: 'related' },
    ],
    '%': [{ to: '/', variant: 'related' }],
    '**': [{ to: '*', variant: 'power' }],
    '<<': [{ to: '>>', variant: 'bitwise' }],
    '>>': [{ to: '<<', variant: 'bitwise' }],
    '>>>': [{ to: '>>', variant: 'bitwise' }],
    '&': [{ to: '|', variant: 'bitwise' }],
    '|': [{ to: '&', variant: 'bitwise' }],
    '^': [{ to: '|', variant: 'bitwise' }],
  },
};

/** `+` ↔ `-`, `*` ↔ `/`, `//` ↔ `/`, and the same on augmented assignments (`+=` → `-=`, `+=` → `=`). */
export const arithmeticOperator: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  const table = ARITHMETIC_ALTERNATIVES[family];
  for (const token of nodes) {
    const parent = token.parent;
    if (!parent || token.isNamed) continue;
    if (isBinary(family, parent) && table[token.type]) {
      for (const alternative of table[token.type]) {
        edits.push(edit('arithmetic-operator', alternative.variant, `\`${token.type}\` → \`${alternative.to}\``, [replaceNode(token, alternative.to)]));
      }
    } else if ((parent.type === 'augmented_assignment' || parent.type === 'augmented_assignment_expression') && token.type.endsWith('=')) {
      const base = token.type.slice(0, -1);
      for (const alternative of table[base] ?? []) {
        const to = `${alternative.to}=`;
        edits.push(edit('arithmetic-operator', alternative.variant, `\`${token.type}\` → \`${to}\``, [replaceNode(token, to)]));
      }
      if (table[base]) edits.push(edit('arithmetic-operator', 'assign', `\`${token.type}\` → \`=\``, [replaceNode(token, '=')]));
    }
  }
  return edits;
};

/** `and` ↔ `or`, `&&` ↔ `||` (and `??` → `||`). */
export const booleanOperator: Template = ({ family, nodes }) => {
  const swaps: Record<string, string> = family === 'python' ? { and: 'or', or: 'and' } : { '&&': '||', '||': '&&', '??': '||' };
  const edits: TemplateEdit[] = [];
  for (const token of nodes) {
    const parent = token.parent;
    if (!parent || token.isNamed || !swaps[token.type]) continue;
    if (family === 'python' ? parent.type !== 'boolean_operator' : parent.type !== 'binary_expression') continue;
    edits.push(edit('boolean-operator', 'swap', `\`${token.type}\` → \`${swaps[token.type]}\``, [replaceNode(token, swaps[token.type])]));
  }
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Conditions

/** Condition expressions whose node starts on the line: `if`/`elif`/`while`/`for` tests, ternaries, comprehension filters. */
function conditionsOnLine(family: Family, nodes: Node[]): Node[] {
  const found: Node[] = [];
  for (const node of nodes) {
    const parent = node.parent;
    if (!node.isNamed || !parent) continue;
    if (parent.childForFieldName('condition')?.equals(node)) {
      // Older JavaScript grammars wrap a `for` test in an expression statement.
      if (node.type === 'expression_statement') {
        const inner = namedChildren(node)[0];
        if (inner) found.push(inner);
      } else if (node.type !== 'empty_statement') found.push(node);
    } else if (family === 'python' && parent.type === 'if_clause') found.push(node);
    else if (family === 'python' && parent.type === 'conditional_expression' && namedChildren(parent)[1]?.equals(node)) found.push(node);
  }
  return found;
}

/** True for `A and B` / `A && B` / `A || B` nodes. */
function isBooleanCombination(family: Family, node: Node): boolean {
  if (family === 'python') return node.type === 'boolean_operator';
  if (node.type !== 'binary_expression') return false;
  const operator = operatorToken(node)?.type;
  return operator === '&&' || operator === '||';
}

/** True for a comparison whose operator swap already expresses its negation. */
function isNegatableComparison(family: Family, node: Node): boolean {
  if (family === 'python') return node.type === 'comparison_operator' && namedChildren(node).length === 2;
  return node.type === 'binary_expression' && javascriptComparison(operatorToken(node)?.type ?? '') !== undefined;
}

/** Negates conditions and the clauses of boolean combinations; removes an existing `not`/`!`. */
export const negateCondition: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  const targets: Node[] = [...conditionsOnLine(family, nodes)];
  for (const node of nodes) {
    if (node.isNamed && node.parent && isBooleanCombination(family, node.parent) && !targets.some((target) => target.equals(node))) targets.push(node);
  }
  for (const target of targets) {
    const inner = family === 'javascript' && target.type === 'parenthesized_expression' ? namedChildren(target)[0] ?? target : target;
    if (isNegatableComparison(family, inner)) continue; // `a != b` already comes from the operator swap
    if (family === 'python' ? inner.type === 'not_operator' : inner.type === 'unary_expression' && operatorToken(inner)?.type === '!') continue;
    const negated = negation(family, target);
    edits.push(edit('negate-condition', 'negate', replaceTitle(target.text, negated), [replaceNode(target, negated)]));
  }
  for (const node of nodes) {
    const isNot = family === 'python' ? node.type === 'not_operator' : node.type === 'unary_expression' && operatorToken(node)?.type === '!';
    if (!isNot) continue;
    const argument = node.childForFieldName('argument');
    if (!argument) continue;
    edits.push(edit('negate-condition', 'remove-negation', replaceTitle(node.text, argument.text), [replaceNode(node, argument.text)]));
  }
  return edits;
};

/** Keeps only one side of `A and B` / `A || B` on the line. */
export const dropConditionClause: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    if (!node.isNamed || !isBooleanCombination(family, node)) continue;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) continue;
    edits.push(edit('drop-condition-clause', 'keep-left', `drop \`${snippet(right.text)}\``, [replaceNode(node, left.text)]));
    edits.push(edit('drop-condition-clause', 'keep-right', `drop \`${snippet(left.text)}\``, [replaceNode(node, right.text)]));
  }
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Off-by-one

const JAVASCRIPT_BOUND_METHODS = new Set(['slice', 'substring', 'substr', 'splice', 'at', 'charAt', 'repeat', 'padStart', 'padEnd']);

/** True when `node` is a decimal integer literal. */
function isIntegerLiteral(family: Family, node: Node): boolean {
  return node.type === (family === 'python' ? 'integer' : 'number') && /^\d+$/.test(node.text);
}

/** Expressions that act as a bound or an index: range/slice arguments, subscripts, slice bounds. */
function boundExpressions(family: Family, nodes: Node[]): Node[] {
  const bounds: Node[] = [];
  for (const node of nodes) {
    if (!node.isNamed) continue;
    if (family === 'python') {
      if (node.type === 'call' && node.childForFieldName('function')?.text === 'range') {
        const argumentsNode = node.childForFieldName('arguments');
        if (argumentsNode) bounds.push(...namedChildren(argumentsNode).filter((argument) => argument.type !== 'keyword_argument'));
      } else if (node.type === 'subscript') {
        for (const index of node.childrenForFieldName('subscript')) {
          if (!index) continue;
          if (index.type === 'slice') bounds.push(...namedChildren(index));
          else bounds.push(index);
        }
      }
    } else if (node.type === 'subscript_expression') {
      const index = node.childForFieldName('index');
      if (index) bounds.push(index);
    } else if (node.type === 'call_expression') {
      const callee = node.childForFieldName('function');
      const property = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
      const argumentsNode = node.childForFieldName('arguments');
      if (property && JAVASCRIPT_BOUND_METHODS.has(property) && argumentsNode) bounds.push(...namedChildren(argumentsNode));
    }
  }
  return bounds.filter((bound) => bound.type !== 'string' && bound.type !== 'unary_operator' && bound.type !== 'unary_expression');
}

/** True when the literal sits where a bound goes: a range/slice argument, an index, a comparison operand, a loop header. */
function isBoundContext(family: Family, literal: Node, bounds: Node[]): boolean {
  if (bounds.some((bound) => bound.startIndex <= literal.startIndex && literal.endIndex <= bound.endIndex)) return true;
  const parent = literal.parent;
  if (!parent) return false;
  if (family === 'python' && parent.type === 'comparison_operator') return true;
  if (family === 'javascript' && parent.type === 'binary_expression' && javascriptComparison(operatorToken(parent)?.type ?? '')) return true;
  const loop = ancestor(literal, (node) => node.type === 'for_statement');
  const body = loop?.childForFieldName('body');
  return family === 'javascript' && loop !== undefined && !(body && body.startIndex <= literal.startIndex && literal.endIndex <= body.endIndex);
}

/** True for a binary expression that binds at least as tightly as `+`, so `e + 1` needs no parentheses. */
function isArithmetic(family: Family, node: Node): boolean {
  return isBinary(family, node) && ['+', '-', '*', '/', '//', '%', '**'].includes(operatorToken(node)?.type ?? '');
}

/** True for `x + k` / `x - k` with an integer literal `k`. */
function adjustment(family: Family, node: Node): { base: Node; literal: Node } | undefined {
  if (!isBinary(family, node)) return undefined;
  const operator = operatorToken(node)?.type;
  if (operator !== '+' && operator !== '-') return undefined;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (!left || !right || !isIntegerLiteral(family, right)) return undefined;
  return { base: left, literal: right };
}

/** Integer literals ±1, range/slice/index bounds ±1, and `x ± k` → `x`. */
export const offByOne: Template = ({ family, source, nodes }) => {
  const edits: TemplateEdit[] = [];
  const bounds = boundExpressions(family, nodes);
  for (const node of nodes) {
    if (!node.isNamed || !isIntegerLiteral(family, node)) continue;
    const value = Number.parseInt(node.text, 10);
    if (!Number.isSafeInteger(value)) continue;
    const variant = isBoundContext(family, node, bounds) ? 'bound-literal' : 'literal';
    for (const next of [value + 1, value - 1]) {
      edits.push(edit('off-by-one', variant, nodeTitle(source, node, String(next)), [replaceNode(node, String(next))]));
    }
  }
  for (const bound of bounds) {
    if (isIntegerLiteral(family, bound) || bound.startPosition.row !== nodes[0]?.startPosition.row) continue;
    const base = isAtom(family, bound) || isArithmetic(family, bound) ? bound.text : `(${bound.text})`;
    if (!adjustment(family, bound)) {
      for (const sign of ['+', '-']) {
        const text = `${base} ${sign} 1`;
        edits.push(edit('off-by-one', 'bound-expression', nodeTitle(source, bound, text), [replaceNode(bound, text)]));
      }
    }
  }
  for (const node of nodes) {
    const adjusted = node.isNamed ? adjustment(family, node) : undefined;
    if (!adjusted) continue;
    edits.push(edit('off-by-one', 'drop-adjustment', replaceTitle(node.text, adjusted.base.text), [replaceNode(node, adjusted.base.text)]));
  }
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Operands and arguments

const NON_COMMUTATIVE = new Set(['-', '/', '//', '%', '**', '<<', '>>']);

/** `a - b` → `b - a` for non-commutative operators, and `x in s` → `s in x`. */
export const swapOperands: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    if (!node.isNamed) continue;
    let left: Node | null = null;
    let right: Node | null = null;
    let operator: Node | undefined;
    if (isBinary(family, node)) {
      operator = operatorToken(node);
      if (!operator || !NON_COMMUTATIVE.has(operator.type)) continue;
      left = node.childForFieldName('left');
      right = node.childForFieldName('right');
    } else if (family === 'python' && node.type === 'comparison_operator') {
      operator = operatorToken(node);
      const operands = namedChildren(node);
      if (!operator || (operator.type !== 'in' && operator.type !== 'not in') || operands.length !== 2) continue;
      [left, right] = operands;
    } else continue;
    if (!left || !right || !operator) continue;
    // The old left operand moves right: parenthesize it unless it is an atom, so `a - b - c` stays grouped.
    const newRight = parenthesize(family, left);
    const text = `${right.text} ${operator.type} ${newRight}`;
    edits.push(edit('swap-operands', 'operands', replaceTitle(node.text, text), [replaceNode(node, text)]));
  }
  return edits;
};

/** Swaps adjacent positional arguments of calls on the line. */
export const swapArguments: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    const isCall = family === 'python' ? node.type === 'argument_list' : node.type === 'arguments';
    if (!isCall) continue;
    const positional = namedChildren(node);
    for (let index = 0; index + 1 < positional.length; index++) {
      const first = positional[index];
      const second = positional[index + 1];
      const keyword = (argument: Node) =>
        ['keyword_argument', 'list_splat', 'dictionary_splat', 'spread_element', 'generator_expression'].includes(argument.type);
      if (keyword(first) || keyword(second) || first.text === second.text) continue;
      edits.push(
        edit('swap-arguments', 'arguments', `swap \`${snippet(first.text)}\` and \`${snippet(second.text)}\``, [
          replaceNode(first, second.text),
          replaceNode(second, first.text),
        ]),
      );
    }
  }
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Identifiers and calls

/** At most this many replacements per identifier occurrence, nearest definitions first. */
const MAX_REPLACEMENTS = 6;
/** At most this many identifier occurrences per line get replacements. */
const MAX_OCCURRENCES = 8;

const PYTHON_BUILTIN_CALLABLES = new Set(['print', 'len', 'range', 'int', 'str', 'float', 'list', 'dict', 'set', 'tuple', 'bool', 'isinstance', 'enumerate', 'zip', 'map', 'filter', 'sum', 'min', 'max', 'abs', 'sorted', 'reversed', 'any', 'all', 'super', 'type', 'repr', 'round', 'ord', 'chr', 'iter', 'next', 'hash', 'open', 'format']);

/** Replaces an identifier with another in-scope identifier of the same kind (value for value, function for function). */
export const replaceIdentifier: Template = ({ family, root, source, nodes }) => {
  const edits: TemplateEdit[] = [];
  let occurrences = 0;
  const row = nodes[0]?.startPosition.row ?? 0;
  for (const node of nodes) {
    if (occurrences >= MAX_OCCURRENCES) break;
    if (!isReadIdentifier(family, node)) continue;
    const parent = node.parent;
    const isCallee = parent !== null && (parent.type === 'call' || parent.type === 'call_expression') && (parent.childForFieldName('function')?.equals(node) ?? false);
    const scope = scopeAt(family, root, node);
    const known = isCallee ? scope.callables : scope.values;
    // Names we cannot place (builtins, globals of other modules) are left alone.
    if (!known.some((entry) => entry.name === node.text)) continue;
    occurrences++;
    const replacements = known
      .filter((entry) => entry.name !== node.text && !(family === 'python' && PYTHON_BUILTIN_CALLABLES.has(entry.name)))
      .sort((a, b) => (a.kind === b.kind ? Math.abs(a.row - row) - Math.abs(b.row - row) : a.kind === 'local' ? -1 : b.kind === 'local' ? 1 : 0))
      .slice(0, MAX_REPLACEMENTS);
    for (const replacement of replacements) {
      edits.push(edit('replace-identifier', replacement.kind, nodeTitle(source, node, replacement.name), [replaceNode(node, replacement.name)]));
    }
  }
  return edits;
};

/** Pairs of functions and methods that are easily confused; each name maps to its alternatives. */
const CONFUSABLE: Record<Family, string[][]> = {
  python: [
    ['min', 'max'],
    ['any', 'all'],
    ['upper', 'lower'],
    ['isupper', 'islower'],
    ['startswith', 'endswith'],
    ['lstrip', 'rstrip'],
    ['floor', 'ceil'],
    ['find', 'rfind'],
    ['index', 'rindex'],
    ['append', 'extend'],
    ['keys', 'values'],
    ['isdigit', 'isalpha'],
    ['sorted', 'reversed'],
    ['remove', 'discard'],
    ['pop', 'popleft'],
  ],
  javascript: [
    ['min', 'max'],
    ['some', 'every'],
    ['toUpperCase', 'toLowerCase'],
    ['startsWith', 'endsWith'],
    ['trimStart', 'trimEnd'],
    ['floor', 'ceil'],
    ['indexOf', 'lastIndexOf'],
    ['push', 'unshift'],
    ['pop', 'shift'],
    ['find', 'findLast'],
    ['findIndex', 'findLastIndex'],
    ['filter', 'find'],
    ['keys', 'values'],
  ],
};

/** `min` ↔ `max`, `upper` ↔ `lower`, `startswith` ↔ `endswith`, … on called names and methods. */
export const swapFunction: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    if (node.type !== 'call' && node.type !== 'call_expression') continue;
    let callee = node.childForFieldName('function');
    if (!callee) continue;
    if (callee.type === 'attribute') callee = callee.childForFieldName('attribute');
    else if (callee.type === 'member_expression') callee = callee.childForFieldName('property');
    if (!callee || (callee.type !== 'identifier' && callee.type !== 'property_identifier')) continue;
    for (const group of CONFUSABLE[family]) {
      if (!group.includes(callee.text)) continue;
      for (const alternative of group) {
        if (alternative === callee.text) continue;
        edits.push(edit('swap-function', 'confusable', `\`${callee.text}\` → \`${alternative}\``, [replaceNode(callee, alternative)]));
      }
    }
  }
  return edits;
};

/** `True` ↔ `False`, `true` ↔ `false`. */
export const booleanLiteral: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    if (node.type !== 'true' && node.type !== 'false') continue;
    const flipped = family === 'python' ? (node.type === 'true' ? 'False' : 'True') : node.type === 'true' ? 'false' : 'true';
    edits.push(edit('boolean-literal', 'flip', `\`${node.text}\` → \`${flipped}\``, [replaceNode(node, flipped)]));
  }
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Returns

/**
 * Value names of the function enclosing `node` that a return could hand back: names written in the
 * body, most recently written first, then the parameters.
 */
function localNames(family: Family, node: Node, limit: number): string[] {
  const fn = ancestor(node, (candidate) => isFunction(family, candidate), true);
  if (!fn) return [];
  const written = [...lastWrites(family, fn).entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  const names = [...written, ...parameterNames(family, fn).filter((name) => !written.includes(name))];
  return names.slice(0, limit);
}

/** `return x` → `return not x`; a bare `return` → `return <local>`. */
export const returnValue: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    if (node.type !== 'return_statement') continue;
    const value = namedChildren(node)[0];
    if (value) {
      const isNegated = family === 'python' ? value.type === 'not_operator' : value.type === 'unary_expression' && operatorToken(value)?.type === '!';
      const booleanish = ['comparison_operator', 'boolean_operator', 'call', 'identifier', 'binary_expression', 'call_expression', 'attribute', 'member_expression'];
      if (!isNegated && booleanish.includes(value.type) && !isNegatableComparison(family, value)) {
        const negated = negation(family, value);
        edits.push(edit('return-value', 'negate', replaceTitle(`return ${value.text}`, `return ${negated}`), [replaceNode(value, negated)]));
      }
    } else {
      const keyword = node.child(0);
      if (!keyword) continue;
      localNames(family, node, 4).forEach((name, index) => {
        edits.push(edit('return-value', 'value', `\`return\` → \`return ${name}\``, [{ start: keyword.endIndex, end: keyword.endIndex, text: ` ${name}` }], 1 / (index + 1)));
      });
    }
  }
  return edits;
};

/** Literal values a function returns elsewhere (`0`, `False`, `[]`, `None`, …), at most `limit`. */
function returnedLiterals(family: Family, fn: Node, limit: number): string[] {
  const literalTypes =
    family === 'python' ? ['integer', 'float', 'string', 'true', 'false', 'none', 'list', 'tuple', 'dictionary'] : ['number', 'string', 'true', 'false', 'null', 'array', 'object'];
  const found: string[] = [];
  for (const statement of fn.descendantsOfType('return_statement')) {
    if (!statement || !ancestor(statement, (candidate) => isFunction(family, candidate))?.equals(fn)) continue;
    const value = namedChildren(statement)[0];
    if (value && literalTypes.includes(value.type) && value.text.length <= 20 && !found.includes(value.text)) found.push(value.text);
    if (found.length >= limit) break;
  }
  return found;
}

/** The last statement of a function body, if the body is a block. */
function lastStatement(fn: Node): Node | undefined {
  const body = fn.childForFieldName('body');
  if (!body || (body.type !== 'block' && body.type !== 'statement_block')) return undefined;
  const statements = namedChildren(body);
  return statements[statements.length - 1];
}

/** A function whose body falls off its end gets `return <local>` (or a value it returns elsewhere) appended. */
export const addReturn: Template = ({ family, source, nodes }) => {
  const edits: TemplateEdit[] = [];
  const first = nodes.find((node) => node.isNamed);
  if (!first) return edits;
  const fn = ancestor(first, (node) => isFunction(family, node), true);
  if (!fn || fn.type === 'lambda' || (fn.type === 'arrow_function' && fn.childForFieldName('body')?.type !== 'statement_block')) return edits;
  const last = lastStatement(fn);
  if (!last || ['return_statement', 'raise_statement', 'throw_statement'].includes(last.type)) return edits;
  const indentation = indentationAt(source, last.startIndex);
  if (!startsLine(source, last.startIndex)) return edits;
  const insertAt = lineEndOffset(source, last.endIndex);
  const terminator = family === 'python' ? '' : ';';
  const add = (value: string, variant: string, weight: number) =>
    edits.push(edit('add-return', variant, `add \`return ${snippet(value)}\``, [{ start: insertAt, end: insertAt, text: `\n${indentation}return ${value}${terminator}` }], weight));
  // The most recently written name is the likeliest result.
  localNames(family, last, 4).forEach((name, index) => add(name, 'local', 1 / (index + 1)));
  for (const literal of returnedLiterals(family, fn, 3)) add(literal, 'returned-elsewhere', 1);
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Inserted statements

/** Guard conditions on the identifiers read on the line: empty, zero divisor, index past the end. */
function guardConditions(family: Family, root: Node, nodes: Node[]): { condition: string; variant: string }[] {
  const conditions: { condition: string; variant: string }[] = [];
  const seen = new Set<string>();
  const push = (condition: string, variant: string) => {
    if (seen.has(condition) || conditions.length >= 4) return;
    seen.add(condition);
    conditions.push({ condition, variant });
  };
  for (const node of nodes) {
    if (!node.isNamed) continue;
    if (family === 'python' && node.type === 'subscript') {
      const value = node.childForFieldName('value');
      const index = node.childForFieldName('subscript');
      if (value?.type === 'identifier' && index?.type === 'identifier') push(`${index.text} >= len(${value.text})`, 'bound');
    } else if (family === 'javascript' && node.type === 'subscript_expression') {
      const value = node.childForFieldName('object');
      const index = node.childForFieldName('index');
      if (value?.type === 'identifier' && index?.type === 'identifier') push(`${index.text} >= ${value.text}.length`, 'bound');
    } else if (isBinary(family, node) && ['/', '//', '%'].includes(operatorToken(node)?.type ?? '')) {
      const divisor = node.childForFieldName('right');
      if (divisor?.type === 'identifier') push(family === 'python' ? `${divisor.text} == 0` : `${divisor.text} === 0`, 'zero');
    }
  }
  for (const node of nodes) {
    if (!isReadIdentifier(family, node)) continue;
    // An accumulator (`total += …`) is not what needs guarding.
    const parent = node.parent;
    if (parent && (parent.type === 'augmented_assignment' || parent.type === 'augmented_assignment_expression') && parent.childForFieldName('left')?.equals(node)) continue;
    const values = scopeAt(family, root, node).values;
    if (!values.some((entry) => entry.name === node.text && entry.kind === 'local')) continue;
    const usedAsSequence =
      parent !== null &&
      ((parent.type === 'subscript_expression' && parent.childForFieldName('object')?.equals(node)) ||
        (parent.type === 'member_expression' && parent.childForFieldName('object')?.equals(node)));
    if (family === 'python') push(`not ${node.text}`, 'empty');
    else push(usedAsSequence ? `${node.text}.length === 0` : `!${node.text}`, 'empty');
  }
  return conditions;
}

/** Inserts `if <guard>: return/continue/break` before the line's statement. */
export const insertGuard: Template = ({ family, root, source, nodes }) => {
  const edits: TemplateEdit[] = [];
  const row = nodes[0]?.startPosition.row;
  if (row === undefined) return edits;
  const statement = statementsOnRow(family, nodes, row)[0];
  if (!statement || !startsLine(source, statement.startIndex)) return edits;
  const fn = ancestor(statement, (node) => isFunction(family, node));
  if (!fn) return edits;
  const bodies: string[] = [];
  if (enclosingLoop(family, statement)) bodies.push('continue', 'break');
  const literals = returnedLiterals(family, fn, 3);
  if (literals.length > 0) bodies.push(...literals.map((literal) => `return ${literal}`));
  else bodies.push(family === 'python' ? 'return None' : 'return');
  const indentation = indentationAt(source, statement.startIndex);
  const insertAt = lineStartOffset(source, statement.startIndex);
  for (const { condition, variant } of guardConditions(family, root, nodes)) {
    for (const body of bodies.slice(0, 4)) {
      const text =
        family === 'python'
          ? `${indentation}if ${condition}:\n${indentation}${indentUnit(source)}${body}\n`
          : `${indentation}if (${condition}) ${body};\n`;
      const title = family === 'python' ? `insert \`if ${snippet(condition)}: ${body}\`` : `insert \`if (${snippet(condition)}) ${body};\``;
      edits.push(edit('insert-guard', variant, title, [{ start: insertAt, end: insertAt, text }]));
    }
  }
  return edits;
};

const SIMPLE_STATEMENTS = new Set(['expression_statement', 'lexical_declaration', 'variable_declaration']);

/** Inserts `break`, `continue` or `return <assigned name>` after the line's simple statement. */
export const insertControl: Template = ({ family, source, nodes }) => {
  const edits: TemplateEdit[] = [];
  const row = nodes[0]?.startPosition.row;
  if (row === undefined) return edits;
  const statement = statementsOnRow(family, nodes, row)[0];
  if (!statement || !SIMPLE_STATEMENTS.has(statement.type) || !startsLine(source, statement.startIndex)) return edits;
  if (statement.endPosition.row !== statement.startPosition.row) return edits;
  const indentation = indentationAt(source, statement.startIndex);
  const insertAt = lineEndOffset(source, statement.endIndex);
  const terminator = family === 'python' ? '' : ';';
  const add = (body: string, variant: string) =>
    edits.push(edit('insert-control', variant, `insert \`${body}\` after \`${snippet(statement.text)}\``, [{ start: insertAt, end: insertAt, text: `\n${indentation}${body}${terminator}` }]));
  if (enclosingLoop(family, statement)) {
    add('break', 'break');
    add('continue', 'continue');
  }
  if (ancestor(statement, (node) => isFunction(family, node))) {
    const expression = namedChildren(statement)[0];
    let target: Node | null | undefined;
    if (family === 'python' && expression && (expression.type === 'assignment' || expression.type === 'augmented_assignment')) target = expression.childForFieldName('left');
    else if (expression?.type === 'assignment_expression' || expression?.type === 'augmented_assignment_expression') target = expression.childForFieldName('left');
    else if (expression?.type === 'variable_declarator') target = expression.childForFieldName('name');
    if (target?.type === 'identifier') add(`return ${target.text}`, 'return');
  }
  return edits;
};

// ---------------------------------------------------------------------------------------------
// Deleting and swapping statements

const NEVER_DELETED = new Set([
  'function_definition',
  'class_definition',
  'decorated_definition',
  'import_statement',
  'import_from_statement',
  'future_import_statement',
  'pass_statement',
  'function_declaration',
  'class_declaration',
  'export_statement',
  'empty_statement',
  'comment',
]);
const CONTROL_STATEMENTS = new Set(['return_statement', 'break_statement', 'continue_statement', 'raise_statement', 'throw_statement']);
const DELETABLE_COMPOUND = new Set(['if_statement']);

/** Deletes a statement that starts on the line (whole lines; a sole Python statement becomes `pass`). */
export const deleteStatement: Template = ({ family, source, nodes }) => {
  const edits: TemplateEdit[] = [];
  const row = nodes[0]?.startPosition.row;
  if (row === undefined) return edits;
  for (const statement of statementsOnRow(family, nodes, row)) {
    if (NEVER_DELETED.has(statement.type)) continue;
    const isDocstring = statement.type === 'expression_statement' && namedChildren(statement).length === 1 && namedChildren(statement)[0].type === 'string';
    if (isDocstring) continue;
    const variant = CONTROL_STATEMENTS.has(statement.type) ? 'return' : DELETABLE_COMPOUND.has(statement.type) ? 'compound' : SIMPLE_STATEMENTS.has(statement.type) || statement.type === 'expression_statement' ? 'simple' : undefined;
    if (!variant) continue;
    const parent = statement.parent;
    if (!parent) continue;
    const siblings = namedChildren(parent);
    const title = `delete \`${snippet(statement.text)}\``;
    const lineStart = lineStartOffset(source, statement.startIndex);
    const lineEnd = lineEndOffset(source, statement.endIndex);
    const wholeLines = startsLine(source, statement.startIndex) && /^[ \t]*(#.*|\/\/.*)?$/.test(source.slice(statement.endIndex, lineEnd));
    if (family === 'python' && siblings.length === 1 && parent.type === 'block') {
      edits.push(edit('delete-statement', variant, title, [replaceNode(statement, 'pass')]));
    } else if (wholeLines) {
      edits.push(edit('delete-statement', variant, title, [{ start: lineStart, end: nextLineOffset(source, statement.endIndex), text: '' }]));
    } else {
      edits.push(edit('delete-statement', variant, title, [replaceNode(statement, '')]));
    }
  }
  return edits;
};

/** Swaps the branches of an `if`/`else` that starts on the line, and of conditional expressions. */
export const swapBranches: Template = ({ family, nodes }) => {
  const edits: TemplateEdit[] = [];
  for (const node of nodes) {
    if (node.type === 'if_statement') {
      const consequence = node.childForFieldName('consequence');
      const alternatives = node.childrenForFieldName('alternative').filter((child): child is Node => child !== null);
      if (!consequence || alternatives.length !== 1 || alternatives[0].type !== 'else_clause') continue;
      const elseBody = family === 'python' ? alternatives[0].childForFieldName('body') : namedChildren(alternatives[0])[0];
      if (!elseBody || elseBody.type === 'if_statement') continue;
      if (family === 'python') {
        // Both bodies must be indented blocks of the same depth, so their texts can trade places.
        if (consequence.startPosition.row === node.startPosition.row || elseBody.startPosition.row === alternatives[0].startPosition.row) continue;
        if (consequence.startPosition.column !== elseBody.startPosition.column) continue;
      } else if ((consequence.type === 'statement_block') !== (elseBody.type === 'statement_block')) continue;
      edits.push(
        edit('swap-branches', 'if-else', `swap the branches of \`if ${snippet(node.childForFieldName('condition')?.text ?? '')}\``, [
          replaceNode(consequence, elseBody.text),
          replaceNode(elseBody, consequence.text),
        ]),
      );
    } else if (node.type === 'conditional_expression' && family === 'python') {
      const [whenTrue, condition, whenFalse] = namedChildren(node);
      if (!whenTrue || !condition || !whenFalse) continue;
      edits.push(edit('swap-branches', 'ternary', replaceTitle(node.text, `${whenFalse.text} if ${condition.text} else ${whenTrue.text}`), [replaceNode(whenTrue, whenFalse.text), replaceNode(whenFalse, whenTrue.text)]));
    } else if (node.type === 'ternary_expression') {
      const whenTrue = node.childForFieldName('consequence');
      const whenFalse = node.childForFieldName('alternative');
      const condition = node.childForFieldName('condition');
      if (!whenTrue || !whenFalse || !condition) continue;
      edits.push(edit('swap-branches', 'ternary', replaceTitle(node.text, `${condition.text} ? ${whenFalse.text} : ${whenTrue.text}`), [replaceNode(whenTrue, whenFalse.text), replaceNode(whenFalse, whenTrue.text)]));
    }
  }
  return edits;
};

/** Every template by name, in a fixed order (ties in ranking keep this order). */
export const TEMPLATES: Record<TemplateName, Template> = {
  'comparison-operator': comparisonOperator,
  'arithmetic-operator': arithmeticOperator,
  'boolean-operator': booleanOperator,
  'negate-condition': negateCondition,
  'drop-condition-clause': dropConditionClause,
  'off-by-one': offByOne,
  'swap-operands': swapOperands,
  'swap-arguments': swapArguments,
  'replace-identifier': replaceIdentifier,
  'swap-function': swapFunction,
  'boolean-literal': booleanLiteral,
  'return-value': returnValue,
  'add-return': addReturn,
  'insert-guard': insertGuard,
  'insert-control': insertControl,
  'delete-statement': deleteStatement,
  'swap-branches': swapBranches,
  'syntax-repair': syntaxRepair,
};
