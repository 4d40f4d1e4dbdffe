/**
 * The localize stage: a line-level process reward scorer. It turns a captured test run (and any
 * optional evidence: recent edits, repair outcomes, a critic) into a calibrated probability that each
 * executed line is faulty, with the evidence that moved it.
 */
import * as path from 'node:path';
import { throwIfCancelled } from '../errors';
import type { SourceReader } from '../ports';
import { languageForFile, type SyntaxService } from '../syntax/treeSitter';
import type { EvidenceKind, LineRole, LineScore, RepairOutcome, TestRun } from '../types';
import { describeEvidence } from './evidence';
import { lineFeatures, rankFractions, ochiai, dstar, type CriticOpinion, type LineContext } from './features';
import { lexicalFacts, NO_LEXICAL_FACTS, type LexicalFacts } from './lexical';
import { withLoadErrorPlaces } from './loadErrors';
import { defaultModel, FEATURE_KINDS, sigmoid, type ScorerModel } from './model';
import { createScopeFilter, spectrumCounts } from './spectrum';
import { NO_STRUCTURE, structureFacts } from './structure';

export { spectrumCounts, createScopeFilter } from './spectrum';
export type { SpectrumCounts, LineSpectrum } from './spectrum';
export { defaultModel, parseModel, sigmoid, modelLogit, FEATURE_NAMES, FEATURE_KINDS, OPTIONAL_FEATURES } from './model';
export type { ScorerModel, FeatureWeight } from './model';
export { ochiai, dstar, squashedDstar, rankFractions, repairFeatures } from './features';
export type { CriticOpinion } from './features';
export { lexicalFacts } from './lexical';

/** Inputs of `localizeFaults`. Only `run` and `sources` are required. */
export interface LocalizeOptions {
  /** The captured test run. */
  run: TestRun;
  /** Reads source text; returns undefined for unreadable files (their lines are still scored). */
  sources: SourceReader;
  /** Gives each line a syntactic role; without it the role features are 0. */
  syntax?: SyntaxService;
  /** Absolute file → 1-based lines that differ from git HEAD or are unsaved. */
  recentEdits?: Record<string, number[]>;
  /** Mutation evidence from the patch stage. */
  repairOutcomes?: RepairOutcome[];
  /** Keyed `${file}:${line}` (absolute file), e.g. from an LLM reviewer. */
  critic?: Map<string, CriticOpinion>;
  /** Defaults to the shipped `weights.json`. */
  model?: ScorerModel;
  signal?: AbortSignal;
}

/**
 * Scores every non-test line inside `run.root` that at least one failing test executed, and every place
 * a load failure (a file that does not parse or import) points at, highest probability first. Ties are broken by Ochiai, then by how many failing tests' deepest user frame is
 * the line, then by file path and line, so the order is the same on every run. Ranks are 1..n.
 */
export async function localizeFaults(options: LocalizeOptions): Promise<LineScore[]> {
  const { run, sources, syntax, signal } = options;
  throwIfCancelled(signal);
  const model = options.model ?? defaultModel();
  const counts = spectrumCounts(run);
  if (counts.lines.length === 0) return rankLineScores(await withLoadErrorPlaces(run, [], sources, syntax));

  const files = [...new Set(counts.lines.map((line) => line.file))];
  const texts = await readSources(files, sources);
  throwIfCancelled(signal);
  const { roles, scopes } = syntax ? await lineStructureOf(texts, syntax, signal) : { roles: new Map<string, Map<number, LineRole>>(), scopes: new Map<string, Map<number, number>>() };

  const edits = new Map<string, Set<number>>();
  for (const [file, lines] of Object.entries(options.recentEdits ?? {})) edits.set(path.resolve(file), new Set(lines));
  const repairs = new Map<string, RepairOutcome[]>();
  for (const outcome of options.repairOutcomes ?? []) {
    const key = `${path.resolve(outcome.file)}:${outcome.line}`;
    const list = repairs.get(key);
    if (list) list.push(outcome);
    else repairs.set(key, [outcome]);
  }

  const lineCount = counts.lines.length;
  const ochiaiValues = new Float64Array(lineCount);
  const dstarValues = new Float64Array(lineCount);
  counts.lines.forEach((line, index) => {
    ochiaiValues[index] = ochiai(line.failedCovering, line.passedCovering, counts.totalFailed);
    dstarValues[index] = dstar(line.failedCovering, line.passedCovering, line.failedNotCovering);
  });
  const ochiaiRanks = rankFractions(ochiaiValues);
  const structure = structureFacts(counts.lines, ochiaiValues, scopes, run, createScopeFilter(run), counts.totalFailed, (file, line) => texts.get(file)?.[line - 1]);
  const dstarRanks = rankFractions(dstarValues);

  const terms = Object.entries(model.features).map(([name, { weight, reference }]) => ({ name, weight, reference, kind: FEATURE_KINDS[name] as EvidenceKind | undefined }));
  const resolvedFiles = new Map(files.map((file) => [file, path.resolve(file)]));
  const lexicalCache = new Map<string, LexicalFacts>();

  const scored: LineScore[] = [];
  counts.lines.forEach((spectrum, index) => {
    const resolved = resolvedFiles.get(spectrum.file) as string;
    const lines = texts.get(spectrum.file);
    const rawText = lines?.[spectrum.line - 1];
    const context: LineContext = {
      role: roles.get(spectrum.file)?.get(spectrum.line),
      lexical: rawText === undefined ? NO_LEXICAL_FACTS : cachedLexical(rawText, spectrum.file, lexicalCache),
      edited: edits.get(resolved)?.has(spectrum.line) ?? false,
      repairs: repairs.get(`${resolved}:${spectrum.line}`) ?? [],
      critic: options.critic?.get(`${spectrum.file}:${spectrum.line}`) ?? options.critic?.get(`${resolved}:${spectrum.line}`),
      structure: structure[index] ?? NO_STRUCTURE,
    };
    const features = lineFeatures(spectrum, counts, ochiaiRanks[index], dstarRanks[index], context);
    let logit = model.intercept;
    const contributions: Record<EvidenceKind, number> = { spectrum: 0, traceback: 0, edited: 0, syntax: 0, repair: 0, critic: 0, 'load-error': 0 };
    for (const term of terms) {
      const contribution = term.weight * ((features[term.name] ?? 0) - term.reference);
      logit += contribution;
      if (term.kind) contributions[term.kind] += contribution;
    }
    const score: LineScore = {
      file: spectrum.file,
      line: spectrum.line,
      score: sigmoid(logit),
      rank: 0,
      features,
      evidence: describeEvidence(spectrum, counts, context, contributions),
    };
    const text = rawText?.trim();
    if (text !== undefined) score.text = text;
    scored.push(score);
  });

  return rankLineScores(await withLoadErrorPlaces(run, scored, sources, syntax));
}

/**
 * The scorer's total order: score, then Ochiai, then the share of failing tests whose deepest user
 * frame is the line, then file path (code-unit order, independent of the locale), then line.
 * Exported so benchmarks that re-score cached features rank exactly as `localizeFaults` does.
 */
export function compareLineScores(left: LineScore, right: LineScore): number {
  return (
    right.score - left.score ||
    (right.features.ochiai ?? 0) - (left.features.ochiai ?? 0) ||
    (right.features.deepestFrameFraction ?? 0) - (left.features.deepestFrameFraction ?? 0) ||
    (left.file < right.file ? -1 : left.file > right.file ? 1 : 0) ||
    left.line - right.line
  );
}

/** Sorts scores with `compareLineScores` and numbers them 1..n, in place; returns the same array. */
export function rankLineScores(scores: LineScore[]): LineScore[] {
  scores.sort(compareLineScores);
  scores.forEach((score, index) => {
    score.rank = index + 1;
  });
  return scores;
}

function cachedLexical(text: string, file: string, cache: Map<string, LexicalFacts>): LexicalFacts {
  const python = languageForFile(file) === 'python';
  const key = `${python ? 'p' : 'j'}${text}`;
  let facts = cache.get(key);
  if (!facts) {
    facts = lexicalFacts(text, python);
    cache.set(key, facts);
  }
  return facts;
}

async function readSources(files: string[], sources: SourceReader): Promise<Map<string, string[] | undefined>> {
  const texts = await Promise.all(files.map((file) => sources.read(file).catch(() => undefined)));
  return new Map(files.map((file, index) => [file, texts[index]?.split(/\r\n|\r|\n/)]));
}

async function lineStructureOf(
  texts: Map<string, string[] | undefined>,
  syntax: SyntaxService,
  signal: AbortSignal | undefined,
): Promise<{ roles: Map<string, Map<number, LineRole>>; scopes: Map<string, Map<number, number>> }> {
  const roles = new Map<string, Map<number, LineRole>>();
  const scopes = new Map<string, Map<number, number>>();
  for (const [file, lines] of texts) {
    const language = languageForFile(file);
    if (!lines || !language) continue;
    try {
      const structure = await syntax.lineStructure(language, lines.join('\n'));
      roles.set(file, structure.roles);
      scopes.set(file, structure.scopes);
    } catch {
      // A file tree-sitter cannot parse just loses its role features; the other evidence still counts.
    }
    throwIfCancelled(signal);
  }
  return { roles, scopes };
}
