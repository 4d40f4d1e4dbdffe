/**
 * Splits a task description into what the input bouncer reasons about: the function signature (Python
 * `def`, JavaScript/TypeScript `function` or arrow), the prose that describes the task, and the worked
 * examples (`>>> f(1)` / `2`, `f(1) ==> 2`, `For x = 1 the output should be 2`, `Input: … Output: …`).
 * Plain-text tasks without code are all prose, though examples written inline are still found.
 */
import { parseLiteral } from './literal';
import { identifiersIn } from './names';

/** One parameter of the task's function. */
export interface TaskParameter {
  name: string;
  /** Annotation or JSDoc type, as written. */
  type?: string;
  /** Has a default value (may be left out of a call). */
  optional: boolean;
  /** `*args`, `**kwargs` or `...rest`: any number of arguments. */
  variadic: boolean;
}

/** The signature of the function a task asks for. */
export interface TaskSignature {
  name: string;
  parameters: TaskParameter[];
  /** Return annotation (or JSDoc `@returns` type), as written. */
  returnType?: string;
  /** The parameter list is literally `...`: the task does not say what the inputs are. */
  elided: boolean;
}

/** A worked example found in the description. */
export interface TaskExample {
  /** The call as it could be evaluated, e.g. `sum_to_n(5)`. */
  call: string;
  functionName: string;
  /** The text between the call's parentheses. */
  argumentsText: string;
  argumentCount: number;
  /** Expected output as written (comments and trailing punctuation removed); absent when none given. */
  expected?: string;
}

/** A task description taken apart. */
export interface ParsedTask {
  signature?: TaskSignature;
  /** The description's prose, examples removed, whitespace collapsed. */
  description: string;
  examples: TaskExample[];
  /** The text holds code (a definition), not only prose. */
  hasCode: boolean;
  /** The documentation the description and examples came from, as written (lines kept). */
  documentation: string;
  /** Identifiers in the text's code outside the documentation (other definitions, imports, bodies). */
  codeNames: Set<string>;
}

/** Index just past the bracket that closes the one at `open`, honouring nesting and string quotes; -1 if none. */
export function findClosingBracket(text: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (let index = open; index < text.length; index++) {
    const character = text[index];
    if (quote) {
      if (character === '\\') index++;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (character === '"' || character === "'" || character === '`') quote = character;
    else if (pairs[character]) stack.push(pairs[character]);
    else if (character === ')' || character === ']' || character === '}') {
      if (stack.pop() !== character) return -1;
      if (stack.length === 0) return index + 1;
    }
  }
  return -1;
}

/**
 * Each index of `text` outside string literals (opened by one of `quotes`; a backslash escapes inside
 * one), with the bracket depth there: both brackets of a pair are at the outer depth.
 */
export function* unquoted(text: string, quotes = '"\'`'): Generator<[index: number, depth: number]> {
  let depth = 0;
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quote) {
      if (character === '\\') index++;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (quotes.includes(character)) {
      quote = character;
      continue;
    }
    if (')]}'.includes(character)) depth--;
    yield [index, depth];
    if ('([{'.includes(character)) depth++;
  }
}

/** Splits on commas that are not inside brackets or strings. */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const [index, depth] of unquoted(text)) {
    if (index < start || depth !== 0 || !text.startsWith(separator, index)) continue;
    parts.push(text.slice(start, index));
    start = index + separator.length;
  }
  parts.push(text.slice(start));
  const trimmed = parts.map((part) => part.trim());
  return trimmed.length === 1 && trimmed[0] === '' ? [] : trimmed;
}

function parseParameters(text: string, language: 'python' | 'javascript'): { parameters: TaskParameter[]; elided: boolean } {
  const trimmed = text.trim();
  if (trimmed === '...' || trimmed === '…') return { parameters: [], elided: true };
  const parameters: TaskParameter[] = [];
  for (const raw of splitTopLevel(trimmed)) {
    if (raw === '' || raw === '/' || raw === '*' || raw === 'self' || raw === 'cls') continue;
    const variadic = /^(\*{1,2}|\.\.\.)/.test(raw);
    const withoutStars = raw.replace(/^(\*{1,2}|\.\.\.)/, '');
    // An empty part (`...` alone) splits into nothing: no name to read.
    const [head = '', ...defaultParts] = splitTopLevel(withoutStars, '=');
    const optional = defaultParts.length > 0 || (language === 'javascript' && /^\w+\?/.test(head));
    const colon = head.indexOf(':');
    const name = (colon >= 0 ? head.slice(0, colon) : head).replace(/\?$/, '').trim();
    const type = colon >= 0 ? head.slice(colon + 1).trim() : undefined;
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) continue;
    parameters.push({ name, type: type || undefined, optional, variadic });
  }
  return { parameters, elided: false };
}

interface Definition {
  signature: TaskSignature;
  /** Index where the definition starts. */
  start: number;
  /** Index just past the header (after `:` or `{` / `=>`). */
  headerEnd: number;
  language: 'python' | 'javascript';
}

function findDefinitions(text: string): Definition[] {
  const definitions: Definition[] = [];
  const python = /^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(/gm;
  for (let match = python.exec(text); match; match = python.exec(text)) {
    const open = match.index + match[0].length - 1;
    const close = findClosingBracket(text, open);
    if (close < 0) continue;
    const rest = /^[ \t]*(?:->[ \t]*([^\n]*?))?[ \t]*:/.exec(text.slice(close));
    const { parameters, elided } = parseParameters(text.slice(open + 1, close - 1), 'python');
    definitions.push({
      signature: { name: match[1], parameters, returnType: rest?.[1]?.trim() || undefined, elided },
      start: match.index,
      headerEnd: close + (rest ? rest[0].length : 0),
      language: 'python',
    });
  }
  const javascript =
    /(?:^|[\s;])(?:export[ \t]+)?(?:async[ \t]+)?(?:function[ \t]*\*?[ \t]*([A-Za-z_$][\w$]*)[ \t]*(?:<[^>]*>)?[ \t]*\(|(?:const|let|var)[ \t]+([A-Za-z_$][\w$]*)[ \t]*(?::[^=\n]+)?=[ \t]*(?:async[ \t]*)?(?:function[ \t]*)?\()/g;
  for (let match = javascript.exec(text); match; match = javascript.exec(text)) {
    const open = match.index + match[0].length - 1;
    const close = findClosingBracket(text, open);
    if (close < 0) continue;
    const rest = /^[ \t]*(?::[ \t]*([^{=\n]*?))?[ \t]*(?:\{|=>)/.exec(text.slice(close));
    if (!rest) continue;
    const { parameters, elided } = parseParameters(text.slice(open + 1, close - 1), 'javascript');
    definitions.push({
      signature: { name: match[1] ?? match[2], parameters, returnType: rest[1]?.trim() || undefined, elided },
      start: match.index,
      headerEnd: close + rest[0].length,
      language: 'javascript',
    });
  }
  return definitions.sort((left, right) => left.start - right.start);
}

/** The docstring right after a Python header, or the comment right before a JavaScript definition. */
function documentationOf(text: string, definition: Definition): string | undefined {
  if (definition.language === 'python') {
    const after = text.slice(definition.headerEnd);
    const match = /^\s*[rRuU]?("""|''')([\s\S]*?)\1/.exec(after);
    return match ? match[2] : undefined;
  }
  const before = text.slice(0, definition.start).replace(/\s+$/, '');
  const block = /\/\*\*?([\s\S]*?)\*\/$/.exec(before);
  if (block) return block[1].replace(/^[ \t]*\*[ \t]?/gm, '');
  const lines = before.split('\n');
  const comments: string[] = [];
  while (lines.length > 0 && /^\s*\/\//.test(lines[lines.length - 1])) comments.unshift(lines.pop()!.replace(/^\s*\/\/\s?/, ''));
  return comments.length > 0 ? comments.join('\n') : undefined;
}

/** Applies JSDoc `@param {type} name` and `@returns {type}` tags to a signature that lacks annotations. */
function applyDocumentationTags(signature: TaskSignature, documentation: string): void {
  const parameterTag = /@param\s+\{([^}]+)\}\s+\[?([\w$]+)/g;
  for (let match = parameterTag.exec(documentation); match; match = parameterTag.exec(documentation)) {
    const parameter = signature.parameters.find((candidate) => candidate.name === match![2]);
    if (parameter && !parameter.type) parameter.type = match[1].trim();
  }
  const returnTag = /@returns?\s+\{([^}]+)\}/.exec(documentation);
  if (returnTag && !signature.returnType) signature.returnType = returnTag[1].trim();
}

/** Removes a trailing `# comment` / `// comment` that is outside string quotes. */
function stripTrailingComment(text: string, slashes = true): string {
  for (const [index] of unquoted(text, '"\'')) {
    if (text[index] === '#' || (slashes && text.startsWith('//', index))) return text.slice(0, index).trim();
  }
  return text.trim();
}

function cleanExpected(text: string): string | undefined {
  let expected = stripTrailingComment(text).replace(/^`+|`+$/g, '').trim();
  // "the output should be 1." — a full stop that is not part of a number.
  expected = expected.replace(/(?<!\d)[.,;]$|(?<=[\])}'"a-zA-Z])[.,;]$/, '').trim();
  return expected === '' ? undefined : expected;
}

const OUTPUT_OPERATOR =
  /^\s*(?:==>|=>|➞|→|->|==|=|:|\bshould\s+(?:return|be|give|output)\b|\bwill\s+(?:return|be|give)\b|\breturns?\b|\bgives?\b|\boutputs?\b|\bis\b|#\s*(?:=>|->|→)?|\/\/\s*(?:=>|->|→)?)\s*(.*)$/i;
const EXAMPLE_HEADING = /^(?:examples?|for examples?|e\.g\.|example\s*\d*|sample(?:\s+(?:input|output))?|test cases?)\s*[:.]?\s*$/i;
const BULLET = /^(?:[*\-•]|\d+[.)])\s+/;

/** `name(args)` at the start of a line: the name, the arguments text and the index after `)`. */
function callAtStart(line: string): { name: string; argumentsText: string; end: number } | undefined {
  const match = /^([A-Za-z_$][\w$.]*)\s*\(/.exec(line);
  if (!match) return undefined;
  const open = match[0].length - 1;
  const close = findClosingBracket(line, open);
  if (close < 0) return undefined;
  return { name: match[1], argumentsText: line.slice(open + 1, close - 1).trim(), end: close };
}

function countArguments(argumentsText: string): number {
  return argumentsText.trim() === '' ? 0 : splitTopLevel(argumentsText).length;
}

/** Whether brackets and quotes in `text` are all closed (used to join multi-line outputs). */
function isBalanced(text: string): boolean {
  let depth = 0;
  for (const character of text.replace(/'[^']*'|"[^"]*"/g, '')) {
    if ('([{'.includes(character)) depth++;
    else if (')]}'.includes(character)) depth--;
  }
  return depth <= 0;
}

/** Values of `name = value` assignments in order, e.g. `s = "abc", c = "b"` → [`"abc"`, `"b"`]. */
function assignedValues(text: string): string[] {
  const values: string[] = [];
  const assignment = /([A-Za-z_]\w*)\s*[=:]\s*/g;
  for (let match = assignment.exec(text); match; match = assignment.exec(text)) {
    const start = match.index + match[0].length;
    const value = readValueText(text, start);
    if (!value) continue;
    values.push(value);
    assignment.lastIndex = start + value.length;
  }
  return values;
}

/** A literal-looking value starting at `start`: a bracketed group, a quoted string or a number. */
function readValueText(text: string, start: number): string | undefined {
  const character = text[start];
  if (character === '[' || character === '(' || character === '{') {
    const end = findClosingBracket(text, start);
    return end > 0 ? text.slice(start, end) : undefined;
  }
  if (character === '"' || character === "'") {
    const end = text.indexOf(character, start + 1);
    return end > 0 ? text.slice(start, end + 1) : undefined;
  }
  return /^-?\d+(?:\.\d+)?/.exec(text.slice(start))?.[0];
}

interface ExampleScan {
  examples: TaskExample[];
  /** Indexes of lines that belong to examples (left out of the prose). */
  consumed: Set<number>;
}

function makeExample(call: string, name: string, argumentsText: string, expected: string | undefined): TaskExample {
  return { call, functionName: name, argumentsText, argumentCount: countArguments(argumentsText), expected };
}

/** Finds worked examples in documentation lines; `functionName` narrows which calls count when known. */
function scanExamples(lines: string[], functionName: string | undefined): ExampleScan {
  const examples: TaskExample[] = [];
  const consumed = new Set<number>();
  const accepts = (name: string): boolean => functionName === undefined || name === functionName;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim().replace(BULLET, '');
    if (line === '') continue;
    if (EXAMPLE_HEADING.test(line)) {
      consumed.add(index);
      continue;
    }
    if (line.startsWith('>>>')) {
      consumed.add(index);
      let body = stripTrailingComment(line.slice(3), false);
      while (index + 1 < lines.length && /^\s*\.\.\.(\s|$)/.test(lines[index + 1])) {
        index++;
        consumed.add(index);
        body += ' ' + stripTrailingComment(lines[index].trim().slice(3), false);
      }
      // A bare `>>>` prompt has nothing to split.
      const [left = '', ...right] = splitTopLevel(body, '==');
      let expected = right.length > 0 ? cleanExpected(right.join('==')) : undefined;
      if (right.length === 0) {
        const outputLines: string[] = [];
        while (index + 1 < lines.length && lines[index + 1].trim() !== '' && !lines[index + 1].trim().startsWith('>>>')) {
          outputLines.push(lines[index + 1].trim());
          index++;
          consumed.add(index);
          if (isBalanced(outputLines.join(' '))) break;
        }
        expected = outputLines.length > 0 ? cleanExpected(outputLines.join(' ')) : undefined;
      }
      const call = callAtStart(left.trim());
      if (call && call.end === left.trim().length) {
        examples.push(makeExample(left.trim(), call.name, call.argumentsText, expected));
      }
      continue;
    }
    const forMatch =
      /^for\s+(.+?)\s*,?\s*(?:the\s+)?(?:output|result|answer|return(?:ed)?\s+value)\s+(?:should|will|must)\s+be\s*:?\s*(.+)$/i.exec(line);
    if (forMatch && functionName) {
      const values = assignedValues(forMatch[1]);
      if (values.length > 0) {
        consumed.add(index);
        const argumentsText = values.join(', ');
        examples.push(makeExample(`${functionName}(${argumentsText})`, functionName, argumentsText, cleanExpected(forMatch[2])));
        continue;
      }
    }
    const inputMatch = /^input\s*:\s*(.*)$/i.exec(line);
    if (inputMatch && functionName) {
      let inputText = inputMatch[1];
      let cursor = index + 1;
      while (cursor < lines.length && !/^\s*output\s*:/i.test(lines[cursor]) && lines[cursor].trim() !== '' && cursor - index < 8) {
        inputText += ' ' + lines[cursor].trim();
        cursor++;
      }
      const outputMatch = cursor < lines.length ? /^\s*output\s*:\s*(.*)$/i.exec(lines[cursor]) : null;
      const assigned = assignedValues(inputText);
      const values = assigned.length > 0 ? assigned : [readValueText(inputText.trim(), 0)].filter((value): value is string => !!value);
      if (values.length > 0) {
        for (let consumedIndex = index; consumedIndex <= Math.min(cursor, lines.length - 1); consumedIndex++) consumed.add(consumedIndex);
        const argumentsText = values.join(', ');
        const expected = outputMatch ? cleanExpected(outputMatch[1]) : undefined;
        examples.push(makeExample(`${functionName}(${argumentsText})`, functionName, argumentsText, expected));
        index = outputMatch ? cursor : cursor - 1;
        continue;
      }
    }
    const callLine = line.replace(/^(?:for example|for instance|e\.g\.|example|for|ex)[:,]?\s+/i, '');
    const call = callAtStart(callLine);
    if (call && accepts(call.name)) {
      const rest = callLine.slice(call.end);
      const operator = OUTPUT_OPERATOR.exec(rest);
      let expected: string | undefined;
      let outputOnNextLine = false;
      if (operator && operator[1].trim() !== '') {
        expected = cleanExpected(operator[1]);
      } else if (rest.trim().replace(/[.:,;]$/, '') === '') {
        // The call alone on its line: the output, if any, is the next line.
        const next = lines[index + 1]?.trim();
        if (next && /^[[({'"\-\d]|^(True|False|None|true|false|null)\b/.test(next)) {
          expected = cleanExpected(next);
          outputOnNextLine = true;
        }
      } else {
        continue;
      }
      // `tri(n) = 1 + n / 2, if n is even` defines the function in prose; it is not a worked example.
      const literalArguments = call.argumentsText === '' || parseLiteral(`[${call.argumentsText}]`) !== undefined;
      if (!literalArguments && (expected === undefined || parseLiteral(expected) === undefined)) continue;
      consumed.add(index);
      examples.push(makeExample(callLine.slice(0, call.end), call.name, call.argumentsText, expected));
      if (outputOnNextLine) consumed.add(++index);
    }
  }
  return { examples, consumed };
}

/** Lines of code that are not documentation (imports, definitions, bodies) in a text that holds code. */
function looksLikeCode(line: string): boolean {
  return /^\s*(?:from\s+\S+\s+import|import\s|def\s|class\s|return\b|if\s.*:$|for\s.*:$|while\s.*:$|const\s|let\s|var\s|function\b|[}{;]\s*$)/.test(line);
}

/**
 * Parses a task: finds the function it asks for (the last definition with documentation, or the given
 * `signatureText`), its description and its examples.
 */
export function parseTask(text: string, signatureText?: string): ParsedTask {
  const definitions = findDefinitions(text);
  const documented = definitions.map((definition) => ({ definition, documentation: documentationOf(text, definition) }));
  const target = [...documented].reverse().find((entry) => entry.documentation !== undefined) ?? documented[documented.length - 1];
  let signature = target?.definition.signature;
  if (!signature && signatureText) {
    const fromContext = findDefinitions(/[:{]\s*$|=>\s*$/.test(signatureText.trim()) ? signatureText : `${signatureText.trim()}:`);
    signature = fromContext[0]?.signature ?? findDefinitions(`${signatureText.trim()} {}`)[0]?.signature;
  }
  let documentation: string;
  if (target?.documentation !== undefined) {
    documentation = target.documentation;
    if (signature) applyDocumentationTags(signature, documentation);
  } else if (definitions.length > 0) {
    // Code without documentation: the only description is its comments.
    documentation = text
      .split('\n')
      .filter((line) => /^\s*(#|\/\/|\*)/.test(line))
      .map((line) => line.replace(/^\s*(#|\/\/+|\*+)\s?/, ''))
      .join('\n');
  } else {
    documentation = text
      .split('\n')
      .filter((line) => !looksLikeCode(line))
      .join('\n');
  }
  documentation = documentation.replace(/^\s*@(?:param|returns?|throws?)\b.*$/gm, (tag) => tag.replace(/^\s*@\w+\s*(\{[^}]*\}\s*)?/, ''));
  const lines = documentation.split('\n');
  const { examples, consumed } = scanExamples(lines, signature?.name);
  const description = lines
    .filter((_, index) => !consumed.has(index))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const code = target?.documentation !== undefined ? text.replace(target.documentation, ' ') : definitions.length > 0 ? text : '';
  return { signature, description, examples, hasCode: definitions.length > 0, documentation, codeNames: identifiersIn(code) };
}
