import * as path from 'node:path';
import * as fs from 'node:fs/promises';
import type { Language, Node, Parser, Tree } from 'web-tree-sitter';
import type { LineRole, SourceLanguage } from '../types';

/** Grammar file names in the `grammars/` folder. */
const GRAMMAR_FILES: Record<SourceLanguage, string> = {
  python: 'tree-sitter-python.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
};

/** Maps a file name to the grammar that parses it, or undefined when none does. */
export function languageForFile(file: string): SourceLanguage | undefined {
  const extension = path.extname(file).toLowerCase();
  switch (extension) {
    case '.py':
      return 'python';
    case '.js':
    case '.mjs':
    case '.cjs':
    case '.jsx':
      return 'javascript';
    case '.ts':
    case '.mts':
    case '.cts':
      return 'typescript';
    case '.tsx':
      return 'tsx';
    default:
      return undefined;
  }
}

/**
 * Parses source text with tree-sitter. The wasm runtime and each grammar are loaded once, on first
 * use, from a grammars folder passed in by the adapter (extension root, CLI install dir, or a test).
 */
export class SyntaxService {
  private parserModule?: Promise<typeof import('web-tree-sitter')>;
  private readonly languages = new Map<SourceLanguage, Promise<Language>>();

  constructor(private readonly grammarsDir: string) {}

  /** Parses `source`; the caller must `delete()` the returned tree when done. */
  async parse(language: SourceLanguage, source: string): Promise<Tree> {
    const module = await this.init();
    const grammar = await this.language(language);
    const parser: Parser = new module.Parser();
    try {
      parser.setLanguage(grammar);
      const tree = parser.parse(source);
      if (!tree) throw new Error(`tree-sitter could not parse a ${language} source`);
      return tree;
    } finally {
      parser.delete();
    }
  }

  /** The syntactic role of each line that starts a statement, keyed by 1-based line. */
  async lineRoles(language: SourceLanguage, source: string): Promise<Map<number, LineRole>> {
    const tree = await this.parse(language, source);
    try {
      return classifyLines(tree.rootNode);
    } finally {
      tree.delete();
    }
  }

  /** Roles (as `lineRoles`) and each line's enclosing function (as `functionScopes`), from one parse. */
  async lineStructure(language: SourceLanguage, source: string): Promise<{ roles: Map<number, LineRole>; scopes: Map<number, number> }> {
    const tree = await this.parse(language, source);
    try {
      return { roles: classifyLines(tree.rootNode), scopes: functionScopes(tree.rootNode) };
    } finally {
      tree.delete();
    }
  }

  private init(): Promise<typeof import('web-tree-sitter')> {
    this.parserModule ??= (async () => {
      const module = await import('web-tree-sitter');
      const runtime = path.join(this.grammarsDir, 'tree-sitter.wasm');
      const wasmBinary = await fs.readFile(runtime);
      await module.Parser.init({ wasmBinary, locateFile: () => runtime });
      return module;
    })();
    return this.parserModule;
  }

  private language(language: SourceLanguage): Promise<Language> {
    let loaded = this.languages.get(language);
    if (!loaded) {
      loaded = (async () => {
        const module = await this.init();
        const bytes = await fs.readFile(path.join(this.grammarsDir, GRAMMAR_FILES[language]));
        return module.Language.load(new Uint8Array(bytes));
      })();
      this.languages.set(language, loaded);
    }
    return loaded;
  }
}

const CONDITION_PARENTS = new Set(['if_statement', 'elif_clause', 'while_statement', 'conditional_expression', 'ternary_expression', 'assert_statement']);
const LOOP_TYPES = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'for_of_statement']);
const RETURN_TYPES = new Set(['return_statement', 'yield', 'yield_expression']);
const RAISE_TYPES = new Set(['raise_statement', 'throw_statement', 'assert_statement']);
const ASSIGNMENT_TYPES = new Set([
  'assignment',
  'augmented_assignment',
  'assignment_expression',
  'augmented_assignment_expression',
  'lexical_declaration',
  'variable_declaration',
]);
const CALL_TYPES = new Set(['call', 'call_expression', 'new_expression', 'await']);

/**
 * Classifies each line by the first statement that starts on it. A line holding an `if`/`elif`/`while`
 * header is a condition (a `while` is both; condition wins because its test is what goes wrong), a
 * `for` header a loop, and so on; lines that start no statement are left out.
 */
export function classifyLines(root: Node): Map<number, LineRole> {
  const roles = new Map<number, LineRole>();
  const visit = (node: Node) => {
    const line = node.startPosition.row + 1;
    if (!roles.has(line)) {
      const role = roleOf(node);
      if (role) roles.set(line, role);
    }
    for (const child of node.namedChildren) if (child) visit(child);
  };
  visit(root);
  return roles;
}

function roleOf(node: Node): LineRole | undefined {
  const type = node.type;
  if (type === 'if_statement' || type === 'elif_clause' || type === 'while_statement') return 'condition';
  if (LOOP_TYPES.has(type)) return 'loop';
  if (RETURN_TYPES.has(type)) return 'return';
  if (RAISE_TYPES.has(type)) return 'raise';
  if (type === 'expression_statement') {
    const inner = node.namedChild(0);
    if (inner && ASSIGNMENT_TYPES.has(inner.type)) return 'assignment';
    if (inner && CALL_TYPES.has(inner.type)) return 'call';
    return 'other';
  }
  if (ASSIGNMENT_TYPES.has(type)) return 'assignment';
  if (CONDITION_PARENTS.has(type)) return 'condition';
  return undefined;
}

const FUNCTION_TYPES = new Set([
  'function_definition',
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'generator_function',
  'arrow_function',
  'method_definition',
]);

/**
 * Each line's innermost enclosing function, as the 1-based line its definition starts on; lines outside
 * every function (module level, class bodies) are absent. A function's own first line (`def f(x=…):`,
 * with its default arguments) runs when the enclosing scope runs, so it belongs to the enclosing scope,
 * and so does a one-line function (`xs.map((x) => x + 1)`).
 */
export function functionScopes(root: Node): Map<number, number> {
  const scopes = new Map<number, number>();
  const visit = (node: Node) => {
    if (FUNCTION_TYPES.has(node.type)) {
      const start = node.startPosition.row + 1;
      const end = node.endPosition.row + 1;
      // Inner functions are visited later and overwrite their own lines.
      for (let line = start + 1; line <= end; line++) scopes.set(line, start);
    }
    for (const child of node.namedChildren) if (child) visit(child);
  };
  visit(root);
  return scopes;
}
