/**
 * Injects single-token bugs into the example programs in bench/localize/programs/ (each a module and
 * its pytest tests), runs the real capture on every mutant that makes a test fail, and caches the runs
 * in bench/results/tmp/mutants-<language>/ for fitting.
 *
 * Usage: node out/bench/localize/mutants.js [--language python] [--per-program 40] [--refresh]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cachePath, languageOption, parseArguments, readCachedCase, repoRoot, withTempDir, writeCachedCase, type CaseRecord } from './common';
import { seededRandom } from './fit';
import { capturePythonProject, PYTHON } from './python';

/** A single-token mutant as listed by mutate.py. */
export interface Mutant {
  line: number;
  column: number;
  original: string;
  replacement: string;
  operator: string;
  /** The mutated line. */
  text: string;
}

const programsRoot = path.join(repoRoot, 'bench', 'localize', 'programs');

/** Lists the mutants of a Python file. */
export function pythonMutants(file: string): Mutant[] {
  const result = spawnSync(PYTHON, [path.join(repoRoot, 'bench', 'localize', 'mutate.py'), file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mutate.py failed on ${file}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Mutant[];
}

/** Picks up to `count` mutants by a seeded shuffle, so the same ones are chosen every time. */
export function sampleMutants(mutants: Mutant[], count: number, seed: number): Mutant[] {
  const shuffled = [...mutants];
  const next = seededRandom(seed);
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other], shuffled[index]];
  }
  return shuffled.slice(0, count);
}

/** Program files (sources and tests), relative path → text; caches and bytecode are left out. */
function programFiles(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(folder).sort()) {
    if (name.endsWith('.py')) files[name] = fs.readFileSync(path.join(folder, name), 'utf8');
  }
  return files;
}

/** FNV-1a hash of `text`: a stable seed per program (or project) for `sampleMutants`. */
export function hashOf(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619) >>> 0;
  return hash;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const language = languageOption(options);
  if (language !== 'python') throw new Error('only Python example programs exist so far; add JavaScript ones and a mutator to extend this');
  const perProgram = Number(options.get('per-program') ?? '40');
  const refresh = options.has('refresh');
  const kind = `mutants-${language}`;
  let captured = 0;
  let survived = 0;
  let cached = 0;
  for (const program of fs.readdirSync(programsRoot).sort()) {
    const folder = path.join(programsRoot, program);
    const sourceFile = `${program}.py`;
    if (!fs.existsSync(path.join(folder, sourceFile))) continue;
    const files = programFiles(folder);
    const mutants = sampleMutants(pythonMutants(path.join(folder, sourceFile)), perProgram, hashOf(program));
    for (const mutant of mutants) {
      const id = `mutant/${program}/${mutant.line}-${mutant.column}-${mutant.operator}-${mutant.replacement || 'none'}`;
      const file = cachePath(kind, id);
      const survivorMarker = cachePath(`${kind}-survived`, id);
      if (!refresh && (readCachedCase(file) || fs.existsSync(survivorMarker))) {
        cached += 1;
        continue;
      }
      const lines = files[sourceFile].split('\n');
      lines[mutant.line - 1] = mutant.text;
      const mutatedFiles = { ...files, [sourceFile]: lines.join('\n') };
      const run = await withTempDir('revise-mutant-', async (dir) => {
        for (const [name, text] of Object.entries(mutatedFiles)) fs.writeFileSync(path.join(dir, name), text);
        return capturePythonProject(dir);
      });
      const failing = run.tests.filter((test) => test.outcome === 'failed');
      if (failing.length === 0) {
        survived += 1;
        fs.mkdirSync(path.dirname(survivorMarker), { recursive: true });
        fs.writeFileSync(survivorMarker, JSON.stringify(mutant));
        continue;
      }
      const record: CaseRecord = {
        id,
        origin: 'mutant',
        group: `program:${program}`,
        language,
        sourceFile,
        buggyLines: [mutant.line],
        missingAfter: [],
        bugType: mutant.operator,
        files: mutatedFiles,
        run,
      };
      writeCachedCase(file, record);
      captured += 1;
      console.log(`${id}: ${failing.length}/${run.tests.length} tests fail`);
    }
  }
  console.log(`captured ${captured} killed mutants, ${survived} survived (no failing test), ${cached} already cached`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
