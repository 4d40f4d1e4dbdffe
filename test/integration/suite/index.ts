// Entry point VS Code loads as extensionTestsPath (from run-code-server.js through the workbench's
// `payload` URL, or from run-electron.js through @vscode/test-electron). It runs inside the extension
// host, picks the tests for the opened workspace and rejects when any fails, which VS Code turns into
// exit code 1.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reviseTests } from './reviseTests';
import { report, runSequentially } from './runner';
import { findWorkspace, workspaces } from './workspaces';

/** Runs the integration tests for the workspace this window opened; rejects when one fails. */
export async function run(): Promise<void> {
  report(`VS Code ${vscode.version} (${vscode.env.appHost}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'} UI)`);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length !== 1) throw new Error(`open exactly one workspace folder; found ${folders.length}`);
  const folder = folders[0];
  const name = path.basename(folder.uri.fsPath);
  const spec = findWorkspace(name);
  if (!spec) {
    throw new Error(`workspace "${name}" has no entry in test/integration/suite/workspaces.ts (known: ${workspaces.map((known) => known.name).join(', ')})`);
  }
  const summary = await runSequentially(`Revise in ${spec.name} (${folder.uri.fsPath})`, reviseTests(spec, folder));
  if (summary.failed > 0 || summary.passed === 0) {
    throw new Error(`${summary.failed} integration test(s) failed in ${spec.name}`);
  }
}
