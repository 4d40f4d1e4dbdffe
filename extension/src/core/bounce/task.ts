import type { Node } from 'web-tree-sitter';
import type { SyntaxService } from '../syntax/treeSitter';
import { languageForFile } from '../syntax/treeSitter';

/** A task description found in the code: the docstring or doc comment of a function. */
export interface CodeTask {
  text: string;
  /** Absolute path of the file that holds it. */
  file: string;
  /** 1-based first and last line of the description. */
  line: number;
  endLine: number;
  /** The function's signature line, trimmed (e.g. `def loyalty_points(total):`). */
  signature: string;
}

const FUNCTION_TYPES = new Set([
  'function_definition',
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'arrow_function',
  'function_expression',
  'function',
]);

/**
 * The description of the function that encloses a 1-based line: a Python docstring, or the JSDoc (or
 * block) comment right above a JavaScript or TypeScript function definition. Undefined when the function
 * has none: any other comment nearby is a note, not what the user asked for.
 */
export async function taskOfFunctionAt(syntax: SyntaxService, file: string, source: string, line: number): Promise<CodeTask | undefined> {
  const language = languageForFile(file);
  if (!language) return undefined;
  const tree = await syntax.parse(language, source);
  try {
    // Callbacks inside the function (`xs.map((x) => …)`) have no description: look outward.
    for (const node of functionsAround(tree.rootNode, line - 1).reverse()) {
      const found = language === 'python' ? pythonDocstring(node) : leadingComment(node);
      if (!found) continue;
      const signature = (source.split('\n')[node.startPosition.row] ?? '').trim();
      const text = language === 'python' ? cleanDocstring(found.text) : cleanComment(found.text);
      if (!text) return undefined;
      return { text, file, line: found.startPosition.row + 1, endLine: found.endPosition.row + 1, signature };
    }
    return undefined;
  } finally {
    tree.delete();
  }
}

function pythonDocstring(functionNode: Node): Node | undefined {
  const body = functionNode.childForFieldName('body');
  const first = body?.namedChild(0);
  const string = first?.type === 'expression_statement' ? first.namedChild(0) : undefined;
  return string?.type === 'string' ? string : undefined;
}

/**
 * Where a function is defined (not passed): the statement whose doc comment describes it, or undefined
 * for a callback (`xs.map((x) => …)`, `it('…', function () { … })`), whose nearby comments are notes.
 */
function definitionStatement(functionNode: Node): Node | undefined {
  if (['function_declaration', 'generator_function_declaration', 'method_definition'].includes(functionNode.type)) {
    return functionNode.parent?.type === 'export_statement' ? functionNode.parent : functionNode;
  }
  // `const f = () => …`, `exports.f = function …`, `{ f: function … }`.
  const parent = functionNode.parent;
  let statement: Node | undefined;
  if (parent?.type === 'variable_declarator') statement = parent.parent ?? undefined;
  else if (parent?.type === 'assignment_expression' && parent.parent?.type === 'expression_statement') statement = parent.parent;
  else if (parent?.type === 'pair') statement = parent;
  if (statement?.parent?.type === 'export_statement') statement = statement.parent;
  return statement;
}

/**
 * The doc comment of a JavaScript or TypeScript function: a block comment (`/** … *\/` or `/* … *\/`)
 * ending on the line above its definition. Line comments (`// note`) are notes, never the task.
 */
function leadingComment(functionNode: Node): Node | undefined {
  const statement = definitionStatement(functionNode);
  if (!statement) return undefined;
  const previous = statement.previousNamedSibling;
  if (previous?.type !== 'comment' || !previous.text.startsWith('/*')) return undefined;
  if (previous.endPosition.row >= statement.startPosition.row - 1) return previous;
  return undefined;
}

function cleanDocstring(raw: string): string {
  const body = raw.replace(/^[rRbBuUfF]*("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '');
  return dedent(body).trim();
}

function cleanComment(raw: string): string {
  return raw
    .replace(/^\/\*\*?/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*(\*|\/\/)\s?/, ''))
    .join('\n')
    .trim();
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.slice(1).filter((line) => line.trim()).map((line) => line.length - line.trimStart().length);
  const common = indents.length ? Math.min(...indents) : 0;
  return [lines[0], ...lines.slice(1).map((line) => line.slice(common))].join('\n');
}

/** The functions whose lines include the 0-based row, outermost first. */
function functionsAround(root: Node, row: number): Node[] {
  const found: Node[] = [];
  const visit = (node: Node) => {
    if (node.startPosition.row > row || node.endPosition.row < row) return;
    if (FUNCTION_TYPES.has(node.type)) found.push(node);
    for (const child of node.namedChildren) if (child) visit(child);
  };
  visit(root);
  return found;
}
