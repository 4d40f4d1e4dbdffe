/**
 * The report webview's HTML page, built as a pure function so that its security policy can be tested
 * in plain Node (this file must not import `vscode`).
 */
import { randomBytes } from 'node:crypto';

/** What the page needs from the host: resource URIs (already `asWebviewUri`'d) and the CSP inputs. */
export interface ReportHtmlOptions {
  /** URI of `dist/webview.js` as the webview may load it. */
  scriptUri: string;
  /** URI of `dist/webview.css` as the webview may load it. */
  styleUri: string;
  /**
   * `webview.cspSource`: the sources the webview's own resources come from. One source or several,
   * separated by spaces: VS Code 1.100 in the browser gives `'self' https://*.vscode-cdn.net`.
   */
  cspSource: string;
  /** A fresh nonce per page (see `createNonce`); only the script carrying it may run. */
  nonce: string;
}

/** Characters the CSP grammar allows in a nonce (base64 or base64url). */
const NONCE_PATTERN = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** A new random nonce: 16 bytes from `crypto.randomBytes`, base64. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The Content-Security-Policy of the report page: nothing by default; scripts only with the nonce (no
 * `unsafe-inline`, no `unsafe-eval`); styles, images and fonts only from the webview's own resources.
 */
export function reportContentSecurityPolicy(cspSource: string, nonce: string): string {
  checkNonce(nonce);
  const sources = cspSourceList(cspSource).join(' ');
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${sources}`,
    `img-src ${sources} data:`,
    `font-src ${sources}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The full HTML page; the script fills `#root` and then tells the host it is ready. */
export function buildReportHtml(options: ReportHtmlOptions): string {
  const policy = reportContentSecurityPolicy(options.cspSource, options.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(options.styleUri)}">
<title>Revise Report</title>
</head>
<body>
<div id="root"><p>Loading the report…</p></div>
<script nonce="${escapeAttribute(options.nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
</body>
</html>
`;
}

function checkNonce(nonce: string): void {
  // A nonce with a quote or a semicolon could rewrite the policy; refuse it rather than escape it.
  if (!NONCE_PATTERN.test(nonce)) throw new Error('The CSP nonce must be at least 16 base64 characters.');
}

/** The only quoted keyword `cspSource` may hold; any other (`'unsafe-inline'`, a nonce) would widen the policy. */
const ALLOWED_KEYWORDS = new Set(["'self'"]);

/**
 * The sources in `webview.cspSource`, each checked: host or scheme sources (no quote, semicolon or
 * comma, which could end the directive or add one) and the keyword `'self'`. Throws on anything else.
 */
export function cspSourceList(cspSource: string): string[] {
  const sources = cspSource.trim().split(/\s+/).filter((source) => source.length > 0);
  if (sources.length === 0) throw new Error('Not a CSP source: (empty)');
  for (const source of sources) {
    if (ALLOWED_KEYWORDS.has(source)) continue;
    if (/[;,'"]/.test(source)) throw new Error(`Not a CSP source: ${source}`);
  }
  return sources;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
