import * as vscode from 'vscode';
import { CheckController } from './checks';
import { Commands } from './commands';
import { channelLogger } from './logger';
import { ResultsView } from './results';

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
  const checks = new CheckController(context.extensionUri, logger, results, status);
  context.subscriptions.push(
    channel,
    results,
    status,
    checks,
    vscode.commands.registerCommand(Commands.checkAndFix, (uri?: vscode.Uri) => checks.run('fix', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.check, (uri?: vscode.Uri) => checks.run('check', uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand(Commands.clear, () => {
      checks.cancelAll();
      results.clear();
      status.hide();
    }),
    vscode.commands.registerCommand(Commands.showLog, () => channel.show()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => logger.info('Workspace trusted: Revise can run tests now.')),
  );
}

/** Nothing to do: every resource is disposed through `context.subscriptions`. */
export function deactivate(): void {}
