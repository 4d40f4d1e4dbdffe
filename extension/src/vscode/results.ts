import * as vscode from 'vscode';
import type { CheckOutcome } from '../core/report';
import { relativePath } from '../core/report';
import type { CaptureProblem, LineScore } from '../core/types';
import type { DisplaySettings } from './settings';
import { showsTaskWarning, vagueTaskMessage } from '../core/taskSource';

/** `Diagnostic.code` of a suspect line; code actions find their diagnostics through it. */
export const SUSPECT_CODE = 'suspect';
/** `Diagnostic.code` of the warning that says why Revise offers no patch. */
export const ABSTAIN_CODE = 'abstain';
/** `Diagnostic.code` of the warning on a task description that is too vague to act on. */
export const VAGUE_TASK_CODE = 'vague-task';
/** Diagnostic source shown in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'Revise';

/** One suspect line as shown in an editor; `line` is 0-based and follows edits above it. */
interface ShownSuspect {
  line: number;
  score: LineScore;
}

/** One diagnostic Revise shows, with what the hover explains. */
interface ShownItem {
  diagnostic: vscode.Diagnostic;
  /** The workspace folder (URI string) whose check produced it. */
  folder: string;
  suspect?: ShownSuspect;
}

/**
 * Owns everything Revise draws: the diagnostic collection, the gutter heat decorations and the hover.
 * Marks follow edits above them and disappear when their own line is edited.
 */
export class ResultsView implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('revise');
  private readonly heat: vscode.TextEditorDecorationType[];
  private readonly items = new Map<string, ShownItem[]>();
  private readonly disposables: vscode.Disposable[] = [];
  private decorationsEnabled = true;
  private readonly explained = new vscode.EventEmitter<void>();
  /** Fires when a suspect line's hover (its score and evidence) is shown. */
  readonly onDidExplainScore = this.explained.event;

  constructor(mediaUri: vscode.Uri) {
    const colors = ['rgba(229, 192, 123, 0.10)', 'rgba(240, 136, 62, 0.14)', 'rgba(241, 76, 76, 0.18)'];
    const ruler = ['#e5c07b', '#f0883e', '#f14c4c'];
    this.heat = colors.map((backgroundColor, index) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor,
        gutterIconPath: vscode.Uri.joinPath(mediaUri, `heat-${index + 1}.svg`),
        gutterIconSize: 'contain',
        overviewRulerColor: ruler[index],
        overviewRulerLane: vscode.OverviewRulerLane.Left,
      }),
    );
    this.disposables.push(
      this.explained,
      this.diagnostics,
      ...this.heat,
      vscode.languages.registerHoverProvider({ scheme: 'file' }, { provideHover: (document, position) => this.hover(document, position) }),
      vscode.workspace.onDidChangeTextDocument((event) => this.followEdits(event)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.redecorate()),
    );
  }

  /** Replaces what is shown for one folder with a check's outcome. */
  show(folder: vscode.WorkspaceFolder, outcome: CheckOutcome, display: DisplaySettings): void {
    this.clear(folder);
    this.decorationsEnabled = display.decorations;
    const folderKey = folder.uri.toString();
    const add = (file: string, item: ShownItem) => {
      const key = vscode.Uri.file(file).toString();
      const list = this.items.get(key) ?? [];
      list.push(item);
      this.items.set(key, list);
    };
    const failing = outcome.run.tests.filter((test) => test.outcome === 'failed').length;
    // While tests fail, the most suspicious line is always shown, even below the threshold: a check that
    // found failing tests never ends with nothing in the editor.
    const aboveThreshold = outcome.scores.filter((score) => score.score >= display.threshold);
    const shown = (aboveThreshold.length === 0 && failing > 0 ? outcome.scores.slice(0, 1) : aboveThreshold).slice(0, display.maxSuspects);
    for (const score of shown) {
      const range = new vscode.Range(score.line - 1, 0, score.line - 1, Number.MAX_SAFE_INTEGER);
      const diagnostic = new vscode.Diagnostic(
        range,
        suspectMessage(score),
        score.score >= display.warningThreshold ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = SUSPECT_CODE;
      if (failing > 0) {
        diagnostic.relatedInformation = outcome.run.tests
          .filter((test) => test.outcome === 'failed' && test.file && test.line)
          .slice(0, 5)
          .map((test) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(test.file!), new vscode.Position(test.line! - 1, 0)), `failing: ${test.id}${test.message ? ` — ${test.message}` : ''}`));
      }
      add(score.file, { diagnostic, folder: folderKey, suspect: { line: score.line - 1, score } });
    }
    const decision = outcome.decision;
    const top = outcome.scores[0];
    if (decision?.action === 'abstain' && top) {
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(top.line - 1, 0, top.line - 1, Number.MAX_SAFE_INTEGER),
        `Revise offers no patch: ${decision.reasons.join('; ')}.`,
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = ABSTAIN_CODE;
      add(top.file, { diagnostic, folder: folderKey });
    }
    const task = outcome.task;
    // With failing tests the tests are the specification: a vague docstring then only lowers the trust in
    // patches (and shows in the report) instead of nagging in the editor, unless a test contradicts it.
    if (task?.location && showsTaskWarning(task, failing)) {
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(task.location.line - 1, 0, task.location.endLine - 1, Number.MAX_SAFE_INTEGER),
        vagueTaskMessage(task, (file) => vscode.workspace.asRelativePath(file)),
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = VAGUE_TASK_CODE;
      diagnostic.relatedInformation = (task.testContradictions ?? []).map(
        (contradiction) =>
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(vscode.Uri.file(contradiction.file), new vscode.Position(contradiction.line - 1, 0)),
            `this test asserts ${contradiction.asserted} for \`${contradiction.call}\`; the task says ${contradiction.expected}`,
          ),
      );
      add(task.location.file, { diagnostic, folder: folderKey });
    }
    for (const problem of outcome.run.problems) {
      if (!problem.file || problem.line === undefined) continue;
      add(problem.file, { diagnostic: problemDiagnostic(problem), folder: folderKey });
    }
    this.publish();
  }

  /** Removes everything shown for one folder, or for all folders. */
  clear(folder?: vscode.WorkspaceFolder): void {
    const folderKey = folder?.uri.toString();
    for (const [key, list] of this.items) {
      const kept = folderKey ? list.filter((item) => item.folder !== folderKey) : [];
      if (kept.length > 0) this.items.set(key, kept);
      else this.items.delete(key);
    }
    this.publish();
  }

  /** The suspect shown at a 0-based line of a document, if any. */
  suspectAt(uri: vscode.Uri, line: number): LineScore | undefined {
    return this.items.get(uri.toString())?.find((item) => item.suspect?.line === line)?.suspect?.score;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    this.items.clear();
  }

  private publish(): void {
    this.diagnostics.clear();
    for (const [key, list] of this.items) {
      this.diagnostics.set(
        vscode.Uri.parse(key),
        list.map((item) => item.diagnostic),
      );
    }
    this.redecorate();
  }

  private redecorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const list = this.decorationsEnabled ? this.items.get(editor.document.uri.toString()) ?? [] : [];
      const buckets: vscode.DecorationOptions[][] = [[], [], []];
      for (const item of list) {
        if (!item.suspect) continue;
        const bucket = item.suspect.score.score >= 0.7 ? 2 : item.suspect.score.score >= 0.4 ? 1 : 0;
        buckets[bucket].push({ range: new vscode.Range(item.suspect.line, 0, item.suspect.line, 0) });
      }
      this.heat.forEach((type, index) => editor.setDecorations(type, buckets[index]));
    }
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const item = this.items.get(document.uri.toString())?.find((entry) => entry.suspect?.line === position.line);
    if (!item?.suspect) return undefined;
    const score = item.suspect.score;
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.appendMarkdown(`**Revise** · ${percent(score.score)} likely faulty · rank ${score.rank}\n\n`);
    markdown.appendMarkdown(`Process reward of this line: ${percent(1 - score.score)}\n\n`);
    for (const evidence of score.evidence) {
      const weight = evidence.weight === undefined ? '' : ` _(${evidence.weight >= 0 ? '+' : ''}${evidence.weight.toFixed(2)})_`;
      markdown.appendMarkdown(`- ${evidence.kind}: ${escapeMarkdown(evidence.detail)}${weight}\n`);
    }
    this.explained.fire();
    return new vscode.Hover(markdown, item.diagnostic.range);
  }

  /** Shifts marks below an edit, drops the ones whose line was edited. */
  private followEdits(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const list = this.items.get(key);
    if (!list || event.contentChanges.length === 0) return;
    let kept = list;
    // Changes arrive in an order where each range refers to the document before that change.
    for (const change of [...event.contentChanges].sort((a, b) => b.range.start.line - a.range.start.line)) {
      const insertedLines = change.text.split('\n').length - 1;
      const delta = insertedLines - (change.range.end.line - change.range.start.line);
      kept = kept.flatMap((item) => {
        const line = item.diagnostic.range.start.line;
        if (line >= change.range.start.line && line <= change.range.end.line) return [];
        if (line > change.range.end.line && delta !== 0) {
          const moved = line + delta;
          const diagnostic = cloneDiagnostic(item.diagnostic, new vscode.Range(moved, 0, moved, Number.MAX_SAFE_INTEGER));
          return [{ ...item, diagnostic, ...(item.suspect ? { suspect: { ...item.suspect, line: moved } } : {}) }];
        }
        return [item];
      });
    }
    if (kept.length === list.length && kept.every((item, index) => item === list[index])) return;
    if (kept.length > 0) this.items.set(key, kept);
    else this.items.delete(key);
    this.publish();
  }
}

/** "86% likely faulty: run by 2/2 failing and 0/7 passing tests; raised here in test_points" */
export function suspectMessage(score: LineScore): string {
  const reasons = score.evidence.filter((item) => (item.weight ?? 1) > 0).slice(0, 2).map((item) => item.detail);
  return `${percent(score.score)} likely faulty${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
}

function problemDiagnostic(problem: CaptureProblem): vscode.Diagnostic {
  const line = Math.max(0, (problem.line ?? 1) - 1);
  const column = Math.max(0, (problem.column ?? 1) - 1);
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(line, column, line, Number.MAX_SAFE_INTEGER),
    problem.message,
    problem.kind === 'syntax-error' || problem.kind === 'collection-error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = problem.kind;
  return diagnostic;
}

function cloneDiagnostic(original: vscode.Diagnostic, range: vscode.Range): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(range, original.message, original.severity);
  diagnostic.source = original.source;
  diagnostic.code = original.code;
  diagnostic.relatedInformation = original.relatedInformation;
  return diagnostic;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

/** A short status-bar text for an outcome. */
export function statusText(outcome: CheckOutcome): string {
  const failed = outcome.run.tests.filter((test) => test.outcome === 'failed').length;
  if (failed === 0) return `$(pass) Revise: ${outcome.run.tests.length} tests pass`;
  const top = outcome.scores[0];
  if (!top) return `$(warning) Revise: ${failed} failing, no suspect`;
  return `$(debug-alt) Revise: ${failed} failing · ${relativePath(outcome.root, top.file)}:${top.line} ${percent(top.score)}`;
}
