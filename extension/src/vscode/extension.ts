import * as vscode from 'vscode';
import { CheckController } from './checks';
import { Commands } from './commands';
import { channelLogger } from './logger';
import { PatchActions } from './patches';
import { ReportPanel } from './report/reportPanel';
import { ResultsView } from './results';
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
  context.subscriptions.push(
    patches,
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
    vscode.commands.registerCommand(Commands.check, (uri?: vscode.Uri) => checks.run('check', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.clear, () => {
      checks.cancelAll();
      checks.forget();
      results.clear();
      status.hide();
    }),
    vscode.commands.registerCommand(Commands.showReport, () => checks.showReport()),
    vscode.commands.registerCommand(Commands.previewPatch, (uri: vscode.Uri, patchId: string) => patches.preview(uri, patchId)),
    vscode.commands.registerCommand(Commands.applyPatch, (uri: vscode.Uri, patchId: string) => patches.apply(uri, patchId)),
    vscode.commands.registerCommand(Commands.showLog, () => channel.show()),
    vscode.commands.registerCommand(Commands.setLlmApiKey, () => setLlmApiKey(context.secrets)),
    vscode.commands.registerCommand(Commands.clearLlmApiKey, () => clearLlmApiKey(context.secrets)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => logger.info('Workspace trusted: Revise can run tests now.')),
  );
}

/** Nothing to do: every resource is disposed through `context.subscriptions`. */
export function deactivate(): void {}
