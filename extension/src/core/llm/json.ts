/**
 * Tolerant reading of the JSON a model was asked for. Models wrap it in code fences, put prose or a
 * `<think>` block around it, leave trailing commas, or stop half-way; servers without a JSON mode make all
 * of these common. This finds the first complete JSON value that parses and says clearly when there is none.
 */
import { matchingClose } from '../text';
import { LlmError } from './errors';

/**
 * Returns the first JSON object or array in `text` that parses, trying, in order: the whole text, the
 * contents of code fences, then every balanced `{…}` / `[…]` span (with trailing commas removed).
 * Throws `LlmError('bad-reply')` with a short excerpt when nothing parses.
 */
export function parseJsonReply(text: string): unknown {
  const cleaned = text.replace(/<think>[\s\S]*?<\/think>/gi, '').replace(/^\uFEFF/, '').trim();
  const candidates: string[] = [cleaned];
  for (const match of cleaned.matchAll(/```[a-zA-Z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g)) candidates.push(match[1].trim());
  for (const candidate of candidates) {
    const parsed = tryParse(candidate);
    if (parsed !== undefined) return parsed;
  }
  for (const span of balancedSpans(cleaned)) {
    const parsed = tryParse(span);
    if (parsed !== undefined) return parsed;
  }
  const excerpt = cleaned.replace(/\s+/g, ' ').slice(0, 120);
  throw new LlmError(
    'bad-reply',
    cleaned ? `The model's reply was not the JSON asked for (it began: "${excerpt}${cleaned.length > 120 ? '…' : ''}").` : "The model's reply was empty.",
  );
}

/** Parses an object or array (a bare number or string is not what any prompt asks for). */
function tryParse(text: string): unknown {
  if (!/^[[{]/.test(text)) return undefined;
  for (const attempt of [text, text.replace(/,\s*([}\]])/g, '$1')]) {
    try {
      const value: unknown = JSON.parse(attempt);
      if (value !== null && typeof value === 'object') return value;
    } catch {
      // Try the next repair, then the next span.
    }
  }
  return undefined;
}

/**
 * Yields each top-level balanced `{…}` or `[…]` span, skipping brackets inside strings, so that prose before
 * and after (and a second, stray object) does not spoil the first good one.
 */
function* balancedSpans(text: string): Generator<string> {
  // A cap on the openers tried keeps a long, broken reply from costing quadratic time.
  let openersLeft = 64;
  for (let start = 0; start < text.length && openersLeft > 0; start++) {
    const opener = text[start];
    if (opener !== '{' && opener !== '[') continue;
    openersLeft--;
    const end = matchingClose(text, start);
    if (end === -1) continue;
    yield text.slice(start, end + 1);
  }
}

/** Reads a probability the way models write them: 0.8, "0.8", 80 or "80%", clamped to [0, 1]. Undefined when it is none. */
export function readProbability(value: unknown): number | undefined {
  let number: number | undefined;
  let percent = false;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const match = /^\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
    if (match) {
      number = Number(match[1]);
      percent = match[2] === '%';
    }
  }
  if (number === undefined || !Number.isFinite(number)) return undefined;
  // A whole number above 1 is a percentage ("probability": 80); anything else out of range is clamped.
  if (percent || (number > 1 && number <= 100 && Number.isInteger(number))) number /= 100;
  return Math.min(1, Math.max(0, number));
}

/** Reads a 1-based line number written as a number or a numeric string. */
export function readLineNumber(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(number) ? number : undefined;
}

/** A single-line, length-capped version of a model's free-text explanation. */
export function readReason(value: unknown, limit = 240): string {
  if (typeof value !== 'string') return '';
  const text = value.replace(/\s+/g, ' ').trim();
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
