/**
 * A small unified-diff generator (Myers' O(ND) line diff, three lines of context), enough for the
 * patches Revise shows and writes: `git apply` and `patch -p1` accept its output.
 */

/** One line of an edit script: kept, removed from the old text, or added from the new text. */
interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
  /** 0-based index in the old lines (kept and removed lines). */
  oldIndex: number;
  /** 0-based index in the new lines (kept and added lines). */
  newIndex: number;
}

/** Splits text into lines without their terminators; records whether the last line ended with one. */
function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const body = finalNewline ? text.slice(0, -1) : text;
  return { lines: body.split('\n'), finalNewline };
}

/**
 * Myers' shortest edit script between two line arrays, on the part between their common prefix and
 * suffix (patches touch a few lines, so that part is tiny).
 */
function editScript(oldLines: string[], newLines: string[]): DiffLine[] {
  let prefix = 0;
  while (prefix < oldLines.length && prefix < newLines.length && oldLines[prefix] === newLines[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < oldLines.length - prefix &&
    suffix < newLines.length - prefix &&
    oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]
  )
    suffix++;
  const a = oldLines.slice(prefix, oldLines.length - suffix);
  const b = newLines.slice(prefix, newLines.length - suffix);

  const script: DiffLine[] = [];
  for (let index = 0; index < prefix; index++) script.push({ kind: ' ', text: oldLines[index], oldIndex: index, newIndex: index });
  for (const step of myers(a, b)) {
    script.push({ ...step, oldIndex: step.oldIndex + prefix, newIndex: step.newIndex + prefix });
  }
  for (let index = 0; index < suffix; index++) {
    const oldIndex = oldLines.length - suffix + index;
    const newIndex = newLines.length - suffix + index;
    script.push({ kind: ' ', text: oldLines[oldIndex], oldIndex, newIndex });
  }
  return script;
}

function myers(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const frontier = new Array<number>(2 * max + 3).fill(0);
  const trace: number[][] = [];
  let found = false;
  for (let depth = 0; depth <= max && !found; depth++) {
    trace.push(frontier.slice());
    for (let diagonal = -depth; diagonal <= depth; diagonal += 2) {
      let x =
        diagonal === -depth || (diagonal !== depth && frontier[offset + diagonal - 1] < frontier[offset + diagonal + 1])
          ? frontier[offset + diagonal + 1]
          : frontier[offset + diagonal - 1] + 1;
      let y = x - diagonal;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      frontier[offset + diagonal] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace backwards from (n, m) to recover the path.
  const steps: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let depth = trace.length - 1; depth >= 0; depth--) {
    const previous = trace[depth];
    const diagonal = x - y;
    const fromDiagonal =
      diagonal === -depth || (diagonal !== depth && previous[offset + diagonal - 1] < previous[offset + diagonal + 1])
        ? diagonal + 1
        : diagonal - 1;
    const previousX = depth === 0 ? 0 : previous[offset + fromDiagonal];
    const previousY = depth === 0 ? 0 : previousX - fromDiagonal;
    while (x > previousX && y > previousY) {
      x--;
      y--;
      steps.push({ kind: ' ', text: a[x], oldIndex: x, newIndex: y });
    }
    if (depth === 0) break;
    if (x === previousX) {
      y--;
      steps.push({ kind: '+', text: b[y], oldIndex: x, newIndex: y });
    } else {
      x--;
      steps.push({ kind: '-', text: a[x], oldIndex: x, newIndex: y });
    }
  }
  return steps.reverse();
}

/** Lines removed plus lines added by going from `oldText` to `newText` (the `-` and `+` lines of a diff). */
export function changedLineCount(oldText: string, newText: string): number {
  if (oldText === newText) return 0;
  const script = editScript(splitLines(oldText).lines, splitLines(newText).lines);
  return script.filter((line) => line.kind !== ' ').length;
}

/** Formats a hunk range: `start,count`, with the conventions for empty ranges. */
function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * A unified diff from `oldText` to `newText` with `context` lines of context, headed
 * `--- a/<relativePath>` / `+++ b/<relativePath>`; empty when the texts are equal.
 */
export function unifiedDiff(relativePath: string, oldText: string, newText: string, context = 3): string {
  if (oldText === newText) return '';
  const oldSplit = splitLines(oldText);
  const newSplit = splitLines(newText);
  const script = editScript(oldSplit.lines, newSplit.lines);
  const posixPath = relativePath.split('\\').join('/');
  const out: string[] = [`--- a/${posixPath}`, `+++ b/${posixPath}`];

  // Group changes whose context windows touch into hunks.
  const changeIndexes: number[] = [];
  script.forEach((line, index) => {
    if (line.kind !== ' ') changeIndexes.push(index);
  });
  // A missing final newline on the last line counts as a change of that line.
  const lastOld = oldSplit.lines.length - 1;
  const lastNew = newSplit.lines.length - 1;
  if (oldSplit.finalNewline !== newSplit.finalNewline) {
    const lastKept = script.findIndex((line) => line.kind === ' ' && line.oldIndex === lastOld && line.newIndex === lastNew);
    if (lastKept >= 0) {
      // Express it as removing and re-adding the last line.
      const kept = script[lastKept];
      script.splice(
        lastKept,
        1,
        { kind: '-', text: kept.text, oldIndex: kept.oldIndex, newIndex: kept.newIndex },
        { kind: '+', text: kept.text, oldIndex: kept.oldIndex + 1, newIndex: kept.newIndex },
      );
      changeIndexes.length = 0;
      script.forEach((line, index) => {
        if (line.kind !== ' ') changeIndexes.push(index);
      });
    }
  }

  let cursor = 0;
  while (cursor < changeIndexes.length) {
    const first = changeIndexes[cursor];
    let last = first;
    while (cursor + 1 < changeIndexes.length && changeIndexes[cursor + 1] - last <= 2 * context + 1) {
      cursor++;
      last = changeIndexes[cursor];
    }
    cursor++;
    const from = Math.max(0, first - context);
    const to = Math.min(script.length - 1, last + context);
    const hunk = script.slice(from, to + 1);
    const oldCount = hunk.filter((line) => line.kind !== '+').length;
    const newCount = hunk.filter((line) => line.kind !== '-').length;
    const oldStart = hunk.find((line) => line.kind !== '+')?.oldIndex ?? hunk[0].oldIndex;
    const newStart = hunk.find((line) => line.kind !== '-')?.newIndex ?? hunk[0].newIndex;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`);
    for (const line of hunk) {
      out.push(`${line.kind}${line.text}`);
      const isLastOld = line.kind !== '+' && line.oldIndex === lastOld && !oldSplit.finalNewline;
      const isLastNew = line.kind !== '-' && line.newIndex === lastNew && !newSplit.finalNewline;
      if ((line.kind === '-' && isLastOld) || (line.kind === '+' && isLastNew) || (line.kind === ' ' && (isLastOld || isLastNew))) {
        out.push('\\ No newline at end of file');
      }
    }
  }
  return `${out.join('\n')}\n`;
}
