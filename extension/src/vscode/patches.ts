import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { CheckResult } from '../core/pipeline';
import type { Logger } from '../core/ports';
import { minimalChange } from '../core/text';
import { isReadOnlyFile } from '../core/patch/apply';
import type { Patch } from '../core/types';
import { DIAGNOSTIC_SOURCE, SUSPECT_CODE } from './results';

/** URI scheme of the read-only "patched" side of a diff preview. */
export const PATCH_SCHEME = 'revise-patch';

/** Where the latest check results of each folder live; the controller implements it. */
export interface ResultsSource {
  resultFor(uri: vscode.Uri): CheckResult | undefined;
  recheck(uri: vscode.Uri): Thenable<unknown>;
}

/**
 * Patches in the editor: quick fixes on suspect diagnostics, a diff preview before anything changes,
 * and applying a patch as one `WorkspaceEdit` (so undo works) only when the file still has the exact
 * text the patch was computed on.
 */
export class PatchActions implements vscode.CodeActionProvider, vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly applied = new vscode.EventEmitter<Patch>();
  /** Fires after a patch was applied to the editor. */
  readonly onDidApplyPatch = this.applied.event;

  constructor(
    private readonly results: ResultsSource,
    private readonly logger: Logger,
  ) {
    this.disposables.push(
      this.applied,
      vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, this, { providedCodeActionKinds: PatchActions.providedCodeActionKinds }),
      vscode.workspace.registerTextDocumentContentProvider(PATCH_SCHEME, this),
    );
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const result = this.results.resultFor(document.uri);
    if (!result) return [];
    const suspects = context.diagnostics.filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE && diagnostic.code === SUSPECT_CODE);
    if (suspects.length === 0) return [];
    const proposed = result.outcome.decision?.action === 'propose' ? result.outcome.decision.patch : undefined;
    const forFile = result.outcome.patches.filter((patch) => patch.file === document.uri.fsPath);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of suspects) {
      const line = diagnostic.range.start.line + 1;
      // Patches on this line first, then the file's other patches (a fix may sit next to the suspect).
      const ordered = [...forFile.filter((patch) => patch.lines.includes(line)), ...forFile.filter((patch) => !patch.lines.includes(line))];
      for (const patch of ordered.slice(0, 5)) {
        const action = new vscode.CodeAction(`Apply patch: ${patch.title} (${testsText(patch)})`, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = patch.id === proposed;
        action.command = { command: 'revise.previewPatch', title: 'Preview patch', arguments: [document.uri, patch.id] };
        actions.push(action);
      }
    }
    const report = new vscode.CodeAction('Show Revise report', vscode.CodeActionKind.Empty);
    report.command = { command: 'revise.showReport', title: 'Show Revise report' };
    actions.push(report);
    return actions;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const query = new URLSearchParams(uri.query);
    const file = vscode.Uri.file(query.get('file') ?? '');
    const patch = this.results.resultFor(file)?.outcome.patches.find((candidate) => candidate.id === query.get('id'));
    return patch?.newText ?? '// This patch is no longer available: run Revise: Check and Fix again.';
  }

  /** Opens a diff of the file against the patched text, then asks before applying. */
  async preview(fileUri: vscode.Uri, patchId: string): Promise<boolean> {
    const patch = this.find(fileUri, patchId);
    if (!patch) return false;
    const patchedUri = vscode.Uri.from({ scheme: PATCH_SCHEME, path: fileUri.path, query: new URLSearchParams({ file: fileUri.fsPath, id: patchId }).toString() });
    await vscode.commands.executeCommand('vscode.diff', fileUri, patchedUri, `${vscode.workspace.asRelativePath(fileUri)} ↔ Revise patch ${patchId}: ${patch.title}`, { preview: true });
    const choice = await vscode.window.showInformationMessage(`Apply ${patch.title} to ${vscode.workspace.asRelativePath(fileUri)}? ${testsText(patch)}.`, 'Apply', 'Cancel');
    if (choice !== 'Apply') return false;
    const error = await this.apply(fileUri, patchId);
    if (error) void vscode.window.showWarningMessage(error);
    return error === undefined;
  }

  /** Applies a patch; resolves to an error message, or undefined when it was applied. */
  async apply(fileUri: vscode.Uri, patchId: string): Promise<string | undefined> {
    const result = this.results.resultFor(fileUri);
    const patch = this.find(fileUri, patchId);
    if (!result || !patch) return 'This patch is no longer available: run Revise: Check and Fix again.';
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(patch.file));
    const text = document.getText();
    const expected = result.baseHashes[patch.file];
    if (!expected || sha256(text) !== expected) {
      const relative = vscode.workspace.asRelativePath(document.uri);
      void vscode.window.showWarningMessage(`${relative} changed since Revise computed this patch; it was not applied.`, 'Check Again').then((choice) => {
        if (choice) void this.results.recheck(document.uri);
      });
      return `${relative} changed since the check; run it again.`;
    }
    if (isReadOnlyFile(patch.file)) {
      const relative = vscode.workspace.asRelativePath(document.uri);
      const choice = await vscode.window.showWarningMessage(`${relative} is read-only. Apply the patch anyway?`, { modal: true }, 'Apply Anyway');
      if (choice !== 'Apply Anyway') return `${relative} is read-only; the patch was not applied.`;
    }
    const edit = new vscode.WorkspaceEdit();
    const change = minimalChange(text, patch.newText);
    edit.replace(document.uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.text, {
      label: `Revise: ${patch.title}`,
      needsConfirmation: false,
    });
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) return 'VS Code refused the edit (is the file read-only?).';
    this.logger.info(`Applied patch ${patch.id} (${patch.origin}) to ${patch.file}; undo with Ctrl+Z.`);
    // Reveal the edit where the file is already shown; from the report, opening it in the report's
    // group would hide the report the user just pressed Apply in.
    const shown = vscode.window.visibleTextEditors.find((editor) => editor.document === document);
    await vscode.window.showTextDocument(document, { preview: false, ...(shown?.viewColumn !== undefined ? { viewColumn: shown.viewColumn } : {}) });
    this.applied.fire(patch);
    return undefined;
  }

  private find(fileUri: vscode.Uri, patchId: string): Patch | undefined {
    return this.results.resultFor(fileUri)?.outcome.patches.find((patch) => patch.id === patchId);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function testsText(patch: Patch): string {
  const total = patch.testsPassed + patch.testsFailed;
  // Validated on the failing tests and the tests that run its lines; only the proposed patch runs the whole suite.
  if (patch.validated && patch.checked && patch.checked.fullSuite !== 'confirmed') return `passes the ${patch.checked.failing} failing and ${patch.checked.covering} related tests`;
  return patch.validated ? `passes ${patch.testsPassed}/${total} tests` : `not validated: ${patch.testsPassed}/${total} tests pass`;
}
