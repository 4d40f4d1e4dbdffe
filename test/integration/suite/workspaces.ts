// The workspaces the integration suite opens, one VS Code window each. The harnesses
// (run-code-server.js, run-electron.js) copy each fixture to a temporary folder with the same base name
// and merge `settings` into the copy's .vscode/settings.json; the suite finds its spec by that base name.
// This module must not import `vscode`: the plain-Node harnesses load it too.
// To add a workspace, append an entry; the suite's tests apply to every entry.

/** One workspace the suite checks, with what a correct check must find in it. */
export interface WorkspaceSpec {
  /** Base name of the workspace copy; unique. */
  name: string;
  /** Folder to copy, relative to the repository root. */
  fixture: string;
  /** Workspace settings for the copy (e.g. the Python interpreter that has coverage.py). */
  settings: Record<string, unknown>;
  /** The file with the known bug, relative to the workspace. */
  buggyFile: string;
  /**
   * The faulty line's text, trimmed. The suite finds the line number from it, so edits elsewhere in the
   * fixture do not break the test; it must match exactly one line.
   */
  buggyLineText: string;
  /**
   * Whether Check and Fix must propose a validated patch here. When false, abstaining is accepted and
   * the patch tests are skipped.
   */
  expectPatch: boolean;
  /**
   * Set when the buggy file does not even load: the test file (relative id) whose import fails, and a
   * pattern of its error. The check must then report that file as a failed test with the error, blame
   * the error's line and propose a syntax repair.
   */
  loadError?: { testId: string; message: string };
  /**
   * Seconds the harness waits for the whole suite in this workspace (default 180): a bound on a hang,
   * sized for three checks (two Check and Fix) on a busy 2-core machine.
   */
  timeoutSeconds?: number;
}

/** Every workspace the suite runs in, in order. */
export const workspaces: readonly WorkspaceSpec[] = [
  {
    name: 'python-bug',
    fixture: 'examples/python-bug',
    // Debian's interpreter has pytest and coverage.py; the pyenv `python3` on PATH lacks coverage.py.
    settings: { 'revise.python.path': '/usr/bin/python3' },
    buggyFile: 'shop/cart.py',
    buggyLineText: 'return points + 2',
    expectPatch: true, // `+` → `*` is one of the repair templates
    timeoutSeconds: 900, // a hang guard, not a speed expectation
  },
  {
    // TypeScript through tsx and node:test: coverage and frames mapped back to the .ts source.
    name: 'typescript-bug',
    fixture: 'examples/typescript-bug',
    settings: {},
    buggyFile: 'src/booking.ts',
    buggyLineText: 'return a.start < b.end && b.start <= a.end;',
    expectPatch: true, // `<=` → `<`
    timeoutSeconds: 900, // a hang guard, not a speed expectation
  },
  {
    // JavaScript (CommonJS) under Jest 29.
    name: 'jest',
    fixture: 'test/fixtures/js/jest',
    settings: {},
    buggyFile: 'src/cart.js',
    buggyLineText: 'if (amount > 100) {',
    expectPatch: true, // `>` → `>=`
    timeoutSeconds: 900, // a hang guard, not a speed expectation
  },
  {
    // A module that does not load (a SyntaxError at import): its test file is a failed test with the error.
    name: 'broken-module',
    fixture: 'test/fixtures/python/broken-module',
    settings: { 'revise.python.path': '/usr/bin/python3' },
    buggyFile: 'shop/prices.py',
    buggyLineText: 'if total >= 100',
    expectPatch: true, // add the missing `:`
    loadError: { testId: 'tests/test_prices.py', message: "SyntaxError: expected ':'" },
    timeoutSeconds: 900, // a hang guard, not a speed expectation
  },
];

/**
 * The spec whose name is the given workspace folder's base name.
 * @param folderName base name of the opened workspace folder
 */
export function findWorkspace(folderName: string): WorkspaceSpec | undefined {
  return workspaces.find((spec) => spec.name === folderName);
}
