/**
 * Property-based fuzzing of every parser of foreign text (test reports, coverage, stack traces, runner
 * JSON, model replies, diffs, source maps): whatever the input, each returns a result or throws one of
 * Revise's typed errors (`LlmError`, `ReviseError`), never anything else. Shared by the seeded unit test and
 * the `bench/faults` run (≥ 100,000 inputs). Inputs mix arbitrary text with fragments of the real formats,
 * so that the generator reaches past the first syntax check.
 */
import * as fc from 'fast-check';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReviseError } from '../../extension/src/core/errors';
import { extractJsonObject } from '../../extension/src/core/capture/javascript/json';
import { readCaptureRecords } from '../../extension/src/core/capture/javascript/records';
import { loadFailure, looksLikeJestReport, looksLikeMochaReport, parseJestLikeReport, parseMochaReport, parseNodeTestEvents } from '../../extension/src/core/capture/javascript/reports';
import { decodeMappings, findSourceMappingUrl, originalPositionFor, parseSourceMap } from '../../extension/src/core/capture/javascript/sourceMap';
import { messageOf, parseV8Stack, stripAnsi } from '../../extension/src/core/capture/javascript/stack';
import { junitCasesToResults, parseJUnitXml } from '../../extension/src/core/capture/python/junit';
import { parseCoverageFile, parsePluginOutput } from '../../extension/src/core/capture/python/records';
import { parseUnifiedZeroDiff } from '../../extension/src/core/git';
import { critiqueLines } from '../../extension/src/core/llm/critic';
import { LlmError } from '../../extension/src/core/llm/errors';
import { parseJsonReply } from '../../extension/src/core/llm/json';
import { judgeTask } from '../../extension/src/core/llm/judge';
import { proposeLlmPatches } from '../../extension/src/core/llm/repair';
import type { LlmClient } from '../../extension/src/core/llm/types';
import { screenModelEdit } from '../../extension/src/core/sandbox/screen';

/** One parser under fuzzing. */
export interface FuzzTarget {
  name: string;
  /** What kind of foreign text it reads. */
  reads: string;
  input: fc.Arbitrary<string>;
  /** Parses one input; may throw only a typed error. */
  parse(text: string): unknown;
}

/** Text made of real-format fragments and arbitrary characters, in any order. */
function textOf(fragments: string[], maxPieces = 30): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fragments) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 1_000_000 }).map(String) },
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength: maxPieces }).map((pieces) => pieces.join('')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  );
}

/** JSON values (real JSON text, sometimes truncated or with an extra byte). */
function jsonText(shape?: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const value = shape ?? fc.jsonValue({ maxDepth: 4 });
  return fc.oneof(
    { weight: 3, arbitrary: value.map((item) => JSON.stringify(item) ?? 'null') },
    { weight: 1, arbitrary: fc.tuple(value, fc.nat()).map(([item, cut]) => { const text = JSON.stringify(item) ?? ''; return text.slice(0, cut % (text.length + 1)); }) },
    { weight: 1, arbitrary: fc.tuple(value, fc.string({ maxLength: 3 })).map(([item, extra]) => (JSON.stringify(item) ?? '') + extra) },
  );
}

const anyJsonLeaf = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: -3, max: 50 }), { maxLength: 6 }));
const pathLike = fc.constantFrom('/root/a.py', '/root/tests/test_a.py', 'a.js', '../x.ts', '', 'C:\\x\\y.js', 'file:///root/a.js', '/root/🙂.py');

/** Coverage-shaped JSON: files to line lists and contexts, with wrong types sprinkled in. */
const coverageShape = fc.record({
  meta: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), anyJsonLeaf, { maxKeys: 3 })),
  files: fc.dictionary(pathLike, fc.record({ executed_lines: fc.oneof(fc.array(fc.integer({ min: -2, max: 500 }), { maxLength: 10 }), anyJsonLeaf), contexts: fc.option(fc.dictionary(fc.integer({ min: 0, max: 50 }).map(String), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), { maxKeys: 4 })) }), { maxKeys: 4 }),
});

/** Runner-report-shaped JSON (Jest, Vitest, Mocha). */
const reportShape = fc.record({
  numTotalTests: fc.option(fc.integer()),
  testResults: fc.option(fc.array(fc.record({ name: pathLike, assertionResults: fc.array(fc.record({ fullName: fc.string({ maxLength: 20 }), title: fc.string({ maxLength: 10 }), ancestorTitles: fc.oneof(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), anyJsonLeaf), status: fc.constantFrom('passed', 'failed', 'pending', 'todo', 'weird', 3), failureMessages: fc.oneof(fc.array(fc.string({ maxLength: 40 }), { maxLength: 2 }), anyJsonLeaf), duration: fc.option(fc.double()) }), { maxLength: 3 }) }), { maxLength: 3 })),
  stats: fc.option(fc.record({ tests: fc.integer(), passes: fc.integer() })),
  tests: fc.option(fc.array(fc.record({ title: fc.string({ maxLength: 10 }), fullTitle: fc.string({ maxLength: 20 }), file: pathLike, err: fc.oneof(fc.constant({}), fc.record({ message: fc.string({ maxLength: 20 }), stack: fc.string({ maxLength: 60 }) }), anyJsonLeaf) }), { maxLength: 3 })),
  passes: fc.option(fc.array(fc.record({ title: fc.string({ maxLength: 10 }), file: pathLike }), { maxLength: 2 })),
  failures: fc.option(fc.array(fc.record({ title: fc.string({ maxLength: 10 }), file: pathLike }), { maxLength: 2 })),
});

/** Model-reply-shaped JSON for the three roles, wrapped in fences, prose or <think> blocks at times. */
const replyShape = fc.record({
  lines: fc.option(fc.array(fc.record({ line: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.string({ maxLength: 3 }), fc.double()), probability: fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.integer()), reason: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()) }), { maxLength: 4 })),
  patches: fc.option(fc.array(fc.record({ startLine: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.string({ maxLength: 3 })), endLine: fc.oneof(fc.integer({ min: -2, max: 40 }), anyJsonLeaf), replacement: fc.oneof(fc.string({ maxLength: 40 }), anyJsonLeaf), rationale: fc.option(fc.string({ maxLength: 20 })) }), { maxLength: 4 })),
  label: fc.option(fc.constantFrom('well-specified', 'reasonably-specified', 'vague', 'impossible', 'VAGUE', '', 7)),
  vagueProbability: fc.option(fc.oneof(fc.double(), fc.string({ maxLength: 4 }))),
  missing: fc.option(fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), anyJsonLeaf)),
});
const modelReply = fc.oneof(
  { weight: 3, arbitrary: jsonText(replyShape) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', 'Sure! ', '<think>hmm {"no": 1}</think>', '```json\n', '```\n'), jsonText(replyShape), fc.constantFrom('', '\n```', ' Hope it helps.', ',}')).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: textOf(['{', '}', '[', ']', '"', ':', ',', '"lines"', '"patches"', '"label"', '```', '<think>', '</think>', '\\', 'null']) },
);

const SOURCE = Array.from({ length: 40 }, (_, index) => `    value_${index} = compute(${index})`).join('\n');
const replyClient = (text: string): LlmClient => ({ complete: () => Promise.resolve({ text }) });

/** Every foreign-text parser in Revise. */
export function fuzzTargets(recordsFolder: string): FuzzTarget[] {
  let recordsFile = 0;
  return [
    {
      name: 'junit-xml',
      reads: 'pytest JUnit XML',
      input: textOf(['<?xml version="1.0"?>', '<testsuites>', '<testsuite name="pytest" tests="2">', '<testcase classname="tests.test_a" name="test_x" file="tests/test_a.py" line="3" time="0.01"', '/>', '>', '</testcase>', '<failure message="assert 1 == 2">', '</failure>', '<error message="boom"/>', '<skipped/>', '&amp;', '&lt;', '&#x', '&#', ';', '"', "'", '<![CDATA[', ']]>', '</testsuite>']),
      parse: (text) => junitCasesToResults(parseJUnitXml(text).cases, '/root', () => false),
    },
    {
      name: 'pytest-plugin-jsonl',
      reads: "Revise's pytest plugin output (JSON lines)",
      input: fc.array(fc.oneof(jsonText(fc.record({ t: fc.constantFrom('test', 'collect-error', 'note', 'begin', 'x'), nodeid: fc.string({ maxLength: 20 }), outcome: fc.constantFrom('passed', 'failed', 'skipped', 'error', 1), file: pathLike, line: anyJsonLeaf, message: fc.option(fc.string({ maxLength: 30 })), frames: fc.option(fc.array(fc.record({ file: pathLike, line: anyJsonLeaf, function: fc.string({ maxLength: 8 }) }), { maxLength: 3 })), covered: fc.option(fc.dictionary(pathLike, fc.array(fc.integer({ min: -1, max: 99 }), { maxLength: 4 }), { maxKeys: 2 })) })), fc.string({ maxLength: 30 })), { maxLength: 6 }).map((lines) => lines.join('\n')),
      parse: (text) => parsePluginOutput(text),
    },
    { name: 'coverage-json', reads: 'coverage.py JSON', input: fc.oneof(jsonText(coverageShape), jsonText()), parse: (text) => parseCoverageFile(text) },
    {
      name: 'v8-coverage-records',
      reads: "V8 coverage and test records from the Node helpers (JSON lines)",
      input: fc.array(fc.oneof(jsonText(fc.record({ t: fc.constantFrom('begin', 'end', 'script', 'delta', 'coverage', 'note', 'lingering'), file: pathLike, name: fc.string({ maxLength: 10 }), url: fc.option(pathLike), scriptId: fc.option(fc.oneof(fc.string({ maxLength: 3 }), fc.integer())), ranges: fc.option(fc.oneof(fc.array(fc.integer({ min: -2, max: 5000 }), { maxLength: 9 }), anyJsonLeaf)), functions: fc.option(fc.array(fc.record({ ranges: fc.array(fc.record({ startOffset: fc.integer(), endOffset: fc.integer(), count: fc.integer() }), { maxLength: 3 }) }), { maxLength: 2 })), outcome: fc.option(fc.constantFrom('passed', 'failed', 'x')), at: fc.option(fc.double()) })), fc.string({ maxLength: 20 })), { maxLength: 6 }).map((lines) => lines.join('\n')),
      parse: async (text) => {
        const file = path.join(recordsFolder, `records-1-${recordsFile++ % 4}.jsonl`);
        await fsp.writeFile(file, text);
        try {
          return await readCaptureRecords(recordsFolder);
        } finally {
          await fsp.rm(file, { force: true });
        }
      },
    },
    {
      name: 'v8-stack',
      reads: 'V8 stack traces and error text',
      input: textOf(['Error: boom\n', '    at ', 'Object.<anonymous> ', 'async ', 'new Foo ', '(', ')', '/root/a.js', 'file:///root/b.mjs', 'node:internal/x', ':', '12', '\n', 'eval at ', '<anonymous>', '\u001b[31m', '\u001b[0m', ' [as x]']),
      parse: (text) => [parseV8Stack(text), messageOf(text), stripAnsi(text)],
    },
    {
      name: 'node-test-events',
      reads: 'node:test reporter events (JSON lines)',
      input: fc.array(fc.oneof(jsonText(fc.record({ type: fc.constantFrom('test:pass', 'test:fail', 'test:start', 'test:diagnostic', 'test:plan', 'x'), data: fc.record({ name: fc.string({ maxLength: 10 }), file: pathLike, line: anyJsonLeaf, nesting: fc.oneof(fc.integer({ min: -1, max: 4 }), anyJsonLeaf), details: fc.option(fc.record({ duration_ms: anyJsonLeaf, error: fc.option(fc.record({ message: fc.string({ maxLength: 20 }), stack: fc.string({ maxLength: 40 }), cause: anyJsonLeaf, failureType: fc.string({ maxLength: 8 }) })), type: fc.option(fc.constantFrom('suite', 'test')) })) }) })), fc.string({ maxLength: 20 })), { maxLength: 6 }).map((lines) => lines.join('\n')),
      parse: (text) => parseNodeTestEvents(text, '/root'),
    },
    {
      name: 'runner-json',
      reads: 'Jest, Vitest and Mocha JSON reports (amid other output)',
      input: fc.tuple(fc.string({ maxLength: 20 }), jsonText(reportShape), fc.string({ maxLength: 20 })).map((parts) => parts.join('\n')),
      parse: (text) => {
        const jest = extractJsonObject(text, looksLikeJestReport);
        const mocha = extractJsonObject(text, looksLikeMochaReport);
        return [jest && parseJestLikeReport(jest, 'jest', '/root'), jest && parseJestLikeReport(jest, 'vitest', '/root'), mocha && parseMochaReport(mocha, '/root'), loadFailure(text, '/root')];
      },
    },
    {
      name: 'model-replies',
      reads: 'LLM replies for the critic, the repairer and the judge',
      input: modelReply,
      parse: async (text) => {
        const client = replyClient(text);
        const results: unknown[] = [];
        for (const step of [
          () => parseJsonReply(text),
          () => critiqueLines(client, { file: 'a.py', language: 'python', source: SOURCE, candidateLines: [{ line: 3, text: 'x', score: 0.5 }], failures: [{ id: 't' }] }),
          () => proposeLlmPatches(client, { file: 'a.py', language: 'python', source: SOURCE, suspects: [{ line: 3, score: 0.5, evidence: [] }], failures: [{ id: 't' }], maxPatches: 3 }),
          () => judgeTask(client, { text: 'make it add' }),
        ]) {
          try {
            results.push(await step());
          } catch (error) {
            if (!(error instanceof LlmError)) throw error;
            results.push(error.kind);
          }
        }
        return results;
      },
    },
    {
      name: 'git-diff',
      reads: 'git diff --unified=0 output',
      input: textOf(['diff --git a/x.py b/x.py\n', '--- a/x.py\n', '+++ b/x.py\n', '+++ /dev/null\n', '@@ -1,2 +3,4 @@\n', '@@ -0,0 +1 @@\n', '+new\n', '-old\n', ' ctx\n', '\\ No newline at end of file\n', 'Binary files differ\n', 'rename to y.py\n', '"a/\\303\\251.py"']),
      parse: (text) => parseUnifiedZeroDiff(text, '/root'),
    },
    {
      name: 'model-edit-screen',
      reads: 'model-written file text against the original',
      input: textOf(['open(', 'os.', 'environ', 'import os\n', 'require(', 'eval(', '\n', '    return a + b\n', '#', '//', '__import__', 'fetch(', 'subprocess', '\r\n']),
      parse: (text) => screenModelEdit(SOURCE, text),
    },
    {
      name: 'source-maps',
      reads: 'source maps and sourceMappingURL comments',
      input: fc.oneof(
        jsonText(fc.record({ version: fc.constantFrom(3, 2, '3'), sources: fc.oneof(fc.array(fc.oneof(pathLike, fc.constant(null)), { maxLength: 3 }), anyJsonLeaf), sourceRoot: fc.option(fc.string({ maxLength: 8 })), mappings: fc.oneof(textOf(['A', 'AAAA', 'AACA', ';', ',', 'gB', '+', '/', 'z', '9'], 20), anyJsonLeaf), sections: fc.option(fc.array(fc.record({ offset: fc.record({ line: fc.integer(), column: fc.integer() }), map: fc.constant({}) }), { maxLength: 2 })) })),
        textOf(['//# sourceMappingURL=', 'data:application/json;base64,', 'eyJ2ZXJzaW9uIjozfQ==', '.js.map', '\n', '/*# sourceMappingURL=x.map */']),
      ),
      parse: (text) => {
        const results: unknown[] = [findSourceMappingUrl(text)];
        for (const step of [() => decodeMappings(text, 3).length, () => { const map = parseSourceMap(text, '/maps'); return [originalPositionFor(map, 1, 0), originalPositionFor(map, 3, 7)]; }]) {
          try {
            results.push(step());
          } catch (error) {
            if (!isDocumentedMapError(error)) throw error;
          }
        }
        return results;
      },
    },
  ];
}

/**
 * The source-map reader reports a map it cannot read with a plain `Error` saying why (its caller turns
 * that into a `source-map` problem); a TypeError or RangeError would be a bug.
 */
function isDocumentedMapError(error: unknown): boolean {
  return error instanceof Error && error.constructor === Error;
}

/** What fuzzing one parser found. */
export interface FuzzOutcome {
  name: string;
  reads: string;
  inputs: number;
  /** The first input that threw an untyped error, with the error, or undefined. */
  failure?: string;
  /** Slowest single input, in milliseconds. */
  slowestMs: number;
}

/** Fuzzes each target with `runs` inputs from `seed`; an untyped throw fails the target (shrunk by fast-check). */
export async function fuzzParsers(runs: number, seed: number, only?: (target: FuzzTarget) => boolean): Promise<FuzzOutcome[]> {
  const folder = await fsp.mkdtemp(path.join(os.tmpdir(), 'revise-fuzz-'));
  const outcomes: FuzzOutcome[] = [];
  try {
    for (const target of fuzzTargets(folder).filter((item) => !only || only(item))) {
      let slowestMs = 0;
      let inputs = 0;
      const property = fc.asyncProperty(target.input, async (text) => {
        inputs++;
        const started = process.hrtime.bigint();
        try {
          await target.parse(text);
        } catch (error) {
          if (!(error instanceof ReviseError) && !(error instanceof LlmError)) throw error;
        } finally {
          slowestMs = Math.max(slowestMs, Number(process.hrtime.bigint() - started) / 1e6);
        }
      });
      const details = await fc.check(property, { numRuns: runs, seed });
      outcomes.push({
        name: target.name,
        reads: target.reads,
        inputs,
        ...(details.failed ? { failure: `${JSON.stringify(details.counterexample?.[0])?.slice(0, 300)}: ${String(details.errorInstance)}` } : {}),
        slowestMs: Math.round(slowestMs * 10) / 10,
      });
    }
  } finally {
    await fsp.rm(folder, { recursive: true, force: true });
  }
  return outcomes;
}
