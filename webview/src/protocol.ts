/**
 * The one message contract between the extension host and the report webview. Both sides import this
 * file (so it must never import `vscode`), and both validate what arrives with the guards below, because
 * a message crossing the boundary is only `unknown` until checked.
 *
 * Every message is `{ method, params }`. Requests that need an answer carry a `requestId` and get
 * exactly one reply whose method is the request's method plus `/result`.
 */
import type { CheckReport, CaptureProblem, Decision, EvidenceKind, Framework, TestRun } from '../../extension/src/core/types';

/** The shape every message shares: a string-literal method and typed parameters. */
export interface Message<Method extends string, Params> {
  method: Method;
  params: Params;
}

/** No parameters (still an object, so every message has the same shape). */
export type NoParams = Record<string, never>;

// ---- Host → webview -------------------------------------------------------------------------------

/** Show this report (replaces the one shown, ends any busy state). */
export type ReportShowMessage = Message<'report/show', { report: CheckReport }>;
/** A check started (`busy: true`, with what it is doing) or ended without a new report (`busy: false`). */
export type ReportBusyMessage = Message<'report/busy', { busy: boolean; message: string }>;
/** The one reply to an `applyPatch` request. */
export type ApplyPatchResultMessage = Message<'applyPatch/result', { requestId: number; ok: boolean; error?: string }>;

/** Every message the host sends to the webview. */
export type HostMessage = ReportShowMessage | ReportBusyMessage | ApplyPatchResultMessage;

// ---- Webview → host -------------------------------------------------------------------------------

/** The webview's script has loaded; the host answers by sending the current state. */
export type ReadyMessage = Message<'ready', NoParams>;
/** Open a file at a 1-based line; `file` is as written in the report (relative to `report.root`). */
export type OpenLocationMessage = Message<'openLocation', { file: string; line: number }>;
/** Request: apply a patch of the shown report; answered by one `applyPatch/result`. */
export type ApplyPatchMessage = Message<'applyPatch', { requestId: number; patchId: string }>;
/** Show a patch as a diff in the editor. */
export type PreviewPatchMessage = Message<'previewPatch', { patchId: string }>;
/** Run the check again. */
export type RerunMessage = Message<'rerun', NoParams>;

/** Every message the webview sends to the host. */
export type WebviewMessage = ReadyMessage | OpenLocationMessage | ApplyPatchMessage | PreviewPatchMessage | RerunMessage;

// ---- Run-time validation --------------------------------------------------------------------------

/** A check of one message's parameters. */
type ParamsGuard = (params: unknown) => boolean;

/** A guard per host method; the mapped type makes forgetting one a compile error. */
const hostParamsGuards: { [Method in HostMessage['method']]: ParamsGuard } = {
  'report/show': (params) => isRecord(params) && isCheckReport(params.report),
  'report/busy': (params) => isRecord(params) && typeof params.busy === 'boolean' && typeof params.message === 'string',
  'applyPatch/result': (params) =>
    isRecord(params) &&
    isRequestId(params.requestId) &&
    typeof params.ok === 'boolean' &&
    isOptional(params.error, (error) => typeof error === 'string'),
};

/** A guard per webview method. */
const webviewParamsGuards: { [Method in WebviewMessage['method']]: ParamsGuard } = {
  ready: isRecord,
  openLocation: (params) => isRecord(params) && isNonEmptyString(params.file) && isLine(params.line),
  applyPatch: (params) => isRecord(params) && isRequestId(params.requestId) && isNonEmptyString(params.patchId),
  previewPatch: (params) => isRecord(params) && isNonEmptyString(params.patchId),
  rerun: isRecord,
};

/** True when `value` is a well-formed message from the host. */
export function isHostMessage(value: unknown): value is HostMessage {
  return isMessageOf(value, hostParamsGuards);
}

/** True when `value` is a well-formed message from the webview. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  return isMessageOf(value, webviewParamsGuards);
}

/** True when `value` is a well-formed host message with this method (narrows to that message). */
export function isHostMessageOf<Method extends HostMessage['method']>(
  value: unknown,
  method: Method,
): value is Extract<HostMessage, { method: Method }> {
  return isHostMessage(value) && value.method === method;
}

/** True when `value` is a well-formed webview message with this method (narrows to that message). */
export function isWebviewMessageOf<Method extends WebviewMessage['method']>(
  value: unknown,
  method: Method,
): value is Extract<WebviewMessage, { method: Method }> {
  return isWebviewMessage(value) && value.method === method;
}

function isMessageOf(value: unknown, guards: Record<string, ParamsGuard>): boolean {
  if (!isRecord(value) || typeof value.method !== 'string') return false;
  // `hasOwn` so that a method such as `toString` or `__proto__` never reaches an inherited function.
  if (!Object.hasOwn(guards, value.method)) return false;
  return guards[value.method](value.params);
}

// ---- CheckReport validation (the webview renders only what passed this) ---------------------------

// Records over the unions make a new member a compile error here until it is accepted.
const frameworks: Record<Framework, true> = { pytest: true, 'node:test': true, jest: true, vitest: true, mocha: true };
const coverageMethods: Record<TestRun['coverageMethod'], true> = { 'coverage.py': true, 'trace-plugin': true, v8: true, none: true };
const problemKinds: Record<CaptureProblem['kind'], true> = {
  'no-tests': true,
  'collection-error': true,
  'syntax-error': true,
  timeout: true,
  cancelled: true,
  'unparsable-output': true,
  'coverage-unavailable': true,
  'skipped-file': true,
  'source-map': true,
  llm: true,
  sandbox: true,
  'refused-patch': true,
  'flaky-test': true,
};
const evidenceKinds: Record<EvidenceKind, true> = { spectrum: true, traceback: true, edited: true, syntax: true, repair: true, critic: true, 'load-error': true };
const decisionActions: Record<Decision['action'], true> = { propose: true, abstain: true, 'nothing-to-fix': true };
const stages = ['capture', 'localize', 'patch', 'bounce'] as const;

/** True when `value` is a version-1 `CheckReport` (see docs/architecture.md). */
export function isCheckReport(value: unknown): value is CheckReport {
  if (!isRecord(value)) return false;
  return (
    value.version === 1 &&
    isNonEmptyString(value.root) &&
    isOptional(value.task, isTask) &&
    isTests(value.tests) &&
    isArrayOf(value.problems, isProblem) &&
    isArrayOf(value.suspects, isSuspect) &&
    isArrayOf(value.patches, isReportPatch) &&
    isOptional(value.decision, isDecision) &&
    isTimings(value.timingsMs)
  );
}

function isTask(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.text === 'string' &&
    isProbability(value.vagueness) &&
    (value.verdict === 'actionable' || value.verdict === 'vague') &&
    isOptional(value.missing, (missing) => isArrayOf(missing, isString))
  );
}

function isTests(value: unknown): boolean {
  return (
    isRecord(value) &&
    isKeyOf(value.framework, frameworks) &&
    isCount(value.passed) &&
    isCount(value.failed) &&
    isCount(value.skipped) &&
    isNonNegative(value.durationMs) &&
    typeof value.complete === 'boolean' &&
    isKeyOf(value.coverage, coverageMethods) &&
    isArrayOf(
      value.failures,
      (failure) =>
        isRecord(failure) &&
        typeof failure.id === 'string' &&
        typeof failure.message === 'string' &&
        isOptional(failure.file, isNonEmptyString) &&
        isOptional(failure.line, isLine),
    )
  );
}

function isProblem(value: unknown): boolean {
  return (
    isRecord(value) &&
    isKeyOf(value.kind, problemKinds) &&
    typeof value.message === 'string' &&
    isOptional(value.file, isNonEmptyString) &&
    isOptional(value.line, isLine)
  );
}

function isSuspect(value: unknown): boolean {
  return (
    isRecord(value) &&
    isNonEmptyString(value.file) &&
    isLine(value.line) &&
    isProbability(value.score) &&
    isOptional(value.text, isString) &&
    isArrayOf(value.evidence, (item) => isRecord(item) && isKeyOf(item.kind, evidenceKinds) && typeof item.detail === 'string')
  );
}

function isReportPatch(value: unknown): boolean {
  return (
    isRecord(value) &&
    isNonEmptyString(value.id) &&
    isNonEmptyString(value.file) &&
    typeof value.origin === 'string' &&
    typeof value.title === 'string' &&
    typeof value.diff === 'string' &&
    typeof value.validated === 'boolean' &&
    isCount(value.testsPassed) &&
    isCount(value.testsFailed) &&
    isOptional(value.trust, isProbability)
  );
}

function isDecision(value: unknown): boolean {
  return (
    isRecord(value) &&
    isKeyOf(value.action, decisionActions) &&
    isOptional(value.patch, isNonEmptyString) &&
    isProbability(value.confidence) &&
    isArrayOf(value.reasons, isString)
  );
}

function isTimings(value: unknown): boolean {
  if (!isRecord(value) || !isNonNegative(value.total)) return false;
  return stages.every((stage) => isOptional(value[stage], isNonNegative));
}

// ---- Small guards -----------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** A 1-based line number. */
function isLine(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

function isRequestId(value: unknown): value is number {
  return isCount(value);
}

function isProbability(value: unknown): value is number {
  return isNonNegative(value) && value <= 1;
}

function isKeyOf(value: unknown, table: Record<string, true>): boolean {
  return typeof value === 'string' && Object.hasOwn(table, value);
}

function isOptional(value: unknown, guard: (value: unknown) => boolean): boolean {
  return value === undefined || guard(value);
}

function isArrayOf(value: unknown, guard: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every((item) => guard(item));
}
