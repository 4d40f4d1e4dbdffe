/**
 * Which JavaScript test framework a project uses, and whether it is installed: read from package.json
 * (the test script first, then dependencies), framework config files, and `node:test` imports.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ReviseError } from '../../errors';
import type { Framework } from '../../types';
import { baseName, parseShellScript, programWords } from './shell';
import { someFileBreadthFirst } from '../walk';

/** The parts of package.json Revise reads. */
export interface PackageManifest {
  /** Absolute path of the folder holding package.json. */
  root: string;
  scripts: Record<string, string>;
  dependencies: Set<string>;
  /** ES modules by default (`"type": "module"`). */
  isModule: boolean;
  /** The `jest` key, when present. */
  jestConfig?: Record<string, unknown>;
  hasMochaConfig: boolean;
}

/** The script npm writes into a new package.json, which runs no tests. */
const PLACEHOLDER_TEST_SCRIPT = /no test specified/i;
const CONFIG_FILES: [RegExp, Framework][] = [
  [/^vitest\.(config|workspace)\.[cm]?[jt]s$/, 'vitest'],
  [/^jest\.config\.([cm]?[jt]s|json)$/, 'jest'],
  [/^\.mocharc(\.(c?js|ya?ml|jsonc?))?$/, 'mocha'],
];
/** How deep `detectJavaScript` looks for files importing `node:test`. */
const SEARCH_DEPTH = 3;
const SEARCH_FOLDER_LIMIT = 200;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'build', 'coverage', 'out']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Unexpected token } (line 4, column 3)` from a JSON.parse error. */
function jsonErrorWhere(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*$/, '') : String(error);
  const position = error instanceof Error ? /at position (\d+)/.exec(error.message) : null;
  if (!position) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

/**
 * Reads `<root>/package.json`; undefined when it is missing or not an object. Throws
 * `ReviseError('no-project')` when it is not valid JSON.
 */
export async function readManifest(root: string): Promise<PackageManifest | undefined> {
  const file = path.join(root, 'package.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // npm cannot run a script from it either: say so in one line instead of running npm's stack trace.
    throw new ReviseError('no-project', `${file} is not valid JSON: ${jsonErrorWhere(text, error)}.`, 'Fix package.json, then check again.');
  }
  if (!isRecord(value)) return undefined;
  const scripts: Record<string, string> = {};
  if (isRecord(value.scripts)) {
    for (const [name, script] of Object.entries(value.scripts)) if (typeof script === 'string') scripts[name] = script;
  }
  const dependencies = new Set<string>();
  for (const key of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const group = value[key];
    if (isRecord(group)) for (const name of Object.keys(group)) dependencies.add(name);
  }
  const manifest: PackageManifest = { root, scripts, dependencies, isModule: value.type === 'module', hasMochaConfig: isRecord(value.mocha) };
  if (isRecord(value.jest)) manifest.jestConfig = value.jest;
  return manifest;
}

/** The project's test script, or undefined when there is none (or only npm's placeholder). */
export function testScript(manifest: PackageManifest): string | undefined {
  const script = manifest.scripts.test?.trim();
  if (!script || PLACEHOLDER_TEST_SCRIPT.test(script)) return undefined;
  return script;
}

/**
 * The framework a command line runs: `jest`, `vitest`, `mocha`, or `node --test` (also through tsx,
 * ts-node or a flag like `--import tsx`). `npm run <script>` and friends are followed through
 * `scripts`, a few levels deep.
 */
export function frameworkOfScript(script: string, scripts: Record<string, string> = {}, depth = 0): Framework | undefined {
  let found: Framework | undefined;
  for (const command of parseShellScript(script)) {
    const words = programWords(command).map((word) => word.text);
    if (words.length === 0) continue;
    let index = 0;
    // Runners that start another program: npx jest, pnpm exec vitest, yarn mocha, npm run test:unit.
    const launcher = baseName(words[0]!);
    if (['npx', 'pnpx', 'bunx'].includes(launcher)) index = 1;
    if (['pnpm', 'yarn', 'npm', 'bun'].includes(launcher)) {
      const verb = words[1];
      if (verb === 'run' || verb === 'run-script') {
        const target = words[2];
        if (target && scripts[target] !== undefined && depth < 3) found = frameworkOfScript(scripts[target]!, scripts, depth + 1) ?? found;
        continue;
      }
      if (verb === 'exec' || verb === 'dlx') index = 2;
      else if (verb === 'test' || verb === 't') continue;
      else if (launcher !== 'npm' && verb && scripts[verb] !== undefined && depth < 3) {
        found = frameworkOfScript(scripts[verb]!, scripts, depth + 1) ?? found;
        continue;
      } else index = 1;
    }
    while (index < words.length && words[index]!.startsWith('-')) index++;
    const program = words[index] ? baseName(words[index]!) : '';
    const rest = words.slice(index + 1);
    if (program === 'jest' || program === 'vitest' || program === 'mocha') found = program;
    else if (['node', 'tsx', 'ts-node', 'bun'].includes(program) && words.includes('--test')) found = 'node:test';
    else if (program === 'c8' || program === 'nyc') {
      const inner = frameworkOfScript(rest.join(' '), scripts, depth + 1);
      if (inner) found = inner;
    }
  }
  return found;
}

/** Framework named by a config file in the root folder. */
async function frameworkOfConfigFiles(root: string): Promise<Framework | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return undefined;
  }
  for (const [pattern, framework] of CONFIG_FILES) if (names.some((name) => pattern.test(name))) return framework;
  return undefined;
}

/**
 * Detects the test framework of a JavaScript or TypeScript project: the test script in package.json
 * decides first, then config files (`vitest.config.*`, `jest.config.*`, `.mocharc*`, the `jest` or
 * `mocha` key), then dependencies, then test files that import `node:test`. Undefined when nothing
 * says how to run tests.
 */
export async function detectJavaScript(root: string): Promise<Framework | undefined> {
  const manifest = await readManifest(root);
  if (manifest) {
    const script = testScript(manifest);
    const fromScript = script ? frameworkOfScript(script, manifest.scripts) : undefined;
    if (fromScript) return fromScript;
    const fromConfig = await frameworkOfConfigFiles(root);
    if (fromConfig) return fromConfig;
    if (manifest.jestConfig) return 'jest';
    if (manifest.hasMochaConfig) return 'mocha';
    for (const framework of ['vitest', 'jest', 'mocha'] as const) if (manifest.dependencies.has(framework)) return framework;
    // A test script Revise does not recognise (a custom runner script): node:test is the one that needs
    // no package, and its files say so.
    if (await importsNodeTest(root)) return 'node:test';
    return undefined;
  }
  return (await importsNodeTest(root)) ? 'node:test' : undefined;
}

/** Breadth-first search for a JavaScript or TypeScript test file that imports `node:test`. */
function importsNodeTest(root: string): Promise<boolean> {
  return someFileBreadthFirst(root, { maxDepth: SEARCH_DEPTH, maxFolders: SEARCH_FOLDER_LIMIT, skipped: SKIPPED_FOLDERS }, async (file, entry) => {
    if (!/\.[cm]?[jt]sx?$/.test(entry.name) || !/(test|spec)/i.test(file.slice(root.length))) return false;
    return /(?:from\s+|require\(\s*|import\(\s*)['"]node:test['"]/.test(await readHead(file));
  });
}

async function readHead(file: string): Promise<string> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const buffer = Buffer.alloc(8192);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/**
 * The folder of an installed package, looked up the way Node does: `node_modules/<name>` in the root
 * and each folder above it. Undefined when it is not installed.
 */
export async function findPackage(root: string, name: string): Promise<string | undefined> {
  for (let folder = root; ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, 'node_modules', name);
    try {
      await fs.access(path.join(candidate, 'package.json'));
      return await fs.realpath(candidate);
    } catch {
      /* keep climbing */
    }
    if (path.dirname(folder) === folder) return undefined;
  }
}

/** `node_modules/.bin` folders from the root upwards, the way npm puts them on PATH for a script. */
export function binFolders(root: string): string[] {
  const folders: string[] = [];
  for (let folder = root; ; folder = path.dirname(folder)) {
    folders.push(path.join(folder, 'node_modules', '.bin'));
    if (path.dirname(folder) === folder) return folders;
  }
}
