/**
 * V8 stack traces: parse `at fn (file:line:col)` lines, drop frames of Node's internals, node_modules and
 * evaluated code, and map what remains through source maps to the lines the developer wrote.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackFrame } from '../../types';
import type { SourceMapResolver } from './sourceMaps';

/** One parsed frame, in the order V8 prints them (innermost first). */
export interface ParsedFrame {
  file: string;
  line: number;
  column?: number;
  functionName?: string;
}

const FRAME_WITH_NAME = /^\s*at\s+(?:async\s+)?(.*?)\s+\((.*)\)\s*$/;
const FRAME_WITHOUT_NAME = /^\s*at\s+(?:async\s+)?(.*)\s*$/;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;

/** Turns a frame's location text into an absolute path, or undefined for frames Revise never shows. */
function toPath(location: string): string | undefined {
  if (location.startsWith('node:') || location.startsWith('internal/') || location.includes('eval at ')) return undefined;
  let file = location;
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  if (!path.isAbsolute(file)) return undefined;
  if (file.split(/[\\/]/).includes('node_modules')) return undefined;
  return file;
}

/**
 * Parses the `at …` lines of a V8 stack (other lines, such as the message, are skipped). Frames of
 * `node:` internals, node_modules, `eval` and native code are dropped. The result keeps V8's order,
 * innermost first.
 */
export function parseV8Stack(stack: string): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  for (const line of stack.split(/\r?\n/)) {
    if (!/^\s*at\s/.test(line)) continue;
    let functionName: string | undefined;
    let location: string;
    const named = FRAME_WITH_NAME.exec(line);
    if (named) {
      functionName = named[1];
      location = named[2]!;
    } else {
      location = FRAME_WITHOUT_NAME.exec(line)?.[1] ?? '';
    }
    const match = LOCATION.exec(location.trim());
    if (!match) continue;
    const file = toPath(match[1]!);
    if (file === undefined) continue;
    const frame: ParsedFrame = { file, line: Number(match[2]) };
    if (match[3] !== undefined) frame.column = Number(match[3]);
    if (functionName && functionName !== '<anonymous>') frame.functionName = functionName;
    frames.push(frame);
  }
  return frames;
}

/**
 * Maps parsed frames (innermost first) through source maps and returns `StackFrame`s outermost first,
 * innermost last, as `TestResult.frames` wants them. Frames whose file has no readable map keep their
 * generated position; the resolver records a `source-map` problem for broken maps.
 */
export async function mapFrames(frames: ParsedFrame[], resolver: SourceMapResolver): Promise<StackFrame[]> {
  const mapped: StackFrame[] = [];
  for (const frame of frames) {
    const original = await resolver.originalPosition(frame.file, frame.line, frame.column ?? 1);
    const result: StackFrame = original
      ? { file: original.file, line: original.line, column: original.column }
      : { file: frame.file, line: frame.line, ...(frame.column !== undefined ? { column: frame.column } : {}) };
    if (frame.functionName) result.functionName = frame.functionName;
    if (result.file.split(/[\\/]/).includes('node_modules')) continue;
    mapped.push(result);
  }
  return mapped.reverse();
}

/**
 * The message part of an error text: everything before its first `at` line, with whitespace runs
 * collapsed (assertion diffs span lines), without ANSI colours, at most `limit` characters.
 */
export function messageOf(text: string, limit = 500): string {
  const lines: string[] = [];
  for (const line of stripAnsi(text).split(/\r?\n/)) {
    if (/^\s*at\s/.test(line)) break;
    lines.push(line);
  }
  const collapsed = lines.join(' ').replace(/\s+/g, ' ').trim();
  return collapsed.length > limit ? `${collapsed.slice(0, limit - 1)}…` : collapsed;
}

/** Removes ANSI escape sequences (colours) that reporters leave in messages. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}
