import * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import type { CheckOutcome } from '../core/report';
import type { Framework, TestResult } from '../core/types';
import { buildTestTree, expectedActual, failureLocation, testsUnder, type TestNode } from './testTree';

/** `TestMessage.contextValue` of Revise's failures: the peek view offers Check and Fix on them. */
export const FAILURE_CONTEXT = 'revise.failure';

/** When Revise's own items appear in the Testing view (`revise.testing.showTests`). */
export type ShowTests = 'auto' | 'always' | 'never';

/**
 * Test extensions that put a framework's tests in the Testing view themselves. With `auto`, Revise
 * shows no items of its own for a folder whose framework one of them covers, so tests do not appear
 * twice; its context-menu entry still works on their items.
 */
const OTHER_CONTROLLERS: Record<Framework, { extension: string; enabled?: (folder: vscode.WorkspaceFolder) => boolean }[]> = {
  pytest: [
    {
      extension: 'ms-python.python',
      enabled: (folder) => {
        const python = vscode.workspace.getConfiguration('python.testing', folder.uri);
        return python.get<boolean>('pytestEnabled') === true || python.get<boolean>('unittestEnabled') === true;
      },
    },
  ],
  jest: [{ extension: 'Orta.vscode-jest' }, { extension: 'firsttris.vscode-jest-runner' }],
  vitest: [{ extension: 'vitest.explorer' }],
  mocha: [{ extension: 'hbenl.vscode-mocha-test-adapter' }],
  'node:test': [{ extension: 'connor4312.nodejs-testing' }],
};

/** What the Testing view needs from the check controller. */
export interface TestRunner {
  /** Runs a localize-only check of a folder (the whole suite, so every score refreshes). */
  check(folder: vscode.WorkspaceFolder): Promise<unknown>;
  /** Cancels the check in flight for a folder, if any. */
  cancel(folder: vscode.WorkspaceFolder): void;
}

/** One folder's tests as shown. */
interface FolderTests {
  folder: vscode.WorkspaceFolder;
  framework: Framework;
  /** TestItem id → node. */
  nodes: Map<string, TestNode>;
}

/**
 * Revise's `TestController`: the tests of each folder's latest check (file → suite → test, with their
 * lines), their results with the failure messages (expected/actual where the message gives them), and
 * a run profile that re-runs the check and reports the chosen tests from it.
 */
export class TestsView implements vscode.Disposable {
  static readonly controllerId = 'revise';
  private readonly controller = vscode.tests.createTestController(TestsView.controllerId, 'Revise');
  private readonly folders = new Map<string, FolderTests>();
  /** Folders whose check was started by the run profile, which reports the results itself. */
  private readonly profileRuns = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly runner: TestRunner,
    private readonly logger: Logger,
  ) {
    this.disposables.push(
      this.controller,
      this.controller.createRunProfile('Run with Revise', vscode.TestRunProfileKind.Run, (request, token) => this.runTests(request, token), true),
    );
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  /**
   * Shows a check's tests for a folder (or removes them when another test extension owns them and the
   * setting says `auto`) and publishes their results. Returns whether Revise's items are shown.
   */
  show(folder: vscode.WorkspaceFolder, outcome: CheckOutcome): boolean {
    this.removeFolder(folder);
    const run = outcome.run;
    const mode = vscode.workspace.getConfiguration('revise.testing', folder.uri).get<ShowTests>('showTests', 'auto');
    const owner = ownerOf(run.framework, folder);
    if (mode === 'never' || (mode === 'auto' && owner !== undefined)) {
      if (owner) this.logger.debug(`Testing view: ${owner} shows the ${run.framework} tests of ${folder.name}; Revise adds none (revise.testing.showTests).`);
      return false;
    }
    const tree = buildTestTree(run.tests, folder.uri.fsPath, run.framework);
    const shown: FolderTests = { folder, framework: run.framework, nodes: new Map() };
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const toItem = (node: TestNode): vscode.TestItem => {
      const id = `${folder.uri.toString()}|${node.id}`;
      const label = node.kind === 'file' && multiRoot ? `${folder.name}: ${node.label}` : node.label;
      const item = this.controller.createTestItem(id, label, vscode.Uri.file(node.file));
      if (node.line !== undefined) item.range = new vscode.Range(node.line - 1, 0, node.line - 1, 0);
      if (node.kind === 'file') item.description = run.framework;
      item.children.replace(node.children.map(toItem));
      shown.nodes.set(id, node);
      return item;
    };
    for (const node of tree) this.controller.items.add(toItem(node));
    this.folders.set(folder.uri.toString(), shown);
    // The check's results, as a finished run (kept in the Testing view's history), unless the run
    // profile started this check and reports them in its own run.
    if (this.profileRuns.has(folder.uri.toString())) return true;
    const request = new vscode.TestRunRequest();
    const testRun = this.controller.createTestRun(request, `Revise: ${folder.name}`, true);
    this.report(testRun, shown, [...shown.nodes.keys()]);
    testRun.end();
    return true;
  }

  /** Removes every item (Revise: Clear Results). */
  clear(): void {
    this.controller.items.replace([]);
    this.folders.clear();
  }

  /**
   * The run profile: checks each folder the request touches again (Revise captures the whole suite, so
   * the scores refresh) and reports the requested tests from that run.
   */
  private async runTests(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const requested = request.include ?? this.topItems();
    const excluded = new Set((request.exclude ?? []).map((item) => item.id));
    const byFolder = new Map<string, string[]>();
    for (const item of requested) {
      const folderKey = item.id.slice(0, item.id.indexOf('|'));
      const ids = collectIds(item).filter((id) => !excluded.has(id));
      byFolder.set(folderKey, [...(byFolder.get(folderKey) ?? []), ...ids]);
    }
    const testRun = this.controller.createTestRun(request, 'Revise', true);
    const subscription = token.onCancellationRequested(() => {
      for (const folderKey of byFolder.keys()) {
        const shown = this.folders.get(folderKey);
        if (shown) this.runner.cancel(shown.folder);
      }
    });
    try {
      for (const [folderKey, ids] of byFolder) {
        const before = this.folders.get(folderKey);
        if (!before || token.isCancellationRequested) continue;
        for (const id of ids) {
          const item = this.findItem(id);
          if (item && before.nodes.get(id)?.kind === 'test') testRun.started(item);
        }
        testRun.appendOutput(`Revise: running the tests of ${before.folder.name} with coverage…\r\n`);
        this.profileRuns.add(folderKey);
        try {
          await this.runner.check(before.folder);
        } finally {
          this.profileRuns.delete(folderKey);
        }
        // The check replaced the items (show); report the requested ones that still exist.
        const after = this.folders.get(folderKey);
        if (!after) {
          testRun.appendOutput('Revise: the check ended without results (see Revise: Show Log).\r\n');
          for (const id of ids) {
            const item = this.findItem(id);
            if (item) testRun.skipped(item);
          }
          continue;
        }
        this.report(testRun, after, ids);
      }
    } finally {
      subscription.dispose();
      testRun.end();
    }
  }

  /** Sets the state of each test among `ids` (items of any kind: their tests are reported). */
  private report(testRun: vscode.TestRun, shown: FolderTests, ids: readonly string[]): void {
    const reported = new Set<string>();
    for (const id of ids) {
      const node = shown.nodes.get(id);
      if (!node) continue;
      for (const test of testsUnder(node)) {
        const testId = `${shown.folder.uri.toString()}|${test.id}`;
        if (reported.has(testId) || !test.result) continue;
        reported.add(testId);
        const item = this.findItem(testId);
        if (item) setResult(testRun, item, test.result);
      }
    }
  }

  private findItem(id: string): vscode.TestItem | undefined {
    let found: vscode.TestItem | undefined;
    const visit = (collection: vscode.TestItemCollection) =>
      collection.forEach((item) => {
        if (found) return;
        if (item.id === id) found = item;
        else if (id.startsWith(item.id.slice(0, item.id.indexOf('|') + 1))) visit(item.children);
      });
    visit(this.controller.items);
    return found;
  }

  private topItems(): vscode.TestItem[] {
    const items: vscode.TestItem[] = [];
    this.controller.items.forEach((item) => items.push(item));
    return items;
  }

  private removeFolder(folder: vscode.WorkspaceFolder): void {
    const prefix = `${folder.uri.toString()}|`;
    for (const item of this.topItems()) if (item.id.startsWith(prefix)) this.controller.items.delete(item.id);
    this.folders.delete(folder.uri.toString());
  }
}

/** The installed, active-enough test extension that shows this framework's tests for the folder. */
function ownerOf(framework: Framework, folder: vscode.WorkspaceFolder): string | undefined {
  for (const candidate of OTHER_CONTROLLERS[framework]) {
    if (!vscode.extensions.getExtension(candidate.extension)) continue;
    if (candidate.enabled && !candidate.enabled(folder)) continue;
    return candidate.extension;
  }
  return undefined;
}

function collectIds(item: vscode.TestItem): string[] {
  const ids = [item.id];
  item.children.forEach((child) => ids.push(...collectIds(child)));
  return ids;
}

/** One test's state in a run, with its failure message, expected/actual and location. */
function setResult(testRun: vscode.TestRun, item: vscode.TestItem, result: TestResult): void {
  switch (result.outcome) {
    case 'passed':
      testRun.passed(item, result.durationMs);
      return;
    case 'skipped':
      testRun.skipped(item);
      return;
    case 'failed': {
      const text = [result.message ?? (result.timedOut ? 'The test timed out.' : 'The test failed.'), result.assertion ? `\n${result.assertion}` : '']
        .join('')
        .trim();
      const values = expectedActual(result.message);
      const message = values ? vscode.TestMessage.diff(text, values.expected, values.actual) : new vscode.TestMessage(text);
      const location = failureLocation(result);
      if (location) message.location = new vscode.Location(vscode.Uri.file(location.file), new vscode.Position(location.line - 1, 0));
      message.contextValue = FAILURE_CONTEXT;
      testRun.failed(item, message, result.durationMs);
      return;
    }
  }
}
