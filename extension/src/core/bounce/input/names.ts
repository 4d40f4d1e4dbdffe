/**
 * Names a task uses without saying what they are: a lone capital such as `M` or an identifier in
 * backticks that is neither a parameter, nor in the code the task comes with, nor defined by the task
 * itself. A definition is anything of the form `M = 10^6`,
 * `M := …`, "M is …", "M means …", "where M denotes …", "let M be …", "M for millions" or "M: …" at the
 * start of a line.
 */

/** Identifier-like words in a piece of code (all of them; keywords do no harm as "known" names). */
export function identifiersIn(code: string): Set<string> {
  return new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? []);
}

const DEFINITION_VERBS = String.raw`(?:is|are|was|will be|means|mean|denotes|denote|stands for|represents|represent|refers to|equals|is defined as|is given by|be)`;

/** Names the text defines: `X = …`, "X is …", "where X means …", "let X be …", "X: …". */
export function definedNames(text: string): Set<string> {
  const defined = new Set<string>();
  const name = String.raw`\`?([A-Za-z_$][\w$]*)\`?`;
  const patterns = [
    new RegExp(String.raw`${name}\s*(?::=|=(?!=)|≡|≔)`, 'g'),
    new RegExp(String.raw`(?:^|[^\w$])${name}\s+${DEFINITION_VERBS}\b`, 'gm'),
    new RegExp(String.raw`\b(?:where|let|with|if)\s+${name}\s+(?:${DEFINITION_VERBS}|be)\b`, 'gi'),
    new RegExp(String.raw`^\s*[-*]?\s*${name}\s*(?:\([^)]*\))?\s*:`, 'gm'),
    new RegExp(String.raw`["'“]${name}["'”]\s+${DEFINITION_VERBS}\b`, 'g'),
    // "k for thousands, M for millions": a key.
    new RegExp(String.raw`(?:^|[^\w$])${name}\s+(?:for|as)\s+(?:the\s+)?[a-z]+`, 'gm'),
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) defined.add(match[1]);
  return defined;
}

/** What the caller knows besides the prose. */
export interface KnownNames {
  /** Parameters, the function's own name, names in its body or in other code the task comes with. */
  known: Set<string>;
}

/** At most this many lone capitals count as symbols; more are an enumeration ("A, B, C"), not symbols. */
const MAXIMUM_CAPITALS = 2;

/**
 * Names used in `description` (the prose, examples removed) that `fullText` never defines and that are
 * not in `known`. `fullText` is the whole documentation, so a unit note or an example line counts as a
 * definition.
 */
export function undefinedNames(description: string, fullText: string, known: Set<string>): string[] {
  const defined = definedNames(fullText);
  const isKnown = (name: string): boolean =>
    known.has(name) || known.has(name.toLowerCase()) || defined.has(name) || defined.has(name.toLowerCase());
  const capitals = [...new Set([...description.matchAll(/(?<![\w'".$`])([B-HJ-Z])(?![\w'"$`]|\.\w)/g)].map((match) => match[1]))];
  const unknownCapitals = capitals.length <= MAXIMUM_CAPITALS ? capitals.filter((symbol) => !isKnown(symbol)) : [];
  // A name in backticks is code by the author's own marking; bare snake_case words in prose are too often
  // a value's description ("x_mean", "[smallest_value, its index]") to count.
  const backticked = [...description.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((match) => match[1]);
  const unknownNames = [...new Set(backticked)].filter((name) => !isKnown(name) && !unknownCapitals.includes(name));
  return [...unknownCapitals, ...unknownNames];
}
