/**
 * Cheap, language-agnostic facts about one line of source (Python and JavaScript-like syntax). They
 * describe where bugs can hide on a line (an operator to get wrong, a constant to be off by one), not
 * what a particular benchmark's bugs look like.
 */
export interface LexicalFacts {
  hasComparison: boolean;
  hasArithmetic: boolean;
  hasIntegerLiteral: boolean;
  hasIndexing: boolean;
  hasBooleanOperator: boolean;
  /** Calls a function or method (a place for a wrong function or argument). */
  hasCall: boolean;
  /**
   * Moves a value without computing anything: `return x`, `x = 0`, `break`. No operator, call or
   * indexing and at most four tokens; such lines are rarely where a bug is.
   */
  isTrivial: boolean;
  /** A `def`/`class`/`function` header: runs when the module loads, rarely the faulty line. */
  isDefinition: boolean;
  /** Number of tokens after removing strings and comments. */
  tokenCount: number;
}

/** Facts of a line with no readable text. */
export const NO_LEXICAL_FACTS: LexicalFacts = {
  hasComparison: false,
  hasArithmetic: false,
  hasIntegerLiteral: false,
  hasIndexing: false,
  hasBooleanOperator: false,
  hasCall: false,
  isTrivial: false,
  isDefinition: false,
  tokenCount: 0,
};

const STRING_LITERAL = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`)/g;
const PYTHON_COMMENT = /#.*$/;
const SLASH_COMMENT = /\/\/.*$|\/\*.*?\*\//g;
const COMPARISON = /==|!=|<=|>=|(?<![<=\-])<(?![<=])|(?<![>=\-])>(?![>=])|\bis\b|\bnot\s+in\b/;
const MEMBERSHIP = /\bin\b/;
const LOOP_HEAD = /\bfor\b/;
const ARITHMETIC = /[\w)\]]\s*(?:\*\*|\/\/|[+\-*/%])(?!=)\s*[\w(\[.\-]|(?:\*\*|\/\/|[+\-*/%])=|\+\+|--/;
const INTEGER_LITERAL = /(?<![\w.])\d+(?![\w.])/;
const INDEXING = /[\w)\]]\s*\[/;
const BOOLEAN_OPERATOR = /\b(?:and|or|not)\b|&&|\|\||!(?!=)|\?\?/;
const CALL = /[\w)\]]\s*\(/;
const DEFINITION = /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:def|class|function\*?)\b/;
const TOKEN = /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|\*\*|\/\/|==|!=|<=|>=|&&|\|\||[^\s\w]/g;

/**
 * Describes one line. `python` picks the comment syntax; strings are blanked first so an operator
 * inside a message does not count.
 */
export function lexicalFacts(text: string, python: boolean): LexicalFacts {
  let code = text.replace(STRING_LITERAL, '""');
  code = python ? code.replace(PYTHON_COMMENT, '') : code.replace(SLASH_COMMENT, '');
  if (code.trim() === '') return NO_LEXICAL_FACTS;
  const hasMembership = MEMBERSHIP.test(code) && !LOOP_HEAD.test(code);
  const isDefinition = DEFINITION.test(code);
  const facts = {
    hasComparison: COMPARISON.test(code) || hasMembership,
    hasArithmetic: ARITHMETIC.test(code),
    hasIntegerLiteral: INTEGER_LITERAL.test(code),
    hasIndexing: INDEXING.test(code),
    hasBooleanOperator: BOOLEAN_OPERATOR.test(code),
    hasCall: !isDefinition && CALL.test(code),
    isTrivial: false,
    isDefinition,
    tokenCount: code.match(TOKEN)?.length ?? 0,
  };
  facts.isTrivial =
    !isDefinition && facts.tokenCount <= 4 && !facts.hasComparison && !facts.hasArithmetic && !facts.hasBooleanOperator && !facts.hasCall && !facts.hasIndexing;
  return facts;
}
