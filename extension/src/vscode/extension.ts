import * as vscode from 'vscode';
import { CheckController } from './checks';
import { Commands } from './commands';
import { channelLogger } from './logger';
import { PatchActions } from './patches';
import { ReportPanel } from './report/reportPanel';
import { ResultsView } from './results';
import { TestsView } from './testing';
import { WALKTHROUGH_ID, WalkthroughKeys, WalkthroughProgress } from './walkthrough';
import { clearLlmApiKey, setLlmApiKey } from './settings';

/**
 * Activation only wires commands and views; the core (test runners, scorer, tree-sitter) loads on the
 * first check. Everything created here has one owner, pushed into `context.subscriptions`.
 */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Revise', { log: true });
  const logger = channelLogger(channel);
  const results = new ResultsView(vscode.Uri.joinPath(context.extensionUri, 'media'));
  const status = vscode.window.createStatusBarItem('revise.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Revise';
  status.command = Commands.checkAndFix;
  const checks = new CheckController(context.extensionUri, logger, results, status, context.secrets);
  const patches = new PatchActions(checks, logger);
  checks.patchActions = patches;
  const walkthrough = new WalkthroughProgress();
  const tests = new TestsView({ check: (folder) => checks.run('check', folder.uri), cancel: (folder) => checks.cancel(folder) }, logger);
  context.subscriptions.push(
    patches,
    tests,
    checks.onDidFinishCheck(({ folder, result }) => {
      tests.show(folder, result.outcome);
      walkthrough.checkFinished({ ...result.report, ...(result.llm ? { llm: result.llm } : {}) });
    }),
    results.onDidExplainScore(() => walkthrough.complete(WalkthroughKeys.scoreRead)),
    patches.onDidApplyPatch(() => walkthrough.complete(WalkthroughKeys.patchApplied)),
    new vscode.Disposable(() => ReportPanel.current?.dispose()),
    channel,
    results,
    status,
    checks,
    vscode.commands.registerCommand(Commands.checkAndFix, (uri?: vscode.Uri) => checks.run('fix', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.checkAndFixWithTask, async (task?: string) => {
      const text =
        typeof task === 'string'
          ? task
          : await vscode.window.showInputBox({
              title: 'Revise: Check and Fix with Task',
              prompt: 'What should the code do? Revise warns when the description is too vague to act on.',
              placeHolder: 'e.g. loyalty_points doubles the points from 100 spent: loyalty_points(100) == 20',
              ignoreFocusOut: true,
            });
      return text === undefined ? undefined : checks.run('fix', undefined, text);
    }),
    vscode.commands.registerCommand(Commands.checkAndFixTest, (target?: unknown) => checkAndFixTest(checks, target)),
    vscode.commands.registerCommand(Commands.check, (uri?: vscode.Uri) => checks.run('check', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.clear, () => {
      checks.cancelAll();
      checks.forget();
      results.clear();
      tests.clear();
      status.hide();
    }),
    vscode.commands.registerCommand(Commands.showReport, () => {
      if (checks.showReport()) walkthrough.complete(WalkthroughKeys.scoreRead);
    }),
    vscode.commands.registerCommand(Commands.openWalkthrough, () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false)),
    vscode.commands.registerCommand(Commands.previewPatch, (uri: vscode.Uri, patchId: string) => patches.preview(uri, patchId)),
    vscode.commands.registerCommand(Commands.applyPatch, (uri: vscode.Uri, patchId: string) => patches.apply(uri, patchId)),
    vscode.commands.registerCommand(Commands.showLog, () => channel.show()),
    vscode.commands.registerCommand(Commands.setLlmApiKey, () => setLlmApiKey(context.secrets)),
    vscode.commands.registerCommand(Commands.clearLlmApiKey, () => clearLlmApiKey(context.secrets)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => logger.info('Workspace trusted: Revise can run tests now.')),
  );
}

/**
 * Check and Fix from a test (the Testing view's context menu, or a failure in the peek view, of Revise's
 * items or any other test extension's): opens the test with the cursor on it and runs Check and Fix on its
 * folder with that test as the only failing one (the others are left out of the check, and said so).
 */
async function checkAndFixTest(checks: CheckController, target: unknown): Promise<unknown> {
  const item = testItemOf(target);
  if (!item?.uri) {
    void vscode.window.showWarningMessage('Revise: this test has no file, so Revise cannot tell which folder to check.');
    return undefined;
  }
  if (item.uri.scheme === 'file') {
    const editor = await vscode.window.showTextDocument(item.uri, { preview: true, preserveFocus: false });
    if (item.range) {
      editor.selection = new vscode.Selection(item.range.start, item.range.start);
      editor.revealRange(item.range, vscode.TextEditorRevealType.InCenter);
    }
  }
  // The test is the failing one of this check: found by its file and line in Revise's own run.
  const focusTest = item.uri.scheme === 'file' && item.range ? { file: item.uri.fsPath, line: item.range.start.line + 1 } : undefined;
  return checks.run('fix', item.uri, undefined, focusTest);
}

/** The TestItem a testing menu passes: the item itself, or `{ test, message }` from the peek view. */
function testItemOf(target: unknown): vscode.TestItem | undefined {
  if (typeof target !== 'object' || target === null) return undefined;
  if ('test' in target && typeof target.test === 'object' && target.test !== null) return target.test as vscode.TestItem;
  if ('id' in target && 'children' in target) return target as vscode.TestItem;
  return undefined;
}

/** Nothing to do: every resource is disposed through `context.subscriptions`. */
export function deactivate(): void {}
