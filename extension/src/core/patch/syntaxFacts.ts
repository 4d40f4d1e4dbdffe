import type { Node } from 'web-tree-sitter';
import type { SourceLanguage } from '../types';

/** Grammar families: TypeScript and TSX share the JavaScript node types the templates use. */
export type Family = 'python' | 'javascript';

/** The grammar family of a language. */
export function familyOf(language: SourceLanguage): Family {
  return language === 'python' ? 'python' : 'javascript';
}

const PYTHON_FUNCTIONS = new Set(['function_definition', 'lambda']);
const JAVASCRIPT_FUNCTIONS = new Set([
  'function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
]);
const PYTHON_BLOCKS = new Set(['block', 'module']);
const JAVASCRIPT_BLOCKS = new Set(['statement_block', 'program', 'switch_case', 'switch_default']);
const PYTHON_LOOPS = new Set(['for_statement', 'while_statement']);
const JAVASCRIPT_LOOPS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);

const PYTHON_ATOMS = new Set([
  'identifier',
  'attribute',
  'call',
  'subscript',
  'parenthesized_expression',
  'integer',
  'float',
  'string',
  'concatenated_string',
  'true',
  'false',
  'none',
  'list',
  'tuple',
  'dictionary',
  'set',
  'list_comprehension',
  'dictionary_comprehension',
  'set_comprehension',
  'generator_expression',
]);
const JAVASCRIPT_ATOMS = new Set([
  'identifier',
  'member_expression',
  'call_expression',
  'subscript_expression',
  'parenthesized_expression',
  'number',
  'string',
  'template_string',
  'true',
  'false',
  'null',
  'undefined',
  'array',
  'object',
  'this',
  'non_null_expression',
]);

/** True for function-like nodes (their bodies are a scope). */
export function isFunction(family: Family, node: Node): boolean {
  return (family === 'python' ? PYTHON_FUNCTIONS : JAVASCRIPT_FUNCTIONS).has(node.type);
}

/** True for nodes whose children are statements. */
export function isBlock(family: Family, node: Node): boolean {
  return (family === 'python' ? PYTHON_BLOCKS : JAVASCRIPT_BLOCKS).has(node.type);
}

/** True for loops (`break`/`continue` are legal inside). */
export function isLoop(family: Family, node: Node): boolean {
  return (family === 'python' ? PYTHON_LOOPS : JAVASCRIPT_LOOPS).has(node.type);
}

/** True when the expression can take a unary operator or a trailing `+ 1` without parentheses. */
export function isAtom(family: Family, node: Node): boolean {
  return (family === 'python' ? PYTHON_ATOMS : JAVASCRIPT_ATOMS).has(node.type);
}

/** Binary node types (operator between two operands) per family. */
export function isBinary(family: Family, node: Node): boolean {
  return family === 'python' ? node.type === 'binary_operator' : node.type === 'binary_expression';
}

/** The anonymous operator token of a binary, boolean, comparison or augmented-assignment node. */
export function operatorToken(node: Node): Node | undefined {
  for (const child of node.children) {
    if (child && !child.isNamed && child.type !== '(' && child.type !== ')') return child;
  }
  return undefined;
}

/** Named children that are not comments. */
export function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');
}

/** The innermost ancestor (or the node itself) for which `predicate` holds. */
export function ancestor(node: Node, predicate: (candidate: Node) => boolean, includeSelf = false): Node | undefined {
  let current: Node | null = includeSelf ? node : node.parent;
  while (current) {
    if (predicate(current)) return current;
    current = current.parent;
  }
  return undefined;
}

/** The innermost enclosing loop that is still inside the enclosing function. */
export function enclosingLoop(family: Family, node: Node): Node | undefined {
  let current: Node | null = node.parent;
  while (current) {
    if (isFunction(family, current)) return undefined;
    if (isLoop(family, current)) return current;
    current = current.parent;
  }
  return undefined;
}

/** Offset of the start of the line holding `offset`. */
export function lineStartOffset(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset where the line holding `offset` ends: its `\r\n` or `\n`, or the end of the text. */
export function lineEndOffset(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  if (newline < 0) return source.length;
  return newline > offset && source[newline - 1] === '\r' ? newline - 1 : newline;
}

/** Offset of the start of the line after the one holding `offset` (the text's length on the last line). */
export function nextLineOffset(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  return newline < 0 ? source.length : newline + 1;
}

/** Leading whitespace of the line holding `offset`. */
export function indentationAt(source: string, offset: number): string {
  const start = lineStartOffset(source, offset);
  const match = /^[ \t]*/.exec(source.slice(start, lineEndOffset(source, start)));
  return match ? match[0] : '';
}

/** True when only whitespace precedes `offset` on its line. */
export function startsLine(source: string, offset: number): boolean {
  return /^[ \t]*$/.test(source.slice(lineStartOffset(source, offset), offset));
}

/** The file's indentation step: a tab, or the smallest positive run of leading spaces (default four). */
export function indentUnit(source: string): string {
  let smallest = Infinity;
  for (const match of source.matchAll(/^([ \t]+)\S/gm)) {
    if (match[1].includes('\t')) return '\t';
    smallest = Math.min(smallest, match[1].length);
  }
  return Number.isFinite(smallest) && smallest <= 8 ? ' '.repeat(smallest) : '    ';
}

/** Statements (children of a block) that start on 0-based `row`, outermost first. */
export function statementsOnRow(family: Family, nodes: Node[], row: number): Node[] {
  return nodes.filter((node) => node.isNamed && node.startPosition.row === row && node.parent !== null && isBlock(family, node.parent) && node.type !== 'comment');
}

/** A name defined in a scope, with the row of its first definition. */
export interface ScopeName {
  name: string;
  kind: 'local' | 'module' | 'callable';
  row: number;
}

/** Where names come from: value names of the enclosing scopes and callable names. */
export interface Scope {
  values: ScopeName[];
  callables: ScopeName[];
}

/** Identifiers bound by a target (assignment left side, loop variable, parameter). */
function boundIdentifiers(family: Family, target: Node): Node[] {
  if (target.type === 'identifier') return [target];
  if (family === 'javascript' && target.type === 'shorthand_property_identifier_pattern') return [target];
  // Patterns: tuples, lists, object/array destructuring, defaults, rest; skip member targets (`a.b = ...`).
  const skip = family === 'python' ? ['attribute', 'subscript'] : ['member_expression', 'subscript_expression'];
  if (skip.includes(target.type)) return [];
  const found: Node[] = [];
  for (const child of namedChildren(target)) {
    if (family === 'javascript' && target.type === 'pair_pattern' && (target.childForFieldName('key')?.equals(child) ?? false)) continue;
    if (family === 'javascript' && target.type === 'assignment_pattern' && (target.childForFieldName('right')?.equals(child) ?? false)) continue;
    found.push(...boundIdentifiers(family, child));
  }
  return found;
}

/** Parameters of a function node. */
function parameterIdentifiers(family: Family, fn: Node): Node[] {
  const parameters = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (!parameters) return [];
  if (parameters.type === 'identifier') return [parameters];
  const found: Node[] = [];
  for (const parameter of namedChildren(parameters)) {
    if (family === 'python') {
      if (parameter.type === 'identifier') found.push(parameter);
      else if (parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter') {
        const name = parameter.childForFieldName('name');
        if (name) found.push(name);
      } else if (parameter.type === 'typed_parameter' || parameter.type === 'list_splat_pattern' || parameter.type === 'dictionary_splat_pattern') {
        const name = namedChildren(parameter).find((child) => child.type === 'identifier');
        if (name) found.push(name);
      }
    } else {
      const pattern = parameter.childForFieldName('pattern') ?? (parameter.type === 'assignment_pattern' ? parameter.childForFieldName('left') : parameter);
      if (pattern) found.push(...boundIdentifiers(family, pattern));
    }
  }
  return found;
}

/** Records names bound inside `scope`'s body, without entering nested functions or classes. */
function collectBindings(family: Family, scope: Node, kind: 'local' | 'module', into: Scope, seen: Set<string>): void {
  const add = (list: ScopeName[], name: Node, nameKind: ScopeName['kind']) => {
    const key = `${nameKind === 'callable' ? 'c' : 'v'}:${name.text}`;
    if (seen.has(key)) return;
    seen.add(key);
    list.push({ name: name.text, kind: nameKind, row: name.startPosition.row });
  };
  const visit = (node: Node) => {
    for (const child of namedChildren(node)) {
      const type = child.type;
      if (isFunction(family, child) || type === 'class_definition' || type === 'class_declaration' || type === 'class') {
        const name = child.childForFieldName('name');
        if (name && type !== 'lambda' && type !== 'arrow_function') add(into.callables, name, 'callable');
        continue;
      }
      if (family === 'python') {
        if (type === 'assignment' || type === 'augmented_assignment') {
          const left = child.childForFieldName('left');
          if (left) for (const name of boundIdentifiers(family, left)) add(into.values, name, kind);
        } else if (type === 'for_statement') {
          const left = child.childForFieldName('left');
          if (left) for (const name of boundIdentifiers(family, left)) add(into.values, name, kind);
        } else if (type === 'as_pattern_target') {
          for (const name of boundIdentifiers(family, child)) add(into.values, name, kind);
        } else if (type === 'import_statement' || type === 'import_from_statement') {
          for (const name of child.descendantsOfType(['dotted_name', 'identifier'])) {
            if (name && name.type === 'identifier' && name.parent?.type !== 'dotted_name') add(into.callables, name, 'callable');
            else if (name && name.type === 'dotted_name' && name.parent?.type !== 'aliased_import') {
              const first = name.namedChild(0);
              if (first) add(into.callables, first, 'callable');
            }
          }
          continue;
        } else if (type === 'lambda' || type === 'list_comprehension' || type === 'set_comprehension' || type === 'dictionary_comprehension' || type === 'generator_expression') {
          continue;
        }
      } else {
        if (type === 'variable_declarator') {
          const name = child.childForFieldName('name');
          const value = child.childForFieldName('value');
          const callable = value !== null && (isFunction(family, value) || value.type === 'class');
          if (name) for (const bound of boundIdentifiers(family, name)) add(callable ? into.callables : into.values, bound, callable ? 'callable' : kind);
        } else if (type === 'for_in_statement') {
          const left = child.childForFieldName('left');
          if (left) for (const name of boundIdentifiers(family, left)) add(into.values, name, kind);
        } else if (type === 'catch_clause') {
          const parameter = child.childForFieldName('parameter');
          if (parameter) for (const name of boundIdentifiers(family, parameter)) add(into.values, name, kind);
        } else if (type === 'import_statement') {
          for (const name of child.descendantsOfType('identifier')) if (name) add(into.callables, name, 'callable');
          continue;
        }
      }
      visit(child);
    }
  };
  visit(scope);
}

/**
 * The names visible at `node`: parameters and locals of the enclosing functions (innermost first),
 * variables of enclosing comprehensions and lambdas, then module-level names. Good enough to propose
 * "wrong variable" repairs; a candidate naming something out of scope simply fails validation.
 */
export function scopeAt(family: Family, root: Node, node: Node): Scope {
  const scope: Scope = { values: [], callables: [] };
  const seen = new Set<string>();
  const addValue = (name: Node, kind: ScopeName['kind']) => {
    const key = `v:${name.text}`;
    if (seen.has(key)) return;
    seen.add(key);
    scope.values.push({ name: name.text, kind, row: name.startPosition.row });
  };
  let current: Node | null = node.parent;
  while (current) {
    if (family === 'python' && (current.type === 'list_comprehension' || current.type === 'set_comprehension' || current.type === 'dictionary_comprehension' || current.type === 'generator_expression')) {
      for (const clause of namedChildren(current)) {
        if (clause.type !== 'for_in_clause') continue;
        const left = clause.childForFieldName('left');
        if (left) for (const name of boundIdentifiers(family, left)) addValue(name, 'local');
      }
    }
    if (isFunction(family, current)) {
      for (const parameter of parameterIdentifiers(family, current)) addValue(parameter, 'local');
      const body = current.childForFieldName('body');
      if (body && current.type !== 'lambda') collectBindings(family, body, 'local', scope, seen);
    }
    current = current.parent;
  }
  collectBindings(family, root, 'module', scope, seen);
  return scope;
}

/**
 * Names written inside a function body (assignments, augmented assignments, declarations, loop
 * variables, `i++`), each with the row of its last write; nested functions are not entered.
 */
export function lastWrites(family: Family, fn: Node): Map<string, number> {
  const rows = new Map<string, number>();
  const record = (target: Node | null) => {
    if (!target) return;
    for (const name of boundIdentifiers(family, target)) rows.set(name.text, Math.max(rows.get(name.text) ?? -1, name.startPosition.row));
  };
  const visit = (node: Node) => {
    for (const child of namedChildren(node)) {
      if (isFunction(family, child)) continue;
      switch (child.type) {
        case 'assignment':
        case 'augmented_assignment':
        case 'assignment_expression':
        case 'augmented_assignment_expression':
        case 'for_statement':
        case 'for_in_statement':
          if (family === 'python' || child.type !== 'for_statement') record(child.childForFieldName('left'));
          break;
        case 'variable_declarator':
          record(child.childForFieldName('name'));
          break;
        case 'update_expression':
          record(child.childForFieldName('argument'));
          break;
      }
      visit(child);
    }
  };
  const body = fn.childForFieldName('body');
  if (body) visit(body);
  return rows;
}

/** Parameter names of a function node. */
export function parameterNames(family: Family, fn: Node): string[] {
  return parameterIdentifiers(family, fn).map((name) => name.text);
}

const PYTHON_DEFINITION_PARENTS = new Set([
  'function_definition',
  'class_definition',
  'parameters',
  'lambda_parameters',
  'default_parameter',
  'typed_parameter',
  'typed_default_parameter',
  'list_splat_pattern',
  'dictionary_splat_pattern',
  'dotted_name',
  'aliased_import',
  'import_statement',
  'import_from_statement',
  'global_statement',
  'nonlocal_statement',
  'pattern_list',
  'tuple_pattern',
  'list_pattern',
  'as_pattern_target',
]);
const JAVASCRIPT_DEFINITION_PARENTS = new Set([
  'function_declaration',
  'function_expression',
  'function',
  'generator_function_declaration',
  'generator_function',
  'class_declaration',
  'class',
  'formal_parameters',
  'required_parameter',
  'optional_parameter',
  'rest_pattern',
  'import_specifier',
  'import_clause',
  'namespace_import',
  'export_specifier',
  'array_pattern',
  'object_pattern',
  'catch_clause',
  'labeled_statement',
]);

/**
 * True when the identifier reads a value (as opposed to naming a definition, a parameter, a keyword
 * argument, an attribute, or the target of a plain assignment).
 */
export function isReadIdentifier(family: Family, node: Node): boolean {
  if (node.type !== 'identifier') return false;
  const parent = node.parent;
  if (!parent) return false;
  const isField = (field: string) => parent.childForFieldName(field)?.equals(node) ?? false;
  if (family === 'python') {
    if (PYTHON_DEFINITION_PARENTS.has(parent.type)) return false;
    if (parent.type === 'keyword_argument' && isField('name')) return false;
    if (parent.type === 'attribute' && isField('attribute')) return false;
    if (parent.type === 'assignment' && isField('left')) return false;
    if ((parent.type === 'for_statement' || parent.type === 'for_in_clause') && isField('left')) return false;
    return true;
  }
  if (JAVASCRIPT_DEFINITION_PARENTS.has(parent.type)) return false;
  if (parent.type === 'variable_declarator' && isField('name')) return false;
  if (parent.type === 'assignment_pattern' && isField('left')) return false;
  if (parent.type === 'arrow_function' && isField('parameter')) return false;
  if (parent.type === 'assignment_expression' && isField('left')) return false;
  if (parent.type === 'for_in_statement' && isField('left')) return false;
  if (parent.type === 'method_definition' || parent.type === 'pair') return isField('value');
  return true;
}

/** Counts ERROR and MISSING nodes in a tree (0 for a clean parse). */
export function syntaxErrorCount(root: Node): number {
  if (!root.hasError) return 0;
  let count = 0;
  const cursor = root.walk();
  try {
    let descending = true;
    for (;;) {
      if (descending) {
        const current = cursor.currentNode;
        if (current.isError || current.isMissing) count++;
        if (current.hasError && cursor.gotoFirstChild()) continue;
      }
      if (cursor.gotoNextSibling()) {
        descending = true;
        continue;
      }
      if (!cursor.gotoParent()) break;
      descending = false;
    }
  } finally {
    cursor.delete();
  }
  return count;
}
