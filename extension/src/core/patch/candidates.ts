import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { throwIfCancelled } from '../errors';
import type { SyntaxService } from '../syntax/treeSitter';
import type { SourceLanguage } from '../types';
import { changedLineCount } from './diff';
import { defaultPriors, variantWeight, type TemplatePriors } from './priors';
import { familyOf, syntaxErrorCount } from './syntaxFacts';
import { TEMPLATES, type LineContext } from './templates';
import { unresolvedNames, type ProjectNames } from './nameRepair';
import type { Candidate, ExtraCandidate, TemplateEdit, TemplateName, TextEdit } from './types';

/** A suspect line and its fault probability. */
export interface ScoredLine {
  /** 1-based line. */
  line: number;
  /** Probability in [0, 1] that the line is faulty. */
  score: number;
}

/** Inputs of `generateCandidates` for one file. */
export interface CandidateRequest {
  /** Absolute path of the file (names the candidates; never read here). */
  file: string;
  /** The file's text as the check saw it. */
  source: string;
  language: SourceLanguage;
  lines: ScoredLine[];
  syntax: SyntaxService;
  priors?: TemplatePriors;
  /** Only these templates (default: all). */
  templates?: TemplateName[];
  /** At most this many candidates per line are considered, best first (default 80). */
  maxPerLine?: number;
  /**
   * The project's top-level definitions (for the missing-import repair), asked for only when a suspect
   * line holds a name that resolves nowhere in the file.
   */
  project?: () => Promise<ProjectNames | undefined>;
  /** Stop after this many candidates passed the syntax check (the rest are left unchecked); default: check all. */
  limit?: number;
  signal?: AbortSignal;
}

/** Candidates of one file with the counts of those dropped on the way. */
export interface CandidateSet {
  candidates: Candidate[];
  droppedUnparsable: number;
  droppedDuplicate: number;
  /** Candidates beyond `limit`, never syntax-checked. */
  unchecked: number;
}

const DEFAULT_MAX_PER_LINE = 80;

/** Applies non-overlapping edits to `source`; undefined when they overlap. */
export function applyEdits(source: string, edits: TextEdit[]): string | undefined {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let result = '';
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor || edit.end < edit.start || edit.end > source.length) return undefined;
    result += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return result + source.slice(cursor);
}

/** 0-based offsets where each line starts. */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (let index = source.indexOf('\n'); index >= 0; index = source.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

/** 1-based line holding `offset`. */
function lineAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/** The original lines an edit touches (an insertion touches the line it is inserted on). */
function touchedLines(starts: number[], edits: TextEdit[]): number[] {
  const lines = new Set<number>();
  for (const edit of edits) {
    const first = lineAt(starts, edit.start);
    const last = edit.end > edit.start ? lineAt(starts, edit.end - 1) : first;
    for (let line = first; line <= last; line++) lines.add(line);
  }
  return [...lines].sort((a, b) => a - b);
}

/** Collects every node starting on one of `rows`, in document order. */
function nodesByRow(root: Node, rows: Set<number>): Map<number, Node[]> {
  const buckets = new Map<number, Node[]>();
  for (const row of rows) buckets.set(row, []);
  const cursor = root.walk();
  try {
    let descending = true;
    for (;;) {
      if (descending) {
        const start = cursor.startPosition.row;
        const end = cursor.endPosition.row;
        if (rows.has(start)) buckets.get(start)?.push(cursor.currentNode);
        // Only enter subtrees that overlap a wanted row.
        let overlaps = false;
        for (const row of rows) {
          if (row >= start && row <= end) {
            overlaps = true;
            break;
          }
        }
        if (overlaps && cursor.gotoFirstChild()) continue;
      }
      if (cursor.gotoNextSibling()) {
        descending = true;
        continue;
      }
      if (!cursor.gotoParent()) break;
      descending = false;
    }
  } finally {
    cursor.delete();
  }
  return buckets;
}

/** Merges two probabilities of the same patch being right as independent chances (noisy-or). */
function noisyOr(a: number, b: number): number {
  return 1 - (1 - a) * (1 - b);
}

const TEMPLATE_ORDER = Object.keys(TEMPLATES) as TemplateName[];

/** Position of a template in the fixed order; edits from outside the templates come after all of them. */
function templateOrder(template: Candidate['template']): number {
  return template === 'llm' ? TEMPLATE_ORDER.length : TEMPLATE_ORDER.indexOf(template);
}

/** Deterministic order: score, then position, then template order, then title. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.score - a.score ||
    a.line - b.line ||
    (a.edits[0]?.start ?? 0) - (b.edits[0]?.start ?? 0) ||
    templateOrder(a.template) - templateOrder(b.template) ||
    a.title.localeCompare(b.title)
  );
}

/**
 * Applies the repair templates to the suspect lines of one file. Each edit's score is
 *   P(line faulty) × P(template repairs a faulty line) × (its weight / the template's total weight on the line),
 * i.e. the template's prior is shared among the places it could apply on that line. Candidates that
 * produce the same text are merged (their chances combine by noisy-or); candidates that add syntax
 * errors are dropped, and so are syntax repairs that do not remove any.
 */
export async function generateCandidateSet(request: CandidateRequest): Promise<CandidateSet> {
  const priors = request.priors ?? defaultPriors;
  const family = familyOf(request.language);
  const names = request.templates ?? TEMPLATE_ORDER;
  const maxPerLine = request.maxPerLine ?? DEFAULT_MAX_PER_LINE;
  const source = request.source;
  const starts = lineStarts(source);
  // Inserted lines follow the file's own line endings.
  const crlf = source.includes('\r\n');
  const withLineEndings = (edits: TextEdit[]) => (crlf ? edits.map((edit) => ({ ...edit, text: edit.text.replace(/\r?\n/g, '\r\n') })) : edits);

  const tree = await request.syntax.parse(request.language, source);
  const drafts: Candidate[] = [];
  let originalErrors: number;
  try {
    originalErrors = syntaxErrorCount(tree.rootNode);
    const rows = new Set(request.lines.filter((entry) => entry.line >= 1 && entry.line <= starts.length).map((entry) => entry.line - 1));
    const buckets = nodesByRow(tree.rootNode, rows);
    let project: ProjectNames | undefined;
    if (request.project && [...buckets.values()].some((nodes) => unresolvedNames(family, source, tree.rootNode, nodes).length > 0)) {
      project = await request.project().catch(() => undefined);
    }
    for (const { line, score } of request.lines) {
      const nodes = buckets.get(line - 1);
      if (!nodes || nodes.length === 0) continue;
      const context: LineContext = { family, source, root: tree.rootNode, row: line - 1, nodes, file: request.file, ...(project ? { project } : {}) };
      const lineDrafts: Candidate[] = [];
      for (const name of names) {
        const proposals: TemplateEdit[] = TEMPLATES[name](context);
        const weights = proposals.map((proposal) => (proposal.weight ?? 1) * variantWeight(priors, name, proposal.variant));
        const total = weights.reduce((sum, weight) => sum + weight, 0);
        if (total <= 0) continue;
        proposals.forEach((proposal, index) => {
          const prior = (priors[name]?.prior ?? 0) * (weights[index] / total);
          const edits = withLineEndings(proposal.edits);
          const newText = applyEdits(source, edits);
          if (newText === undefined || newText === source || prior <= 0) return;
          lineDrafts.push({
            id: '',
            file: request.file,
            line,
            template: name,
            variant: proposal.variant,
            origin: `template:${name}`,
            title: proposal.title,
            edits,
            newText,
            lines: touchedLines(starts, edits),
            prior,
            score: score * prior,
            editChars: edits.reduce((sum, edit) => sum + (edit.end - edit.start) + edit.text.length, 0),
            editLines: 0,
          });
        });
      }
      lineDrafts.sort(compareCandidates);
      drafts.push(...lineDrafts.slice(0, maxPerLine));
    }
  } finally {
    tree.delete();
  }

  // Merge duplicates (the same resulting text), keeping the best-scored description.
  drafts.sort(compareCandidates);
  const byText = new Map<string, Candidate>();
  let droppedDuplicate = 0;
  for (const draft of drafts) {
    const existing = byText.get(draft.newText);
    if (existing) {
      existing.score = noisyOr(existing.score, draft.score);
      existing.prior = Math.max(existing.prior, draft.prior);
      droppedDuplicate++;
    } else byText.set(draft.newText, draft);
  }

  const candidates: Candidate[] = [];
  let droppedUnparsable = 0;
  // Parsing every candidate of a large file is the slow part: check best first and stop at the limit.
  const unique = [...byText.values()];
  let checked = 0;
  for (const candidate of unique) {
    if (request.limit !== undefined && candidates.length >= request.limit) break;
    checked++;
    throwIfCancelled(request.signal);
    const errors = await syntaxErrorsIn(request.syntax, request.language, candidate.newText);
    // A syntax repair must leave fewer errors than the file had (none, for the errors tree-sitter does not
    // see: indentation, redeclarations); every other candidate must not add any.
    const kept = candidate.template !== 'syntax-repair' ? errors <= originalErrors : originalErrors > 0 ? errors < originalErrors : errors === 0;
    if (!kept) {
      droppedUnparsable++;
      continue;
    }
    candidate.editLines = changedLineCount(source, candidate.newText);
    candidates.push(candidate);
  }
  candidates.sort(compareCandidates);
  const base = path.basename(request.file);
  candidates.forEach((candidate, index) => {
    candidate.id = `${base}:${candidate.line}:${index + 1}`;
  });
  return { candidates, droppedUnparsable, droppedDuplicate, unchecked: unique.length - checked };
}

/** Syntax errors in `text` parsed as `language` (a candidate may not add any to its file's). */
async function syntaxErrorsIn(syntax: SyntaxService, language: SourceLanguage, text: string): Promise<number> {
  const tree = await syntax.parse(language, text);
  try {
    return syntaxErrorCount(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Candidates for the suspect lines of one file, best first (see `generateCandidateSet`). */
export async function generateCandidates(request: CandidateRequest): Promise<Candidate[]> {
  return (await generateCandidateSet(request)).candidates;
}

/** Inputs of `extraCandidateSet`: whole-file candidates for one file, made outside the templates. */
export interface ExtraCandidateRequest {
  /** Absolute path of the file. */
  file: string;
  /** The file's text as the check saw it (the candidates' `newText` was computed against it). */
  source: string;
  language: SourceLanguage;
  extras: ExtraCandidate[];
  syntax: SyntaxService;
  signal?: AbortSignal;
}

/**
 * Turns whole-file candidates (LLM edits) into ranked `Candidate`s like the templates': one minimal text
 * edit each, the original lines it touches, and the same syntax check (candidates that add syntax errors
 * are dropped). Candidates that change nothing or repeat an earlier one are dropped as duplicates.
 */
export async function extraCandidateSet(request: ExtraCandidateRequest): Promise<CandidateSet> {
  const { source } = request;
  const starts = lineStarts(source);
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  let droppedUnparsable = 0;
  let droppedDuplicate = 0;
  let originalErrors: number | undefined;
  for (const extra of request.extras) {
    if (extra.newText === source || seen.has(extra.newText)) {
      droppedDuplicate++;
      continue;
    }
    seen.add(extra.newText);
    throwIfCancelled(request.signal);
    originalErrors ??= await syntaxErrorsIn(request.syntax, request.language, source);
    if ((await syntaxErrorsIn(request.syntax, request.language, extra.newText)) > originalErrors) {
      droppedUnparsable++;
      continue;
    }
    const edit = minimalEdit(source, extra.newText);
    candidates.push({
      id: '',
      file: request.file,
      line: extra.line,
      template: 'llm',
      variant: 'llm',
      origin: extra.origin,
      title: extra.title,
      edits: [edit],
      newText: extra.newText,
      lines: touchedLines(starts, [edit]),
      prior: 1,
      score: extra.score,
      editChars: edit.end - edit.start + edit.text.length,
      editLines: changedLineCount(source, extra.newText),
    });
  }
  candidates.sort(compareCandidates);
  const base = path.basename(request.file);
  candidates.forEach((candidate, index) => {
    candidate.id = `${base}:${candidate.line}:llm${index + 1}`;
  });
  return { candidates, droppedUnparsable, droppedDuplicate, unchecked: 0 };
}

/** The single replacement that turns `before` into `after`: everything between their common prefix and suffix. */
function minimalEdit(before: string, after: string): TextEdit {
  let prefix = 0;
  const shorter = Math.min(before.length, after.length);
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { start: prefix, end: before.length - suffix, text: after.slice(prefix, after.length - suffix) };
}
