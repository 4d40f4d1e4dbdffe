import * as fs from 'node:fs/promises';
import type { SourceReader } from './ports';

/** Files larger than this are not read for scoring or patching (generated or vendored code). */
export const MAX_SOURCE_BYTES = 1024 * 1024;

/**
 * Reads source files from disk, refusing what Revise should not touch: missing files, files over
 * `MAX_SOURCE_BYTES`, binary files (a NUL byte) and text that is not valid UTF-8. Results are cached
 * for the lifetime of the reader, which is one check.
 */
export class DiskSourceReader implements SourceReader {
  private readonly cache = new Map<string, Promise<string | undefined>>();
  /** Why files were skipped, for the report's problems. */
  readonly skipped = new Map<string, string>();

  read(absolutePath: string): Promise<string | undefined> {
    let text = this.cache.get(absolutePath);
    if (!text) {
      text = this.load(absolutePath);
      this.cache.set(absolutePath, text);
    }
    return text;
  }

  private async load(absolutePath: string): Promise<string | undefined> {
    try {
      const stat = await fs.stat(absolutePath);
      if (!stat.isFile()) return undefined;
      if (stat.size > MAX_SOURCE_BYTES) {
        this.skipped.set(absolutePath, `larger than ${MAX_SOURCE_BYTES / 1024} KiB`);
        return undefined;
      }
      const bytes = await fs.readFile(absolutePath);
      if (bytes.includes(0)) {
        this.skipped.set(absolutePath, 'binary file');
        return undefined;
      }
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        this.skipped.set(absolutePath, 'not valid UTF-8');
        return undefined;
      }
    } catch {
      return undefined;
    }
  }
}

