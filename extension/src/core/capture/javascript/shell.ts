/**
 * Just enough POSIX shell to read a package.json script: split it into commands and words (with their
 * places in the text, so that flags can be inserted after a program), and quote words Revise adds.
 */

/** One word of a script, unquoted, with where it sits in the script text. */
export interface ShellWord {
  text: string;
  start: number;
  end: number;
}

/** Words of one simple command (between `&&`, `||`, `;`, `|`, `&`). */
export type ShellCommand = ShellWord[];

const OPERATOR_CHARACTERS = new Set(['&', '|', ';']);

/**
 * Splits a script into simple commands of words. Quotes and backslashes are honoured; `$(…)`, backticks,
 * globs and redirections are kept as plain word text, which is all Revise needs to find a program and its
 * flags.
 */
export function parseShellScript(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: ShellWord[] = [];
  let text = '';
  let start = -1;
  const endWord = (end: number) => {
    if (start >= 0) words.push({ text, start, end });
    text = '';
    start = -1;
  };
  const endCommand = () => {
    if (words.length > 0) commands.push(words);
    words = [];
  };
  let index = 0;
  while (index < script.length) {
    const character = script[index]!;
    if (character === ' ' || character === '\t' || character === '\n' || character === '\r') {
      endWord(index);
      index++;
      continue;
    }
    if (OPERATOR_CHARACTERS.has(character)) {
      endWord(index);
      endCommand();
      while (index < script.length && OPERATOR_CHARACTERS.has(script[index]!)) index++;
      continue;
    }
    if (start < 0) start = index;
    if (character === "'") {
      const close = script.indexOf("'", index + 1);
      const stop = close < 0 ? script.length : close;
      text += script.slice(index + 1, stop);
      index = stop + 1;
      continue;
    }
    if (character === '"') {
      index++;
      while (index < script.length && script[index] !== '"') {
        if (script[index] === '\\' && index + 1 < script.length && '"\\$`'.includes(script[index + 1]!)) index++;
        text += script[index];
        index++;
      }
      index++;
      continue;
    }
    if (character === '\\' && index + 1 < script.length) {
      text += script[index + 1];
      index += 2;
      continue;
    }
    text += character;
    index++;
  }
  endWord(script.length);
  endCommand();
  return commands;
}

/** Quotes one word for a POSIX shell (single quotes, which take everything literally). */
export function quoteShellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** True for `NAME=value` words that set an environment variable for the command that follows. */
export function isEnvironmentAssignment(word: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);
}

/** The words of a command after its leading `NAME=value` assignments (and a `cross-env` or `env` prefix). */
export function programWords(command: ShellCommand): ShellWord[] {
  let index = 0;
  while (index < command.length && isEnvironmentAssignment(command[index]!.text)) index++;
  const first = command[index];
  if (first && (baseName(first.text) === 'cross-env' || baseName(first.text) === 'env')) {
    index++;
    while (index < command.length && isEnvironmentAssignment(command[index]!.text)) index++;
  }
  return command.slice(index);
}

/** The last path component, without a Windows `.cmd`/`.exe` suffix. */
export function baseName(word: string): string {
  const name = word.split(/[\\/]/).pop() ?? word;
  return name.replace(/\.(cmd|exe|bat|ps1)$/i, '');
}
