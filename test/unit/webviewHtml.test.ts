import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildReportHtml, createNonce, cspSourceList, reportContentSecurityPolicy } from '../../extension/src/vscode/report/html';

const options = {
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'q2R0bGx5LXJhbmRvbS1ub25jZQ==',
};

/** The CSP as the page declares it (attribute value unescaped), split into directives. */
function declaredPolicy(html: string): Map<string, string[]> {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'the page declares a CSP');
  const policy = match[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const directives = new Map<string, string[]>();
  for (const directive of policy.split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

void test('the page CSP allows only the nonced script and the webview’s own styles', () => {
  const html = buildReportHtml(options);
  const policy = declaredPolicy(html);
  assert.deepEqual(policy.get('default-src'), ["'none'"]);
  assert.deepEqual(policy.get('script-src'), [`'nonce-${options.nonce}'`]);
  assert.deepEqual(policy.get('style-src'), [options.cspSource]);
  assert.doesNotMatch(html, /unsafe-inline/);
  assert.doesNotMatch(html, /unsafe-eval/);
});

void test('every script carries the nonce and loads from the given URI; nothing is inline', () => {
  const html = buildReportHtml(options);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  const [, attributes, body] = scripts[0];
  assert.match(attributes, new RegExp(`nonce="${options.nonce.replace(/[+/=]/g, '\\$&')}"`));
  assert.match(attributes, new RegExp(`src="${options.scriptUri.replace(/[.+*]/g, '\\$&')}"`));
  assert.equal(body.trim(), '', 'no inline script');
  assert.match(html, new RegExp(`<link rel="stylesheet" href="${options.styleUri.replace(/[.+*]/g, '\\$&')}">`));
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /\sstyle=/i, 'no inline styles');
  assert.match(html, /<div id="root">/);
});

void test('URIs are escaped into attributes and a bad nonce or source is refused', () => {
  const html = buildReportHtml({ ...options, scriptUri: 'https://x/a.js?"><script>alert(1)</script>' });
  assert.equal([...html.matchAll(/<script\b/g)].length, 1, 'the quote cannot open a second script');
  assert.match(html, /&quot;&gt;&lt;script&gt;/);
  assert.throws(() => buildReportHtml({ ...options, nonce: "abc'; script-src *" }), /nonce/);
  assert.throws(() => buildReportHtml({ ...options, nonce: 'short' }), /nonce/);
  assert.throws(() => reportContentSecurityPolicy("https://x; script-src 'unsafe-inline'", options.nonce), /CSP source/);
});

void test('a cspSource with several sources (VS Code 1.100 in the browser) becomes a valid policy', () => {
  // What `webview.cspSource` is in code-server 4.100.3 (VS Code 1.100.3): two sources, one a keyword.
  const webCspSource = "'self' https://*.vscode-cdn.net";
  const html = buildReportHtml({ ...options, cspSource: webCspSource });
  const policy = declaredPolicy(html);
  assert.deepEqual(policy.get('style-src'), ["'self'", 'https://*.vscode-cdn.net']);
  assert.deepEqual(policy.get('img-src'), ["'self'", 'https://*.vscode-cdn.net', 'data:']);
  assert.deepEqual(policy.get('font-src'), ["'self'", 'https://*.vscode-cdn.net']);
  assert.deepEqual(policy.get('script-src'), [`'nonce-${options.nonce}'`], 'scripts still need the nonce');
  assert.deepEqual(cspSourceList('  https://a.example   https://b.example '), ['https://a.example', 'https://b.example']);
});

void test('a cspSource that would widen the policy is refused, source by source', () => {
  assert.throws(() => cspSourceList("'self' 'unsafe-inline'"), /Not a CSP source: 'unsafe-inline'/);
  assert.throws(() => cspSourceList("'self' https://x;script-src"), /Not a CSP source/);
  assert.throws(() => cspSourceList('https://x,https://y'), /Not a CSP source/);
  assert.throws(() => cspSourceList('   '), /Not a CSP source/);
  assert.throws(() => reportContentSecurityPolicy("'none'", options.nonce), /Not a CSP source/);
});

void test('nonces are fresh, long and valid CSP base64', () => {
  const nonces = new Set(Array.from({ length: 50 }, () => createNonce()));
  assert.equal(nonces.size, 50);
  for (const nonce of nonces) {
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
    assert.doesNotThrow(() => reportContentSecurityPolicy(options.cspSource, nonce));
  }
});
