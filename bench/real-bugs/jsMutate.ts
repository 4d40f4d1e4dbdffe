/**
 * Single-token mutants of a JavaScript file, the counterpart of `bench/localize/mutate.py`: swapped
 * comparison and arithmetic operators, `&&`/`||`, integer constants off by one, a dropped `!`, flipped
 * booleans. Only lines inside function bodies are mutated (module-level code runs when the module loads,
 * outside any test), and only single-line tokens, so a mutant is one changed line.
 */
import type { Node } from 'web-tree-sitter';
import type { SyntaxService } from '../../extension/src/core/syntax/treeSitter';
import type { Mutant } from '../localize/mutants';

const COMPARISON: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', '===': '!==', '!==': '===', '==': '!=', '!=': '==' };
const ARITHMETIC: Record<string, string> = { '+': '-', '-': '+', '*': '/', '/': '*', '%': '*' };
const BOOLEAN: Record<string, string> = { '&&': '||', '||': '&&' };
const FUNCTIONS = new Set(['function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function_declaration', 'generator_function']);

function insideFunction(node: Node): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) if (FUNCTIONS.has(parent.type)) return true;
  return false;
}

/** Every mutant of `source`, in source order. */
export async function javascriptMutants(source: string, syntax: SyntaxService): Promise<Mutant[]> {
  const tree = await syntax.parse('javascript', source);
  const lines = source.split('\n');
  const mutants: Mutant[] = [];
  const replace = (node: Node, replacement: string, operator: string) => {
    if (node.startPosition.row !== node.endPosition.row) return;
    const line = lines[node.startPosition.row];
    const column = node.startPosition.column;
    const original = node.text;
    mutants.push({ line: node.startPosition.row + 1, column: column + 1, original, replacement, operator, text: line.slice(0, column) + replacement + line.slice(node.endPosition.column) });
  };
  const visit = (node: Node) => {
    if (insideFunction(node)) {
      if (node.type === 'binary_expression') {
        const operatorNode = node.childForFieldName('operator');
        const operator = operatorNode?.text ?? '';
        const swapped = COMPARISON[operator] ?? ARITHMETIC[operator] ?? BOOLEAN[operator];
        if (operatorNode && swapped !== undefined) replace(operatorNode, swapped, COMPARISON[operator] ? 'comparison-operator' : ARITHMETIC[operator] ? 'arithmetic-operator' : 'boolean-operator');
      } else if (node.type === 'number' && /^\d+$/.test(node.text)) {
        replace(node, String(Number(node.text) + (Number(node.text) === 0 ? 1 : -1)), 'constant-off-by-one');
      } else if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') {
        const argument = node.childForFieldName('argument');
        if (argument && argument.startPosition.row === node.startPosition.row && argument.endPosition.row === node.endPosition.row) replace(node, argument.text, 'negation-dropped');
      } else if (node.type === 'true' || node.type === 'false') {
        replace(node, node.type === 'true' ? 'false' : 'true', 'boolean-flipped');
      }
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  tree.delete();
  return mutants;
}
