/**
 * Syntax repair: edits for what people mistype so that a file no longer parses — an unclosed bracket,
 * parenthesis or string, a missing `:` or `,`, a block at the wrong indentation, `=` where a condition
 * needs `==`, a misspelled keyword, a name declared twice; and, in files that parse, a name that resolves
 * nowhere: misspelled, or defined in another project file but not imported (`nameRepair.ts`). Otherwise
 * only for files tree-sitter cannot parse cleanly; a candidate is kept only when it leaves fewer syntax errors than the file had (see
 * `generateCandidateSet`), and like every candidate it is validated by running the tests.
 */
import type { Node } from 'web-tree-sitter';
import { indentUnit, lineEndOffset, lineStartOffset, type Family } from './syntaxFacts';
import type { TemplateEdit, TextEdit } from './types';
import type { LineContext } from './templates';
import { nameDistance, nameRepair } from './nameRepair';

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const PYTHON_BLOCK = /^(?:async\s+)?(?:if|elif|else|for|while|def|class|try|except|finally|with)\b/;
const KEYWORDS: Record<Family, string[]> = {
  python: ['return', 'def', 'class', 'while', 'for', 'elif', 'else', 'import', 'from', 'lambda', 'not', 'and', 'in', 'None', 'True', 'False', 'yield', 'raise', 'break', 'continue', 'pass', 'global'],
  javascript: ['return', 'function', 'const', 'let', 'var', 'while', 'for', 'else', 'typeof', 'new', 'null', 'true', 'false', 'undefined', 'break', 'continue', 'throw'],
};

/** Words that may stand next to another item without a comma (`x for x in xs`, `a if b else c`). */
const SEPARATING_WORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'for', 'async', 'await', 'lambda', 'of', 'new', 'typeof', 'instanceof', 'return', 'yield', 'void', 'delete']);

function edit(variant: string, title: string, edits: TextEdit[], weight = 1): TemplateEdit {
  return { template: 'syntax-repair', variant, title, edits, weight };
}

/** The line's text with string literals and comments blanked out (same length), for counting brackets. */
function codeOnly(text: string, family: Family): string {
  let result = '';
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote) {
      if (char === '\\') {
        result += '  ';
        index++;
        continue;
      }
      if (char === quote) quote = undefined;
      result += char === quote || quote === undefined ? char : ' ';
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    if ((family === 'python' && char === '#') || (family === 'javascript' && text.startsWith('//', index))) return result + ' '.repeat(text.length - index);
    result += char;
  }
  return result;
}

/** Offsets (in the line) where a missing closer or quote may go: before closers and separators after `from`, and at the end of the code. */
function closingPositions(code: string, from: number): number[] {
  const positions = new Set<number>();
  for (let index = from; index < code.length; index++) if (/[)\]},;:]/.test(code[index]!)) positions.add(index);
  let end = code.length;
  while (end > from && /\s/.test(code[end - 1]!)) end--;
  // Before a trailing `:`, `;`, `{` or `,` (a block or statement end), and at the very end.
  let beforeTrailer = end;
  while (beforeTrailer > from && /[:;{,]/.test(code[beforeTrailer - 1]!)) beforeTrailer--;
  positions.add(beforeTrailer);
  positions.add(end);
  return [...positions].filter((position) => position >= from).sort((a, b) => a - b);
}

/**
 * Python's indentation errors that tree-sitter accepts: a line indented deeper than the line above
 * when that line opens no block and leaves no bracket open, or at a level no line above has.
 */
function indentationLooksWrong(source: string, start: number, indentation: string): boolean {
  const before = source.slice(0, start).split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const previous = before[before.length - 1];
  if (previous === undefined) return indentation.length > 0;
  const previousIndent = previous.slice(0, previous.length - previous.trimStart().length);
  const code = codeOnly(previous, 'python').trimEnd();
  const open = [...code].reduce((depth, char) => depth + (OPENERS[char] ? 1 : CLOSERS[char] ? -1 : 0), 0);
  if (open > 0 || code.endsWith('\\') || code.endsWith(',')) return false;
  if (indentation.length > previousIndent.length) return !code.endsWith(':');
  const levels = new Set(before.map((line) => line.slice(0, line.length - line.trimStart().length)));
  return !levels.has(indentation);
}

/** Whether the name is declared with let/const earlier in the same block (a redeclaration error). */
function declaredEarlierInBlock(anchor: Node, name: string, row: number): boolean {
  let block: Node | null = anchor;
  while (block && block.type !== 'statement_block' && block.type !== 'program') block = block.parent;
  if (!block) return false;
  for (const child of block.namedChildren) {
    if (!child || child.startPosition.row >= row) break;
    if (child.type !== 'lexical_declaration' && child.type !== 'variable_declaration') continue;
    for (const declarator of child.namedChildren) if (declarator?.childForFieldName('name')?.text === name) return true;
  }
  return false;
}

/** Syntax-repair edits for one line of a file that does not parse. */
export function syntaxRepair({ family, source, root, row, nodes, file, project }: LineContext): TemplateEdit[] {
  const anchor = nodes[0];
  if (!anchor) return [];
  const start = lineStartOffset(source, anchor.startIndex);
  const end = lineEndOffset(source, start);
  const text = source.slice(start, end);
  const edits: TemplateEdit[] = [];
  const indentation = text.slice(0, text.length - text.trimStart().length);
  // Errors tree-sitter does not see: Python's indentation rules and a redeclared `let`/`const`.
  const badIndent = family === 'python' && indentationLooksWrong(source, start, indentation);
  const redeclared = family === 'javascript' ? /^(?:let|const)\s+([A-Za-z_$][\w$]*)/.exec(text.trim()) : null;
  const isRedeclared = redeclared !== null && declaredEarlierInBlock(anchor, redeclared[1]!, row);
  // A file that parses may still not load: a name that resolves nowhere (NameError, ReferenceError).
  if (!root.hasError && !badIndent && !isRedeclared) return nameRepair(family, source, root, nodes, file, project);
  const insert = (offset: number, value: string): TextEdit => ({ start: start + offset, end: start + offset, text: value });

  // Tree-sitter's MISSING nodes on this line: the token it had to invent.
  const visit = (node: Node) => {
    if (node.isMissing && node.startPosition.row === row && node.type.length <= 3 && !/^[a-z_]+$/.test(node.type)) {
      edits.push(edit('missing-token', `insert \`${node.type}\``, [{ start: node.startIndex, end: node.startIndex, text: node.type }], 3));
    }
    for (const child of node.children) if (child && (child.hasError || child.isMissing) && child.startPosition.row <= row && child.endPosition.row >= row) visit(child);
  };
  visit(root);

  const code = codeOnly(text, family);
  // Unbalanced brackets: close the last unmatched opener, or drop a stray closer.
  const stack: Array<{ char: string; index: number }> = [];
  const stray: number[] = [];
  for (let index = 0; index < code.length; index++) {
    const char = code[index]!;
    if (OPENERS[char]) stack.push({ char, index });
    else if (CLOSERS[char]) {
      if (stack.length > 0 && stack[stack.length - 1]!.char === CLOSERS[char]) stack.pop();
      else stray.push(index);
    }
  }
  const unmatched = stack[stack.length - 1];
  if (unmatched) {
    const closer = OPENERS[unmatched.char]!;
    for (const position of closingPositions(code, unmatched.index + 1)) {
      edits.push(edit('close-bracket', `close \`${unmatched.char}\` with \`${closer}\``, [insert(position, closer)], position >= code.trimEnd().length - 1 ? 2 : 1));
    }
  }
  for (const index of stray) edits.push(edit('stray-bracket', `remove the stray \`${code[index]}\``, [{ start: start + index, end: start + index + 1, text: '' }]));

  // An unclosed string: close it, or drop the quote that opened it.
  for (const quote of ['"', "'", '`']) {
    const positions: number[] = [];
    for (let index = 0; index < text.length; index++) {
      if (text[index] === '\\') index++;
      else if (text[index] === quote) positions.push(index);
    }
    if (positions.length % 2 === 0) continue;
    const last = positions[positions.length - 1]!;
    const rest = text.slice(last + 1);
    for (let index = 0; index < rest.length; index++) {
      if (/[)\]},;:]/.test(rest[index]!)) edits.push(edit('close-string', `close the string with ${quote}`, [insert(last + 1 + index, quote)]));
    }
    edits.push(edit('close-string', `close the string with ${quote}`, [insert(text.trimEnd().length, quote)]));
    edits.push(edit('stray-quote', `remove the stray ${quote}`, [{ start: start + last, end: start + last + 1, text: '' }]));
  }

  // A missing `,` between two items inside brackets (`[1 2]`, `f(a b)`).
  let depth = 0;
  for (let index = 0; index < code.length; index++) {
    const char = code[index]!;
    if (OPENERS[char]) depth++;
    else if (CLOSERS[char]) depth = Math.max(0, depth - 1);
    else if (depth > 0 && /\s/.test(char) && index > 0 && /[\w'"`)\]]/.test(code[index - 1]!) && /[\w'"`(\[]/.test(code[index + 1] ?? '')) {
      const left = /[\w]+$/.exec(code.slice(0, index))?.[0] ?? '';
      const right = /^[\w]+/.exec(code.slice(index + 1))?.[0] ?? '';
      if (SEPARATING_WORDS.has(left) || SEPARATING_WORDS.has(right)) continue;
      edits.push(edit('missing-comma', 'add the missing `,`', [insert(index, ',')], 2));
    }
  }

  const trimmed = text.trim();
  if (family === 'python') {
    // A block header without its colon.
    const body = code.trimEnd();
    if (PYTHON_BLOCK.test(trimmed) && !body.endsWith(':')) {
      edits.push(edit('missing-colon', 'add the missing `:`', [insert(body.length, ':')], 3));
    }
    // `=` where a condition needs `==`.
    if (/^(?:if|elif|while)\b/.test(trimmed)) {
      for (const match of code.matchAll(/(?<![=!<>:+\-*/%&|^])=(?!=)/g)) {
        edits.push(edit('assignment-in-condition', '`=` → `==`', [{ start: start + match.index, end: start + match.index + 1, text: '==' }], 2));
      }
    }
    // Indentation: the levels of the lines above.
    const unit = indentUnit(source);
    const levels = new Set<string>();
    const before = source.slice(0, start).split('\n').filter((line) => line.trim() !== '');
    const previous = before[before.length - 1];
    if (previous !== undefined) {
      const previousIndent = previous.slice(0, previous.length - previous.trimStart().length);
      levels.add(previousIndent);
      if (previous.trimEnd().endsWith(':')) levels.add(previousIndent + unit);
      else if (previousIndent.length >= unit.length) levels.add(previousIndent.slice(unit.length));
      for (const line of before.slice(-30)) levels.add(line.slice(0, line.length - line.trimStart().length));
    }
    for (const level of levels) {
      if (level === indentation || (!root.hasError && !badIndent)) continue;
      edits.push(edit('indent', `indent the line to ${level.length} columns`, [{ start, end: start + indentation.length, text: level }], level.length === 0 ? 0.5 : 1));
    }
  } else {
    // A name declared twice in the same block: assign instead of declaring again.
    if (redeclared && isRedeclared) {
      const keyword = indentation.length;
      edits.push(edit('redeclared', `assign \`${redeclared[1]}\` instead of declaring it again`, [{ start: start + keyword, end: start + keyword + text.trim().indexOf(redeclared[1]!), text: '' }], 2));
    }
  }
  // A misspelled keyword.
  for (const match of code.matchAll(/[A-Za-z_]\w*/g)) {
    const word = match[0];
    if (KEYWORDS[family].includes(word) || word.length < 3) continue;
    const nearest = KEYWORDS[family].filter((keyword) => Math.abs(keyword.length - word.length) <= 1 && nameDistance(word, keyword) === 1);
    for (const keyword of nearest) {
      if (new RegExp(`\\b${word}\\b`).test(source.slice(0, start) + source.slice(end))) continue;
      edits.push(edit('misspelled-keyword', `\`${word}\` → \`${keyword}\``, [{ start: start + match.index, end: start + match.index + word.length, text: keyword }], 2));
    }
  }
  return edits;
}
