/**
 * Entry of the report webview (bundled by esbuild to `dist/webview.js`, browser/iife). It validates each
 * message from the host, updates the state with the pure functions of `state.ts`, and turns the view
 * tree of `view.ts` into DOM: text only through `textContent`, never through HTML parsing.
 */
import './style.css';
import { isHostMessage, type WebviewMessage } from './protocol';
import { initialModel, receiveHostMessage, requestApplyPatch, type WebviewModel } from './state';
import { renderView, type ViewAction, type ViewNode } from './view';

/** The part of the API VS Code gives a webview that this page uses. */
interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') ?? document.body;
let model: WebviewModel = initialModel();

function send(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function act(action: ViewAction): void {
  switch (action.method) {
    case 'openLocation':
      send({ method: 'openLocation', params: { file: action.file, line: action.line } });
      return;
    case 'previewPatch':
      send({ method: 'previewPatch', params: { patchId: action.patchId } });
      return;
    case 'applyPatch': {
      const started = requestApplyPatch(model, action.patchId);
      if (!started) return;
      model = started.model;
      render();
      send(started.request);
      return;
    }
    case 'rerun':
      send({ method: 'rerun', params: {} });
      return;
  }
}

function toElement(node: ViewNode): HTMLElement {
  const element = document.createElement(node.tag);
  if (node.className) element.className = node.className;
  if (node.text !== undefined) element.textContent = node.text;
  if (node.key !== undefined) element.dataset.key = node.key;
  if (node.label !== undefined) element.setAttribute('aria-label', node.label);
  if (node.title !== undefined) element.title = node.title;
  if (node.role !== undefined) element.setAttribute('role', node.role);
  if (node.decorative) element.setAttribute('aria-hidden', 'true');
  // The CSSOM is allowed by the CSP where a `style` attribute would not be.
  if (node.fill !== undefined) element.style.width = `${Math.max(0, Math.min(1, node.fill)) * 100}%`;
  if (element instanceof HTMLDetailsElement && node.open) element.open = true;
  if (element instanceof HTMLButtonElement) {
    element.type = 'button';
    // `aria-disabled` rather than `disabled`: a disabled button drops keyboard focus, and the Apply
    // button turns disabled right when it is pressed.
    if (node.disabled) element.setAttribute('aria-disabled', 'true');
    const action = node.action;
    if (action && !node.disabled) element.addEventListener('click', () => act(action));
  }
  for (const child of node.children ?? []) element.append(toElement(child));
  return element;
}

/** Re-renders everything, keeping keyboard focus, open folds and the scroll position. */
function render(): void {
  const focusedKey = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined;
  const openKeys = new Map<string, boolean>();
  for (const details of Array.from(root.querySelectorAll<HTMLDetailsElement>('details[data-key]'))) {
    openKeys.set(details.dataset.key ?? '', details.open);
  }
  const scroll = { x: window.scrollX, y: window.scrollY };
  const tree = toElement(renderView(model.view));
  for (const details of Array.from(tree.querySelectorAll<HTMLDetailsElement>('details[data-key]'))) {
    const wasOpen = openKeys.get(details.dataset.key ?? '');
    if (wasOpen !== undefined) details.open = wasOpen;
  }
  root.replaceChildren(tree);
  if (focusedKey !== undefined) {
    const again = Array.from(root.querySelectorAll<HTMLElement>('[data-key]')).find((element) => element.dataset.key === focusedKey);
    again?.focus({ preventScroll: true });
  }
  window.scrollTo(scroll.x, scroll.y);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostMessage(message)) {
    console.warn('Revise report: ignored a malformed message from the host.');
    return;
  }
  model = receiveHostMessage(model, message);
  render();
});

render();
send({ method: 'ready', params: {} });
