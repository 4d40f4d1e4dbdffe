/**
 * Pieces shared by the critic, repair and judge prompts: a numbered listing of the code around the lines
 * that matter, and the failing tests in a compact form. Everything is capped so a large file or a long
 * traceback cannot blow the context window of a small local model.
 */
import type { StackFrame } from '../types';

/** A failing test as the prompts show it. */
export interface LlmFailure {
  /** The framework's test id, e.g. `tests/test_calc.py::test_divide`. */
  id: string;
  /** First line of the failure, e.g. `AssertionError: assert 3 == 4`. */
  message?: string;
  /** Stack frames, outermost first (as in `TestResult.frames`). */
  frames?: StackFrame[];
}

/** Splits source text into lines the way editors number them. */
export function splitLines(source: string): string[] {
  return source.split(/\r?\n/);
}

/** Longest source line shown; minified or generated lines would otherwise swamp the prompt. */
const MAX_LINE_CHARS = 240;

/**
 * A numbered listing (`  12 | code`) of the lines within `context` of any focus line, with `...` marking
 * skipped stretches. The whole file is shown when it has at most `wholeFileLimit` lines.
 */
export function numberedListing(lines: readonly string[], focusLines: readonly number[], context: number, wholeFileLimit = 300): string {
  const width = String(lines.length).length;
  const shown = new Set<number>();
  if (lines.length <= wholeFileLimit || focusLines.length === 0) {
    const last = Math.min(lines.length, Math.max(wholeFileLimit, 1));
    for (let line = 1; line <= last; line++) shown.add(line);
  } else {
    for (const focus of focusLines) {
      for (let line = Math.max(1, focus - context); line <= Math.min(lines.length, focus + context); line++) shown.add(line);
    }
  }
  const output: string[] = [];
  let previous = 0;
  for (let line = 1; line <= lines.length; line++) {
    if (!shown.has(line)) continue;
    if (line > previous + 1) output.push('...');
    output.push(`${String(line).padStart(width)} | ${clip(lines[line - 1], MAX_LINE_CHARS)}`);
    previous = line;
  }
  if (previous < lines.length) output.push('...');
  return output.join('\n');
}

/** The failing tests, at most `limit` of them, each with its message and innermost frames. */
export function formatFailures(failures: readonly LlmFailure[], limit = 5, framesPerFailure = 6): string {
  if (failures.length === 0) return '(no failing test details available)';
  const output: string[] = [];
  for (const failure of failures.slice(0, limit)) {
    output.push(`- ${clip(failure.id, 200)}${failure.message ? `: ${clip(oneLine(failure.message), 400)}` : ''}`);
    for (const frame of (failure.frames ?? []).slice(-framesPerFailure)) {
      output.push(`    at ${frame.file}:${frame.line}${frame.functionName ? ` in ${frame.functionName}` : ''}`);
    }
  }
  if (failures.length > limit) output.push(`(and ${failures.length - limit} more failing tests)`);
  return output.join('\n');
}

/** The user's task description, fenced so the model reads it as data. */
export function formatTask(task: string | undefined, limit = 2000): string | undefined {
  const text = task?.trim();
  return text ? `<task>\n${clip(text, limit)}\n</task>` : undefined;
}

/** Cuts text to `limit` characters, marking the cut. */
export function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
