/**
 * Finds the calls the tests make to the patched module's functions, so differential testing can replay
 * them with varied arguments: `assert f([1, 2], 3) == 4` gives `f` with arguments `[1, 2], 3`. Text-based
 * and forgiving: a call whose arguments are not literals is dropped later by the harness.
 */

/** One call found in a test file. */
export interface TestCall {
  /** The function's name in the patched module. */
  function: string;
  /** The text between the call's parentheses. */
  args: string;
}

/** Top-level function names a module defines (Python `def`, JavaScript `function`/arrow constants). */
export function definedFunctions(source: string, language: 'python' | 'javascript'): string[] {
  const names = new Set<string>();
  const pattern =
    language === 'python'
      ? /^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(/gm
      : /^(?:export[ \t]+)?(?:default[ \t]+)?(?:async[ \t]+)?function[ \t]*\*?[ \t]*([A-Za-z_$][\w$]*)[ \t]*\(|^(?:export[ \t]+)?(?:const|let|var)[ \t]+([A-Za-z_$][\w$]*)[ \t]*=[ \t]*(?:async[ \t]*)?(?:function\b|\([^)]*\)[ \t]*=>|[A-Za-z_$][\w$]*[ \t]*=>)/gm;
  for (const match of source.matchAll(pattern)) names.add(match[1] ?? match[2]);
  return [...names];
}

/** Local names a test file gives the module's functions (`import f as g`, `{ f: g }`, `import { f as g }`). */
export function importAliases(testText: string, functions: string[]): Map<string, string> {
  const known = new Set(functions);
  const aliases = new Map<string, string>(functions.map((name) => [name, name]));
  // Python: from module import a as b, c as d   (also parenthesized over several lines)
  for (const match of testText.matchAll(/from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)/g)) {
    for (const part of match[1].replace(/[()]/g, '').split(',')) {
      const alias = /^\s*([A-Za-z_]\w*)\s+as\s+([A-Za-z_]\w*)\s*$/.exec(part.replace(/#.*$/, ''));
      if (alias && known.has(alias[1])) aliases.set(alias[2], alias[1]);
    }
  }
  // JavaScript: const { a: b } = require(...), import { a as b } from '...'
  for (const match of testText.matchAll(/\{([^{}]*)\}\s*(?:=\s*(?:await\s+)?(?:require|import)\s*\(|from\s)/g)) {
    for (const part of match[1].split(',')) {
      const alias = /^\s*([A-Za-z_$][\w$]*)\s*(?::|\bas\b)\s*([A-Za-z_$][\w$]*)\s*$/.exec(part);
      if (alias && known.has(alias[1])) aliases.set(alias[2], alias[1]);
    }
  }
  return aliases;
}

/** Index just after the parenthesis that closes the one at `open`, or -1 (strings and comments skipped). */
export function closingParenthesis(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = open; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === '\\') index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '#' && text.slice(index - 1, index) !== '$') {
      // A Python comment (a `#` inside JavaScript code outside strings is rare enough to accept).
      const newline = text.indexOf('\n', index);
      if (newline < 0) return -1;
      index = newline;
    } else if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') {
      depth--;
      if (depth === 0) return char === ')' ? index + 1 : -1;
    }
  }
  return -1;
}

/** Calls in `testText` to any of `functions` (by name or import alias), at most `limit`, in text order. */
export function findTestCalls(testText: string, functions: string[], limit = 200): TestCall[] {
  if (functions.length === 0) return [];
  const aliases = importAliases(testText, functions);
  const escaped = [...aliases.keys()].map((name) => name.replace(/[$]/g, '\\$'));
  const pattern = new RegExp(`(?<![\\w$])(${escaped.join('|')})[ \\t]*\\(`, 'g');
  const calls: TestCall[] = [];
  for (const match of testText.matchAll(pattern)) {
    if (calls.length >= limit) break;
    const before = testText.slice(Math.max(0, match.index - 12), match.index);
    if (/(?:def|function|import|as)\s+$/.test(before)) continue;
    const open = match.index + match[0].length - 1;
    const close = closingParenthesis(testText, open);
    if (close < 0) continue;
    calls.push({ function: aliases.get(match[1]) ?? match[1], args: testText.slice(open + 1, close - 1).trim() });
  }
  return calls;
}
