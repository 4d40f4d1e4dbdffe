/**
 * Code that does not load is the strongest evidence there is: the line a SyntaxError, ImportError or an
 * error thrown at load time points at is where the fault is, or next to it. A parser's line is not always
 * where the mistake is (an unclosed bracket is reported where the file ends), so for syntax errors the
 * ERROR and MISSING nodes of a tree-sitter parse are candidates too, first when the reported line is the
 * end of the file.
 */
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { SourceReader } from '../ports';
import { languageForFile, type SyntaxService } from '../syntax/treeSitter';
import type { Evidence, LineScore, LoadError, TestRun } from '../types';

/**
 * Probabilities given to load-error places. They are a fixed prior, not fitted: measured on the
 * broken-code bench (`bench/results/broken-code.md`), the reported (or tree-sitter's) line is the
 * faulty one in most cases, and no other evidence comes close while the code does not even load.
 */
export const LOAD_ERROR_PROBABILITY = 0.97;
/** A tree-sitter error place besides a reported line that looks right. */
const PARSER_NODE_PROBABILITY = 0.9;
/** A reported line that is the end of the file while tree-sitter names an earlier place. */
const END_OF_FILE_PROBABILITY = 0.5;
/** At most this many tree-sitter error places per file. */
const MAX_PARSER_PLACES = 3;

/** One place a load error points at. */
interface Place {
  file: string;
  line: number;
  probability: number;
  evidence: Evidence;
}

/** Messages whose line is where the parser gave up, not where the mistake is. */
const END_OF_INPUT = /end of (input|file)|unexpected EOF|EOF while|unterminated|'\)' expected|expected '\}'|Expected ['"`]?[)\]}]/i;

/**
 * Scores for the places the run's load errors point at, merged into `scores` (a line already scored
 * keeps its other evidence; its probability is raised). Returns the merged list, unranked.
 */
export async function withLoadErrorPlaces(run: TestRun, scores: LineScore[], sources: SourceReader, syntax: SyntaxService | undefined): Promise<LineScore[]> {
  const errors = new Map<string, { error: LoadError; tests: string[] }>();
  for (const test of run.tests) {
    if (test.outcome !== 'failed' || !test.loadError) continue;
    const key = `${path.resolve(test.loadError.file)}:${test.loadError.line ?? 0}`;
    const entry = errors.get(key);
    if (entry) entry.tests.push(test.id);
    else errors.set(key, { error: { ...test.loadError, file: path.resolve(test.loadError.file) }, tests: [test.id] });
  }
  if (errors.size === 0) return scores;

  const places: Place[] = [];
  for (const { error: reported, tests } of errors.values()) {
    let error = reported;
    let source = await sources.read(error.file).catch(() => undefined);
    if (error.kind === 'syntax' && syntax && source !== undefined && (error.line === undefined || !(await hasSyntaxError(syntax, error.file, source)))) {
      // The runner named the file whose import failed (Mocha with ES modules), not the broken one.
      const broken = await brokenImport(syntax, sources, error.file, source, new Set([error.file]), IMPORT_DEPTH);
      if (broken) {
        error = { kind: 'syntax', file: broken.file, message: error.message };
        source = broken.source;
      }
    }
    const lines = source?.split(/\r\n|\r|\n/) ?? [];
    const who = tests.length === 1 ? tests[0]! : `${tests.length} test files`;
    const parserPlaces = error.kind === 'syntax' && source !== undefined && syntax ? await syntaxErrorPlaces(syntax, error.file, source) : [];
    const lastLine = lastNonBlankLine(lines);
    const reportedAtEnd = error.line !== undefined && (END_OF_INPUT.test(error.message) || error.line >= lastLine) && parserPlaces.some((place) => place.line < error.line!);
    if (error.line !== undefined) {
      places.push({
        file: error.file,
        line: error.line,
        probability: reportedAtEnd ? END_OF_FILE_PROBABILITY : LOAD_ERROR_PROBABILITY,
        evidence: { kind: 'load-error', detail: `${who} cannot load: ${error.message}${reportedAtEnd ? ' (reported where the parser gave up)' : ''}` },
      });
    }
    for (const place of parserPlaces.slice(0, MAX_PARSER_PLACES)) {
      const first = place === parserPlaces[0];
      places.push({
        file: error.file,
        line: place.line,
        probability: reportedAtEnd || error.line === undefined ? (first ? LOAD_ERROR_PROBABILITY : PARSER_NODE_PROBABILITY) : PARSER_NODE_PROBABILITY,
        evidence: { kind: 'load-error', detail: `the parser finds ${place.what} here, and ${who} cannot load (${error.message})` },
      });
    }
  }

  const byKey = new Map(scores.map((score) => [`${path.resolve(score.file)}:${score.line}`, score]));
  for (const place of places) {
    const key = `${place.file}:${place.line}`;
    const existing = byKey.get(key);
    if (existing) {
      if (place.probability > existing.score) existing.score = place.probability;
      if (!existing.evidence.some((item) => item.kind === 'load-error')) existing.evidence.unshift(place.evidence);
      existing.features.loadError = Math.max(existing.features.loadError ?? 0, place.probability);
      continue;
    }
    const text = (await sources.read(place.file).catch(() => undefined))?.split(/\r\n|\r|\n/)[place.line - 1]?.trim();
    const score: LineScore = { file: place.file, line: place.line, score: place.probability, rank: 0, features: { loadError: place.probability }, evidence: [place.evidence] };
    if (text !== undefined) score.text = text;
    byKey.set(key, score);
    scores.push(score);
  }
  return scores;
}

/** How many imports deep a syntax error is looked for when the runner named only the importing file. */
const IMPORT_DEPTH = 3;
const JS_IMPORT = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;
const JS_EXTENSIONS = ['', '.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx', '/index.js', '/index.ts'];

async function hasSyntaxError(syntax: SyntaxService, file: string, source: string): Promise<boolean> {
  return (await syntaxErrorPlaces(syntax, file, source)).length > 0;
}

/** The first file, following relative JavaScript imports from `file`, that tree-sitter cannot parse cleanly. */
async function brokenImport(
  syntax: SyntaxService,
  sources: SourceReader,
  file: string,
  source: string,
  seen: Set<string>,
  depth: number,
): Promise<{ file: string; source: string } | undefined> {
  if (depth === 0 || languageForFile(file) === 'python') return undefined;
  const imported: Array<{ file: string; source: string }> = [];
  for (const match of source.matchAll(JS_IMPORT)) {
    const specifier = match[1]!;
    const base = path.resolve(path.dirname(file), specifier);
    const tries = [...JS_EXTENSIONS.map((extension) => base + extension), base.replace(/\.([cm]?)js$/, '.$1ts')];
    for (const candidate of tries) {
      if (seen.has(candidate) || !languageForFile(candidate)) continue;
      const text = await sources.read(candidate).catch(() => undefined);
      if (text === undefined) continue;
      seen.add(candidate);
      if (await hasSyntaxError(syntax, candidate, text)) return { file: candidate, source: text };
      imported.push({ file: candidate, source: text });
      break;
    }
  }
  for (const next of imported) {
    const found = await brokenImport(syntax, sources, next.file, next.source, seen, depth - 1);
    if (found) return found;
  }
  return undefined;
}

function lastNonBlankLine(lines: string[]): number {
  for (let index = lines.length - 1; index >= 0; index--) if (lines[index]!.trim() !== '') return index + 1;
  return 0;
}

/** Tree-sitter's MISSING and ERROR nodes of a file, in source order: 1-based line and what it is. */
export async function syntaxErrorPlaces(syntax: SyntaxService, file: string, source: string): Promise<Array<{ line: number; what: string }>> {
  const language = languageForFile(file);
  if (!language) return [];
  let tree;
  try {
    tree = await syntax.parse(language, source);
  } catch {
    return [];
  }
  try {
    const found: Array<{ line: number; what: string; at: number }> = [];
    const visit = (node: Node) => {
      if (node.isMissing) {
        found.push({ line: node.startPosition.row + 1, what: `a missing \`${node.type}\``, at: node.startIndex });
        return;
      }
      if (node.type === 'ERROR') {
        found.push({ line: node.startPosition.row + 1, what: 'a syntax error', at: node.startIndex });
      }
      for (const child of node.children) if (child && (child.hasError || child.isMissing)) visit(child);
    };
    if (tree.rootNode.hasError) visit(tree.rootNode);
    found.sort((a, b) => a.at - b.at);
    const seen = new Set<number>();
    return found.filter((place) => !seen.has(place.line) && seen.add(place.line)).map(({ line, what }) => ({ line, what }));
  } finally {
    tree.delete();
  }
}
