/** The smallest single replacement that turns `before` into `after`, as UTF-16 offsets into `before`. */
export function minimalChange(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  return { start, end: endBefore, text: after.slice(start, endAfter) };
}

/**
 * Index of the bracket that closes the `{` or `[` at `start`, skipping brackets inside JSON strings; -1
 * when it never closes or a bracket of the other kind closes first.
 */
export function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === '{') stack.push('}');
    else if (character === '[') stack.push(']');
    else if (character === '}' || character === ']') {
      if (stack.pop() !== character) return -1;
      if (stack.length === 0) return index;
    }
  }
  return -1;
}

/** Up to three items in backticks, then how many more: "`a`, `b`, `c` and 2 more". */
export function codeList(items: readonly string[]): string {
  const shown = items.slice(0, 3).map((item) => `\`${item}\``).join(', ');
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}

/** "1 test", "3 tests", "2 fixes": a count with its noun, in the plural when it is not one. */
export function plural(count: number, noun: string): string {
  if (count === 1) return `${count} ${noun}`;
  return `${count} ${/(s|x|z|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`}`;
}
