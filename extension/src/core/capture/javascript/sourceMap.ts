/**
 * A small reader for version-3 source maps (the format tsc, esbuild, Vite, Babel and swc write): decodes
 * the Base64 VLQ `mappings`, resolves `sources` to absolute paths, and answers "where did this generated
 * position come from". Index maps (`sections`) are flattened. No dependency, no native code.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One decoded mapping segment: a generated position and the original position it came from. */
export interface MappingSegment {
  /** 0-based generated column (UTF-16 code units, as in JavaScript strings and V8 offsets). */
  generatedColumn: number;
  /** Index into `SourceMap.sources`. */
  source: number;
  /** 0-based original line. */
  originalLine: number;
  /** 0-based original column. */
  originalColumn: number;
}

/** A decoded source map. */
export interface SourceMap {
  /** Absolute paths of the original files, by index. */
  sources: string[];
  /** Segments of each generated line (0-based), sorted by generated column. */
  lines: MappingSegment[][];
}

/** An original position, 1-based like everything Revise reports. */
export interface OriginalPosition {
  file: string;
  line: number;
  column: number;
}

/** Why a file that points at a source map could not be mapped. */
export interface SourceMapFailure {
  reason: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let index = 0; index < BASE64.length; index++) BASE64_VALUES[BASE64.charCodeAt(index)] = index;

/**
 * Decodes a `mappings` string. Throws on characters outside Base64 or truncated values, which marks the
 * map as broken rather than silently shifting every later position.
 */
export function decodeMappings(mappings: string, sourceCount: number): MappingSegment[][] {
  const lines: MappingSegment[][] = [];
  let current: MappingSegment[] = [];
  let source = 0;
  let originalLine = 0;
  let originalColumn = 0;
  let generatedColumn = 0;
  const fields: number[] = [];
  let position = 0;
  const readValue = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (position >= mappings.length) throw new Error('truncated VLQ value in "mappings"');
      const code = mappings.charCodeAt(position++);
      const digit = code < 128 ? BASE64_VALUES[code]! : -1;
      if (digit < 0) throw new Error(`invalid character ${JSON.stringify(mappings[position - 1])} in "mappings"`);
      result += (digit & 31) * 2 ** shift;
      shift += 5;
      if ((digit & 32) === 0) break;
      if (shift > 35) throw new Error('VLQ value too large in "mappings"');
    }
    return result % 2 === 1 ? -(result - 1) / 2 : result / 2;
  };
  let sorted = true;
  while (position <= mappings.length) {
    const code = position < mappings.length ? mappings.charCodeAt(position) : 59; /* ';' ends the last line */
    if (code === 59 /* ; */) {
      if (!sorted) current.sort((a, b) => a.generatedColumn - b.generatedColumn);
      lines.push(current);
      current = [];
      generatedColumn = 0;
      sorted = true;
      position++;
      continue;
    }
    if (code === 44 /* , */) {
      position++;
      continue;
    }
    fields.length = 0;
    while (position < mappings.length && mappings.charCodeAt(position) !== 44 && mappings.charCodeAt(position) !== 59) {
      fields.push(readValue());
    }
    if (fields.length !== 1 && fields.length !== 4 && fields.length !== 5) {
      throw new Error(`a segment with ${fields.length} fields in "mappings"`);
    }
    generatedColumn += fields[0]!;
    if (fields.length === 1) continue;
    source += fields[1]!;
    originalLine += fields[2]!;
    originalColumn += fields[3]!;
    if (source < 0 || source >= sourceCount || originalLine < 0 || originalColumn < 0 || generatedColumn < 0) {
      throw new Error('a segment points outside the map\'s sources');
    }
    const previous = current[current.length - 1];
    if (previous && previous.generatedColumn > generatedColumn) sorted = false;
    current.push({ generatedColumn, source, originalLine, originalColumn });
  }
  return lines;
}

interface RawSourceMap {
  version?: unknown;
  sources?: unknown;
  sourceRoot?: unknown;
  mappings?: unknown;
  sections?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves one `sources` entry against the map's folder and `sourceRoot`. */
function resolveSource(entry: string, sourceRoot: string, mapFolder: string): string {
  const joined = sourceRoot ? (sourceRoot.endsWith('/') ? sourceRoot + entry : `${sourceRoot}/${entry}`) : entry;
  if (joined.startsWith('file://')) return fileURLToPath(joined);
  // Bundlers' own schemes (webpack://project/./src/x.ts): keep the path after the host.
  const withoutScheme = joined.replace(/^[a-z][\w+.-]*:\/\/[^/]*\//i, '');
  return path.resolve(mapFolder, withoutScheme);
}

/**
 * Parses a source map's JSON text. `mapFolder` is the folder `sources` are relative to (the map file's
 * folder, or the generated file's for an inline map). Throws an `Error` saying what is wrong.
 */
export function parseSourceMap(text: string, mapFolder: string): SourceMap {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('it is not valid JSON');
  }
  if (!isRecord(raw)) throw new Error('it is not a JSON object');
  const map = raw as RawSourceMap;
  if (Array.isArray(map.sections)) return flattenSections(map.sections, mapFolder);
  if (map.version !== 3) throw new Error(`version ${String(map.version)} is not supported (only 3)`);
  if (!Array.isArray(map.sources) || typeof map.mappings !== 'string') throw new Error('"sources" or "mappings" is missing');
  const sourceRoot = typeof map.sourceRoot === 'string' ? map.sourceRoot : '';
  const sources = map.sources.map((entry) => resolveSource(typeof entry === 'string' ? entry : '', sourceRoot, mapFolder));
  return { sources, lines: decodeMappings(map.mappings, sources.length) };
}

function flattenSections(sections: unknown[], mapFolder: string): SourceMap {
  const sources: string[] = [];
  const indexOf = new Map<string, number>();
  const lines: MappingSegment[][] = [];
  for (const section of sections) {
    if (!isRecord(section) || !isRecord(section.offset) || !isRecord(section.map)) throw new Error('an index-map section is malformed');
    const lineOffset = Number(section.offset.line) || 0;
    const columnOffset = Number(section.offset.column) || 0;
    const inner = parseSourceMap(JSON.stringify(section.map), mapFolder);
    inner.lines.forEach((segments, index) => {
      const target = (lines[lineOffset + index] ??= []);
      for (const segment of segments) {
        const file = inner.sources[segment.source]!;
        let sourceIndex = indexOf.get(file);
        if (sourceIndex === undefined) {
          sourceIndex = sources.push(file) - 1;
          indexOf.set(file, sourceIndex);
        }
        target.push({ ...segment, source: sourceIndex, generatedColumn: segment.generatedColumn + (index === 0 ? columnOffset : 0) });
      }
    });
  }
  for (let index = 0; index < lines.length; index++) {
    const segments = (lines[index] ??= []);
    segments.sort((a, b) => a.generatedColumn - b.generatedColumn);
  }
  return { sources, lines };
}

/**
 * The original position of a generated one (both 1-based lines; columns 1-based): the last segment at
 * or before the column on that line, or the line's first segment when the column lies before all of them.
 * Undefined when the line has no mapping at all.
 */
export function originalPositionFor(map: SourceMap, line: number, column: number): OriginalPosition | undefined {
  const segments = map.lines[line - 1];
  if (!segments || segments.length === 0) return undefined;
  const target = column - 1;
  let low = 0;
  let high = segments.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (segments[middle]!.generatedColumn <= target) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  const segment = segments[Math.max(found, 0)]!;
  return { file: map.sources[segment.source]!, line: segment.originalLine + 1, column: segment.originalColumn + 1 };
}

/** The `sourceMappingURL` comment of a script (the last one wins, as in browsers and Node). */
export function findSourceMappingUrl(code: string): string | undefined {
  const pattern = /(?:\/\/[#@]\s*sourceMappingURL=([^\s'"]+)\s*$)|(?:\/\*[#@]\s*sourceMappingURL=([^\s*'"]+)\s*\*\/\s*$)/gm;
  let found: string | undefined;
  for (let match = pattern.exec(code); match; match = pattern.exec(code)) found = match[1] ?? match[2];
  return found;
}

/** Outcome of looking for a generated file's source map. */
export type SourceMapLookup =
  | { kind: 'none' }
  | { kind: 'map'; map: SourceMap; mapFile?: string }
  | { kind: 'broken'; reason: string };

/**
 * Finds and decodes the source map a script points to. `code` is the script's text as it ran; `file` its
 * absolute path (external map references are relative to it). `readText` reads a file or returns
 * undefined; it is injected so that callers can cache.
 */
export async function loadSourceMap(
  code: string,
  file: string,
  readText: (absolutePath: string) => Promise<string | undefined>,
): Promise<SourceMapLookup> {
  const url = findSourceMappingUrl(code);
  if (url === undefined) return { kind: 'none' };
  const folder = path.dirname(file);
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (comma < 0) return { kind: 'broken', reason: 'its inline source map is not a valid data URL' };
    const header = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    let text: string;
    try {
      text = header.split(';').includes('base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
    } catch {
      return { kind: 'broken', reason: 'its inline source map could not be decoded' };
    }
    try {
      return { kind: 'map', map: parseSourceMap(text, folder) };
    } catch (error) {
      return { kind: 'broken', reason: `its inline source map is broken: ${(error as Error).message}` };
    }
  }
  let mapFile: string;
  try {
    mapFile = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(folder, decodeURIComponent(url));
  } catch {
    return { kind: 'broken', reason: `its source map reference ${url} is not a valid path` };
  }
  const text = await readText(mapFile);
  if (text === undefined) return { kind: 'broken', reason: `its source map ${path.basename(mapFile)} is missing` };
  try {
    return { kind: 'map', map: parseSourceMap(text, path.dirname(mapFile)), mapFile };
  } catch (error) {
    return { kind: 'broken', reason: `its source map ${path.basename(mapFile)} is broken: ${(error as Error).message}` };
  }
}

/** Reads a UTF-8 file, or undefined when it cannot be read. */
export async function readTextFile(absolutePath: string): Promise<string | undefined> {
  try {
    return await fs.readFile(absolutePath, 'utf8');
  } catch {
    return undefined;
  }
}
