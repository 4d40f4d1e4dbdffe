/**
 * Lexical links between the failing tests and the code: a test is usually named after the function it
 * checks (`test_camel_case_with_hyphens` → `camelCase`) and its file after the module (`test_urlutils.py`
 * → `urlutils.py`, `string-utils.mjs` → `string-utils.ts`). Names are compared lower-cased with
 * everything but letters and digits removed, so snake_case, camelCase and kebab-case meet.
 */
import * as path from 'node:path';

/** Names shorter than this (after normalizing) match too much by chance to count. */
const MIN_NAME = 4;

/** Lower case, letters and digits only. */
export function normalizedName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

const FUNCTION_NAME_PATTERNS: RegExp[] = [
  /\bdef\s+([A-Za-z_]\w*)/, // Python
  /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)/, // function foo(
  /([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]*)?=>|[A-Za-z_$][\w$]*\s*=>)/, // foo = (…) =>, foo: function
  /^\s*(?:(?:public|private|protected|static|async|get|set|override|readonly)\s+)*\*?\s*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(/, // class method
];
const NOT_NAMES = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'async', 'await', 'new', 'constructor', 'with']);

/** The name a function's header line gives it, if any (`def parse(`, `function parse(`, `parse = (`, `parse(…) {`). */
export function functionName(header: string): string | undefined {
  for (const pattern of FUNCTION_NAME_PATTERNS) {
    const name = pattern.exec(header)?.[1];
    if (name && !NOT_NAMES.has(name)) return name;
  }
  return undefined;
}

/** A test id split into its file and the rest (pytest `file::Class::test[param]`, JS `file > suite > test`). */
export function testIdParts(id: string): { file: string; name: string } {
  const pytest = id.indexOf('::');
  if (pytest > 0) return { file: id.slice(0, pytest), name: id.slice(pytest + 2) };
  const js = id.indexOf(' > ');
  if (js > 0) return { file: id.slice(0, js), name: id.slice(js + 3) };
  return { file: '', name: id };
}

/** A source or test file's stem: `tests/test_urlutils.py` → `urlutils`, `test/string-utils.spec.ts` → `stringutils`. */
export function moduleStem(file: string): string {
  let stem = path.basename(file).replace(/\.[^.]+$/, '');
  stem = stem.replace(/[._-](test|tests|spec)$/i, '').replace(/^(test|tests)[._-]/i, '');
  return normalizedName(stem);
}

/** What the failing tests' names say about one scope, computed once per check. */
export interface FailingTestNames {
  /** Normalized names (the part after the file) of the failing tests. */
  names: string[];
  /** Normalized file stems of the failing tests. */
  stems: string[];
}

export function failingTestNames(ids: readonly string[]): FailingTestNames {
  const parts = ids.map(testIdParts);
  return { names: parts.map((part) => normalizedName(part.name)), stems: parts.map((part) => (part.file ? moduleStem(part.file) : '')) };
}

/** Share of failing tests whose name contains the function's name (0 for no name or a short one). */
export function nameShare(failing: FailingTestNames, name: string | undefined): number {
  const wanted = name ? normalizedName(name) : '';
  if (wanted.length < MIN_NAME || failing.names.length === 0) return 0;
  return failing.names.filter((test) => test.includes(wanted)).length / failing.names.length;
}

/** Share of failing tests whose file is named after the source file (`test_urlutils.py` for `urlutils.py`). */
export function moduleShare(failing: FailingTestNames, sourceFile: string): number {
  const stem = moduleStem(sourceFile);
  if (stem.length < 3 || failing.stems.length === 0) return 0;
  return failing.stems.filter((test) => test.length > 0 && test.includes(stem)).length / failing.stems.length;
}
