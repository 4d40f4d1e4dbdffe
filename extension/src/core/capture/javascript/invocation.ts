/**
 * Builds the command that runs a project's tests with Revise's reporter and hooks added: the project's
 * own test script (so its build step, loaders and flags stay), `revise.test.command`, or the framework's
 * plain command when there is no script. Everything Revise writes goes into the capture folder.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Framework } from '../../types';
import { binFolders, findPackage, frameworkOfScript, testScript, type PackageManifest } from './detect';
import { baseName, parseShellScript, programWords, quoteShellWord, type ShellCommand } from './shell';

/** A test selected by id, split into its parts. */
export interface SelectedTest {
  /** Names from the outermost suite to the test. */
  titles: string[];
}

/** What `buildInvocation` needs. */
export interface InvocationInput {
  framework: Framework;
  /** Absolute project root (as given). */
  root: string;
  /** Folders whose scripts get coverage (the root and its real path). */
  coverageRoots: string[];
  manifest?: PackageManifest;
  /** `revise.test.command`, program first. */
  command?: string[];
  /** Temporary folder for the report, the runtime's records and generated config. */
  captureDir: string;
  /** Folder with Revise's runtime helpers (`extension/javascript`). */
  javascriptDir: string;
  perTestTimeoutMs: number;
  coverage: boolean;
  /** Run only these tests (others may run too; the caller filters). */
  selected?: SelectedTest[];
  /** The environment to start from (normally `process.env`). */
  baseEnv: NodeJS.ProcessEnv;
  /** The installed framework's version (`package.json` of its package), when known. */
  frameworkVersion?: string;
  /**
   * Symbolic link loops in the project (relative link paths, forward slashes), to be kept out of the
   * runner's search for test files: Vitest gets `--exclude`, Mocha a guard on its folder walk, and
   * node:test without file arguments `nodeTestFiles` instead of its own walk.
   */
  loopLinks?: string[];
  /** The files `node --test` would find without entering `loopLinks` (see `nodeTestFiles` in walk.ts). */
  nodeTestFiles?: string[];
  /**
   * node:test: this process runs one share of the test files (`--test-shard=index/total`, Node 20.5+),
   * added only where the command is `node --test` itself (see `Invocation.sharded`).
   */
  shard?: { index: number; total: number };
}

/** A ready-to-run command. */
export interface Invocation {
  program: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The command line to show (program first). */
  command: string[];
  /** Where the framework's report is written; also looked for on stdout when absent. */
  reportFile: string;
  /** Why Revise's per-test hooks could not be added, when they could not (then there is no coverage). */
  hooksMissing?: string;
  /** True when `InvocationInput.shard` was applied; a command that is not `node --test` itself runs whole. */
  sharded?: boolean;
}

/** Extra time the watchdog gives a framework whose own per-test timeout should act first. */
const WATCHDOG_GRACE_MS = 2000;
/** How long a node:test file process may linger after its last test before Revise ends it. */
const MAX_LINGER_MS = 3000;
/** Variables of an enclosing test run that would confuse the project's runner. */
const INHERITED_RUNNER_VARIABLES = ['NODE_TEST_CONTEXT', 'VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'JEST_WORKER_ID', 'NODE_V8_COVERAGE', 'REVISE_CAPTURE_DIR'];

/** Escapes text for use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The framework's command when the project has no test script. */
function defaultCommand(framework: Framework): string[] {
  switch (framework) {
    case 'jest':
      return ['jest'];
    case 'vitest':
      return ['vitest', 'run'];
    case 'mocha':
      return ['mocha'];
    default:
      return ['node', '--test'];
  }
}

/** Where a base command comes from: a shell script, or program words. */
type Base = { kind: 'script'; script: string } | { kind: 'argv'; argv: string[] };

function baseCommand(input: InvocationInput): Base {
  if (input.command && input.command.length > 0) return { kind: 'argv', argv: input.command };
  const script = input.manifest ? runnerScript(input.manifest, input.framework) : undefined;
  if (script !== undefined) {
    // npm runs `pretest` first; it often builds what the tests import.
    const pretest = input.manifest?.scripts.pretest?.trim();
    return { kind: 'script', script: pretest ? `${pretest} && ${script}` : script };
  }
  return { kind: 'argv', argv: defaultCommand(input.framework) };
}

/** The program names of a runner other than node:test. */
function runnerNames(framework: Framework): string[] {
  return framework === 'mocha' ? ['mocha', '_mocha'] : [framework];
}

/**
 * The last command of a script that runs `framework` (jest, vitest or mocha): by name (`vitest run`,
 * `cross-env CI=1 jest`, `c8 mocha`) or through another script (`npm run test:unit`). Revise's flags go
 * at its end, not at the end of a script that runs more after it (`vitest run && npm run size`).
 */
export function findRunnerCommand(script: string, framework: Framework, scripts: Record<string, string> = {}): ShellCommand | undefined {
  const names = runnerNames(framework);
  const commands = parseShellScript(script);
  for (let index = commands.length - 1; index >= 0; index--) {
    const command = commands[index]!;
    const words = command.map((word) => word.text);
    if (words.some((word) => names.includes(baseName(word)))) return command;
    if (frameworkOfScript(words.join(' '), scripts) === framework) return command;
  }
  return undefined;
}

/**
 * The test script Revise runs for `framework`: the project's own, unless it never starts that runner
 * where Revise can add its flags (a wrapper such as `ts-scripts test` that runs Vitest inside); then the
 * runner's plain command, which reads the same config files.
 */
export function runnerScript(manifest: PackageManifest, framework: Framework): string | undefined {
  const script = testScript(manifest);
  if (script === undefined || framework === 'node:test') return script;
  return findRunnerCommand(script, framework, manifest.scripts) ? script : defaultCommand(framework).join(' ');
}

/**
 * Inserts words right after a program word of a shell script (for flags that must come before the
 * program's own arguments, like node's), quoting them.
 */
function insertAfter(script: string, offset: number, words: string[]): string {
  return `${script.slice(0, offset)} ${words.map(quoteShellWord).join(' ')}${script.slice(offset)}`;
}

/** Finds the `node … --test` (or tsx, ts-node) command of a script: the last one, which runs the tests. */
function findNodeTestCommand(commands: ShellCommand[]): { command: ShellCommand; programEnd: number } | undefined {
  for (let index = commands.length - 1; index >= 0; index--) {
    const words = programWords(commands[index]!);
    const program = words[0];
    if (!program) continue;
    if (['node', 'tsx', 'ts-node'].includes(baseName(program.text)) && words.some((word) => word.text === '--test')) {
      return { command: commands[index]!, programEnd: program.end };
    }
  }
  return undefined;
}

/** Node flags whose value is the next word (so that word is not a file argument). */
const NODE_VALUE_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--test-reporter', '--test-reporter-destination', '--test-name-pattern', '--test-skip-pattern', '--test-concurrency', '--test-timeout', '--test-shard', '--conditions', '-C', '--input-type', '--env-file', '--stack-size', '--max-old-space-size', '--eval', '-e', '--watch-path', '--title', '--disable-warning']);

/** Whether a `node … --test` command's words (program first) name files or folders to run. */
export function hasFileArguments(words: string[]): boolean {
  for (let index = 1; index < words.length; index++) {
    const word = words[index]!;
    if (word.startsWith('-')) {
      if (NODE_VALUE_FLAGS.has(word)) index++;
      continue;
    }
    return true;
  }
  return false;
}

/** Counts `--test-reporter` and `--test-reporter-destination` flags a command already has. */
function countReporterFlags(words: string[]): { reporters: number; destinations: number } {
  let reporters = 0;
  let destinations = 0;
  for (const word of words) {
    if (word === '--test-reporter' || word.startsWith('--test-reporter=')) reporters++;
    if (word === '--test-reporter-destination' || word.startsWith('--test-reporter-destination=')) destinations++;
  }
  return { reporters, destinations };
}

/** Double-quotes a value for NODE_OPTIONS (which splits on spaces). */
function nodeOptionValue(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** The entry of the project's `vitest` package as a file URL (the instance its tests import). */
async function vitestEntry(root: string): Promise<string | undefined> {
  const folder = await findPackage(root, 'vitest');
  if (!folder) return undefined;
  let entry = 'dist/index.js';
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(folder, 'package.json'), 'utf8')) as { exports?: unknown };
    const dot = (manifest.exports as Record<string, unknown> | undefined)?.['.'];
    const imported = typeof dot === 'object' && dot !== null ? (dot as Record<string, unknown>).import : undefined;
    const target = typeof imported === 'string' ? imported : typeof imported === 'object' && imported !== null ? (imported as Record<string, unknown>).default : undefined;
    if (typeof target === 'string') entry = target;
  } catch {
    /* keep the default */
  }
  return pathToFileURL(path.join(folder, entry)).href;
}

const VITEST_CONFIG_NAMES = ['vitest.config.ts', 'vitest.config.mts', 'vitest.config.cts', 'vitest.config.js', 'vitest.config.mjs', 'vitest.config.cjs', 'vite.config.ts', 'vite.config.mts', 'vite.config.cts', 'vite.config.js', 'vite.config.mjs', 'vite.config.cjs'];

/** The project's Vitest config file, if any. */
async function findVitestConfig(root: string): Promise<string | undefined> {
  for (const name of VITEST_CONFIG_NAMES) {
    const candidate = path.join(root, name);
    try {
      await fs.access(candidate);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Writes a Vitest config into the capture folder that loads the project's config, adds Revise's
 * setup file and moves Vite's cache into the capture folder. Vite bundles it, so the project's config may be TypeScript and import what it likes.
 */
async function writeVitestConfig(captureDir: string, userConfig: string | undefined, setupFile: string): Promise<string> {
  const file = path.join(captureDir, 'vitest.revise.config.mjs');
  const importLine = userConfig ? `import * as project from ${JSON.stringify(userConfig.split(path.sep).join('/'))};` : 'const project = {};';
  const text = `// Generated by Revise for one test run; removed with its folder.
${importLine}
export default async (environment) => {
  const exported = project.default;
  const config = (typeof exported === 'function' ? await exported(environment) : await exported) ?? {};
  const test = config.test ?? {};
  const setupFiles = test.setupFiles === undefined ? [] : Array.isArray(test.setupFiles) ? test.setupFiles : [test.setupFiles];
  // Vite's cache (Vitest keeps test timings there) goes to the temporary folder, not node_modules/.vite.
  return { ...config, cacheDir: ${JSON.stringify(path.join(captureDir, 'vite-cache'))}, test: { ...test, setupFiles: [...setupFiles, ${JSON.stringify(setupFile)}] } };
};
`;
  await fs.writeFile(file, text);
  return file;
}

/** Builds the command, its arguments and environment for one capture. */
export async function buildInvocation(input: InvocationInput): Promise<Invocation> {
  const { framework, captureDir, javascriptDir, perTestTimeoutMs } = input;
  const helper = (name: string) => path.join(javascriptDir, name);
  const reportFile = path.join(captureDir, framework === 'node:test' ? (input.shard ? `events-${input.shard.index}.jsonl` : 'events.jsonl') : 'report.json');
  const env: NodeJS.ProcessEnv = { ...input.baseEnv };
  for (const name of INHERITED_RUNNER_VARIABLES) delete env[name];
  const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  env[pathKey] = [...binFolders(input.root), env[pathKey]].filter(Boolean).join(path.delimiter);
  Object.assign(env, {
    FORCE_COLOR: '0',
    REVISE_CAPTURE_DIR: captureDir,
    REVISE_COVERAGE: input.coverage ? '1' : '0',
    REVISE_ROOTS: JSON.stringify(input.coverageRoots),
  });
  const base = baseCommand(input);
  const titlesPattern = (join: string) =>
    input.selected && input.selected.length > 0
      ? `^(?:${[...new Set(input.selected.map((test) => escapeRegExp(test.titles.join(join))))].join('|')})$`
      : undefined;
  let hooksMissing: string | undefined;
  let bailRemoved = false;
  let optsReplacement: { original: string; copy: string } | undefined;
  let front: string[] = [];
  let appended: string[] = [];
  let sharded = false;

  switch (framework) {
    case 'node:test': {
      env.REVISE_WATCHDOG_MS = String(perTestTimeoutMs);
      env.REVISE_LINGER_MS = String(Math.min(MAX_LINGER_MS, Math.max(1000, perTestTimeoutMs)));
      front = ['--require', helper('node-test-preload.cjs'), `--test-reporter=${helper('node-test-reporter.mjs')}`, `--test-reporter-destination=${reportFile}`];
      if (input.selected && input.selected.length > 0) {
        // Node 20 matches each test's own name; every name on the path must match for a nested test to run.
        const names = new Set(input.selected.flatMap((test) => test.titles));
        front.push(`--test-name-pattern=^(?:${[...names].map(escapeRegExp).join('|')})$`);
      }
      break;
    }
    case 'jest': {
      env.CI = 'true';
      env.REVISE_WATCHDOG_MS = String(perTestTimeoutMs + WATCHDOG_GRACE_MS);
      // No --testLocationInResults: Jest would format (and source-map) a stack trace for every test, about
      // a fifth of a plain run's time; Revise's runner records where each failing test is defined, and
      // the titles tell the others.
      // --bail=0: the project's --bail (script or config) would stop after the first failing file.
      appended = ['--json', `--outputFile=${reportFile}`, '--ci', '--forceExit', `--testTimeout=${perTestTimeoutMs}`, '--bail=0'];
      const runner = input.manifest?.jestConfig?.testRunner;
      if (typeof runner === 'string' && !/circus/.test(runner)) {
        hooksMissing = `the project runs Jest with ${runner}, so Revise's jest-circus hooks were not added`;
      } else {
        appended.push(`--testRunner=${helper('jest-runner.cjs')}`);
      }
      const pattern = titlesPattern(' ');
      if (pattern) appended.push(`--testNamePattern=${pattern}`);
      break;
    }
    case 'vitest': {
      env.CI = 'true';
      env.REVISE_WATCHDOG_MS = String(perTestTimeoutMs + WATCHDOG_GRACE_MS);
      // No --includeTaskLocation: Vitest would format (and source-map) a stack trace for every test, about
      // a fifth of a plain run's time; the titles tell where tests are defined.
      appended = ['--run', '--reporter=json', `--outputFile=${reportFile}`, `--testTimeout=${perTestTimeoutMs}`, '--bail=0'];
      const words = base.kind === 'script' ? parseShellScript(base.script).flat().map((word) => word.text) : base.argv;
      const entry = await vitestEntry(input.root);
      if (words.some((word) => word === '--config' || word === '-c' || word.startsWith('--config='))) {
        hooksMissing = 'the test command chooses its own Vitest config, so Revise could not add its setup file';
      } else if (!entry) {
        hooksMissing = 'the vitest package could not be located';
      } else {
        env.REVISE_VITEST_ENTRY = entry;
        const config = await writeVitestConfig(captureDir, await findVitestConfig(input.root), helper('vitest-setup.mjs'));
        appended.push(`--config=${config}`, `--root=${input.root}`);
      }
      const pattern = titlesPattern(' ');
      if (pattern) appended.push(`--testNamePattern=${pattern}`);
      // Vitest follows links while it looks for tests: a loop would run every test below it again.
      for (const loop of input.loopLinks ?? []) appended.push(`--exclude=${loop}/**`);
      break;
    }
    case 'mocha': {
      // Mocha's folder walk (`--recursive`, a folder as spec) follows links; its hooks make loops look missing.
      if (input.loopLinks?.length) env.REVISE_LOOP_LINKS = JSON.stringify(input.coverageRoots.flatMap((root) => input.loopLinks!.map((loop) => path.join(root, loop))));
      env.REVISE_WATCHDOG_MS = String(perTestTimeoutMs + WATCHDOG_GRACE_MS);
      const major = majorVersion(input.frameworkVersion) ?? MODERN_MOCHA;
      // Mocha 6 moved to yargs: `--reporter-option` and `--no-bail` exist from there on; Mocha 4 added
      // `--exit` (before, Mocha always exited). Older versions get their own spellings, and their
      // `--bail`/`-b` is taken out of the script (they cannot switch it off).
      appended = [
        '--require',
        helper('mocha-hooks.cjs'),
        '--reporter',
        'json',
        major >= 6 ? '--reporter-option' : '--reporter-options',
        `output=${reportFile}`,
        ...(major >= 4 ? ['--exit'] : []),
        '--timeout',
        String(perTestTimeoutMs),
        ...(major >= 6 ? ['--no-bail'] : []),
      ];
      if (major < 6) {
        bailRemoved = true;
        // Mocha before 6 also reads its flags from `test/mocha.opts` (or `--opts FILE`): a `--bail` there is
        // taken out of a copy that the run reads instead.
        const opts = await optsWithoutBail(input.root, captureDir, base);
        if (opts) {
          if (opts.replaced) optsReplacement = opts;
          else appended.push('--opts', opts.copy);
        }
      }
      const pattern = titlesPattern(' ');
      if (pattern) appended.push('--grep', pattern);
      break;
    }
  }

  let program: string;
  let args: string[];
  if (bailRemoved) {
    if (base.kind === 'argv') base.argv = withoutBailWords(base.argv);
    else base.script = scriptWithoutBail(base.script);
  }
  if (optsReplacement) {
    const { original, copy } = optsReplacement;
    if (base.kind === 'argv') base.argv = base.argv.map((word, index) => (index > 0 && base.argv[index - 1] === '--opts' && word === original ? copy : word));
    else base.script = replaceOptsPath(base.script, original, copy);
  }
  if (base.kind === 'argv') {
    const [first, ...rest] = base.argv;
    program = first!;
    if (framework === 'node:test') {
      if (['node', 'tsx', 'ts-node'].includes(baseName(program))) {
        const counts = countReporterFlags(rest);
        const extra = Array.from({ length: Math.max(0, counts.reporters - counts.destinations) }, () => '--test-reporter-destination=stdout');
        if (input.shard && baseName(program) === 'node' && !rest.some((word) => word.startsWith('--test-shard'))) {
          front = [...front, `--test-shard=${input.shard.index}/${input.shard.total}`];
          sharded = true;
        }
        args = [...front, ...rest, ...extra, ...loopFreeFiles(input, base.argv)];
      } else {
        env.NODE_OPTIONS = nodeOptions(env.NODE_OPTIONS, front);
        args = rest;
      }
    } else {
      args = [...rest, ...appended];
    }
  } else {
    let script = base.script;
    if (framework === 'node:test') {
      const found = findNodeTestCommand(parseShellScript(script));
      if (found) {
        const counts = countReporterFlags(found.command.map((word) => word.text));
        const extra = Array.from({ length: Math.max(0, counts.reporters - counts.destinations) }, () => '--test-reporter-destination=stdout');
        const end = found.command[found.command.length - 1]!.end;
        const words = [...extra, ...loopFreeFiles(input, programWords(found.command).map((word) => word.text)).map(quoteShellWord)];
        if (words.length > 0) script = `${script.slice(0, end)} ${words.join(' ')}${script.slice(end)}`;
        const program = programWords(found.command)[0]?.text ?? '';
        // Only a script that is the one `node --test` command: each share runs the whole script, and a build
        // step in it (`pretest`, `tsc && …`) would run once per share, one deleting what another's tests import.
        const alone = parseShellScript(script).length === 1;
        if (input.shard && alone && baseName(program) === 'node' && !found.command.some((word) => word.text.startsWith('--test-shard'))) {
          front = [...front, `--test-shard=${input.shard.index}/${input.shard.total}`];
          sharded = true;
        }
        script = insertAfter(script, found.programEnd, front);
      } else {
        env.NODE_OPTIONS = nodeOptions(env.NODE_OPTIONS, front);
      }
    } else {
      const runs = findRunnerCommand(script, framework, input.manifest?.scripts);
      const end = runs ? runs[runs.length - 1]!.end : script.length;
      script = `${script.slice(0, end)} ${appended.map(quoteShellWord).join(' ')}${script.slice(end)}`;
    }
    program = process.platform === 'win32' ? (env.ComSpec ?? 'cmd.exe') : 'sh';
    args = process.platform === 'win32' ? ['/d', '/s', '/c', script] : ['-c', script];
  }
  const invocation: Invocation = { program, args, env, command: [program, ...args], reportFile };
  if (hooksMissing) invocation.hooksMissing = hooksMissing;
  if (sharded) invocation.sharded = true;
  return invocation;
}

/**
 * Files to hand a `node --test` command (its words, program first) so that it does not search the tree
 * itself: only when the project has symbolic link loops (Node 20's search stops with ELOOP on them) and
 * the command names no files of its own.
 */
function loopFreeFiles(input: InvocationInput, words: string[]): string[] {
  if (!input.loopLinks?.length || !input.nodeTestFiles?.length || hasFileArguments(words)) return [];
  return input.nodeTestFiles;
}

/** Mocha's major version assumed when its package cannot be read. */
const MODERN_MOCHA = 10;

/** The major version of a semver string (`3.5.3` → 3). */
export function majorVersion(version: string | undefined): number | undefined {
  const match = /^\s*v?(\d+)\./.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

const BAIL_WORD = /^(?:--bail(?:=.*)?|-b)$/;

/** The words without `--bail`, `--bail=…` and `-b`. */
export function withoutBailWords(words: string[]): string[] {
  return words.filter((word, index) => index === 0 || !BAIL_WORD.test(word));
}

/** A shell script without the `--bail` / `-b` words of its commands (the program word is kept). */
export function scriptWithoutBail(script: string): string {
  const cuts: Array<{ start: number; end: number }> = [];
  for (const command of parseShellScript(script)) {
    const program = programWords(command);
    for (const word of program.slice(1)) if (BAIL_WORD.test(word.text)) cuts.push({ start: word.start, end: word.end });
  }
  let result = script;
  for (const cut of cuts.sort((a, b) => b.start - a.start)) result = `${result.slice(0, cut.start).trimEnd()} ${result.slice(cut.end).trimStart()}`.trimEnd();
  return result;
}

/** Mocha's options file when the command names none (Mocha 3 to 7 read it by default). */
const DEFAULT_MOCHA_OPTS = path.join('test', 'mocha.opts');

/**
 * When the Mocha options file the run reads (`--opts FILE`, else `test/mocha.opts`) holds `--bail` or
 * `-b`, writes a copy without them into the capture folder. `replaced`: the command names the file
 * itself, so its `--opts` value is to be replaced (Mocha before 6 reads only the first `--opts`).
 */
export async function optsWithoutBail(
  root: string,
  captureDir: string,
  base: { kind: 'argv'; argv: string[] } | { kind: 'script'; script: string },
): Promise<{ copy: string; original: string; replaced: boolean } | undefined> {
  const words = base.kind === 'script' ? parseShellScript(base.script).flat().map((word) => word.text) : base.argv;
  const at = words.indexOf('--opts');
  const named = at >= 0 ? words[at + 1] : undefined;
  const original = named ?? DEFAULT_MOCHA_OPTS;
  const text = await fs.readFile(path.resolve(root, original), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/);
  const kept = lines.map((line) => line.trim().split(/\s+/).filter((word) => word !== '' && !BAIL_WORD.test(word)).join(' '));
  if (kept.join('\n') === lines.map((line) => line.trim().split(/\s+/).filter((word) => word !== '').join(' ')).join('\n')) return undefined;
  const copy = path.join(captureDir, 'mocha.opts');
  await fs.writeFile(copy, `${kept.join('\n')}\n`);
  return { copy, original, replaced: named !== undefined };
}

/** The script with the value of its `--opts` word replaced (quoted for the shell). */
function replaceOptsPath(script: string, original: string, copy: string): string {
  for (const command of parseShellScript(script)) {
    const words = command;
    for (let index = 0; index + 1 < words.length; index++) {
      if (words[index]!.text === '--opts' && words[index + 1]!.text === original) {
        const word = words[index + 1]!;
        return `${script.slice(0, word.start)}${quoteShellWord(copy)}${script.slice(word.end)}`;
      }
    }
  }
  return script;
}

/** Adds flags to NODE_OPTIONS (only those Node allows there: --require, reporters). */
function nodeOptions(existing: string | undefined, flags: string[]): string {
  const allowed: string[] = [];
  for (let index = 0; index < flags.length; index++) {
    const flag = flags[index]!;
    if (flag === '--require') {
      allowed.push(`--require ${nodeOptionValue(flags[++index]!)}`);
    } else if (flag.startsWith('--test-reporter')) {
      const [name, value] = [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)];
      allowed.push(`${name}=${nodeOptionValue(value)}`);
    }
  }
  return [existing, ...allowed].filter(Boolean).join(' ');
}

/** How the warm node:test worker starts: the project's own `node` flags (loaders such as tsx), its environment. */
export interface NodeTestWorkerCommand {
  program: string;
  /** Node flags of the project's test command, runner flags and test file arguments left out. */
  flags: string[];
  env: NodeJS.ProcessEnv;
}

/** node:test runner flags: the worker runs tests in its own process and reports them itself. */
const RUNNER_FLAG = /^--(test|watch|experimental-test-coverage|experimental-test-module-mocks)(-|=|$)/;

/**
 * The command a warm node:test worker can start with, or why none can: only a test script that is one
 * `node --test` command (no build step before it, no shell around it) runs the same way in one process.
 */
export function nodeTestWorkerCommand(input: WorkerCommandInput): NodeTestWorkerCommand | string {
  const command = singleTestCommand(input, 'node:test');
  if (typeof command === 'string') return command;
  const words = programWords(command);
  if (words.length === 0 || baseName(words[0]!.text) !== 'node' || !words.some((word) => word.text === '--test')) return 'the test script is not a plain `node --test` command';
  const env = workerEnvironment(input, command);
  const flags: string[] = [];
  const rest = words.slice(1).map((word) => word.text);
  for (let index = 0; index < rest.length; index++) {
    const word = rest[index]!;
    if (!word.startsWith('-')) continue; // a test file or glob: the worker imports the files it is asked for
    const takesValue = NODE_VALUE_FLAGS.has(word);
    if (RUNNER_FLAG.test(word)) {
      if (takesValue) index++;
      continue;
    }
    if (/[$`*?]/.test(word)) return `the test script's flag ${word} needs a shell`;
    flags.push(word);
    if (takesValue && index + 1 < rest.length) flags.push(rest[++index]!);
  }
  return { program: words[0]!.text, flags, env };
}

/** How a warm Mocha, Jest or Vitest worker starts: the words of the project's `mocha …`/`jest …`/`vitest …` command, its environment. */
export interface RunnerWorkerCommand {
  program: string;
  /** The test script's words after the runner's name; the worker reads them with the runner's config files. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The command a warm Mocha, Jest or Vitest worker can start with, or why none can (the same rules as for
 * node:test: one plain command, no build step before it).
 */
export function runnerWorkerCommand(runner: 'mocha' | 'jest' | 'vitest', input: WorkerCommandInput): RunnerWorkerCommand | string {
  const command = singleTestCommand(input, runner);
  if (typeof command === 'string') return command;
  let words = programWords(command);
  if (words.length > 1 && baseName(words[0]!.text) === 'npx') words = words.slice(1);
  const names = runner === 'mocha' ? ['mocha', '_mocha'] : [runner];
  if (words.length === 0 || !names.includes(baseName(words[0]!.text))) return `the test script is not a plain \`${runner}\` command`;
  const args = words.slice(1).map((word) => word.text);
  const needsShell = args.find((word) => /[$`]/.test(word));
  if (needsShell) return `the test script's word ${needsShell} needs a shell`;
  return { program: 'node', args, env: workerEnvironment(input, command) };
}

/** What deciding a warm worker's command needs: the copy's root, its package.json, the environment to start from. */
interface WorkerCommandInput {
  root: string;
  manifest?: PackageManifest;
  baseEnv: NodeJS.ProcessEnv;
}

/** The test script's one command (shell words), or why a worker cannot run it: no script, a pretest step, several commands. */
function singleTestCommand(input: WorkerCommandInput, framework: Framework): ShellCommand | string {
  const script = input.manifest ? runnerScript(input.manifest, framework) : undefined;
  if (script === undefined) return 'the project has no "test" script';
  if (input.manifest?.scripts.pretest?.trim()) return 'the project has a "pretest" script';
  const commands = parseShellScript(script);
  if (commands.length !== 1) return 'the test script runs more than one command';
  return commands[0]!;
}

/**
 * A worker's environment: the base one without the variables a runner leaves for its children, the
 * project's `node_modules/.bin` folders first on PATH, no colours, and the script's own `NAME=value` prefixes.
 */
function workerEnvironment(input: WorkerCommandInput, command: ShellCommand): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...input.baseEnv };
  for (const name of INHERITED_RUNNER_VARIABLES) delete env[name];
  const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  env[pathKey] = [...binFolders(input.root), env[pathKey]].filter(Boolean).join(path.delimiter);
  env.FORCE_COLOR = '0';
  for (const word of command.slice(0, command.length - programWords(command).length)) {
    const equals = word.text.indexOf('=');
    if (equals > 0) env[word.text.slice(0, equals)] = word.text.slice(equals + 1);
  }
  return env;
}
