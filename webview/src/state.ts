/**
 * The webview's state and how messages change it, as pure functions (tested in plain Node). `main.ts`
 * holds one `WebviewModel`, feeds it every validated message and re-renders.
 */
import type { ApplyPatchMessage, HostMessage } from './protocol';
import type { ViewState } from './view';

/** Everything the webview remembers. */
export interface WebviewModel {
  view: ViewState;
  /** `applyPatch` requests awaiting their one reply: request id → patch id. */
  pending: Readonly<Record<number, string>>;
  nextRequestId: number;
}

/** The state before the host has said anything. */
export function initialModel(): WebviewModel {
  return { view: { applications: {} }, pending: {}, nextRequestId: 1 };
}

/** The state after a message from the host. */
export function receiveHostMessage(model: WebviewModel, message: HostMessage): WebviewModel {
  switch (message.method) {
    case 'report/show':
      // A new report invalidates patch ids and their applications; replies still in flight are dropped.
      return { ...model, view: { report: message.params.report, applications: {} }, pending: {} };
    case 'report/busy': {
      const view: ViewState = { ...model.view };
      if (message.params.busy) view.busy = message.params.message;
      else delete view.busy;
      return { ...model, view };
    }
    case 'applyPatch/result': {
      const { requestId, ok, error } = message.params;
      const patchId = model.pending[requestId];
      // A reply to a request this page did not make (or made before a newer report) changes nothing.
      if (patchId === undefined) return model;
      const pending = { ...model.pending };
      delete pending[requestId];
      const application = ok ? ({ state: 'applied' } as const) : ({ state: 'failed', error: error || 'unknown error' } as const);
      return { ...model, pending, view: { ...model.view, applications: { ...model.view.applications, [patchId]: application } } };
    }
  }
}

/**
 * Starts applying a patch: returns the request to send and the state that shows it in progress, or
 * undefined when that patch is already being applied or was applied (one request per patch at a time).
 */
export function requestApplyPatch(model: WebviewModel, patchId: string): { model: WebviewModel; request: ApplyPatchMessage } | undefined {
  const current = model.view.applications[patchId];
  if (current?.state === 'applying' || current?.state === 'applied') return undefined;
  if (!model.view.report?.patches.some((patch) => patch.id === patchId)) return undefined;
  const requestId = model.nextRequestId;
  return {
    request: { method: 'applyPatch', params: { requestId, patchId } },
    model: {
      nextRequestId: requestId + 1,
      pending: { ...model.pending, [requestId]: patchId },
      view: { ...model.view, applications: { ...model.view.applications, [patchId]: { state: 'applying' } } },
    },
  };
}
