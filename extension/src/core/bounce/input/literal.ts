/**
 * A small reader for the literal values that appear in task examples (`[1, 2]`, `'abc'`, `(2.0, 2.2)`,
 * `True`, `null`, `{'a': 1}`), in Python or JavaScript spelling, so that an example's expected output can
 * be compared with another example or with what the code returns, without caring about quote style,
 * spacing or float noise.
 */

/** A parsed literal. Tuples and lists share `list` (they compare equal); sets keep `kind: 'set'`. */
export type LiteralValue =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: LiteralValue[]; tuple: boolean }
  | { kind: 'set'; items: LiteralValue[] }
  | { kind: 'dict'; entries: [LiteralValue, LiteralValue][] };

const WORD_VALUES: Record<string, LiteralValue> = {
  True: { kind: 'boolean', value: true },
  False: { kind: 'boolean', value: false },
  true: { kind: 'boolean', value: true },
  false: { kind: 'boolean', value: false },
  None: { kind: 'none' },
  null: { kind: 'none' },
  undefined: { kind: 'none' },
  inf: { kind: 'number', value: Infinity },
  Infinity: { kind: 'number', value: Infinity },
  NaN: { kind: 'number', value: NaN },
};

class LiteralReader {
  private position = 0;

  constructor(private readonly source: string) {}

  readAll(): LiteralValue | undefined {
    const value = this.readValue();
    this.skipSpace();
    return value !== undefined && this.position === this.source.length ? value : undefined;
  }

  private skipSpace(): void {
    while (this.position < this.source.length && /\s/.test(this.source[this.position])) this.position++;
  }

  private readValue(): LiteralValue | undefined {
    this.skipSpace();
    const character = this.source[this.position];
    if (character === undefined) return undefined;
    if (character === '[') return this.readSequence(']', false);
    if (character === '(') return this.readSequence(')', true);
    if (character === '{') return this.readBraces();
    if (character === "'" || character === '"') return this.readString(character);
    if (/[-+0-9.]/.test(character)) return this.readNumber();
    const word = /^[A-Za-z_]\w*/.exec(this.source.slice(this.position));
    if (word) {
      const known = WORD_VALUES[word[0]];
      if (!known) return undefined;
      this.position += word[0].length;
      return known;
    }
    return undefined;
  }

  private readNumber(): LiteralValue | undefined {
    const match = /^[-+]?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|Infinity)/.exec(
      this.source.slice(this.position),
    );
    if (!match) return undefined;
    this.position += match[0].length;
    const text = match[0].replace(/_/g, '').replace(/inf(inity)?$/i, 'Infinity');
    const value = Number(text);
    return Number.isNaN(value) ? undefined : { kind: 'number', value };
  }

  private readString(quote: string): LiteralValue | undefined {
    let value = '';
    this.position++;
    while (this.position < this.source.length) {
      const character = this.source[this.position];
      if (character === quote) {
        this.position++;
        return { kind: 'string', value };
      }
      if (character === '\\') {
        const next = this.source[this.position + 1];
        const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };
        value += escapes[next] ?? next ?? '';
        this.position += 2;
        continue;
      }
      value += character;
      this.position++;
    }
    return undefined;
  }

  /** Reads `[a, b]` or `(a, b)`; a parenthesised single value without a comma is just that value. */
  private readSequence(close: string, tuple: boolean): LiteralValue | undefined {
    this.position++;
    const items: LiteralValue[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.source[this.position] === close) {
        this.position++;
        if (tuple && items.length === 1 && !sawComma) return items[0];
        return { kind: 'list', items, tuple };
      }
      const item = this.readValue();
      if (item === undefined) return undefined;
      items.push(item);
      this.skipSpace();
      if (this.source[this.position] === ',') {
        sawComma = true;
        this.position++;
      } else if (this.source[this.position] !== close) {
        return undefined;
      }
    }
  }

  private readBraces(): LiteralValue | undefined {
    this.position++;
    const entries: [LiteralValue, LiteralValue][] = [];
    const items: LiteralValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.source[this.position] === '}') {
        this.position++;
        if (items.length > 0 && entries.length > 0) return undefined;
        return items.length > 0 ? { kind: 'set', items } : { kind: 'dict', entries };
      }
      const key = this.readBareKey() ?? this.readValue();
      if (key === undefined) return undefined;
      this.skipSpace();
      if (this.source[this.position] === ':') {
        this.position++;
        const value = this.readValue();
        if (value === undefined) return undefined;
        entries.push([key, value]);
      } else {
        items.push(key);
      }
      this.skipSpace();
      if (this.source[this.position] === ',') this.position++;
      else if (this.source[this.position] !== '}') return undefined;
    }
  }

  /** JavaScript object keys may be bare identifiers (`{a: 1}`). */
  private readBareKey(): LiteralValue | undefined {
    const match = /^\s*([A-Za-z_$][\w$]*)\s*:/.exec(this.source.slice(this.position));
    if (!match || WORD_VALUES[match[1]]) return undefined;
    this.position += match[0].length - 1;
    return { kind: 'string', value: match[1] };
  }
}

/** Parses a Python or JavaScript literal; `undefined` when the text is not one. */
export function parseLiteral(text: string): LiteralValue | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return new LiteralReader(trimmed).readAll();
}

function numbersClose(left: number, right: number): boolean {
  if (left === right) return true;
  if (!Number.isFinite(left) || !Number.isFinite(right)) return Number.isNaN(left) && Number.isNaN(right);
  return Math.abs(left - right) <= 1e-6 * Math.max(1, Math.abs(left), Math.abs(right));
}

function unorderedEqual(left: LiteralValue[], right: LiteralValue[]): boolean {
  if (left.length !== right.length) return false;
  const used = new Array<boolean>(right.length).fill(false);
  return left.every((item) => {
    const index = right.findIndex((candidate, position) => !used[position] && literalsEqual(item, candidate));
    if (index < 0) return false;
    used[index] = true;
    return true;
  });
}

/**
 * Structural equality: numbers within a relative 1e-6, lists equal to tuples, sets and dicts ignore order.
 * Booleans are not numbers here (an example that says `1` where the code returns `True` is a mismatch
 * worth reporting).
 */
export function literalsEqual(left: LiteralValue, right: LiteralValue): boolean {
  switch (left.kind) {
    case 'number':
      return right.kind === 'number' && numbersClose(left.value, right.value);
    case 'string':
    case 'boolean':
      return right.kind === left.kind && right.value === left.value;
    case 'none':
      return right.kind === 'none';
    case 'list':
      return (
        right.kind === 'list' &&
        right.items.length === left.items.length &&
        left.items.every((item, index) => literalsEqual(item, right.items[index]))
      );
    case 'set':
      return right.kind === 'set' && unorderedEqual(left.items, right.items);
    case 'dict':
      return (
        right.kind === 'dict' &&
        unorderedEqual(
          left.entries.map(([key, value]) => ({ kind: 'list', items: [key, value], tuple: true })),
          right.entries.map(([key, value]) => ({ kind: 'list', items: [key, value], tuple: true })),
        )
      );
  }
}

/** Compares two output texts as literals when both parse, else as whitespace- and quote-normalized text. */
export function outputsEqual(expected: string, actual: string): boolean {
  const left = parseLiteral(expected);
  const right = parseLiteral(actual);
  if (left && right) return literalsEqual(left, right);
  const normalize = (text: string): string => text.trim().replace(/\s+/g, '').replace(/"/g, "'");
  return normalize(expected) === normalize(actual);
}

/** Renders a literal back in Python-like spelling, for messages. */
export function formatLiteral(value: LiteralValue): string {
  switch (value.kind) {
    case 'number':
      return String(value.value);
    case 'string':
      return `'${value.value}'`;
    case 'boolean':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list': {
      const inner = value.items.map(formatLiteral).join(', ');
      return value.tuple ? `(${inner})` : `[${inner}]`;
    }
    case 'set':
      return `{${value.items.map(formatLiteral).join(', ')}}`;
    case 'dict':
      return `{${value.entries.map(([key, item]) => `${formatLiteral(key)}: ${formatLiteral(item)}`).join(', ')}}`;
  }
}
