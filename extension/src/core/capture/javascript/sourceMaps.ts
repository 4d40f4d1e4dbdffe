/**
 * Finds the source maps of the files a test run touched, once per file, and remembers which were missing
 * or broken so that the run reports each once (as a `source-map` problem) and falls back to the
 * generated lines.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CaptureProblem } from '../../types';
import { loadSourceMap, originalPositionFor, readTextFile, type OriginalPosition, type SourceMapLookup } from './sourceMap';

/** Caches file text, source maps and existence checks for one capture. */
export class SourceMapResolver {
  /** `source-map` problems found so far, one per generated file. */
  readonly problems: CaptureProblem[] = [];
  private readonly texts = new Map<string, Promise<string | undefined>>();
  private readonly diskMaps = new Map<string, Promise<SourceMapLookup>>();
  private readonly codeMaps = new Map<string, Promise<SourceMapLookup>>();
  private readonly existing = new Map<string, Promise<boolean>>();
  private readonly reported = new Set<string>();

  constructor(private readonly root: string) {}

  /** A file's UTF-8 text, read once; undefined when unreadable. */
  readText(file: string): Promise<string | undefined> {
    let text = this.texts.get(file);
    if (!text) {
      text = readTextFile(file);
      this.texts.set(file, text);
    }
    return text;
  }

  /** Whether a file exists, checked once. */
  exists(file: string): Promise<boolean> {
    let known = this.existing.get(file);
    if (!known) {
      known = fs.stat(file).then((stat) => stat.isFile(), () => false);
      this.existing.set(file, known);
    }
    return known;
  }

  /** The source map of a file as it is on disk (what plain Node runs). */
  lookupFile(file: string): Promise<SourceMapLookup> {
    let lookup = this.diskMaps.get(file);
    if (!lookup) {
      lookup = this.readText(file).then(async (text) => (text === undefined ? { kind: 'none' as const } : this.check(await loadSourceMap(text, file, (mapFile) => this.readText(mapFile)), file)));
      this.diskMaps.set(file, lookup);
    }
    return lookup;
  }

  /** The source map of code as it ran (transformed by Jest, Vitest, tsx), for the file it came from. */
  lookupCode(code: string, file: string): Promise<SourceMapLookup> {
    const key = `${file}\0${createHash('sha1').update(code).digest('hex')}`;
    let lookup = this.codeMaps.get(key);
    if (!lookup) {
      lookup = loadSourceMap(code, file, (mapFile) => this.readText(mapFile)).then((found) => this.check(found, file));
      this.codeMaps.set(key, lookup);
    }
    return lookup;
  }

  /**
   * The original position of a generated one, when the file on disk has a usable map; undefined keeps
   * the generated position.
   */
  async originalPosition(file: string, line: number, column: number): Promise<OriginalPosition | undefined> {
    const lookup = await this.lookupFile(file);
    if (lookup.kind !== 'map') return undefined;
    return originalPositionFor(lookup.map, line, column);
  }

  /** Records a problem for a file whose map cannot be used (once per file). */
  report(file: string, reason: string): void {
    if (this.reported.has(file)) return;
    this.reported.add(file);
    const shown = path.relative(this.root, file) || file;
    this.problems.push({
      kind: 'source-map',
      message: `${shown}: ${reason}; its lines are reported as they are in the generated JavaScript.`,
      file,
    });
  }

  /** Turns a map whose sources do not exist into a broken one, and reports broken maps. */
  private async check(lookup: SourceMapLookup, file: string): Promise<SourceMapLookup> {
    if (lookup.kind === 'map') {
      const missing: string[] = [];
      for (const source of lookup.map.sources) if (!(await this.exists(source))) missing.push(source);
      if (missing.length > 0 && missing.length === lookup.map.sources.length) {
        lookup = { kind: 'broken', reason: `its source map points to ${path.relative(this.root, missing[0]!) || missing[0]}, which does not exist` };
      }
    }
    if (lookup.kind === 'broken') this.report(file, lookup.reason);
    return lookup;
  }
}
