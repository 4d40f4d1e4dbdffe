/**
 * A small, tolerant reader for pytest's JUnit XML: the fallback source of outcomes when the plugin wrote
 * nothing (it failed to load, or a custom command dropped it). Regular expressions over the text rather
 * than an XML parser: pytest's output is flat and regular, and a truncated file (killed run) should still
 * give the cases that were complete.
 */
import * as path from 'node:path';
import type { TestOutcome, TestResult } from '../../types';

/** One `<testcase>` element. */
export interface JUnitCase {
  classname: string;
  name: string;
  /** The `file` attribute (pytest's `junit_family=xunit1`), relative to the rootdir. */
  file?: string;
  /** The `line` attribute: pytest writes it 0-based. */
  line?: number;
  /** Seconds. */
  time: number;
  outcome: TestOutcome;
  /** The failure's or error's `message` attribute, or the skip reason. */
  message?: string;
}

/** The cases found, and whether the text looked like JUnit XML at all. */
export interface JUnitParse {
  cases: JUnitCase[];
  recognised: boolean;
}

const CASE_PATTERN = /<testcase\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\/>|>([\s\S]*?)<\/testcase\s*>)/g;
const ATTRIBUTE_PATTERN = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const CHILD_PATTERN = /<(failure|error|skipped)\b((?:[^>"']|"[^"]*"|'[^']*')*?)\/?>/;

/** Parses JUnit XML text; cases without a name are dropped, unknown elements ignored. */
export function parseJUnitXml(xml: string): JUnitParse {
  const cases: JUnitCase[] = [];
  const recognised = /<testsuites?\b/.test(xml) || /<testcase\b/.test(xml);
  for (const match of xml.matchAll(CASE_PATTERN)) {
    const attributes = readAttributes(match[1] ?? '');
    const name = attributes.get('name');
    if (!name) continue;
    const body = match[3] ?? '';
    const child = CHILD_PATTERN.exec(body);
    let outcome: TestOutcome = 'passed';
    let message: string | undefined;
    if (child) {
      const childAttributes = readAttributes(child[2] ?? '');
      outcome = child[1] === 'skipped' ? 'skipped' : 'failed';
      message = childAttributes.get('message') || undefined;
      if (!message && child[1] !== 'skipped') message = childAttributes.get('type') || child[1];
    }
    const time = Number(attributes.get('time'));
    const line = Number(attributes.get('line'));
    const file = attributes.get('file');
    cases.push({
      classname: attributes.get('classname') ?? '',
      name,
      time: Number.isFinite(time) && time >= 0 ? time : 0,
      outcome,
      ...(file ? { file } : {}),
      ...(attributes.has('line') && Number.isInteger(line) && line >= 0 ? { line } : {}),
      ...(message !== undefined ? { message } : {}),
    });
  }
  return { cases, recognised };
}

function readAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(ATTRIBUTE_PATTERN)) {
    attributes.set(match[1]!, decodeEntities(match[2] ?? match[3] ?? ''));
  }
  return attributes;
}

/** Decodes the five XML entities and numeric character references. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (entity, body: string) => {
    switch (body) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const code = body.startsWith('#x') ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
        return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      }
    }
  });
}

/**
 * Turns JUnit cases into test results with pytest node ids. pytest's classname is the dotted module path
 * plus any classes (`tests.test_x.TestY`); the module part is found from the `file` attribute, else by
 * asking `isFile` which dotted prefix names an existing `.py` file under the root.
 */
export function junitCasesToResults(cases: JUnitCase[], root: string, isFile: (absolutePath: string) => boolean): TestResult[] {
  return cases.map((testCase) => {
    const { file, classes } = splitClassname(testCase, root, isFile);
    const id = file ? [file, ...classes, testCase.name].join('::') : [testCase.classname, testCase.name].filter(Boolean).join('::');
    const result: TestResult = {
      id,
      outcome: testCase.outcome,
      durationMs: Math.round(testCase.time * 1e6) / 1e3,
      frames: [],
    };
    if (file) result.file = path.resolve(root, file);
    if (testCase.line !== undefined && file) result.line = testCase.line + 1;
    if (testCase.outcome === 'failed' && testCase.message) result.message = firstLine(testCase.message);
    return result;
  });
}

function splitClassname(
  testCase: JUnitCase,
  root: string,
  isFile: (absolutePath: string) => boolean,
): { file?: string; classes: string[] } {
  const parts = testCase.classname ? testCase.classname.split('.') : [];
  if (testCase.file) {
    const modulePath = testCase.file.replace(/\\/g, '/').replace(/\.py$/, '').split('/');
    const sameModule = modulePath.every((part, index) => parts[index] === part);
    return { file: testCase.file.replace(/\\/g, '/'), classes: sameModule ? parts.slice(modulePath.length) : [] };
  }
  for (let length = parts.length; length > 0; length--) {
    const candidate = `${parts.slice(0, length).join('/')}.py`;
    if (isFile(path.join(root, candidate))) return { file: candidate, classes: parts.slice(length) };
  }
  return { classes: [] };
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}
