import * as vscode from 'vscode';
import type { Logger } from '../../core/ports';
import type { CheckReport } from '../../core/types';
import { buildReportHtml, createNonce } from './html';
import { ReportSession, type ReportHandlers } from './session';

export type { ReportHandlers } from './session';

/**
 * The "Revise Report" webview panel: at most one is open; `show` creates or reveals it. It owns the
 * panel, its listeners and its session, and disposes them when the user closes it or `dispose` is
 * called. The conversation with the page (validation, one reply per request) lives in `ReportSession`.
 */
export class ReportPanel implements vscode.Disposable {
  /** `WebviewPanel.viewType` of the report. */
  static readonly viewType = 'revise.report';
  private static openPanel: ReportPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly session: ReportSession;
  private disposed = false;

  /** The open panel, if any (for example to call `setBusy` when a check starts). */
  static get current(): ReportPanel | undefined {
    return ReportPanel.openPanel;
  }

  /**
   * Shows `report` in the report panel: creates it beside the active editor (keeping the editor
   * focused) or reveals the open one, which from then on uses these `handlers`.
   */
  static show(extensionUri: vscode.Uri, report: CheckReport, handlers: ReportHandlers, logger?: Logger): ReportPanel {
    const open = ReportPanel.openPanel;
    if (open) {
      open.session.handlers = handlers;
      open.update(report);
      open.panel.reveal(undefined, true);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(
      ReportPanel.viewType,
      'Revise Report',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
      },
    );
    const created = new ReportPanel(panel, extensionUri, report, handlers, logger);
    ReportPanel.openPanel = created;
    return created;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    report: CheckReport,
    handlers: ReportHandlers,
    logger?: Logger,
  ) {
    const webview = panel.webview;
    this.session = new ReportSession(
      report,
      // A hidden page drops messages; it sends `ready` again when shown, and the session resends.
      (message) => void webview.postMessage(message).then(undefined, (error: unknown) => logger?.debug(`Report panel: ${String(error)}`)),
      handlers,
      logger,
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    webview.html = buildReportHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css')).toString(),
      cspSource: webview.cspSource,
      nonce: createNonce(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => void this.session.receive(message)),
    );
  }

  /** The report the panel shows. */
  get report(): CheckReport {
    return this.session.report;
  }

  /** Shows a new report (ends the busy state). */
  update(report: CheckReport): void {
    this.session.update(report);
  }

  /** Marks a check as running with what it is doing, or (undefined) as over without a new report. */
  setBusy(message: string | undefined): void {
    this.session.setBusy(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ReportPanel.openPanel === this) ReportPanel.openPanel = undefined;
    this.session.close();
    // Disposing the panel fires onDidDispose, which comes back here and returns at once.
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
