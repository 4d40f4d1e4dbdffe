import * as path from 'node:path';

/** Extensions of files Node, TypeScript and the bundlers run as JavaScript. */
export const JAVASCRIPT_EXTENSIONS = new Set(['.js', '.cjs', '.mjs', '.jsx', '.ts', '.cts', '.mts', '.tsx']);
/** Folders whose files are tests or test support. */
const TEST_FOLDERS = new Set(['test', 'tests', '__tests__', '__mocks__', '__fixtures__', 'spec', 'specs']);
/** Folders that hold tests wherever they appear (their names say so unmistakably). */
const UNMISTAKABLE_TEST_FOLDERS = new Set(['__tests__', '__mocks__', '__fixtures__']);

/**
 * True for files that hold tests or test support: `*.test.*`, `*.spec.*`, `*_test.*`, `test-*.*`,
 * `test.*`, and files in `__tests__`, `__mocks__`, `test`, `tests` or `spec` folders. With `root`, every
 * folder between the root and the file counts; without it only the file's two nearest folders do (and
 * `__tests__`-style folders anywhere), so that a project that merely lives under a folder called `test`
 * is not mistaken for test code.
 */
export function isJavaScriptTestFile(absPath: string, root?: string): boolean {
  const extension = path.extname(absPath).toLowerCase();
  if (!JAVASCRIPT_EXTENSIONS.has(extension)) return false;
  const name = path.basename(absPath);
  if (/\.(test|spec)\.[cm]?[jt]sx?$/i.test(name) || /[_-]test\.[cm]?[jt]sx?$/i.test(name) || /^test([-_.])/i.test(name)) {
    return true;
  }
  let folders: string[];
  if (root !== undefined) {
    const relative = path.relative(root, absPath);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
    folders = relative.split(path.sep).slice(0, -1);
  } else {
    const all = path.dirname(absPath).split(path.sep);
    if (all.some((folder) => UNMISTAKABLE_TEST_FOLDERS.has(folder))) return true;
    folders = all.slice(-2);
  }
  return folders.some((folder) => TEST_FOLDERS.has(folder));
}

/**
 * True when a source line holds code that runs: not blank, not only a comment, not only closing
 * brackets, `else`, `try`, `finally` or punctuation. V8 reports coverage by character ranges; these
 * lines would otherwise inherit their block's count and dilute the spectrum with lines nobody can fix.
 * `inBlockComment` carries `/* … *\/` state from the previous line; the result says whether the next
 * line starts inside one.
 */
export function classifyLine(text: string, inBlockComment: boolean): { code: boolean; inBlockComment: boolean } {
  let rest = '';
  let index = 0;
  let inside = inBlockComment;
  while (index < text.length) {
    if (inside) {
      const close = text.indexOf('*/', index);
      if (close < 0) return { code: isCode(rest), inBlockComment: true };
      inside = false;
      index = close + 2;
      continue;
    }
    const character = text[index]!;
    if (character === '/' && text[index + 1] === '/') break;
    if (character === '/' && text[index + 1] === '*') {
      inside = true;
      index += 2;
      continue;
    }
    if (character === '"' || character === "'" || character === '`') {
      // A string is code; skip to its end so that comment markers inside it are not taken as comments.
      const close = findStringEnd(text, index);
      rest += 'x';
      index = close;
      continue;
    }
    rest += character;
    index++;
  }
  return { code: isCode(rest), inBlockComment: inside };
}

function findStringEnd(text: string, start: number): number {
  const quote = text[start]!;
  let index = start + 1;
  while (index < text.length) {
    if (text[index] === '\\') {
      index += 2;
      continue;
    }
    if (text[index] === quote) return index + 1;
    index++;
  }
  return text.length;
}

function isCode(stripped: string): boolean {
  const words = stripped.replace(/[{}()[\];,:]/g, ' ').trim();
  if (words === '') return false;
  return !/^(?:(?:else|try|finally|do)\s*)+$/.test(words);
}

/** Which 1-based lines of a source text hold code (see `classifyLine`). */
export function codeLines(text: string): Set<number> {
  const result = new Set<number>();
  let inBlockComment = false;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const classified = classifyLine(lines[index]!, inBlockComment);
    inBlockComment = classified.inBlockComment;
    if (classified.code) result.add(index + 1);
  }
  return result;
}
