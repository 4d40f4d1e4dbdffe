/**
 * The top-level names a project's own files define (Python) or export (JavaScript, TypeScript), for the
 * missing-import repair. Read with plain patterns, not parsed: it only has to find candidates, which are
 * validated like every patch. Bounded: folders like `node_modules` and virtual environments are skipped,
 * and at most `MAX_FILES` files of at most `MAX_FILE_BYTES` are read.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { someFileBreadthFirst } from '../capture/walk';
import type { ProjectDefinition, ProjectNames } from './nameRepair';

const MAX_FILES = 2000;
const MAX_FILE_BYTES = 512 * 1024;
const SKIPPED = new Set(['node_modules', '__pycache__', 'venv', 'env', 'site-packages', 'dist', 'build', 'out', 'coverage', 'htmlcov', 'target', 'vendor']);
const PYTHON_FILE = /\.py$/;
const JAVASCRIPT_FILE = /\.(?:[cm]?js|jsx|[cm]?ts|tsx)$/;

/** Top-level definitions of one Python file: `def`, `class` and assignments at column 0. */
export function pythonDefinitions(file: string, text: string): ProjectDefinition[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/^(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_]\w*)/gm)) names.add(match[1]!);
  for (const match of text.matchAll(/^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)/gm)) names.add(match[1]!);
  return [...names].map((name) => ({ file, name }));
}

/** Exported names of one JavaScript or TypeScript file (ES `export`, CommonJS `exports.x` / `module.exports`). */
export function javascriptDefinitions(file: string, text: string): ProjectDefinition[] {
  const found = new Map<string, ProjectDefinition>();
  const add = (name: string, isDefault = false) => {
    if (/^[A-Za-z_$][\w$]*$/.test(name) && !found.has(name)) found.set(name, { file, name, ...(isDefault ? { isDefault } : {}) });
  };
  for (const match of text.matchAll(/^export[ \t]+(?:declare[ \t]+)?(?:async[ \t]+)?(?:function\*?|const|let|var|class|enum|interface|type)[ \t]+([A-Za-z_$][\w$]*)/gm)) add(match[1]!);
  for (const match of text.matchAll(/^export[ \t]*\{([^}]*)\}/gm)) {
    for (const part of match[1]!.split(',')) add(part.trim().split(/\s+as\s+/).pop()!.trim());
  }
  for (const match of text.matchAll(/^export[ \t]+default[ \t]+(?:async[ \t]+)?(?:function\*?|class)?[ \t]*([A-Za-z_$][\w$]*)/gm)) add(match[1]!, true);
  for (const match of text.matchAll(/^(?:module\.)?exports\.([A-Za-z_$][\w$]*)[ \t]*=/gm)) add(match[1]!);
  for (const match of text.matchAll(/^module\.exports[ \t]*=[ \t]*\{([^}]*)\}/gm)) {
    for (const part of match[1]!.split(',')) add(part.trim().split(':')[0]!.trim());
  }
  const single = /^module\.exports[ \t]*=[ \t]*(?:function[ \t]+|class[ \t]+)?([A-Za-z_$][\w$]*)/m.exec(text);
  if (single && single[1] !== 'require') add(single[1]!, true);
  return [...found.values()];
}

/**
 * Indexes the definitions of the project's source files of one family (test files left out). Unreadable
 * files and folders are passed over.
 */
export async function indexProjectDefinitions(
  root: string,
  family: 'python' | 'javascript',
  isTestFile: (file: string) => boolean,
  read: (file: string) => Promise<string | undefined> = (file) => fs.readFile(file, 'utf8'),
): Promise<ProjectNames> {
  const files: string[] = [];
  const pattern = family === 'python' ? PYTHON_FILE : JAVASCRIPT_FILE;
  await someFileBreadthFirst(root, { maxDepth: 10, maxFolders: 2000, skipped: SKIPPED }, (file) => {
    if (pattern.test(file) && !file.endsWith('.d.ts') && !isTestFile(file)) files.push(file);
    return files.length >= MAX_FILES;
  });
  const byName = new Map<string, ProjectDefinition[]>();
  for (const file of files) {
    let text: string | undefined;
    try {
      if ((await fs.stat(file)).size > MAX_FILE_BYTES) continue;
      text = await read(file);
    } catch {
      continue;
    }
    if (text === undefined) continue;
    for (const definition of family === 'python' ? pythonDefinitions(file, text) : javascriptDefinitions(file, text)) {
      const list = byName.get(definition.name) ?? [];
      list.push(definition);
      byName.set(definition.name, list);
    }
  }
  return { root: path.resolve(root), definitions: (name) => byName.get(name) ?? [] };
}
