/**
 * Features of a task description that the vagueness model weighs. Each is a number (mostly counts on a
 * log scale or shares in [0, 1]); `TaskFindings` keeps the phrases behind them so the reasons shown to
 * the developer can quote the text.
 */
import { constantOutput, type CodeCheck, type Contradiction } from './consistency';
import { undefinedNames } from './names';
import type { ParsedTask } from './parse';

/** Names of the features, in the order the model's weights use. */
export const FEATURE_NAMES = [
  'tinyDescription',
  'descriptionWords',
  'sentenceCount',
  'hasSignature',
  'signatureElided',
  'untypedParameterShare',
  'hasReturnType',
  'describesReturn',
  'hasExamples',
  'exampleCount',
  'examplesWithoutOutputShare',
  'hedgeCount',
  'commonHedgeDensity',
  'alternativeCount',
  'textGap',
  'undefinedSymbol',
  'pronounWithoutAntecedent',
  'parameterMentionShare',
  'numberCount',
  'precisionWordCount',
  'edgeCaseMentioned',
  'unfinishedSentence',
  'properNounCount',
  'isQuestion',
  'textContradictions',
  'codeChecked',
  'codeMismatchShare',
  'constantOutputs',
  'personalNeeds',
  'firstPersonCount',
  'makeRequest',
  'lookupRequest',
  'subjectiveWord',
  'missingMaterial',
  'namedItem',
  'statedQuantity',
] as const;

/** One feature's name. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Feature values by name. */
export type FeatureVector = Record<FeatureName, number>;

/** The phrases and facts behind the features, for explanations. */
export interface TaskFindings {
  words: number;
  hedges: string[];
  alternatives: string[];
  undefinedSymbols: string[];
  /** Words that leave a choice to the reader in a short text ("some", "etc.") — weighed by how little else the text says. */
  commonHedges: string[];
  /** Places where words seem to have been cut out ("is , and"). */
  gaps: string[];
  pronoun?: string;
  untypedParameters: string[];
  /** Parameters that hold collections or strings, whose empty case the text may leave open. */
  collectionParameters: string[];
  examplesWithoutOutput: string[];
  contradictions: Contradiction[];
  /** The one output every example gives, when they all give the same (non-boolean) one. */
  constantOutput?: string;
  /** Plain requests: phrases that make the answer depend on the asker's unstated needs ("for me", "my budget"). */
  personalNeeds: string[];
  /** Plain requests: judgement words that leave the criterion open ("best", "popular"). */
  subjectiveWords: string[];
  /** Plain requests: things the request works on but does not include ("a text", "the script"). */
  missingMaterial: string[];
}

// Words and phrases that leave a decision to the reader, whatever else the text says.
const HEDGE_PATTERN = new RegExp(
  [
    String.raw`\bcertain\b`,
    String.raw`\bsomehow\b`,
    String.raw`\bsomething\b`,
    String.raw`\bwhatever\b`,
    String.raw`\bmaybe\b`,
    String.raw`\bperhaps\b`,
    String.raw`\bpossibly\b`,
    String.raw`\bor (?:another|other|some)\b`,
    String.raw`\bsome (?:other|kind|sort)\b`,
    String.raw`\b(?:by|with|to) (?:a|some) (?:number|value|amount)\b(?! of)`,
    String.raw`\ba (?:condition|way|rule|criterion)\b`,
    String.raw`\brelated to\b`,
    String.raw`\(s\)`,
    String.raw`\+/-`,
    String.raw`\band/or\b`,
    String.raw`\bmeet(?:s|ing)? (?:a|the) condition\b`,
    // "'a' is one of negative integers": which one?
    String.raw`\b(?:is|be|return|returns|returning|pick|choose|select)\s+(?:only\s+)?one of\b`,
  ].join('|'),
  'gi',
);

// Words that are vague in a one-line request but ordinary in a docstring that goes on to explain itself
// ("some long-awaited event", "similar to the Fibonacci sequence", "and so on"): their weight shrinks
// with the length of the text (see `commonHedgeDensity`).
const COMMON_HEDGE_PATTERN = new RegExp(
  [
    String.raw`\bsome\b(?! (?:other|kind|sort)\b)`,
    String.raw`\bvarious\b`,
    String.raw`\bseveral\b`,
    String.raw`\bappropriate(?:ly)?\b`,
    String.raw`\bsuitabl[ey]\b`,
    String.raw`\bproper(?:ly)?\b`,
    String.raw`\breasonabl[ey]\b`,
    String.raw`\bideal(?:ly)?\b`,
    String.raw`\baround\b(?! the\b)`,
    String.raw`\bapproximately\b`,
    String.raw`\broughly\b`,
    String.raw`\bsomewhat\b`,
    String.raw`\bstuff\b`,
    String.raw`\bthings?\b`,
    String.raw`\betc\b\.?`,
    String.raw`\band so on\b`,
    String.raw`\bhandle[sd]?\b`,
    String.raw`\bsimilar\b`,
    String.raw`\bmight\b`,
    String.raw`\beither\b`,
    String.raw`\bspecific\b`,
  ].join('|'),
  'gi',
);

/** Words of prose below which a common hedge counts in full; longer texts dilute it. */
const COMMON_HEDGE_WORDS = 40;

// Pairs of words of one family where "X or Y" leaves the choice open (not "less than or equal").
const SIBLINGS = [
  ['odd', 'even'],
  ['positive', 'negative', 'zero'],
  ['ascending', 'descending', 'ascendingly', 'descendingly', 'increasing', 'decreasing'],
  ['first', 'last', 'second', 'third', '1st', '2nd', '3rd'],
  ['smallest', 'largest', 'biggest', 'shortest', 'longest', 'closest', 'farthest', 'nearest', 'highest', 'lowest', 'minimum', 'maximum', 'min', 'max', 'mean', 'median', 'average'],
  ['smaller', 'larger', 'bigger', 'shorter', 'longer', 'closer', 'farther', 'higher', 'lower', 'greater', 'fewer', 'more', 'less'],
  ['left', 'right', 'top', 'bottom', 'start', 'end', 'beginning', 'front', 'back'],
  ['upper', 'lower', 'uppercase', 'lowercase'],
  ['prefix', 'prefixes', 'suffix', 'suffixes'],
  ['encoded', 'decoded', 'encode', 'decode', 'encrypt', 'decrypt'],
  ['binary', 'octal', 'decimal', 'hexadecimal', 'integer', 'float'],
  ['sum', 'product', 'difference', 'count', 'average'],
  ['square', 'cube'],
  ['characters', 'vowels', 'consonants', 'words', 'letters', 'digits'],
  ['prime', 'even', 'odd', 'composite'],
  ['relative', 'absolute'],
  ['one', 'all', 'none', 'any', 'two', 'three', 'four'],
  ['true', 'false'],
];
const SIBLING_INDEX = new Map<string, number[]>();
SIBLINGS.forEach((family, index) => {
  for (const word of family) SIBLING_INDEX.set(word, [...(SIBLING_INDEX.get(word) ?? []), index]);
});

const PRECISION_PATTERN =
  /\b(exactly|only|each|every|all|must|if|otherwise|else|unless|at least|at most|strictly|inclusive|exclusive|always|never|first|last|both)\b/gi;
const EDGE_CASE_PATTERN =
  /\b(empty|zero|none|null|no such|does not exist|doesn't exist|if there is no|if there are no|negative|edge case|invalid)\b|(?:^|\s)-1\b|\b0\b/i;
const RETURN_PATTERN = /\b(return|returns|returned|returning|output|outputs|result|yield|yields|produce|produces|print|prints)\b/i;
// An imperative that names the result as well as "return" does ("Concatenate the strings", "Count the vowels").
const ACTION_PATTERN =
  /(?:^|[.!?:,;]\s+|\bto\s+|\bthat\s+|\band\s+|\bwhich\s+)(?:\w+ly\s+)?(?:find|finds|count|counts|compute|computes|calculate|calculates|check|checks|determine|determines|decide|decides|remove|removes|filter|filters|concatenate|concatenates|sort|sorts|replace|replaces|convert|converts|evaluate|evaluates|insert|inserts|reverse|reverses|split|splits|merge|merges|encode|encodes|decode|decodes|add|adds|multiply|multiplies|round|rounds|test|tests|tell|tells|sum|sums|return|returns|get|gets|obtain|obtains|generate|generates|make|makes|create|creates|list|lists|give|gives)\b/i;
// Words cut out of a sentence: a copula, preposition or article followed directly by punctuation.
const GAP_PATTERN = /\b(?:is|are|be|of|with|by|the|a|an|to|than|and|as|for|from|into|in)\s+[,;]|\b(?:is|are|of|with|by|the|an|than|as|from|into)\s*\.(?:\s|$)/gi;
// A definition announced but not given: "defined as follows:" with nothing after it, or a new sentence.
const DANGLING_DEFINITION_PATTERN = /\b(?:as follows|the following|defined as|is defined by)\s*:?\s*(?=$|[A-Z][a-z]+ [a-z])/g;
// A worked example written as prose rather than as a call ("E.g. (()()) has two levels", "for example 4 = 2 + 2").
const PROSE_EXAMPLE_PATTERN = /\b(?:e\.g\.|for example|for instance|example:)\s*,?\s*(?:if\s+)?\S*(?:["'\d([{])/i;
const PRONOUN_START = /^(?:it|this|that|they|these|those|them|he|she)\b/i;
const COLLECTION_TYPE = /^(list|str|string|array|sequence|tuple|dict|set|iterable)\b|\[\]$|^(List|Sequence|Tuple|Dict|Set|Iterable|Array)\b/i;

// Plain requests only (no signature, no example): what the answer depends on that the request leaves out.
const PERSONAL_NEEDS_PATTERN =
  /\b(?:for me|help me(?: to)? (?:decide|choose|pick|find|plan|select|figure)|my (?:needs|preferences?|taste|budget|situation|style|skills?|level|goals?|requirements|schedule|interests?)|suits? me|based on my|tailored|personali[sz]ed|my own)\b/gi;
const FIRST_PERSON_PATTERN = /\b(?:I|my|me|mine|I'm|I'd|I've|I'll)\b/g;
// Asking for something to be made or planned (a plan, a design, a text) rather than looked up.
const MAKE_PATTERN = /\b(?:plan|design|create|write|draft|compose|build|develop|organi[sz]e|set up|prepare|make|generate|come up with|recommend|suggest|advise|guide|teach|help)\b/i;
// Asking for a fact that exists somewhere: a look-up or a question with one answer.
const LOOKUP_PATTERN = /^(?:please\s+)?(?:find(?: out)?|search(?: for)?|look up|identify|list|tell me|show me|get|retrieve|check|what|when|who|which|where|how (?:many|much|long|far|old|tall|big))\b/i;
const SUBJECTIVE_PATTERN = /\b(?:best|better|good|great|nice|popular|top|ideal|perfect|favou?rite|interesting|fun|cool|recommended|trendy|latest trends?|worth)\b/gi;
// Not the object of a verb that makes it ("write a script", "create a document"): that is the deliverable.
const MISSING_MATERIAL_PATTERN =
  /(?<!\b(?:write|writing|create|creating|draft|drafting|compose|composing|generate|generating|make|making|design|designing|build|building|develop|developing|prepare|preparing|produce|producing|record|recording|take|taking|start|starting|code|coding|program|programming)\s+)\b(?:a|an|the|this|that|my|given|some)\s+(?:given\s+)?(?:text|file|files|document|documents|dataset|data ?set|data|script|code|program|issue|problem|bug|error|website|web ?page|article|essay|paper|email|letter|report|spreadsheet|photo|picture|image|video|recording|message|sentence|paragraph|passage|table|chart|draft|resume|link)\b(?!\s+(?:about|on|of|for|by|from|called|named|titled)\b)/gi;
// "five recipes", "the top 3 hits", "two examples": how many the answer should hold.
const STATED_QUANTITY_PATTERN = /\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|fifty|hundred|a few|a couple of|a dozen)\s+(?:of\s+the\s+)?(?:[a-z]+-)?[a-z]{3,}/i;
const NAMED_ITEM_PATTERN = /["'\u2018\u201c][^"'\u2019\u201d]{2,60}["'\u2019\u201d]|\b(?:1[5-9]|20)\d\d\b/;

function alternativesIn(text: string, parameterNames: Set<string>): string[] {
  const found: string[] = [];
  const pattern = /\b([\w-]+)(?:\s*,)?\s+or\s+([\w-]+)\b/gi;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const left = match[1].toLowerCase();
    const right = match[2].toLowerCase();
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 12).toLowerCase();
    const before = text.slice(Math.max(0, match.index - 9), match.index).toLowerCase();
    // "True or False", "yes or no" name the result type; they offer no choice.
    if (/^(?:true|false|yes|no)$/.test(left) && /^(?:true|false|yes|no)$/.test(right)) continue;
    if (left === 'than' || right === 'equal' || after.startsWith(' equal') || left === 'whether' || left === right) continue;
    // "no negative or positive integers" names both cases; it offers no choice.
    if (/\b(?:no|not|neither|nor|without)\s+$/.test(before)) continue;
    const leftFamilies = SIBLING_INDEX.get(left) ?? [];
    const rightFamilies = SIBLING_INDEX.get(right) ?? [];
    const sameFamily = leftFamilies.some((family) => rightFamilies.includes(family));
    const sameSuffix = /(est|er)$/.test(left) && left.slice(-3) === right.slice(-3) && left.length > 4 && right.length > 4;
    if (sameFamily || sameSuffix) found.push(match[0]);
  }
  for (const match of text.matchAll(/\b(?:either\b[^.]{0,40}\bor|and\/or|\+\/-)/gi)) found.push(match[0]);
  // "more than or less than", "with space or without space", "Isogram/Palindrome".
  for (const match of text.matchAll(/\b(?:more|less|greater|fewer|smaller|larger) than,? or (?:more|less|greater|fewer|smaller|larger) than\b/gi)) found.push(match[0]);
  for (const match of text.matchAll(/\b\w+ or without\b/gi)) found.push(match[0]);
  // A slash between the two booleans names the result type ("returns True/False"); it offers no choice.
  for (const match of text.matchAll(/\b[A-Za-z]{3,}\/[A-Za-z]{3,}\b/g)) if (!/^(and\/or|true\/false|false\/true|yes\/no|no\/yes)$/i.test(match[0])) found.push(match[0]);
  // Two inputs offered as alternatives: "x or y", "x * n or x + n".
  for (const match of text.matchAll(/(?<![\w'"])([a-z]\w{0,2}(?:\s*[-+*/]\s*\w+)?) or ([a-z]\w{0,2}(?:\s*[-+*/]\s*\w+)?)(?![\w'"])/g)) {
    if (parameterNames.has(match[1].split(/\s/)[0]) && parameterNames.has(match[2].split(/\s/)[0])) found.push(match[0]);
  }
  return found;
}

function wordsOf(text: string): string[] {
  return text.match(/[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?/g) ?? [];
}

/** Computes the features of a parsed task; `codeCheck` is absent when no runner was given. */
export function computeFeatures(
  task: ParsedTask,
  contradictions: Contradiction[],
  codeCheck?: CodeCheck,
  extraKnownNames?: Iterable<string>,
): { features: FeatureVector; findings: TaskFindings } {
  const description = task.description;
  const words = wordsOf(description);
  const lower = description.toLowerCase();
  const signature = task.signature;
  const parameters = signature?.parameters ?? [];
  const sentenceCount = description === '' ? 0 : description.split(/[.!?]+(?:\s|$)/).filter((part) => part.trim() !== '').length;

  const hedges = [...description.matchAll(HEDGE_PATTERN)].map((match) => match[0]);
  const commonHedges = [...description.matchAll(COMMON_HEDGE_PATTERN)].map((match) => match[0]);
  const gaps = [...description.matchAll(GAP_PATTERN), ...description.matchAll(DANGLING_DEFINITION_PATTERN)].map((match) => match[0].trim());
  const parameterNames = new Set(parameters.map((parameter) => parameter.name));
  const alternatives = alternativesIn(description, parameterNames);
  const known = new Set<string>([...task.codeNames, ...(extraKnownNames ?? []), ...parameterNames, ...task.examples.map((example) => example.functionName)]);
  if (signature) known.add(signature.name);
  const undefinedSymbols = undefinedNames(description, task.documentation, known);
  const pronoun = PRONOUN_START.exec(description)?.[0];
  const untypedParameters = parameters.filter((parameter) => !parameter.type).map((parameter) => parameter.name);
  const mentioned = parameters.filter((parameter) => new RegExp(`(?<![\\w])${parameter.name.replace(/\$/g, '\\$')}(?![\\w])`).test(description));
  const examplesWithoutOutput = task.examples.filter((example) => example.expected === undefined).map((example) => example.call);
  const collectionParameters = parameters.filter((parameter) => parameter.type && COLLECTION_TYPE.test(parameter.type)).map((parameter) => parameter.name);

  const constant = constantOutput(task);
  // Request features are measured only on plain requests; a docstring reads differently ("the given text").
  const plain = !signature && task.examples.length === 0;
  const personalNeeds = plain ? [...description.matchAll(PERSONAL_NEEDS_PATTERN)].map((match) => match[0]) : [];
  const subjectiveWords = plain ? [...description.matchAll(SUBJECTIVE_PATTERN)].map((match) => match[0]) : [];
  const missingMaterial = plain ? [...description.matchAll(MISSING_MATERIAL_PATTERN)].map((match) => match[0]) : [];

  const features: FeatureVector = {
    tinyDescription: words.length <= 3 && task.examples.length === 0 ? 1 : 0,
    descriptionWords: Math.log1p(words.length),
    sentenceCount: Math.log1p(sentenceCount),
    hasSignature: signature ? 1 : 0,
    signatureElided: signature?.elided ? 1 : 0,
    untypedParameterShare: parameters.length > 0 ? untypedParameters.length / parameters.length : 0,
    hasReturnType: signature?.returnType ? 1 : 0,
    describesReturn: RETURN_PATTERN.test(description) || ACTION_PATTERN.test(description) ? 1 : 0,
    // An example written as prose ("E.g. (()()) has two levels") pins behaviour down too.
    hasExamples: task.examples.length > 0 || PROSE_EXAMPLE_PATTERN.test(description) ? 1 : 0,
    exampleCount: Math.log1p(task.examples.length),
    examplesWithoutOutputShare: task.examples.length > 0 ? examplesWithoutOutput.length / task.examples.length : 0,
    hedgeCount: Math.log1p(hedges.length),
    commonHedgeDensity: Math.log1p(commonHedges.length) * Math.min(1, COMMON_HEDGE_WORDS / Math.max(1, words.length)),
    alternativeCount: Math.log1p(alternatives.length),
    textGap: Math.min(gaps.length, 2),
    undefinedSymbol: undefinedSymbols.length > 0 ? 1 : 0,
    pronounWithoutAntecedent: pronoun ? 1 : 0,
    parameterMentionShare: parameters.length > 0 ? mentioned.length / parameters.length : 0,
    numberCount: Math.log1p((lower.match(/\b\d+(?:\.\d+)?\b/g) ?? []).length),
    precisionWordCount: Math.log1p((description.match(PRECISION_PATTERN) ?? []).length),
    edgeCaseMentioned: EDGE_CASE_PATTERN.test(description) ? 1 : 0,
    unfinishedSentence: description !== '' && !/[.!?)"'`:]$/.test(description) ? 1 : 0,
    // Names of particular things ("Boston", "The Starry Night") pin a plain request down.
    properNounCount: Math.log1p((description.match(/(?<![.!?]\s|^)(?<=\s|["'(])[A-Z][a-z]+/g) ?? []).length),
    isQuestion: /\?\s*$/.test(description) || /^(?:what|when|where|who|which|how (?:many|much|long|far|old))\b/i.test(description) ? 1 : 0,
    textContradictions: Math.min(contradictions.length, 2),
    codeChecked: codeCheck && codeCheck.checked > 0 ? 1 : 0,
    codeMismatchShare: codeCheck && codeCheck.checked > 0 ? codeCheck.mismatches.length / codeCheck.checked : 0,
    constantOutputs: constant === undefined ? 0 : 1,
    personalNeeds: personalNeeds.length > 0 ? 1 : 0,
    firstPersonCount: plain ? Math.log1p((description.match(FIRST_PERSON_PATTERN) ?? []).length) : 0,
    makeRequest: plain && MAKE_PATTERN.test(description) ? 1 : 0,
    lookupRequest: plain && LOOKUP_PATTERN.test(description.trim()) ? 1 : 0,
    subjectiveWord: subjectiveWords.length > 0 ? 1 : 0,
    missingMaterial: missingMaterial.length > 0 ? 1 : 0,
    namedItem: plain && NAMED_ITEM_PATTERN.test(description) ? 1 : 0,
    statedQuantity: plain && STATED_QUANTITY_PATTERN.test(description) ? 1 : 0,
  };
  return {
    features,
    findings: {
      words: words.length,
      hedges,
      alternatives,
      undefinedSymbols,
      commonHedges,
      gaps,
      pronoun,
      untypedParameters,
      collectionParameters,
      examplesWithoutOutput,
      contradictions: [...contradictions, ...(codeCheck?.mismatches ?? [])],
      constantOutput: constant,
      personalNeeds,
      subjectiveWords,
      missingMaterial,
    },
  };
}
