/**
 * Reads a JSON report out of text that may hold other output around it: reporters that write to stdout
 * share it with the tests' own `console.log`, npm's banner and warnings.
 */
import { matchingClose } from '../../text';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The first JSON object in `text` that satisfies `accept` (the whole text when it is one). Objects
 * printed by the tests themselves are skipped because they fail `accept`. Undefined when none does.
 */
export function extractJsonObject(text: string, accept: (value: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (isRecord(whole) && accept(whole)) return whole;
  } catch {
    /* not only JSON: search below */
  }
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    // A report starts a line; braces inside a line of log text are rarely one.
    if (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') continue;
    const end = matchingClose(text, start);
    if (end < 0) continue;
    try {
      const value: unknown = JSON.parse(text.slice(start, end + 1));
      if (isRecord(value) && accept(value)) return value;
    } catch {
      /* a brace in log text; keep looking */
    }
  }
  return undefined;
}
