/**
 * Turns the features that pushed a task towards "vague" into what is missing, in words a developer can
 * act on, quoting the task where that helps.
 */
import type { TaskAnalysis } from './analyze';
import type { FeatureName } from './features';
import { describeUncoveredEdge } from './edges';
import { TINY_WORDS } from './model';

/** A feature must add at least this much log-odds of "vague" before it is reported. */
const MINIMUM_CONTRIBUTION = 0.15;
/** At most this many reasons besides the contradictions. */
const MAXIMUM_REASONS = 5;

function quoteList(phrases: string[], limit = 3): string {
  return [...new Set(phrases.map((phrase) => phrase.trim()))]
    .slice(0, limit)
    .map((phrase) => `"${phrase}"`)
    .join(', ');
}

function codeList(names: string[], limit = 3): string {
  return names
    .slice(0, limit)
    .map((name) => `\`${name}\``)
    .join(', ');
}

/** The message for a feature that pushed towards vague, or `undefined` when it has nothing to say. */
function messageFor(name: FeatureName, analysis: TaskAnalysis): string | undefined {
  const { findings, parsed, features } = analysis;
  switch (name) {
    case 'signatureElided':
      return 'the signature does not list its parameters (`...`): name the inputs and their types';
    case 'untypedParameterShare':
      return findings.untypedParameters.length > 0
        ? `no input types or ranges stated for ${codeList(findings.untypedParameters)}`
        : undefined;
    case 'hasReturnType':
    case 'describesReturn':
      return features.hasReturnType === 0 && features.describesReturn === 0 ? 'the description does not say what the function returns' : undefined;
    case 'hasExamples':
    case 'exampleCount':
      // An example written in prose counts (the feature says so); only a task with none at all is told.
      return features.hasExamples === 0 ? 'no examples of an input with its expected output' : undefined;
    case 'examplesWithoutOutputShare':
      return findings.examplesWithoutOutput.length > 0
        ? `no expected output given for the examples (${codeList(findings.examplesWithoutOutput, 2)})`
        : undefined;
    case 'hedgeCount':
      return findings.hedges.length > 0 ? `vague wording ${quoteList(findings.hedges)}: say exactly which, how many or what` : undefined;
    case 'commonHedgeDensity':
      return findings.commonHedges.length > 0
        ? `vague wording ${quoteList(findings.commonHedges)}${findings.words < 40 ? ' in a short description' : ''}: say exactly which, how many or what`
        : undefined;
    case 'textGap':
      return findings.gaps.length > 0 ? `words seem to be missing at ${quoteList(findings.gaps)}: finish the sentence, or give what it announces` : undefined;
    case 'alternativeCount':
      return findings.alternatives.length > 0 ? `${quoteList(findings.alternatives)} leaves a choice open: say which one` : undefined;
    case 'undefinedSymbol':
      return findings.undefinedSymbols.length > 0
        ? `${codeList(findings.undefinedSymbols)} ${findings.undefinedSymbols.length === 1 ? 'is' : 'are'} used but never defined: not a parameter, not in the code, and the task never says what ${findings.undefinedSymbols.length === 1 ? 'it is' : 'they are'} (e.g. "${findings.undefinedSymbols[0]} = …" or "${findings.undefinedSymbols[0]} is …")`
        : undefined;
    case 'pronounWithoutAntecedent':
      return findings.pronoun ? `the description starts with "${findings.pronoun}" without saying what it refers to` : undefined;
    case 'parameterMentionShare':
      return parsed.signature && parsed.signature.parameters.length > 0 ? 'the description does not say what each parameter means' : undefined;
    case 'edgeCaseMentioned':
      return findings.collectionParameters.length > 0
        ? `unclear what to return when ${codeList(findings.collectionParameters, 2)} is empty`
        : 'no edge cases stated (empty input, zero, no match)';
    case 'descriptionWords':
    case 'sentenceCount':
    case 'precisionWordCount':
    case 'numberCount':
      return findings.words < 25 ? `the description is short (${findings.words} words) and states few concrete conditions` : undefined;
    case 'constantOutputs':
      return findings.constantOutput !== undefined
        ? `every example is said to return ${findings.constantOutput}, so the examples do not show how the result depends on the input: check them, and add one with a different result`
        : undefined;
    case 'personalNeeds':
    case 'firstPersonCount':
      return findings.personalNeeds.length > 0
        ? `the answer depends on your own needs (${quoteList(findings.personalNeeds)}) that the request does not state: say what they are (budget, level, constraints)`
        : undefined;
    case 'subjectiveWord':
      return findings.subjectiveWords.length > 0
        ? `${quoteList(findings.subjectiveWords)} by what measure? Say how to rank or choose (rating, price, date, size)`
        : undefined;
    case 'missingMaterial':
      return findings.missingMaterial.length > 0
        ? `the request works on ${quoteList(findings.missingMaterial)}, which it does not include: paste it or say where it is`
        : undefined;
    case 'makeRequest':
      return 'it asks for a plan, a design, a recommendation or help without saying what the result must meet: say for whom, what it must contain, and its size, budget or other limits';
    case 'unfinishedSentence':
      return 'the description seems to stop mid-sentence';
    default:
      return undefined;
  }
}

/**
 * What is missing from the task: contradictions first (always), then edges the tests exercise that the
 * task leaves open (always: they are facts, not guesses), then the features that added the most log-odds
 * of "vague", each said once.
 */
export function explainVagueness(analysis: TaskAnalysis, contributions: Record<FeatureName, number>): string[] {
  const reasons: string[] = analysis.findings.contradictions.map((contradiction) => contradiction.message);
  if (analysis.findings.words < TINY_WORDS && analysis.parsed.examples.length === 0) {
    reasons.push(
      analysis.findings.words === 0
        ? 'the task is empty: say what the code should do, for which inputs, and give an example'
        : `the task is only ${analysis.findings.words} word(s): say what the code should do, for which inputs, and give an example`,
    );
  }
  reasons.push(...analysis.uncoveredEdges.map(describeUncoveredEdge));
  const ranked = (Object.keys(contributions) as FeatureName[])
    .filter((name) => contributions[name] >= MINIMUM_CONTRIBUTION)
    .sort((left, right) => contributions[right] - contributions[left] || left.localeCompare(right));
  const extra: string[] = [];
  for (const name of ranked) {
    const message = messageFor(name, analysis);
    if (message && !extra.includes(message) && !reasons.includes(message)) extra.push(message);
    if (extra.length >= MAXIMUM_REASONS) break;
  }
  return [...reasons, ...extra];
}
