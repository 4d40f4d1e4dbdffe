/**
 * The host's half of the report conversation, without the editor API (so plain Node tests drive it):
 * it keeps the state the page must be able to rebuild, validates every message from the page, refuses
 * what the shown report does not contain, and answers each request exactly once.
 */
import * as path from 'node:path';
import type { Logger } from '../../core/ports';
import type { CheckReport } from '../../core/types';
import { isWebviewMessage, type HostMessage, type WebviewMessage } from '../../../../webview/src/protocol';

/**
 * What the report panel asks of the controller that opened it. Paths are absolute (the report's
 * relative paths are resolved against `report.root`); lines are 1-based.
 */
export interface ReportHandlers {
  /** Open `file` (absolute) at a 1-based line. */
  openLocation(file: string, line: number): void | PromiseLike<void>;
  /** Apply a patch of the shown report; resolves to an error message, or undefined when it was applied. */
  applyPatch(patchId: string): Promise<string | undefined>;
  /** Show a patch of the shown report as a diff. */
  previewPatch(patchId: string): void | PromiseLike<void>;
  /** Run the check again (the controller then calls `setBusy` and `update`). */
  rerun(): void | PromiseLike<void>;
}

/** Sends one message to the page; the panel passes `webview.postMessage`. */
export type PostToWebview = (message: HostMessage) => void;

/** One panel's conversation with its page. */
export class ReportSession {
  private currentReport: CheckReport;
  private busy: string | undefined;
  private closed = false;

  constructor(
    report: CheckReport,
    private readonly post: PostToWebview,
    /** Replaced when the panel is shown again by another controller call. */
    public handlers: ReportHandlers,
    private readonly logger?: Logger,
  ) {
    this.currentReport = report;
  }

  /** The report the page shows (or will show once it is ready). */
  get report(): CheckReport {
    return this.currentReport;
  }

  /** Shows a new report; it also ends the busy state. */
  update(report: CheckReport): void {
    this.currentReport = report;
    this.busy = undefined;
    this.send({ method: 'report/show', params: { report } });
  }

  /** Marks a check as running with what it is doing, or (undefined) as over without a new report. */
  setBusy(message: string | undefined): void {
    this.busy = message;
    this.send({ method: 'report/busy', params: { busy: message !== undefined, message: message ?? '' } });
  }

  /** Stops all sending (the panel is gone); replies still pending are dropped. */
  close(): void {
    this.closed = true;
  }

  /**
   * Handles one message from the page. Resolves when it is handled (for `applyPatch`, after its reply
   * was sent); never rejects: handler failures are logged or, for requests, become the error reply.
   */
  async receive(message: unknown): Promise<void> {
    if (!isWebviewMessage(message)) {
      this.logger?.warn('Report panel: ignored a malformed message from the webview.');
      return;
    }
    await this.handle(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.method) {
      case 'ready':
        // The page (re)loaded, e.g. after being hidden: it knows nothing, so send everything.
        this.send({ method: 'report/show', params: { report: this.currentReport } });
        if (this.busy !== undefined) this.send({ method: 'report/busy', params: { busy: true, message: this.busy } });
        return;
      case 'openLocation': {
        const file = this.resolveReportFile(message.params.file);
        if (file === undefined) {
          this.logger?.warn(`Report panel: refused to open a file the report does not mention: ${message.params.file}`);
          return;
        }
        const line = message.params.line;
        await this.callHandler('openLocation', () => this.handlers.openLocation(file, line));
        return;
      }
      case 'previewPatch': {
        const patchId = message.params.patchId;
        if (!this.hasPatch(patchId)) {
          this.logger?.warn(`Report panel: no patch ${patchId} in the shown report.`);
          return;
        }
        await this.callHandler('previewPatch', () => this.handlers.previewPatch(patchId));
        return;
      }
      case 'applyPatch':
        await this.applyPatch(message.params.requestId, message.params.patchId);
        return;
      case 'rerun':
        await this.callHandler('rerun', () => this.handlers.rerun());
        return;
      default: {
        const unhandled: never = message;
        this.logger?.warn(`Report panel: unhandled message ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** Answers one `applyPatch` request with exactly one `applyPatch/result`, whatever happens. */
  private async applyPatch(requestId: number, patchId: string): Promise<void> {
    let error: string | undefined;
    if (!this.hasPatch(patchId)) {
      error = `No patch ${patchId} in the shown report; run the check again.`;
    } else {
      try {
        error = await this.handlers.applyPatch(patchId);
      } catch (thrown) {
        error = describe(thrown);
      }
    }
    this.send({ method: 'applyPatch/result', params: error === undefined ? { requestId, ok: true } : { requestId, ok: false, error } });
  }

  private hasPatch(patchId: string): boolean {
    return this.currentReport.patches.some((patch) => patch.id === patchId);
  }

  /**
   * The absolute path of a file the shown report mentions, or undefined for any other path: the page
   * can only ask to open what it was given.
   */
  private resolveReportFile(file: string): string | undefined {
    const report = this.currentReport;
    const mentioned = new Set<string | undefined>([
      ...report.suspects.map((suspect) => suspect.file),
      ...report.patches.map((patch) => patch.file),
      ...report.tests.failures.map((failure) => failure.file),
      ...report.problems.map((problem) => problem.file),
    ]);
    if (!mentioned.has(file)) return undefined;
    return path.isAbsolute(file) ? file : path.resolve(report.root, file);
  }

  private async callHandler(name: string, call: () => void | PromiseLike<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.logger?.error(`Report panel: ${name} failed: ${describe(error)}`);
    }
  }

  private send(message: HostMessage): void {
    if (this.closed) return;
    try {
      this.post(message);
    } catch (error) {
      // A disposed webview throws; the page is gone, so there is no one left to tell.
      this.logger?.debug(`Report panel: could not post ${message.method}: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
