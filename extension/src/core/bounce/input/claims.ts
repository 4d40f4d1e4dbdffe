/**
 * Checkable claims in a description's prose, tested against its own worked examples (text alone, no code
 * run). Each rule reads one kind of claim a developer can verify by hand — "returns True if the string
 * is a palindrome", "the number of vowels", "the 2nd smallest element", "incremented by 1", "the absolute
 * difference", "a list of even numbers", "returns a string" — and reports the first example that breaks
 * it, quoting both. Rules fire only on claims they can read unambiguously (one argument, no qualifier
 * after the claim), so a clear description should rarely trip them.
 */
import type { Contradiction } from './consistency';
import { formatLiteral, literalsEqual, parseLiteral, type LiteralValue } from './literal';
import type { TaskExample } from './parse';

/** An example whose arguments and expected output parsed as literals. */
export interface ValuedExample {
  example: TaskExample;
  value: LiteralValue;
}

interface Claim {
  /** The sentence as written (for the message). */
  text: string;
  lower: string;
}

/** Longest quote of a claim in a message. */
const QUOTE_LIMIT = 160;

function quote(claim: Claim): string {
  const text = claim.text.trim();
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT - 1)}…` : text;
}

function claimsOf(description: string): Claim[] {
  return description
    .split(/(?<=[.!?;])\s+/)
    .filter((text) => text.trim() !== '')
    .map((text) => ({ text, lower: text.toLowerCase() }));
}

function argumentsOf(example: TaskExample): LiteralValue[] | undefined {
  if (example.argumentsText.trim() === '') return [];
  const parsed = parseLiteral(`[${example.argumentsText}]`);
  return parsed?.kind === 'list' ? parsed.items : undefined;
}

function numbersOf(value: LiteralValue): number[] | undefined {
  if (value.kind !== 'list' || value.items.length === 0) return undefined;
  if (!value.items.every((item) => item.kind === 'number')) return undefined;
  return value.items.map((item) => (item as { value: number }).value);
}

function isPrime(value: number): boolean {
  if (!Number.isInteger(value) || value < 2) return false;
  for (let divisor = 2; divisor * divisor <= value; divisor++) if (value % divisor === 0) return false;
  return true;
}

function contradiction(kind: Contradiction['kind'], example: TaskExample, value: LiteralValue, why: string, claim: Claim): Contradiction {
  return {
    kind,
    message: `the examples contradict the description: \`${example.call}\` is said to return ${formatLiteral(value)}, ${why}, but the text says "${quote(claim)}"`,
  };
}

// ---------------------------------------------------------------------------------------------------
// 1. A yes/no property of the single argument: "returns True if the string is a palindrome", "checks if
//    n is prime", "True if the string length is a prime number".

type Property = 'prime' | 'even' | 'odd' | 'palindrome' | 'positive' | 'negative' | 'empty';

const PREDICATE_PATTERN = new RegExp(
  String.raw`\b(?:returns? true if|true if|checks? (?:if|whether)|determines? (?:if|whether)|tests? (?:if|whether))\s+` +
    String.raw`(?:the |a |an )?(?:given |input )?(length of (?:the )?(?:given |input )?(?:string|list|array|word)|(?:string|list|array|word) length|string|text|word|number|integer|list|array|it|[a-z])\s+` +
    String.raw`(?:is|are)\s+(?:a |an )?(prime|even|odd|palindrome|positive|negative|empty)(?: numbers?| integers?| strings?)?` +
    String.raw`(?=\s*(?:$|[.,;:]|\s+(?:or not|or false|and false|false otherwise|otherwise)\b))`,
);

function holds(property: Property, subject: LiteralValue, length: boolean): boolean | undefined {
  if (length) {
    if (subject.kind !== 'string' && subject.kind !== 'list') return undefined;
    const size = subject.kind === 'string' ? [...subject.value].length : subject.items.length;
    return numericProperty(property, size);
  }
  if (subject.kind === 'number') return numericProperty(property, subject.value);
  if (property === 'palindrome' && subject.kind === 'string') return subject.value === [...subject.value].reverse().join('');
  if (property === 'palindrome' && subject.kind === 'list') return subject.items.every((item, index) => literalsEqual(item, subject.items[subject.items.length - 1 - index]));
  if (property === 'empty' && subject.kind === 'string') return subject.value === '';
  if (property === 'empty' && subject.kind === 'list') return subject.items.length === 0;
  return undefined;
}

function numericProperty(property: Property, value: number): boolean | undefined {
  switch (property) {
    case 'prime':
      return Number.isInteger(value) ? isPrime(value) : undefined;
    case 'even':
      return Number.isInteger(value) ? value % 2 === 0 : undefined;
    case 'odd':
      return Number.isInteger(value) ? Math.abs(value % 2) === 1 : undefined;
    case 'positive':
      return value > 0;
    case 'negative':
      return value < 0;
    default:
      return undefined;
  }
}

function checkPredicate(claims: Claim[], examples: ValuedExample[], parameters: string[]): Contradiction | undefined {
  for (const claim of claims) {
    const match = PREDICATE_PATTERN.exec(claim.lower);
    if (!match) continue;
    const [, subject, property] = match;
    // A one-letter subject must be the parameter itself ("checks if n is prime").
    if (/^[a-z]$/.test(subject) && !parameters.includes(subject)) continue;
    const length = /length/.test(subject);
    for (const { example, value } of examples) {
      if (value.kind !== 'boolean') continue;
      const argumentsList = argumentsOf(example);
      if (!argumentsList || argumentsList.length !== 1) continue;
      const truth = holds(property as Property, argumentsList[0], length);
      if (truth === undefined || truth === value.value) continue;
      const what = length ? `its length (${formatLength(argumentsList[0])})` : formatLiteral(argumentsList[0]);
      return contradiction('predicate', example, value, `yet ${what} is ${truth ? '' : 'not '}${property === 'palindrome' ? 'a palindrome' : property}`, claim);
    }
  }
  return undefined;
}

function formatLength(value: LiteralValue): number {
  return value.kind === 'string' ? [...value.value].length : value.kind === 'list' ? value.items.length : 0;
}

// ---------------------------------------------------------------------------------------------------
// 2. A count bounded by its input: "returns the number of elements in the array that …" cannot exceed
//    the array's length; "count the number of uppercase vowels" cannot exceed the uppercase letters.

const COUNT_PATTERN = /\b(?:number|count) of (?:the |all |distinct |different )?(elements|items|numbers|integers|values|entries|uppercase|upper-case|capital|lowercase|lower-case|vowels|consonants|characters|letters)\b/;

function countBound(unit: string, subject: LiteralValue): number | undefined {
  if (/^(elements|items|numbers|integers|values|entries)$/.test(unit)) return subject.kind === 'list' ? subject.items.length : undefined;
  if (subject.kind !== 'string') return undefined;
  const text = subject.value;
  const count = (pattern: RegExp): number => (text.match(pattern) ?? []).length;
  switch (unit) {
    case 'uppercase':
    case 'upper-case':
    case 'capital':
      return count(/[A-Z]/g);
    case 'lowercase':
    case 'lower-case':
      return count(/[a-z]/g);
    case 'vowels':
      return count(/[aeiouy]/gi);
    case 'consonants':
      return count(/[b-df-hj-np-tv-z]/gi);
    case 'characters':
      return [...text].length;
    case 'letters':
      return count(/[A-Za-z]/g);
    default:
      return undefined;
  }
}

const UNIT_NAMES: Record<string, string> = {
  uppercase: 'uppercase letter(s)',
  'upper-case': 'uppercase letter(s)',
  capital: 'uppercase letter(s)',
  lowercase: 'lowercase letter(s)',
  'lower-case': 'lowercase letter(s)',
  vowels: 'vowel(s)',
  consonants: 'consonant(s)',
  characters: 'character(s)',
  letters: 'letter(s)',
};

function checkCount(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  for (const claim of claims) {
    if (!/\b(?:return|returns|count|counts|output|outputs)\b/.test(claim.lower)) continue;
    const match = COUNT_PATTERN.exec(claim.lower);
    if (!match) continue;
    const unit = match[1];
    for (const { example, value } of examples) {
      if (value.kind !== 'number' || !Number.isInteger(value.value)) continue;
      const argumentsList = argumentsOf(example);
      // The bound needs one collection to count in.
      const collections = (argumentsList ?? []).filter((argument) => argument.kind === 'list' || argument.kind === 'string');
      if (collections.length !== 1) continue;
      const bound = countBound(unit, collections[0]);
      if (bound === undefined) continue;
      if (value.value < 0 || value.value > bound) {
        const why = value.value < 0 ? 'a negative count' : `more than the ${bound} ${UNIT_NAMES[unit] ?? 'element(s)'} in the input`;
        return contradiction('count', example, value, why, claim);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// 3. Which element is returned: "returns the 2nd smallest element of the list", "the largest number".

const RANK_PATTERN =
  /\b(?:return|returns|find|finds|output|outputs)\s+(?:the\s+)?(?:(2nd|second|3rd|third)\s+)?(smallest|largest|minimum|maximum|biggest|lowest|highest|greatest)\s+(?:element|number|value|integer|item)s?\b(?!\s+(?:that|which|whose|such|satisf\w*|with|among|less|greater|smaller|larger|not|divisible|in (?:the )?range|of (?:all )?(?:the )?(?:even|odd|prime|positive|negative)|from (?:the )?(?:even|odd)|of (?!(?:the |a |this |given )+(?:list|array|sequence|input)\b)))/;

const ORDINALS: Record<string, number> = { '2nd': 2, second: 2, '3rd': 3, third: 3 };

function ordinal(position: number): string {
  const suffix = position % 100 >= 11 && position % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[position % 10] ?? 'th';
  return `${position}${suffix}`;
}

function checkRank(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  for (const claim of claims) {
    const match = RANK_PATTERN.exec(claim.lower);
    if (!match) continue;
    // A qualifier before the noun ("the smallest even number") is read by the parity rule, not here.
    const rank = match[1] ? ORDINALS[match[1]] : 1;
    const smallest = /smallest|minimum|lowest/.test(match[2]);
    for (const { example, value } of examples) {
      if (value.kind !== 'number') continue;
      const argumentsList = argumentsOf(example);
      if (!argumentsList || argumentsList.length !== 1) continue;
      const numbers = numbersOf(argumentsList[0]);
      if (!numbers || !numbers.includes(value.value)) continue;
      const distinct = [...new Set(numbers)].sort((left, right) => (smallest ? left - right : right - left));
      if (distinct.length < rank) continue;
      const expected = distinct[rank - 1];
      if (expected === value.value) continue;
      const position = distinct.indexOf(value.value) + 1;
      const why = rank === 1 ? `while the ${smallest ? 'smallest' : 'largest'} is ${expected}` : `which is the ${position === 1 ? '' : `${ordinal(position)} `}${smallest ? 'smallest' : 'largest'}, while the ${match[1]} ${smallest ? 'smallest' : 'largest'} is ${expected}`;
      return contradiction('extreme', example, value, why, claim);
    }
  }
  return undefined;
}

// 3b. An end of the input: "returns the first element of the list" contradicts an example that returns
//     the last one (and the other way round).

const END_PATTERN =
  /\b(?:return|returns)\s+(?:the\s+)?(first|last)\s+(?:element|item|number|value|word|string|character)\b(?!\s+(?:that|which|whose|such|satisf\w*|with|among|not|where|to|in (?:alphabetical|sorted)|after|before))/;

function checkEnd(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  for (const claim of claims) {
    const match = END_PATTERN.exec(claim.lower);
    if (!match) continue;
    const first = match[1] === 'first';
    for (const { example, value } of examples) {
      const argumentsList = argumentsOf(example);
      if (!argumentsList || argumentsList.length !== 1) continue;
      const input = argumentsList[0];
      const items: LiteralValue[] | undefined =
        input.kind === 'list' ? input.items : input.kind === 'string' && value.kind === 'string' && [...value.value].length === 1 ? [...input.value].map((character) => ({ kind: 'string', value: character })) : undefined;
      if (!items || items.length < 2) continue;
      const claimed = first ? items[0] : items[items.length - 1];
      const other = first ? items[items.length - 1] : items[0];
      if (literalsEqual(value, other) && !literalsEqual(value, claimed)) {
        return contradiction('extreme', example, value, `the ${first ? 'last' : 'first'} element of the input, while the ${match[1]} is ${formatLiteral(claimed)}`, claim);
      }
    }
  }
  return undefined;
}

// 3c. "the decimal part", "the fractional part": at least 0 and less than 1.

const FRACTION_PATTERN = /\b(?:return|returns)\s+(?:the\s+)?(?:decimal|fractional)\s+part\b/;

function checkFraction(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  const claim = claims.find((candidate) => FRACTION_PATTERN.test(candidate.lower));
  if (!claim) return undefined;
  const wrong = examples.find(({ value }) => value.kind === 'number' && (value.value < 0 || value.value >= 1));
  return wrong ? contradiction('range', wrong.example, wrong.value, 'which is not between 0 and 1 as a decimal part is', claim) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// 4. A stated constant applied to every element: "return list with elements incremented by 1".

const ELEMENTWISE_PATTERN = /\b(incremented|increased|decremented|decreased|multiplied|divided)\s+by\s+(-?\d+(?:\.\d+)?)\b/;

function checkElementwise(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  for (const claim of claims) {
    if (!/\b(?:return|returns|list|array|elements?)\b/.test(claim.lower)) continue;
    const match = ELEMENTWISE_PATTERN.exec(claim.lower);
    if (!match) continue;
    const constant = Number(match[2]);
    const apply = (item: number): number => {
      switch (match[1]) {
        case 'incremented':
        case 'increased':
          return item + constant;
        case 'decremented':
        case 'decreased':
          return item - constant;
        case 'multiplied':
          return item * constant;
        default:
          return item / constant;
      }
    };
    for (const { example, value } of examples) {
      const argumentsList = argumentsOf(example);
      if (!argumentsList || argumentsList.length !== 1) continue;
      const input = numbersOf(argumentsList[0]);
      const output = numbersOf(value);
      if (!input || !output || input.length !== output.length) continue;
      const wrong = input.findIndex((item, index) => Math.abs(apply(item) - output[index]) > 1e-9);
      if (wrong >= 0) {
        return contradiction('constant', example, value, `where ${input[wrong]} ${match[1]} by ${match[2]} would be ${apply(input[wrong])}, not ${output[wrong]}`, claim);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// 5. "the absolute difference", "the absolute value": never negative.

const ABSOLUTE_PATTERN = /\b(?:the|an|its|their|is)\s+absolute (?:difference|differences|value|values|distance)\b/;

function checkAbsolute(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  for (const claim of claims) {
    if (!ABSOLUTE_PATTERN.test(claim.lower) || /\b(multipl\w*|signs?|product|minus|negative|sum of)\b/.test(claim.lower)) continue;
    for (const { example, value } of examples) {
      const numbers = value.kind === 'number' ? [value.value] : numbersOf(value);
      const negative = numbers?.find((item) => item < 0);
      if (negative !== undefined) return contradiction('sign', example, value, `which holds ${negative}, a negative number`, claim);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// 6. "Return the (sorted) unique elements in a list": every input element appears, once.

const UNIQUE_PATTERN = /\b(?:return|returns)\s+(?:the\s+)?(?:sorted\s+)?unique elements (?:in|of) (?:a|the|given) (?:list|array)\b/;

function checkUniqueElements(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  const claim = claims.find((candidate) => UNIQUE_PATTERN.test(candidate.lower));
  if (!claim) return undefined;
  for (const { example, value } of examples) {
    const argumentsList = argumentsOf(example);
    const input = argumentsList?.length === 1 ? argumentsList[0] : undefined;
    if (!input || input.kind !== 'list' || value.kind !== 'list') continue;
    const key = (items: LiteralValue[]): string => [...new Set(items.map(formatLiteral))].sort().join('\u0000');
    if (key(input.items) !== key(value.items)) {
      const missing = input.items.find((item) => !value.items.some((candidate) => literalsEqual(item, candidate)));
      const extra = value.items.find((item) => !input.items.some((candidate) => literalsEqual(item, candidate)));
      const why = missing ? `which leaves out ${formatLiteral(missing)} from the input` : `which holds ${formatLiteral(extra!)}, not in the input`;
      return contradiction('permutation', example, value, why, claim);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// 7. Even or odd results: "return a list of the even numbers", "returns the biggest even integer".

const PARITY_LIST_PATTERN = /\b(?:return|returns)\b[^.]*?\b(?:list|array)\s+of\s+(?:all\s+|the\s+|only\s+)*(even|odd)\s+(?:numbers|integers|digits|elements|values)\b/;
const PARITY_SCALAR_PATTERN = /\b(?:return|returns)\s+the\s+(?:smallest|largest|biggest|greatest|maximum|minimum|first|last)\s+(even|odd)\s+(?:integer|number|value|digit)\b/;

function hasParity(value: number, parity: string): boolean {
  return Number.isInteger(value) && (parity === 'even' ? value % 2 === 0 : Math.abs(value % 2) === 1);
}

function checkParity(description: string, claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  for (const claim of claims) {
    const list = PARITY_LIST_PATTERN.exec(claim.lower);
    const scalar = list ? undefined : PARITY_SCALAR_PATTERN.exec(claim.lower);
    if (!list && !scalar) continue;
    const parity = (list ?? scalar)![1];
    for (const { example, value } of examples) {
      if (list) {
        const numbers = numbersOf(value);
        const wrong = numbers?.find((item) => !hasParity(item, parity));
        if (wrong !== undefined) return contradiction('parity', example, value, `which holds ${wrong}, not ${parity}`, claim);
      } else if (value.kind === 'number' && !hasParity(value.value, parity)) {
        // A stated "no such number" answer (-1, 0) is not a result of that parity.
        // (A full stop after it ends the sentence; only a digit after a point makes it another number.)
        if (new RegExp(String.raw`(?<![\w.])${value.value}(?!\w|\.\d)`).test(description)) continue;
        return contradiction('parity', example, value, `which is not ${parity}`, claim);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// 8. Result types named in words: "returns True if … False otherwise", "return a list", "returns a
//    string", "returns an integer". Only when the text names no other kind of answer.

type TypeWord = 'boolean' | 'list' | 'string' | 'integer';

const TYPE_PATTERNS: [TypeWord, RegExp][] = [
  ['boolean', /\b(?:returns?|outputs?)\s+(?:a\s+)?(?:true\b[^.]*\bfalse\b|false\b[^.]*\btrue\b|boolean\b)/],
  ['list', /\b(?:returns?|outputs?)\s+(?:a|an|the)\s+(?:sorted\s+|new\s+)?(?:list|array)\b/],
  ['string', /\b(?:returns?|outputs?)\s+(?:a|the)\s+(?:new\s+|single\s+|resulting\s+)?string\b/],
  ['integer', /\b(?:returns?|outputs?)\s+(?:an|the)\s+integer\b/],
];
// Any other answer the text names makes a mixed result possible.
const OTHER_ANSWERS: Record<TypeWord, RegExp> = {
  boolean: /\b(?:list|array|string|tuple|none|null|-1|integer|number|count|sum|index|value)\b/,
  list: /\b(?:none|null|-1|true|false|string|integer|number|tuple|empty string)\b/,
  string: /\b(?:none|null|-1|true|false|list|array|integer|number|tuple)\b|"no"|'no'/,
  integer: /\b(?:none|null|true|false|list|array|string|tuple|float|decimal)\b/,
};

function matchesType(type: TypeWord, value: LiteralValue): boolean {
  switch (type) {
    case 'boolean':
      return value.kind === 'boolean';
    case 'list':
      return value.kind === 'list';
    case 'string':
      return value.kind === 'string';
    case 'integer':
      return value.kind === 'number' && Number.isInteger(value.value);
  }
}

const TYPE_NAMES: Record<TypeWord, string> = { boolean: 'True or False', list: 'a list', string: 'a string', integer: 'an integer' };

function checkTypeWords(description: string, claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  const lower = description.toLowerCase();
  for (const [type, pattern] of TYPE_PATTERNS) {
    const claim = claims.find((candidate) => pattern.test(candidate.lower) && !/\bor\b/.test(candidate.lower.replace(/\b(?:true or false|false or true|or false|or true)\b/g, '')));
    if (!claim) continue;
    const rest = lower.replace(claim.lower, ' ');
    if (OTHER_ANSWERS[type].test(type === 'boolean' ? lower : rest)) continue;
    // Only when no example shows that kind of answer: a docstring may also show values of helper
    // definitions ("tri(1) = 3" beside "tri(3) = [1, 3, 2, 8]").
    if (examples.some(({ value }) => matchesType(type, value))) continue;
    const wrong = examples[0];
    if (wrong) return contradiction('return-type', wrong.example, wrong.value, `which is not ${TYPE_NAMES[type]}`, claim);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// 9. "Concatenate list of strings into a single string": the strings, joined in order.

const CONCATENATE_PATTERN = /\bconcatenat\w*\s+(?:a\s+|the\s+|given\s+)*(?:list|array) of strings\b/;

function checkConcatenation(claims: Claim[], examples: ValuedExample[]): Contradiction | undefined {
  const claim = claims.find((candidate) => CONCATENATE_PATTERN.test(candidate.lower) && !/\b(separat\w*|with|spaces?|commas?|revers\w*|delimit\w*|between)\b/.test(candidate.lower));
  if (!claim) return undefined;
  for (const { example, value } of examples) {
    const argumentsList = argumentsOf(example);
    if (!argumentsList || argumentsList.length !== 1 || value.kind !== 'string') continue;
    const list = argumentsList[0];
    if (list.kind !== 'list' || !list.items.every((item) => item.kind === 'string')) continue;
    const joined = list.items.map((item) => (item as { value: string }).value).join('');
    if (joined !== value.value) return contradiction('concatenation', example, value, `while the strings joined in order give ${formatLiteral({ kind: 'string', value: joined })}`, claim);
  }
  return undefined;
}

/** Tests the description's checkable claims against its examples; at most one contradiction per rule. */
export function checkClaims(description: string, examples: ValuedExample[], parameters: string[] = []): Contradiction[] {
  if (examples.length === 0) return [];
  const claims = claimsOf(description);
  const found = [
    checkPredicate(claims, examples, parameters),
    checkCount(claims, examples),
    checkRank(claims, examples),
    checkEnd(claims, examples),
    checkFraction(claims, examples),
    checkElementwise(claims, examples),
    checkAbsolute(claims, examples),
    checkUniqueElements(claims, examples),
    checkParity(description, claims, examples),
    checkTypeWords(description, claims, examples),
    checkConcatenation(claims, examples),
  ];
  return found.filter((entry): entry is Contradiction => entry !== undefined);
}
