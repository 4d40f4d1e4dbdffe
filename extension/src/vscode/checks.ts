import * as vscode from 'vscode';
import type { Assets } from '../core/capture/types';
import type { CheckLlmOptions, LlmCheckSummary } from '../core/llm/check';
import type { Logger } from '../core/ports';
import type { CheckResult } from '../core/pipeline';
import type { SyntaxService } from '../core/syntax/treeSitter';
import type { CheckReport } from '../core/types';
import type { PatchActions } from './patches';
import { activePythonInterpreter } from './python';
import { ReportPanel } from './report/reportPanel';
import { ResultsView, statusText } from './results';
import { readCheckSettings, readDisplaySettings, readLlmApiKey, readLlmSettings } from './settings';
import type { TestPlace } from '../core/focus';
import { vagueTaskMessage } from '../core/taskSource';

/** A check in flight for one folder. */
interface RunningCheck {
  abort: AbortController;
  done: Promise<unknown>;
}

/**
 * Runs checks: one at a time per workspace folder (a new one cancels the old), with a cancellable
 * progress notification whose token becomes the core's `AbortSignal`. The core is loaded on the first
 * check, not at activation.
 */
export class CheckController implements vscode.Disposable {
  private readonly running = new Map<string, RunningCheck>();
  private readonly latest = new Map<string, CheckResult>();
  /** Set by the extension once the patch actions exist; used to offer the proposed patch. */
  patchActions?: PatchActions;
  private readonly edits = new Map<string, Set<number>>();
  private syntax?: SyntaxService;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly finished = new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; result: CheckResult }>();
  /** Fires after each check that produced a result, before its command resolves (the Testing view listens). */
  readonly onDidFinishCheck = this.finished.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    private readonly results: ResultsView,
    private readonly status: vscode.StatusBarItem,
    /** Holds the LLM API keys (Revise: Set LLM API Key). */
    private readonly secrets: vscode.SecretStorage,
  ) {
    this.disposables.push(this.finished, vscode.workspace.onDidChangeTextDocument((event) => this.recordEdits(event)));
  }

  /** Runs a check of the folder of the active editor (or one the user picks); resolves to its report. */
  async run(mode: 'check' | 'fix', target?: vscode.Uri, task?: string, focusTest?: TestPlace): Promise<CheckReport | undefined> {
    const folder = await this.pickFolder(target);
    if (!folder) return undefined;
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage(
        'Revise runs your tests, which executes code from this workspace. Trust the workspace to check it.',
        'Manage Workspace Trust',
      );
      if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const key = folder.uri.toString();
    const previous = this.running.get(key);
    if (previous) {
      this.logger.info(`A new check of ${folder.name} replaces the one in progress.`);
      previous.abort.abort();
      await previous.done.catch(() => undefined);
    }
    const abort = new AbortController();
    const done = this.execute(mode, folder, abort, task, focusTest);
    this.running.set(key, { abort, done });
    try {
      return await done;
    } finally {
      if (this.running.get(key)?.abort === abort) this.running.delete(key);
    }
  }

  /** The latest result for the folder that holds `uri`. */
  resultFor(uri: vscode.Uri): CheckResult | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.latest.get(folder.uri.toString()) : undefined;
  }

  /** Checks the folder of `uri` again, in the mode of its last check. */
  recheck(uri: vscode.Uri): Thenable<unknown> {
    return this.run(this.resultFor(uri)?.outcome.patches.length ? 'fix' : 'check', uri);
  }

  /** The latest report of the active editor's folder, or of any folder. */
  latestResult(): CheckResult | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    return (active && this.resultFor(active)) ?? [...this.latest.values()].pop();
  }

  /** Forgets every result (Revise: Clear Results). */
  forget(): void {
    this.latest.clear();
  }

  /** Cancels the check in flight for one folder, if any. */
  cancel(folder: vscode.WorkspaceFolder): void {
    this.running.get(folder.uri.toString())?.abort.abort();
  }

  /** Cancels every check in flight. */
  cancelAll(): void {
    for (const check of this.running.values()) check.abort.abort();
  }

  dispose(): void {
    this.cancelAll();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private async execute(mode: 'check' | 'fix', folder: vscode.WorkspaceFolder, abort: AbortController, task?: string, focusTest?: TestPlace): Promise<CheckReport | undefined> {
    const title = mode === 'fix' ? 'Revise: Check and Fix' : 'Revise: Check';
    this.status.text = `$(sync~spin) Revise: checking ${folder.name}…`;
    ReportPanel.current?.setBusy(`Checking ${folder.name}…`);
    this.status.show();
    const unsaved = vscode.workspace.textDocuments.filter((document) => document.isDirty && document.uri.fsPath.startsWith(folder.uri.fsPath));
    if (unsaved.length > 0) {
      void vscode.window.showWarningMessage(
        `Revise checks the saved files: ${unsaved.length} file${unsaved.length === 1 ? ' has' : 's have'} unsaved changes (${unsaved.map((document) => vscode.workspace.asRelativePath(document.uri)).join(', ')}).`,
      );
    }
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const subscription = token.onCancellationRequested(() => abort.abort());
          try {
            return await this.runCore(mode, folder, abort.signal, progress, task, focusTest);
          } finally {
            subscription.dispose();
          }
        },
      );
      this.edits.clear();
      this.latest.set(folder.uri.toString(), result);
      this.results.show(folder, result.outcome, readDisplaySettings(folder));
      this.status.text = statusText(result.outcome) + llmStatus(result.llm);
      this.status.tooltip = `Revise: click to check again${result.llm ? `\nLLM: ${result.llm.model} at ${result.llm.endpoint ?? 'the default endpoint'}, ${result.llm.calls} requests this check` : ''}`;
      ReportPanel.current?.update(result.report);
      this.finished.fire({ folder, result });
      if (result.llm?.failures.length) this.announceLlmFailure(result.llm);
      void this.announce(mode, folder, result);
      return result.report;
    } catch (error) {
      ReportPanel.current?.setBusy(undefined);
      await this.reportFailure(error, folder);
      return undefined;
    }
  }

  private async runCore(
    mode: 'check' | 'fix',
    folder: vscode.WorkspaceFolder,
    signal: AbortSignal,
    progress: vscode.Progress<{ message?: string; increment?: number }>,
    task: string | undefined,
    focusTest: TestPlace | undefined,
  ): Promise<CheckResult> {
    // Loaded on first use: activation stays cheap.
    const [{ runCheck }, { SyntaxService }] = await Promise.all([import('../core/pipeline'), import('../core/syntax/treeSitter')]);
    this.syntax ??= new SyntaxService(vscode.Uri.joinPath(this.extensionUri, 'grammars').fsPath);
    const settings = readCheckSettings(folder);
    if (!settings.pythonPath) {
      const interpreter = await activePythonInterpreter(folder.uri, this.logger);
      if (interpreter) settings.pythonPath = interpreter;
    }
    const assets: Assets = {
      grammarsDir: vscode.Uri.joinPath(this.extensionUri, 'grammars').fsPath,
      pythonDir: vscode.Uri.joinPath(this.extensionUri, 'extension', 'python').fsPath,
    };
    let reported = 0;
    const llm = await this.llmFor(folder);
    this.logger.info(`${mode === 'fix' ? 'Check and Fix' : 'Check'} of ${folder.uri.fsPath}${llm ? ` with ${llm.model} at ${llm.endpoint}` : ''}`);
    return runCheck({
      root: folder.uri.fsPath,
      mode,
      assets,
      settings,
      logger: this.logger,
      syntax: this.syntax,
      signal,
      unsavedEdits: this.editedLines(folder),
      ...(task !== undefined ? { task } : {}),
      ...(focusTest ? { focusTest } : {}),
      ...(llm ? { llm } : {}),
      ...focusIn(folder),
      onProgress: (update) => {
        const fraction = Math.round((update.fraction ?? reported / 100) * 100);
        progress.report({ message: update.message, increment: Math.max(0, fraction - reported) });
        reported = Math.max(reported, fraction);
      },
    });
  }

  /**
   * The language model for a check of `folder`, from `revise.llm.*` and the stored (or environment) key;
   * undefined when it is off. The client and SDK load only here, never at activation.
   */
  private async llmFor(folder: vscode.WorkspaceFolder): Promise<CheckLlmOptions | undefined> {
    const settings = readLlmSettings(folder);
    if (!settings.enabled) return undefined;
    const [{ createOpenAiClient }, { displayUrl }] = await Promise.all([import('../core/llm/openai'), import('../core/llm/errors')]);
    const apiKey = await readLlmApiKey(this.secrets, settings.baseUrl);
    return {
      client: createOpenAiClient({ baseUrl: settings.baseUrl, apiKey, model: settings.model, timeoutMs: settings.timeoutMs, logger: this.logger }),
      model: settings.model,
      endpoint: displayUrl(settings.baseUrl),
      roles: settings.roles,
      budget: { maxCalls: settings.maxRequests, maxTokens: settings.maxTokens },
    };
  }

  /**
   * One notification per check when the model failed; the results of the embedded pipeline are shown
   * all the same. Not awaited: the check's own announcement follows at once.
   */
  private announceLlmFailure(llm: LlmCheckSummary): void {
    const first = llm.failures[0];
    const more = llm.failures.length > 1 ? ` (${llm.failures.length - 1} more in the report)` : '';
    const actions = first.kind === 'auth' ? ['Set API Key', 'Open Settings'] : ['Open Settings', 'Show Log'];
    void vscode.window.showErrorMessage(`Revise: ${first.message}${more} The results below come from Revise's own analysis.`, ...actions).then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'revise.llm');
      if (choice === 'Set API Key') void vscode.commands.executeCommand('revise.setLlmApiKey');
      if (choice === 'Show Log') void vscode.commands.executeCommand('revise.showLog');
    });
  }

  /** Tells the user what the check found; Check and Fix ends by offering the proposed patch or saying why not. */
  private async announce(mode: 'check' | 'fix', folder: vscode.WorkspaceFolder, result: CheckResult): Promise<void> {
    const { outcome } = result;
    const decision = outcome.decision;
    const failed = outcome.run.tests.filter((test) => test.outcome === 'failed').length;
    if (outcome.task?.verdict === 'vague' && (failed === 0 || outcome.task.source === 'user')) {
      void vscode.window.showWarningMessage(
        `Revise: ${vagueTaskMessage(outcome.task, (file) => vscode.workspace.asRelativePath(file))}${failed === 0 ? ' No patch is offered.' : ' The failing tests still point at suspect lines.'}`,
      );
    }
    if (failed === 0) {
      void vscode.window.showInformationMessage(`Revise: all ${outcome.run.tests.length} tests pass; nothing to fix.`);
      return;
    }
    const top = outcome.scores[0];
    const where = top ? ` Most suspicious: ${vscode.workspace.asRelativePath(top.file)}:${top.line} (${Math.round(top.score * 100)}%).` : '';
    const summary = `Revise: ${failed} failing test${failed === 1 ? '' : 's'}.${where}`;
    if (mode === 'check' || !decision) {
      const choice = await vscode.window.showInformationMessage(summary, 'Show Report');
      if (choice) void vscode.commands.executeCommand('revise.showReport');
      return;
    }
    const patch = decision.action === 'propose' ? outcome.patches.find((candidate) => candidate.id === decision.patch) : undefined;
    if (patch) {
      const trust = patch.trust !== undefined ? `, trust ${Math.round(patch.trust * 100)}%` : '';
      const choice = await vscode.window.showInformationMessage(
        `Revise proposes ${patch.title} in ${vscode.workspace.asRelativePath(patch.file)} (passes ${patch.testsPassed}/${patch.testsPassed + patch.testsFailed} tests${trust}).`,
        'Preview Patch',
        'Show Report',
      );
      if (choice === 'Preview Patch') await this.patchActions?.preview(vscode.Uri.file(patch.file), patch.id);
      if (choice === 'Show Report') void vscode.commands.executeCommand('revise.showReport');
      return;
    }
    const choice = await vscode.window.showWarningMessage(`${summary} Revise offers no patch: ${decision.reasons.join('; ')}.`, 'Show Report');
    if (choice) void vscode.commands.executeCommand('revise.showReport');
    this.logger.info(`Abstained on ${folder.name}: ${decision.reasons.join('; ')}`);
  }

  /** Opens (or reveals) the report panel with the latest result; false when there is none yet. */
  showReport(): boolean {
    const result = this.latestResult();
    if (!result) {
      void vscode.window.showInformationMessage('Revise: no results yet. Run Revise: Check and Fix first.');
      return false;
    }
    const fileUri = (file: string) => vscode.Uri.file(file);
    ReportPanel.show(
      this.extensionUri,
      result.report,
      {
        openLocation: async (file, line) => {
          const editor = await vscode.window.showTextDocument(fileUri(file), { preview: true, viewColumn: vscode.ViewColumn.One });
          const position = new vscode.Position(Math.max(0, line - 1), 0);
          editor.selection = new vscode.Selection(position, position);
          editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
        },
        applyPatch: (patchId) => {
          const patch = result.outcome.patches.find((candidate) => candidate.id === patchId);
          return patch && this.patchActions ? this.patchActions.apply(fileUri(patch.file), patchId) : Promise.resolve('This patch is no longer available.');
        },
        previewPatch: async (patchId) => {
          const patch = result.outcome.patches.find((candidate) => candidate.id === patchId);
          if (patch && this.patchActions) await this.patchActions.preview(fileUri(patch.file), patchId);
        },
        rerun: async () => {
          await this.run(result.outcome.patches.length > 0 ? 'fix' : 'check', vscode.Uri.file(result.outcome.root));
        },
      },
      this.logger,
    );
    return true;
  }

  private async reportFailure(error: unknown, folder: vscode.WorkspaceFolder): Promise<void> {
    const { ReviseError } = await import('../core/errors');
    if (error instanceof ReviseError && error.code === 'cancelled') {
      this.status.text = '$(circle-slash) Revise: cancelled';
      this.logger.info(`Check of ${folder.name} cancelled.`);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof ReviseError ? error.hint : undefined;
    this.logger.error(`Check of ${folder.name} failed: ${message}${hint ? ` (${hint})` : ''}`);
    if (!(error instanceof ReviseError)) this.logger.error(error instanceof Error ? error.stack ?? message : message);
    this.status.text = '$(error) Revise: could not check';
    // Not awaited: the command resolves now, whether or not the user ever answers the notification.
    void vscode.window.showErrorMessage(`Revise: ${message}${hint ? ` ${hint}` : ''}`, 'Show Log', 'Open Settings').then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand('revise.showLog');
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'revise.');
    });
  }

  private async pickFolder(target?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
    const uri = target ?? vscode.window.activeTextEditor?.document.uri;
    const fromEditor = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    if (fromEditor) return fromEditor;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 1) return folders[0];
    if (folders.length === 0) {
      void vscode.window.showWarningMessage('Revise: open a folder with tests first.');
      return undefined;
    }
    return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder should Revise check?' });
  }

  /** Remembers edited lines (evidence for the scorer: recently edited code is more often wrong). */
  private recordEdits(event: vscode.TextDocumentChangeEvent): void {
    if (event.document.uri.scheme !== 'file' || event.contentChanges.length === 0) return;
    const lines = this.edits.get(event.document.uri.fsPath) ?? new Set<number>();
    for (const change of event.contentChanges) {
      const inserted = change.text.split('\n').length - 1;
      for (let line = change.range.start.line; line <= change.range.start.line + inserted; line++) lines.add(line + 1);
    }
    this.edits.set(event.document.uri.fsPath, lines);
  }

  private editedLines(folder: vscode.WorkspaceFolder): Record<string, number[]> {
    const edited: Record<string, number[]> = {};
    for (const [file, lines] of this.edits) {
      if (file.startsWith(folder.uri.fsPath)) edited[file] = [...lines].sort((a, b) => a - b);
    }
    return edited;
  }
}

/** " · LLM: gpt-4o-mini" after the status text, flagged when the model failed in this check. */
function llmStatus(llm: LlmCheckSummary | undefined): string {
  if (!llm) return '';
  return ` · LLM: ${llm.model}${llm.failures.length > 0 ? ' $(warning)' : ''}`;
}

/** The cursor, when the active editor shows a file of the folder: it names the function under test. */
function focusIn(folder: vscode.WorkspaceFolder): { focus?: { file: string; line: number } } {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== 'file' || vscode.workspace.getWorkspaceFolder(editor.document.uri) !== folder) return {};
  return { focus: { file: editor.document.uri.fsPath, line: editor.selection.active.line + 1 } };
}
