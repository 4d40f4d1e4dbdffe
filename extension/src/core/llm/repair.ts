/**
 * LLM patch generation: asks a model for a few alternative line-range replacements near the suspect lines,
 * then keeps only edits that are well formed against the source (in bounds, inside the allowed window,
 * indentation consistent with the file, not a no-op). Whether an edit actually fixes anything is for the
 * patch stage to find out by running the tests; this module knows nothing about it.
 */
import type { Logger } from '../ports';
import { LlmError } from './errors';
import { parseJsonReply, readLineNumber, readReason } from './json';
import { clip, formatFailures, formatTask, numberedListing, splitLines, type LlmFailure } from './prompt';
import type { LlmClient } from './types';

/** A line the localizer suspects, with the reasons in words. */
export interface RepairSuspect {
  /** 1-based line. */
  line: number;
  /** Fault probability. */
  score: number;
  /** Evidence in words, e.g. "run by 2/2 failing and 0/7 passing tests". */
  evidence: string[];
}

/** What the model sees and may change. */
export interface RepairInput {
  /** Path shown to the model (relative to the project root reads best). */
  file: string;
  /** Language name for the model, e.g. `python`. */
  language: string;
  /** The file's full text. */
  source: string;
  suspects: RepairSuspect[];
  failures: LlmFailure[];
  task?: string;
  /** At most this many edits are returned. */
  maxPatches: number;
  signal?: AbortSignal;
  /** Edits may touch only lines within this distance of a suspect line (default 6). */
  windowLines?: number;
  /** At most this many suspects (highest scores first) are shown (default 8). */
  maxSuspects?: number;
  /** Receives, at debug level, why proposed edits were dropped. */
  logger?: Logger;
  /** Reply length limit in tokens (default sized to the request; raise it for models that think aloud). */
  maxTokens?: number;
}

/** One proposed edit: replace whole lines `startLine`..`endLine` (1-based, inclusive) with `replacement`. */
export interface LlmEdit {
  startLine: number;
  endLine: number;
  /**
   * The new text of those lines, joined with `\n`, without a trailing newline; an empty string deletes
   * the lines. Indentation is already adjusted to the file's.
   */
  replacement: string;
  /** The model's one-sentence explanation. */
  rationale: string;
}

const SYSTEM_PROMPT = [
  'You are an expert programmer fixing a bug that makes tests fail.',
  'You get one source file with numbered lines, the failing tests, and the lines most likely to be faulty.',
  'Propose alternative minimal fixes. Each fix replaces a range of whole lines, and only lines inside the editable ranges given.',
  'Answer with JSON only, no prose and no code fences, in exactly this form:',
  '{"patches":[{"startLine":12,"endLine":12,"replacement":"    if b <= 0:","rationale":"the boundary case 0 must be handled too"}]}',
  'startLine and endLine are 1-based and inclusive, as numbered in the listing. replacement is the complete new text of those lines,',
  'indented like the file, lines separated by \\n, without line numbers; an empty replacement deletes the lines.',
  'Each fix must work on its own. Change as little as possible, never edit tests, and order the fixes from most to least likely.',
].join('\n');

/**
 * Asks the model for up to `maxPatches` candidate edits and returns the well-formed ones, in the model's
 * order. Throws `LlmError` (`bad-reply` when the answer cannot be read, or whatever the client threw).
 */
export async function proposeLlmPatches(client: LlmClient, input: RepairInput): Promise<LlmEdit[]> {
  const lines = splitLines(input.source);
  const windowLines = Math.max(0, input.windowLines ?? 6);
  const suspects = [...input.suspects]
    .filter((suspect) => suspect.line >= 1 && suspect.line <= lines.length)
    .sort((left, right) => right.score - left.score || left.line - right.line)
    .slice(0, input.maxSuspects ?? 8);
  if (suspects.length === 0 || input.maxPatches < 1) return [];

  const editable = editableRanges(suspects.map((suspect) => suspect.line), windowLines, lines.length);
  const sections = [
    `File: ${input.file} (${input.language})`,
    formatTask(input.task) ? `The change the developer was making:\n${formatTask(input.task)}` : undefined,
    `Failing tests:\n${formatFailures(input.failures)}`,
    'Suspect lines (line number, fault probability, why):\n' +
      suspects
        .map((suspect) => {
          const why = suspect.evidence.slice(0, 3).map((item) => clip(item, 160)).join('; ');
          return `${suspect.line} (${suspect.score.toFixed(2)}): ${clip(lines[suspect.line - 1].trim(), 160)}${why ? ` (${why})` : ''}`;
        })
        .join('\n'),
    `Source:\n${numberedListing(lines, suspects.map((suspect) => suspect.line), windowLines + 25)}`,
    `Editable ranges: ${editable.map(([start, end]) => (start === end ? `line ${start}` : `lines ${start}-${end}`)).join(', ')}.`,
    `Propose at most ${input.maxPatches} alternative fixes as JSON.`,
  ];
  const reply = await client.complete({
    system: SYSTEM_PROMPT,
    user: sections.filter((section) => section !== undefined).join('\n\n'),
    json: true,
    temperature: 0.2,
    maxTokens: input.maxTokens ?? 300 + 250 * input.maxPatches,
    signal: input.signal,
  });
  const proposals = readProposals(parseJsonReply(reply.text));
  const edits: LlmEdit[] = [];
  const seen = new Set<string>();
  for (const proposal of proposals) {
    if (edits.length >= input.maxPatches) break;
    const checked = checkEdit(proposal, lines, editable);
    if (typeof checked === 'string') {
      input.logger?.debug(`LLM edit of lines ${String(proposal.startLine)}-${String(proposal.endLine)} dropped: ${checked}`);
      continue;
    }
    const key = `${checked.startLine}:${checked.endLine}:${checked.replacement}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edits.push(checked);
  }
  return edits;
}

/** Merged 1-based inclusive ranges within `window` lines of any suspect. */
export function editableRanges(suspectLines: readonly number[], window: number, lineCount: number): Array<[number, number]> {
  const ranges = [...suspectLines]
    .sort((left, right) => left - right)
    .map((line): [number, number] => [Math.max(1, line - window), Math.min(lineCount, line + window)]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

interface RawProposal {
  startLine: unknown;
  endLine: unknown;
  replacement: unknown;
  rationale: unknown;
}

function readProposals(value: unknown): RawProposal[] {
  const record = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const list: unknown = Array.isArray(value) ? value : (record?.patches ?? record?.fixes ?? record?.edits ?? (record && 'replacement' in record ? [record] : undefined));
  if (!Array.isArray(list)) throw new LlmError('bad-reply', 'The model\'s reply listed no patches (expected {"patches":[...]}).');
  return list
    .filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === 'object' && !Array.isArray(item))
    .map((item) => ({
      startLine: item.startLine ?? item.start_line ?? item.line,
      endLine: item.endLine ?? item.end_line ?? item.startLine ?? item.start_line ?? item.line,
      replacement: item.replacement ?? item.code ?? item.text,
      rationale: item.rationale ?? item.reason ?? item.explanation,
    }));
}

/** Validates one proposal against the source; returns the cleaned edit or why it was dropped. */
function checkEdit(proposal: RawProposal, lines: readonly string[], editable: ReadonlyArray<[number, number]>): LlmEdit | string {
  const startLine = readLineNumber(proposal.startLine);
  const endLine = readLineNumber(proposal.endLine);
  if (startLine === undefined || endLine === undefined) return 'no valid line range';
  if (startLine < 1 || endLine > lines.length || endLine < startLine) return `range outside the file's ${lines.length} lines or reversed`;
  if (!editable.some(([start, end]) => startLine >= start && endLine <= end)) return 'touches lines outside the window around the suspects';
  if (typeof proposal.replacement !== 'string') return 'no replacement text';

  const original = lines.slice(startLine - 1, endLine);
  let replacement = cleanReplacement(proposal.replacement);
  if (replacement.length > 0) {
    const fitted = fitIndentation(replacement, startLine, endLine, lines);
    if (typeof fitted === 'string') return fitted;
    replacement = fitted;
  }
  if (replacement.length > 40 * Math.max(1, original.length)) return 'replacement far longer than the lines it replaces';
  const trimEnd = (text: string): string => text.replace(/\s+$/, '');
  if (replacement.length === original.length && replacement.every((line, index) => trimEnd(line) === trimEnd(original[index]))) {
    return 'changes nothing';
  }
  return { startLine, endLine, replacement: replacement.join('\n'), rationale: readReason(proposal.rationale) };
}

/** Splits the replacement into lines, removing code fences and echoed `12 | ` line numbers. */
function cleanReplacement(text: string): string[] {
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length >= 2 && /^\s*```/.test(lines[0]) && /^\s*```\s*$/.test(lines[lines.length - 1])) lines = lines.slice(1, -1);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '' && lines.length > 1) lines.pop();
  if (lines.length === 1 && lines[0].trim() === '') return [];
  const numbered = /^\s*\d+ \| ?/;
  const nonBlank = lines.filter((line) => line.trim());
  if (nonBlank.length > 0 && nonBlank.every((line) => numbered.test(line))) lines = lines.map((line) => line.replace(numbered, ''));
  return lines.map((line) => line.replace(/\s+$/, ''));
}

/**
 * Makes the replacement's indentation agree with the file. A block the model dedented to column 0 (a
 * common habit) is shifted back under the replaced lines; otherwise the first line must sit at the
 * indentation of the replaced lines or of a nearby line (a fix may move a statement out of a block).
 * Indenting with tabs where the file uses spaces, or the reverse, is refused: in Python it changes meaning.
 */
function fitIndentation(replacement: string[], startLine: number, endLine: number, fileLines: readonly string[]): string[] | string {
  const nonBlank = replacement.filter((line) => line.trim());
  if (nonBlank.length === 0) return replacement;
  const fileStyle = indentationStyle(fileLines);
  const replacementStyle = indentationStyle(replacement);
  if ((fileStyle === 'tabs' || fileStyle === 'spaces') && replacementStyle !== 'none' && replacementStyle !== fileStyle) {
    const words = { tabs: 'tabs', spaces: 'spaces', mixed: 'tabs and spaces' } as const;
    return `indents with ${words[replacementStyle]} where the file uses ${fileStyle}`;
  }
  const firstOriginal = fileLines.slice(startLine - 1, endLine).find((line) => line.trim());
  const first = indentOf(nonBlank[0]);
  if (firstOriginal === undefined) return replacement;
  const base = indentOf(firstOriginal);
  if (first === base) return replacement;
  if (first === '') return replacement.map((line) => (line.trim() ? base + line : ''));
  const nearby = new Set(
    fileLines
      .slice(Math.max(0, startLine - 11), Math.min(fileLines.length, endLine + 10))
      .filter((line) => line.trim())
      .map(indentOf),
  );
  return nearby.has(first) ? replacement : 'its indentation matches neither the replaced lines nor any nearby line';
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

function indentationStyle(lines: readonly string[]): 'tabs' | 'spaces' | 'mixed' | 'none' {
  let tabs = false;
  let spaces = false;
  for (const line of lines) {
    const indent = indentOf(line);
    if (!line.trim() || !indent) continue;
    if (indent.includes('\t')) tabs = true;
    if (indent.includes(' ')) spaces = true;
  }
  if (tabs && spaces) return 'mixed';
  return tabs ? 'tabs' : spaces ? 'spaces' : 'none';
}
