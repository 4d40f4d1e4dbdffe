// The integration tests proper: what a user of the real editor sees after running Revise's commands on
// a workspace with one known bug. They use only the `vscode` API and node:assert.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckReport } from '../../../extension/src/core/types';
import { report, SkipError, type TestCase } from './runner';
import type { WorkspaceSpec } from './workspaces';

/** publisher.name from package.json. */
const EXTENSION_ID = 'revise-dev.revise';
/** Diagnostics Revise creates carry this source. */
const DIAGNOSTIC_SOURCE = 'Revise';
const COMMAND_IDS = ['revise.checkAndFix', 'revise.check', 'revise.clear', 'revise.showLog'] as const;
/**
 * How long one check command may take. The fixture's tests run in about a second; the rest is patch
 * validation, which re-runs them per candidate. Keep two of these under the spec's timeoutSeconds.
 */
const CHECK_TIMEOUT_MS = 120_000;
/** e.g. "83% likely faulty: run by 2/2 failing and 0/7 passing tests" */
const MESSAGE_PATTERN = /^(\d{1,3})% likely faulty\b/;

/**
 * The tests for one opened workspace, in the order they must run (later ones use the check's result).
 * @param spec what the workspace is and where its bug is
 * @param folder the opened workspace folder (a temporary copy of the fixture)
 */
export function reviseTests(spec: WorkspaceSpec, folder: vscode.WorkspaceFolder): TestCase[] {
  const buggyUri = vscode.Uri.joinPath(folder.uri, ...spec.buggyFile.split('/'));
  let buggyLine = -1; // 0-based, found from spec.buggyLineText
  let originalText = '';
  let fixReport: CheckReport | undefined;
  // A command that never settles (e.g. it awaits a notification nobody answers) would also block the
  // next check, which first waits for the one in progress; skip it instead of waiting twice.
  let fixCommandSettled = false;

  const requireFixReport = (): CheckReport => {
    if (!fixReport) throw new SkipError('needs the result of "Check and Fix"');
    return fixReport;
  };

  return [
    {
      name: 'the workspace copy carries the test settings',
      body: () => {
        const configuration = vscode.workspace.getConfiguration(undefined, folder.uri);
        for (const [key, value] of Object.entries(spec.settings)) {
          assert.deepEqual(configuration.get(key), value, `setting ${key}`);
        }
      },
    },
    {
      name: 'the extension activates',
      timeoutMs: 60_000,
      body: async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(extension, `extension ${EXTENSION_ID} is not loaded (is extensionDevelopmentPath the repository root?)`);
        await extension.activate();
        assert.equal(extension.isActive, true);
      },
    },
    {
      name: 'it registers every command it contributes',
      body: async () => {
        const registered = new Set(await vscode.commands.getCommands(true));
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        const manifest = extension?.packageJSON as { contributes?: { commands?: { command: string }[] } } | undefined;
        const contributed = (manifest?.contributes?.commands ?? []).map((entry) => entry.command);
        const notContributed = COMMAND_IDS.filter((id) => !contributed.includes(id));
        assert.deepEqual(notContributed, [], 'commands missing from package.json contributes.commands');
        const notRegistered = contributed.filter((id) => !registered.has(id));
        assert.deepEqual(notRegistered, [], 'commands contributed in package.json but not registered by activate()');
      },
    },
    {
      name: `opens ${spec.buggyFile}`,
      body: async () => {
        const document = await vscode.workspace.openTextDocument(buggyUri);
        await vscode.window.showTextDocument(document);
        originalText = document.getText();
        const matches: number[] = [];
        for (let line = 0; line < document.lineCount; line++) {
          if (document.lineAt(line).text.trim() === spec.buggyLineText) matches.push(line);
        }
        assert.equal(matches.length, 1, `exactly one line of ${spec.buggyFile} reads "${spec.buggyLineText}"; lines: ${matches.map((line) => line + 1).join(', ')}`);
        buggyLine = matches[0];
        assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), buggyUri.toString());
      },
    },
    {
      name: 'Check and Fix returns a report that blames the buggy line',
      timeoutMs: CHECK_TIMEOUT_MS,
      body: async () => {
        if (buggyLine < 0) throw new SkipError('the buggy file did not open');
        const result = await vscode.commands.executeCommand<CheckReport | undefined>('revise.checkAndFix');
        fixCommandSettled = true;
        assert.ok(result, 'revise.checkAndFix returned no report (see the Revise log above)');
        fixReport = result;
        report(
          `      tests ${result.tests.passed} passed / ${result.tests.failed} failed (${result.tests.framework}, coverage ${result.tests.coverage}); ` +
            `top suspects ${result.suspects.slice(0, 3).map((suspect) => `${suspect.file}:${suspect.line} ${Math.round(suspect.score * 100)}%`).join(', ')}; ` +
            `${result.patches.length} patch(es); decision ${result.decision?.action ?? 'none'}${result.decision?.reasons.length ? ` (${result.decision.reasons[0]})` : ''}`,
        );
        assert.equal(result.version, 1);
        assert.equal(path.resolve(result.root), path.resolve(folder.uri.fsPath), 'report.root is the workspace folder');
        assert.ok(result.tests.failed > 0, `the fixture has failing tests; report says ${result.tests.failed} failed, ${result.tests.passed} passed`);
        assert.ok(result.tests.passed > 0, 'the fixture has passing tests too');
        assert.ok(result.suspects.length > 0, 'at least one suspect line');
        const top = result.suspects[0];
        assert.deepEqual(
          { file: top.file, line: top.line },
          { file: spec.buggyFile, line: buggyLine + 1 },
          `top suspect; all suspects: ${result.suspects.map((suspect) => `${suspect.file}:${suspect.line} ${suspect.score.toFixed(2)}`).join(', ')}`,
        );
        if (spec.loadError) {
          // Load failures are failures: the test file that cannot import the module fails with its error.
          const failure = result.tests.failures.find((candidate) => candidate.id === spec.loadError?.testId);
          assert.ok(failure, `${spec.loadError.testId} is a failed test; failures: ${result.tests.failures.map((candidate) => candidate.id).join(', ')}`);
          assert.ok(failure.message.includes(spec.loadError.message), `its message holds the load error: ${failure.message}`);
          assert.ok(top.evidence.some((item) => item.kind === 'load-error'), `the top suspect's evidence is the load error: ${JSON.stringify(top.evidence)}`);
        }
        for (let index = 1; index < result.suspects.length; index++) {
          assert.ok(result.suspects[index - 1].score >= result.suspects[index].score, 'suspects are sorted by score, highest first');
        }
      },
    },
    {
      name: 'a Revise diagnostic lands on the buggy line with its probability and evidence',
      body: async () => {
        requireFixReport();
        const diagnostics = (await waitForDiagnostics(buggyUri, (found) => found.some(isSuspectDiagnostic), 10_000)).filter(isSuspectDiagnostic);
        assert.ok(diagnostics.length > 0, `no ${DIAGNOSTIC_SOURCE} suspect diagnostics on ${spec.buggyFile}`);
        const onBuggyLine = diagnostics.filter((diagnostic) => diagnostic.range.start.line === buggyLine);
        assert.equal(
          onBuggyLine.length,
          1,
          `one diagnostic on line ${buggyLine + 1}; found on lines ${diagnostics.map((diagnostic) => diagnostic.range.start.line + 1).join(', ')}`,
        );
        const diagnostic = onBuggyLine[0];
        const match = MESSAGE_PATTERN.exec(diagnostic.message);
        assert.ok(match, `message starts with "NN% likely faulty": ${JSON.stringify(diagnostic.message)}`);
        const percent = Number(match[1]);
        assert.ok(percent > 0 && percent <= 100, `probability ${percent}% is within (0, 100]`);
        assert.match(diagnostic.message, spec.loadError ? /cannot load/ : /failing/, 'the message names the failing-test (or load-error) evidence');
        const percentages = diagnostics.map((other) => Number(MESSAGE_PATTERN.exec(other.message)?.[1] ?? 0));
        assert.equal(percent, Math.max(...percentages), `the buggy line has the highest probability: ${diagnostics.map((other) => other.message).join(' | ')}`);
        assert.ok(diagnostic.severity === vscode.DiagnosticSeverity.Warning || diagnostic.severity === vscode.DiagnosticSeverity.Information, 'a warning or information, never an error');
      },
    },
    {
      name: 'checking leaves the workspace files untouched',
      body: () => {
        requireFixReport();
        assert.equal(fs.readFileSync(buggyUri.fsPath, 'utf8'), originalText, `${spec.buggyFile} on disk`);
        const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === buggyUri.toString());
        assert.equal(document?.isDirty ?? false, false, 'the open editor has no unsaved edits');
      },
    },
    {
      name: spec.expectPatch ? 'it finds a validated patch of the buggy file, offered as a quick fix' : 'any validated patch edits the buggy file and is offered as a quick fix',
      body: async () => {
        const result = requireFixReport();
        const validated = result.patches.filter((patch) => patch.validated);
        if (validated.length === 0) {
          assert.ok(!spec.expectPatch, `a validated patch is expected in ${spec.name}; patches: ${result.patches.map((patch) => `${patch.title} validated=${patch.validated}`).join(', ') || 'none'}`);
          assert.notEqual(result.decision?.action, 'propose', 'nothing is proposed without a validated patch');
          return;
        }
        const best = validated[0];
        assert.equal(best.file, spec.buggyFile, 'the best validated patch edits the buggy file');
        if (spec.loadError) {
          assert.equal(best.origin, 'template:syntax-repair', `a file that does not load is repaired by a syntax repair: ${best.title} (${best.origin})`);
          assert.equal(result.decision?.action, 'propose', `the syntax repair is proposed; decision: ${JSON.stringify(result.decision)}`);
        }
        assert.equal(best.testsFailed, 0, 'a validated patch makes every test pass');
        const range = new vscode.Range(buggyLine, 0, buggyLine, 0);
        const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', buggyUri, range)) ?? [];
        const titles = actions.map((action) => action.title);
        assert.ok(titles.some((title) => title.includes(best.title)), `a quick fix offers "${best.title}"; actions: ${JSON.stringify(titles)}`);
      },
    },
    {
      name: 'the decision shows: a proposal is the one preferred quick fix; an abstention is a warning that says why',
      body: async () => {
        const result = requireFixReport();
        const decision = result.decision;
        assert.ok(decision, 'Check and Fix decides (propose, abstain or nothing-to-fix)');
        assert.ok(decision.reasons.length > 0, 'the decision gives reasons');
        const range = new vscode.Range(buggyLine, 0, buggyLine, 0);
        const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', buggyUri, range)) ?? [];
        const fixes = actions.filter((action): action is vscode.CodeAction => 'kind' in action && action.kind?.value === vscode.CodeActionKind.QuickFix.value);
        const preferred = fixes.filter((action) => action.isPreferred);
        if (decision.action === 'propose') {
          const patch = result.patches.find((candidate) => candidate.id === decision.patch);
          assert.ok(patch, `decision names patch ${decision.patch}, which is in report.patches`);
          assert.equal(patch.validated, true, 'only a validated patch is proposed');
          assert.equal(patch.file, spec.buggyFile);
          assert.ok(patch.trust !== undefined && patch.trust >= 0 && patch.trust <= 1, `the proposed patch carries a trust in [0, 1]: ${patch.trust}`);
          assert.equal(preferred.length, 1, `one preferred quick fix; actions: ${JSON.stringify(fixes.map((fix) => fix.title))}`);
          assert.ok(preferred[0].title.includes(patch.title), `preferred fix "${preferred[0].title}" is the proposed patch "${patch.title}"`);
          return;
        }
        assert.equal(decision.action, 'abstain', 'with failing tests Revise proposes or abstains');
        assert.equal(preferred.length, 0, `no quick fix is preferred when Revise abstains; actions: ${JSON.stringify(fixes.map((fix) => fix.title))}`);
        const warnings = (await waitForDiagnostics(buggyUri, (found) => found.some((diagnostic) => diagnostic.code === 'abstain'), 10_000)).filter(
          (diagnostic) => diagnostic.code === 'abstain',
        );
        assert.equal(warnings.length, 1, 'one abstention diagnostic, on the top suspect');
        assert.equal(warnings[0].range.start.line, buggyLine);
        assert.equal(warnings[0].severity, vscode.DiagnosticSeverity.Warning);
        assert.match(warnings[0].message, /^Revise offers no patch: .+/);
        assert.match(warnings[0].message, /to make it actionable/, 'the warning says what would make the task actionable');
      },
    },
    {
      // In code-server (VS Code 1.100) `webview.cspSource` holds two sources; the page used to refuse it
      // and the command failed with "Not a CSP source" (issue 14).
      name: 'Show Report opens the report panel without an error',
      body: async () => {
        requireFixReport();
        await vscode.commands.executeCommand('revise.showReport');
        // The tab model reaches the extension host a moment after the command resolves.
        const reportTabs = await poll(
          () =>
            vscode.window.tabGroups.all
              .flatMap((group) => group.tabs)
              .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('revise.report')),
          (tabs) => tabs.length > 0,
          10_000,
        );
        assert.equal(reportTabs.length, 1, `one Revise Report tab; tabs: ${vscode.window.tabGroups.all.flatMap((group) => group.tabs).map((tab) => tab.label).join(', ')}`);
        assert.equal(reportTabs[0].label, 'Revise Report');
        await vscode.window.showTextDocument(buggyUri);
      },
    },
    {
      name: 'applying the best validated patch edits only the buggy line, unsaved, and undo restores it',
      body: async () => {
        const proposed = bestValidatedPatch(requireFixReport());
        const error = await vscode.commands.executeCommand<string | undefined>('revise.applyPatch', buggyUri, proposed.id);
        assert.equal(error, undefined, 'revise.applyPatch reports no error');
        const document = await vscode.workspace.openTextDocument(buggyUri);
        try {
          const before = originalText.split(/\r?\n/);
          const after = document.getText().split(/\r?\n/);
          assert.equal(after.length, before.length, 'same number of lines');
          const changed = after.flatMap((line, index) => (line === before[index] ? [] : [index]));
          assert.deepEqual(changed, [buggyLine], 'only the buggy line changed');
          assert.ok(proposed.diff.includes(`+${after[buggyLine]}`), `the edit is the patch's diff: ${JSON.stringify(after[buggyLine])} in\n${proposed.diff}`);
          assert.equal(document.isDirty, true, 'the edit is left for the user to save');
          assert.equal(fs.readFileSync(buggyUri.fsPath, 'utf8'), originalText, 'nothing written to disk');
          await vscode.window.showTextDocument(document);
          await vscode.commands.executeCommand('undo');
          assert.equal(document.getText(), originalText, 'one undo restores the original text');
        } finally {
          // Leave the editor as the check found it, whatever happened above.
          if (document.isDirty) {
            await vscode.window.showTextDocument(document);
            await vscode.commands.executeCommand('workbench.action.files.revert');
          }
        }
      },
    },
    {
      name: 'Clear Results removes every Revise diagnostic',
      body: async () => {
        requireFixReport();
        await vscode.commands.executeCommand('revise.clear');
        const left = await waitForAllDiagnostics((found) => found.length === 0, 10_000);
        assert.deepEqual(
          left.map(([uri, diagnostic]) => `${vscode.workspace.asRelativePath(uri)}:${diagnostic.range.start.line + 1} ${diagnostic.message}`),
          [],
          'Revise diagnostics left after revise.clear',
        );
      },
    },
    {
      name: 'Check (Localize Only) blames the same line and proposes no patch',
      timeoutMs: CHECK_TIMEOUT_MS,
      body: async () => {
        if (buggyLine < 0) throw new SkipError('the buggy file did not open');
        if (!fixCommandSettled) throw new SkipError('"Check and Fix" never returned, and a new check waits for it');
        const result = await vscode.commands.executeCommand<CheckReport | undefined>('revise.check', buggyUri);
        assert.ok(result, 'revise.check returned no report');
        assert.deepEqual({ file: result.suspects[0]?.file, line: result.suspects[0]?.line }, { file: spec.buggyFile, line: buggyLine + 1 }, 'top suspect of revise.check');
        assert.equal(result.patches.length, 0, 'localize-only produces no patches');
        const diagnostics = await waitForDiagnostics(buggyUri, (found) => found.some((diagnostic) => diagnostic.range.start.line === buggyLine), 10_000);
        assert.ok(diagnostics.some((diagnostic) => diagnostic.range.start.line === buggyLine), 'diagnostic on the buggy line again');
        await vscode.commands.executeCommand('revise.clear');
      },
    },
    {
      // What the Testing view's context menu and the peek view pass: a TestItem, or { test, message }.
      name: 'Check and Fix from This Test opens the failing test and checks its folder',
      timeoutMs: CHECK_TIMEOUT_MS,
      body: async () => {
        const result = requireFixReport();
        if (!fixCommandSettled) throw new SkipError('"Check and Fix" never returned, and a new check waits for it');
        const failure = result.tests.failures.find((candidate) => candidate.file !== undefined && candidate.line !== undefined);
        if (!failure?.file || failure.line === undefined) throw new SkipError('no failure with a location in the report');
        const testUri = vscode.Uri.file(path.resolve(result.root, failure.file));
        const line = failure.line - 1;
        const item = { id: `it|${failure.id}`, label: failure.id, uri: testUri, range: new vscode.Range(line, 0, line, 0), children: [] };
        const again = await vscode.commands.executeCommand<CheckReport | undefined>('revise.checkAndFixTest', { test: item, message: new vscode.TestMessage(failure.message) });
        assert.ok(again, 'revise.checkAndFixTest returned no report');
        assert.deepEqual({ file: again.suspects[0]?.file, line: again.suspects[0]?.line }, { file: spec.buggyFile, line: buggyLine + 1 }, 'the same top suspect');
        assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, testUri.fsPath, 'the test file is open');
        assert.equal(vscode.window.activeTextEditor?.selection.active.line, line, 'with the cursor on the failing test');
        await vscode.commands.executeCommand('revise.clear');
      },
    },
    {
      name: 'Get Started opens the walkthrough, whose steps all wait for an event',
      body: async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        const manifest = extension?.packageJSON as { contributes?: { walkthroughs?: { steps: { completionEvents?: string[] }[] }[] } } | undefined;
        const steps = manifest?.contributes?.walkthroughs?.[0]?.steps ?? [];
        assert.ok(steps.length >= 4, `a walkthrough with its steps; found ${steps.length}`);
        assert.ok(steps.every((step) => (step.completionEvents ?? []).some((event) => event.startsWith('onContext:revise.walkthrough.'))), 'each step completes on a Revise event');
        await vscode.commands.executeCommand('revise.openWalkthrough');
      },
    },
    {
      name: 'Show Log runs',
      body: async () => {
        await vscode.commands.executeCommand('revise.showLog');
      },
    },
  ];
}

/** The proposed patch, else the best validated one; skips the calling test when there is none. */
function bestValidatedPatch(result: CheckReport): CheckReport['patches'][number] {
  const decision = result.decision;
  const proposed = decision?.action === 'propose' ? result.patches.find((candidate) => candidate.id === decision.patch) : undefined;
  const patch = proposed ?? result.patches.find((candidate) => candidate.validated);
  if (!patch) throw new SkipError('Revise found no validated patch');
  return patch;
}

/** A suspect line's diagnostic, as opposed to an abstention or vague-task warning. */
function isSuspectDiagnostic(diagnostic: vscode.Diagnostic): boolean {
  return MESSAGE_PATTERN.test(diagnostic.message);
}

/** Revise's diagnostics on one file, polled until accept() holds or the time is up (then returned as they are). */
async function waitForDiagnostics(uri: vscode.Uri, accept: (found: vscode.Diagnostic[]) => boolean, timeoutMs: number): Promise<vscode.Diagnostic[]> {
  const read = () => vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE);
  return poll(read, accept, timeoutMs);
}

/** Revise's diagnostics on every file, polled like waitForDiagnostics. */
async function waitForAllDiagnostics(
  accept: (found: [vscode.Uri, vscode.Diagnostic][]) => boolean,
  timeoutMs: number,
): Promise<[vscode.Uri, vscode.Diagnostic][]> {
  const read = () =>
    vscode.languages
      .getDiagnostics()
      .flatMap(([uri, diagnostics]) => diagnostics.filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE).map((diagnostic): [vscode.Uri, vscode.Diagnostic] => [uri, diagnostic]));
  return poll(read, accept, timeoutMs);
}

/**
 * Diagnostics are published through the extension host's event loop, so they may arrive just after a
 * command resolves; poll instead of asserting on the first read.
 */
async function poll<T>(read: () => T, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = read();
  }
  return value;
}
