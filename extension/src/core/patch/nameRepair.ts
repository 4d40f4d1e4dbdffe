/**
 * Repairs for names that do not resolve (Python's NameError, JavaScript's ReferenceError "x is not
 * defined"): a misspelled name becomes the nearest name in scope — defined in an enclosing function,
 * the module, its imports, or the language's builtins — by edit distance (a few candidates at most); a
 * name another file of the project defines gets the missing import. Like every candidate, the edits are
 * validated by running the tests: a wrong guess is simply not proposed.
 */
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Family } from './syntaxFacts';
import type { TemplateEdit, TextEdit } from './types';

/** A top-level name another file of the project defines (Python) or exports (JavaScript, TypeScript). */
export interface ProjectDefinition {
  /** Absolute path of the file. */
  file: string;
  name: string;
  /** JavaScript: the module's only export (`module.exports = name`, `export default name`). */
  isDefault?: boolean;
}

/** The project's top-level definitions, by name; see `indexProjectDefinitions`. */
export interface ProjectNames {
  root: string;
  definitions(name: string): ProjectDefinition[];
}

/** At most this many nearest names are proposed for one misspelled name. */
const MAX_NEAREST = 3;
/** At most this many import statements are proposed for one missing name (module spellings differ). */
const MAX_IMPORTS = 3;

const PYTHON_BUILTINS = new Set(
  (
    'abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir divmod ' +
    'enumerate eval exec filter float format frozenset getattr globals hasattr hash help hex id input int isinstance ' +
    'issubclass iter len list locals map max memoryview min next object oct open ord pow print property range repr ' +
    'reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip __import__ __name__ __file__ ' +
    '__doc__ __builtins__ __spec__ __package__ __debug__ self cls NotImplemented Ellipsis ' +
    'BaseException Exception ArithmeticError AssertionError AttributeError EOFError FloatingPointError GeneratorExit ' +
    'ImportError ModuleNotFoundError IndexError KeyError KeyboardInterrupt LookupError MemoryError NameError ' +
    'NotImplementedError OSError OverflowError RecursionError ReferenceError RuntimeError StopIteration ' +
    'StopAsyncIteration SyntaxError IndentationError TabError SystemError SystemExit TypeError UnboundLocalError ' +
    'UnicodeError UnicodeDecodeError UnicodeEncodeError ValueError ZeroDivisionError FileNotFoundError ' +
    'FileExistsError PermissionError TimeoutError ConnectionError BrokenPipeError IsADirectoryError ' +
    'NotADirectoryError ProcessLookupError ChildProcessError InterruptedError BlockingIOError Warning UserWarning ' +
    'DeprecationWarning PendingDeprecationWarning RuntimeWarning SyntaxWarning FutureWarning ImportWarning ' +
    'UnicodeWarning BytesWarning ResourceWarning EnvironmentError IOError'
  ).split(' '),
);

const JAVASCRIPT_GLOBALS = new Set(
  (
    'globalThis window self document console process require module exports __dirname __filename Buffer global ' +
    'arguments undefined NaN Infinity Math JSON Object Array String Number Boolean Symbol BigInt Date RegExp Error ' +
    'TypeError RangeError SyntaxError ReferenceError EvalError URIError AggregateError Promise Map Set WeakMap WeakSet ' +
    'WeakRef Proxy Reflect Intl ArrayBuffer SharedArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray ' +
    'Int16Array Uint16Array Int32Array Uint32Array Float32Array Float64Array BigInt64Array BigUint64Array Atomics ' +
    'parseInt parseFloat isNaN isFinite encodeURI encodeURIComponent decodeURI decodeURIComponent escape unescape ' +
    'eval setTimeout clearTimeout setInterval clearInterval setImmediate clearImmediate queueMicrotask ' +
    'structuredClone fetch URL URLSearchParams TextEncoder TextDecoder AbortController AbortSignal Event ' +
    'EventTarget performance crypto atob btoa describe it test expect beforeEach afterEach beforeAll afterAll ' +
    'before after suite jest vi'
  ).split(' '),
);

const PYTHON_SCOPES = new Set(['module', 'function_definition', 'lambda', 'class_definition', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const JAVASCRIPT_SCOPES = new Set([
  'program',
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'generator_function',
  'arrow_function',
  'method_definition',
]);

/** The names a file binds, per scope node (by node id), and the identifier nodes that are bindings. */
interface Bindings {
  byScope: Map<number, Set<string>>;
  bindingNodes: Set<number>;
  /** True when names cannot be known statically (`from x import *`, `with (…)`). */
  opaque: boolean;
}

function isScope(family: Family, node: Node): boolean {
  return (family === 'python' ? PYTHON_SCOPES : JAVASCRIPT_SCOPES).has(node.type);
}

/** The nearest scope that holds `node` (itself excluded). */
function scopeAbove(family: Family, node: Node): Node | null {
  let current = node.parent;
  while (current && !isScope(family, current)) current = current.parent;
  return current;
}

/** Identifier nodes a binding pattern introduces (`a, (b, *c)`, `{ d, e: f, ...g }`, `h = 1`). */
function patternNames(family: Family, node: Node | null, into: Node[]): void {
  if (!node) return;
  switch (node.type) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
      into.push(node);
      return;
    case 'default_parameter':
    case 'typed_default_parameter':
      patternNames(family, node.childForFieldName('name'), into);
      return;
    case 'typed_parameter':
      patternNames(family, node.namedChildren.find((child) => child?.type === 'identifier') ?? null, into);
      return;
    case 'assignment_pattern':
      patternNames(family, node.childForFieldName('left'), into);
      return;
    case 'pair_pattern':
      patternNames(family, node.childForFieldName('value'), into);
      return;
    case 'required_parameter':
    case 'optional_parameter':
      patternNames(family, node.childForFieldName('pattern'), into);
      return;
    case 'attribute':
    case 'subscript':
    case 'member_expression':
    case 'subscript_expression':
    case 'type':
    case 'type_annotation':
      return;
    default:
      for (const child of node.namedChildren) patternNames(family, child, into);
  }
}

/** Every name the file binds, with the scope it is bound in. */
function collectBindings(family: Family, root: Node): Bindings {
  const bindings: Bindings = { byScope: new Map(), bindingNodes: new Set(), opaque: false };
  const bind = (scope: Node | null, nodes: Node[]) => {
    const target = scope ?? root;
    let names = bindings.byScope.get(target.id);
    if (!names) bindings.byScope.set(target.id, (names = new Set()));
    for (const node of nodes) {
      names.add(node.text);
      bindings.bindingNodes.add(node.id);
    }
  };
  const names = (node: Node | null): Node[] => {
    const found: Node[] = [];
    patternNames(family, node, found);
    return found;
  };
  const visit = (node: Node) => {
    const field = (name: string) => node.childForFieldName(name);
    if (family === 'python') {
      switch (node.type) {
        case 'function_definition':
        case 'class_definition':
          bind(scopeAbove(family, node), names(field('name')));
          if (node.type === 'function_definition') bind(node, names(field('parameters')));
          break;
        case 'lambda':
          bind(node, names(field('parameters')));
          break;
        case 'assignment':
        case 'augmented_assignment':
        case 'for_statement':
        case 'for_in_clause':
          bind(scopeAbove(family, node), names(field('left')));
          break;
        case 'as_pattern':
          bind(scopeAbove(family, node), names(field('alias')));
          break;
        case 'named_expression':
          bind(scopeAbove(family, node), names(field('name')));
          break;
        case 'global_statement':
        case 'nonlocal_statement':
          bind(root, node.namedChildren.filter((child): child is Node => child?.type === 'identifier'));
          break;
        case 'import_statement':
        case 'import_from_statement': {
          if (node.type === 'import_from_statement' && node.namedChildren.some((child) => child?.type === 'wildcard_import')) bindings.opaque = true;
          for (const name of node.childrenForFieldName('name')) {
            if (!name) continue;
            const alias = name.type === 'aliased_import' ? name.childForFieldName('alias') : null;
            const dotted = name.type === 'aliased_import' ? name.childForFieldName('name') : name;
            // `import a.b` binds `a`; `from m import b` binds `b`.
            const bound = alias ?? (node.type === 'import_statement' ? dotted?.namedChild(0) : dotted?.namedChild((dotted?.namedChildCount ?? 1) - 1));
            if (bound) bind(scopeAbove(family, node), [bound]);
          }
          break;
        }
      }
    } else {
      switch (node.type) {
        case 'function_declaration':
        case 'generator_function_declaration':
        case 'class_declaration':
        case 'class':
          bind(node.type === 'class' ? node : scopeAbove(family, node), names(field('name')));
          break;
        case 'function_expression':
        case 'function':
        case 'generator_function':
          bind(node, names(field('name')));
          break;
        case 'variable_declarator':
          bind(scopeAbove(family, node), names(field('name')));
          break;
        case 'catch_clause':
          bind(scopeAbove(family, node), names(field('parameter')));
          break;
        case 'for_in_statement':
          bind(scopeAbove(family, node), names(field('left')));
          break;
        case 'import_clause':
          for (const child of node.namedChildren) {
            if (child?.type === 'identifier') bind(root, [child]);
            else if (child?.type === 'namespace_import') bind(root, names(child));
            else if (child?.type === 'named_imports') {
              for (const specifier of child.namedChildren) {
                const bound = specifier?.childForFieldName('alias') ?? specifier?.childForFieldName('name');
                if (bound) bind(root, [bound]);
              }
            }
          }
          break;
        case 'with_statement':
          bindings.opaque = true;
          break;
      }
      if (JAVASCRIPT_SCOPES.has(node.type) && node.type !== 'program') {
        bind(node, names(field('parameters')));
        if (node.type === 'arrow_function') bind(node, names(field('parameter')));
      }
    }
    for (const child of node.namedChildren) if (child) visit(child);
  };
  visit(root);
  return bindings;
}

/** True when the identifier is read as a variable (not an attribute, keyword, import or binding). */
function isLoad(family: Family, node: Node, bindings: Bindings): boolean {
  if (bindings.bindingNodes.has(node.id)) return false;
  if (family === 'python' ? node.type !== 'identifier' : node.type !== 'identifier' && node.type !== 'shorthand_property_identifier') return false;
  const parent = node.parent;
  if (!parent) return false;
  const is = (field: string) => parent.childForFieldName(field)?.id === node.id;
  if (family === 'python') {
    if (parent.type === 'attribute' && is('attribute')) return false;
    if (parent.type === 'keyword_argument' && is('name')) return false;
  } else if (parent.type === 'export_specifier' && is('alias')) {
    return false;
  }
  for (let current: Node | null = parent; current; current = current.parent) {
    if (['import_statement', 'import_from_statement', 'future_import_statement', 'global_statement', 'nonlocal_statement', 'type', 'type_annotation'].includes(current.type)) return false;
  }
  return true;
}

/** Names visible at `node`: the scopes around it, the module's, and the builtins. */
function visibleNames(family: Family, node: Node, root: Node, bindings: Bindings): Set<string> {
  const visible = new Set<string>();
  for (let scope: Node | null = node; scope; scope = scope.parent) {
    if (scope.id !== root.id && !isScope(family, scope)) continue;
    for (const name of bindings.byScope.get(scope.id) ?? []) visible.add(name);
  }
  for (const name of bindings.byScope.get(root.id) ?? []) visible.add(name);
  return visible;
}

/** Edit distance counting a swap of two neighbouring letters as one edit. */
export function nameDistance(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(table[i - 1]![j]! + 1, table[i]![j - 1]! + 1, table[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, table[i - 2]![j - 2]! + 1);
      table[i]![j] = best;
    }
  }
  return table[a.length]![b.length]!;
}

/** The furthest a name may be from the one it was meant to be: one edit for short names, two for longer. */
function maxDistance(name: string): number {
  return name.length <= 4 ? 1 : 2;
}

/** One name on a line that resolves nowhere, with the names visible there. */
export interface UnresolvedName {
  node: Node;
  name: string;
  visible: Set<string>;
}

let cached: { source: string; family: Family; bindings: Bindings } | undefined;

/** The identifiers on `row` (0-based) read as variables that no scope, import or builtin defines. */
export function unresolvedNames(family: Family, source: string, root: Node, nodes: Node[]): UnresolvedName[] {
  if (root.hasError) return [];
  if (!cached || cached.source !== source || cached.family !== family) cached = { source, family, bindings: collectBindings(family, root) };
  const { bindings } = cached;
  if (bindings.opaque) return [];
  const builtins = family === 'python' ? PYTHON_BUILTINS : JAVASCRIPT_GLOBALS;
  const found: UnresolvedName[] = [];
  for (const node of nodes) {
    if (!isLoad(family, node, bindings) || builtins.has(node.text)) continue;
    const visible = visibleNames(family, node, root, bindings);
    if (visible.has(node.text)) continue;
    found.push({ node, name: node.text, visible });
  }
  return found;
}

/** The nearest visible names (and builtins) to a misspelled one, best first. */
export function nearestNames(family: Family, name: string, visible: Set<string>): string[] {
  const builtins = family === 'python' ? PYTHON_BUILTINS : JAVASCRIPT_GLOBALS;
  const limit = maxDistance(name);
  const scored: Array<{ name: string; distance: number; builtin: boolean }> = [];
  for (const candidate of new Set([...visible, ...builtins])) {
    if (candidate === name || Math.abs(candidate.length - name.length) > limit || candidate.length < 2) continue;
    const distance = nameDistance(name, candidate);
    if (distance <= limit) scored.push({ name: candidate, distance, builtin: !visible.has(candidate) });
  }
  scored.sort((a, b) => a.distance - b.distance || Number(a.builtin) - Number(b.builtin) || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_NEAREST).map((entry) => entry.name);
}

function edit(variant: string, title: string, edits: TextEdit[], weight = 1): TemplateEdit {
  return { template: 'syntax-repair', variant, title, edits, weight };
}

/**
 * Edits for the unresolved names of one line: each misspelled name → one of its nearest names (every
 * occurrence of it on the line), and, for a name another project file defines, its import.
 */
export function nameRepair(family: Family, source: string, root: Node, nodes: Node[], file: string | undefined, project: ProjectNames | undefined): TemplateEdit[] {
  const edits: TemplateEdit[] = [];
  const seen = new Set<string>();
  for (const unresolved of unresolvedNames(family, source, root, nodes)) {
    if (seen.has(unresolved.name)) continue;
    seen.add(unresolved.name);
    const occurrences = nodes.filter((node) => node.text === unresolved.name && unresolvedNames(family, source, root, [node]).length > 0);
    const nearest = nearestNames(family, unresolved.name, unresolved.visible);
    nearest.forEach((name, index) => {
      edits.push(
        edit(
          'misspelled-name',
          `\`${unresolved.name}\` → \`${name}\``,
          occurrences.map((node) => ({ start: node.startIndex, end: node.endIndex, text: name })),
          index === 0 ? 2 : 1,
        ),
      );
    });
    if (file && project) {
      const definitions = project.definitions(unresolved.name).filter((definition) => path.resolve(definition.file) !== path.resolve(file));
      // The likeliest spelling of the module first (a project's own import path, then a sibling's).
      importStatements(family, source, root, file, project.root, definitions)
        .slice(0, MAX_IMPORTS)
        .forEach((statement, index) => edits.push(edit('missing-import', `import \`${unresolved.name}\` from ${statement.from}`, [statement.edit], 3 - index * 0.5)));
    }
  }
  return edits;
}

/** Python module names under which `file` may be imported from `importer`, most likely first. */
function pythonModules(file: string, importer: string, root: string): string[] {
  const relative = path.relative(root, file).replace(/\.pyi?$/, '');
  const parts = relative.split(path.sep).filter((part) => part !== '');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  const modules: string[] = [];
  if (parts.length > 0) modules.push(parts.join('.'));
  if (parts.length > 1 && ['src', 'lib', 'python'].includes(parts[0]!)) modules.push(parts.slice(1).join('.'));
  if (path.dirname(file) === path.dirname(importer)) {
    const base = path.basename(file).replace(/\.pyi?$/, '');
    if (base !== '__init__') modules.push(base, `.${base}`);
  }
  return [...new Set(modules)];
}

/** A JavaScript module specifier for `file` relative to `importer`, in the file's own style of extensions. */
function javascriptSpecifier(file: string, importer: string, withExtension: boolean): string {
  let relative = path.relative(path.dirname(importer), file).split(path.sep).join('/');
  if (!withExtension || /\.[cm]?tsx?$/.test(file)) relative = relative.replace(/\.(?:[cm]?[jt]sx?)$/, '');
  if (/\/index$/.test(relative)) relative = relative.replace(/\/index$/, '');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** Where a new import goes: after the module's last top-level import (or `require`), else after a docstring or `'use strict'`. */
function importOffset(family: Family, source: string, root: Node): number {
  let after: Node | undefined;
  let sawImport = false;
  const children = root.namedChildren;
  for (let index = 0; index < children.length; index++) {
    const child = children[index];
    if (!child) continue;
    const isImport =
      family === 'python'
        ? ['import_statement', 'import_from_statement', 'future_import_statement'].includes(child.type)
        : child.type === 'import_statement' || (['lexical_declaration', 'variable_declaration'].includes(child.type) && /\brequire\s*\(/.test(child.text));
    const isPreamble =
      child.type === 'comment' ||
      (index === 0 && child.type === 'expression_statement' && (family === 'python' ? child.namedChild(0)?.type === 'string' : /^['"]use strict['"]/.test(child.text)));
    if (isImport) {
      after = child;
      sawImport = true;
    } else if (isPreamble) {
      if (!sawImport) after = child;
    } else {
      break;
    }
  }
  if (!after) return 0;
  const newline = source.indexOf('\n', after.endIndex);
  return newline < 0 ? source.length : newline + 1;
}

/** Import statements for one of `definitions` in `importer`, best first. */
function importStatements(family: Family, source: string, root: Node, importer: string, projectRoot: string, definitions: ProjectDefinition[]): Array<{ from: string; edit: TextEdit }> {
  const statements: Array<{ from: string; edit: TextEdit }> = [];
  const offset = importOffset(family, source, root);
  const prefix = offset === source.length && source.length > 0 && !source.endsWith('\n') ? '\n' : '';
  for (const definition of definitions) {
    if (family === 'python') {
      for (const module of pythonModules(definition.file, importer, projectRoot)) {
        // An existing one-line `from module import a, b` gets the name added.
        const existing = new RegExp(`^from[ \\t]+${module.replace(/\./g, '\\.')}[ \\t]+import[ \\t]+([^(\\n#]*?)[ \\t]*$`, 'm').exec(source);
        if (existing) {
          const end = existing.index + existing[0].length;
          statements.push({ from: `\`${module}\``, edit: { start: end, end, text: `, ${definition.name}` } });
        } else {
          statements.push({ from: `\`${module}\``, edit: { start: offset, end: offset, text: `${prefix}from ${module} import ${definition.name}\n` } });
        }
      }
    } else {
      const esm = /\.(?:mjs|mts|ts|tsx)$/.test(importer) || root.namedChildren.some((child) => child?.type === 'import_statement' || child?.type === 'export_statement');
      const relativeImports = [...source.matchAll(/(?:from\s*|require\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
      const withExtension = relativeImports.length > 0 ? relativeImports.some((specifier) => /\.[cm]?js$/.test(specifier)) : esm && !/\.[cm]?tsx?$/.test(importer);
      const specifier = javascriptSpecifier(definition.file, importer, withExtension);
      const binding = definition.isDefault ? definition.name : `{ ${definition.name} }`;
      const text = esm ? `import ${binding} from '${specifier}';\n` : `const ${binding} = require('${specifier}');\n`;
      statements.push({ from: `\`${specifier}\``, edit: { start: offset, end: offset, text: `${prefix}${text}` } });
    }
  }
  return statements;
}
