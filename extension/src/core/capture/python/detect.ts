import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { someFileBreadthFirst } from '../walk';

/** How deep below the root `detectPytest` looks for test files. */
const SEARCH_DEPTH = 3;
/** Upper bound on folders read while searching, so a huge tree cannot stall detection. */
const SEARCH_FOLDER_LIMIT = 400;
/** Folders that never hold the project's own tests. */
const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'site-packages', 'dist-packages', 'venv', 'env', 'build', 'dist']);
const TEST_FOLDERS = new Set(['tests', 'test']);

/** True for `test_*.py` and `*_test.py` file names. */
export function isTestModuleName(name: string): boolean {
  return name.endsWith('.py') && (name.startsWith('test_') || name.endsWith('_test.py'));
}

/**
 * True for files that hold tests or test support: `test_*.py`, `*_test.py`, `conftest.py`, and any `.py`
 * file inside a `tests` or `test` folder. With `root`, every folder between the root and the file counts.
 * Without it only the parent folder (`tests` or `test`) or the grandparent (`tests`) does, so that a project
 * that merely lives somewhere under a folder called `test` is not mistaken for test code.
 */
export function isPythonTestFile(absPath: string, root?: string): boolean {
  const name = path.basename(absPath);
  if (!name.endsWith('.py')) return false;
  if (name === 'conftest.py' || isTestModuleName(name)) return true;
  if (root !== undefined) {
    const relative = path.relative(root, absPath);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
    return relative.split(path.sep).slice(0, -1).some((folder) => TEST_FOLDERS.has(folder));
  }
  const [grandparent, parent] = path.dirname(absPath).split(path.sep).slice(-2);
  return TEST_FOLDERS.has(parent ?? '') || grandparent === 'tests';
}

/**
 * True when the folder looks like a Python test project: a pytest configuration (`pytest.ini`,
 * `[tool.pytest…]` in `pyproject.toml`, `[tool:pytest]` in `setup.cfg`, `tox.ini`, `conftest.py`) at the
 * root, or `test_*.py` / `*_test.py` files within a few levels, skipping virtual environments,
 * `node_modules` and dot-folders.
 */
export async function detectPytest(root: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fs.readdir(root);
  } catch {
    return false;
  }
  const names = new Set(entries);
  if (names.has('pytest.ini') || names.has('conftest.py') || names.has('tox.ini')) return true;
  if (names.has('pyproject.toml') && /^\s*\[tool\.pytest\b/m.test(await readSmallText(path.join(root, 'pyproject.toml')))) {
    return true;
  }
  if (names.has('setup.cfg') && /^\s*\[tool:pytest\]/m.test(await readSmallText(path.join(root, 'setup.cfg')))) {
    return true;
  }
  return findTestModule(root);
}

/** Breadth-first search for a test module, nearest folders first. */
function findTestModule(root: string): Promise<boolean> {
  return someFileBreadthFirst(
    root,
    {
      maxDepth: SEARCH_DEPTH,
      maxFolders: SEARCH_FOLDER_LIMIT,
      skipped: SKIPPED_FOLDERS,
      // A virtual environment is recognised by its marker file, whatever its name.
      enter: async (folder) => !(await exists(path.join(folder, 'pyvenv.cfg'))),
    },
    (_file, entry) => isTestModuleName(entry.name),
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** The first 64 KB of a text file, or '' when it cannot be read. */
async function readSmallText(file: string): Promise<string> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const buffer = Buffer.alloc(64 * 1024);
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
 * A configured test command (`revise.test.command`) that runs pytest through an interpreter
 * (`python3 -m pytest tests/unit -k "not slow"`): that interpreter and the arguments it gives pytest, so
 * validation can keep a warm pytest worker with the same selection and options. Undefined for any other
 * shape (a `pytest` script, `tox`, `make test`, an `env` prefix), which validation runs cold.
 */
export function pytestInvocation(command: readonly string[] | undefined): { python: string; args: string[] } | undefined {
  if (!command || command.length < 3) return undefined;
  const [program, flag, module, ...args] = command;
  if (flag !== '-m' || module !== 'pytest') return undefined;
  if (!/^python(?:\d+(?:\.\d+)?)?(?:\.exe)?$/i.test(path.basename(program))) return undefined;
  return { python: program, args };
}
