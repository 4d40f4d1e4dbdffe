// A real-browser check of the report webview: bundles webview/src/main.ts, serves the page that
// extension/src/vscode/report/html.ts builds (same CSP) from a temp folder, stubs acquireVsCodeApi,
// sends the sample report and drives the page in headless Chromium. Writes screenshots and fails on a
// CSP violation, a missing section, escaped text that became markup, or a wrong message to the host.
// Usage: node webview/scripts/render-check.cjs [screenshot.png] (default /tmp/webview.png; a light
// theme one goes next to it; WEBVIEW_WIDTH=480 for a narrow panel). Needs /usr/bin/chromium (or CHROMIUM=path) and playwright-core.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const esbuild = require('esbuild');
const { chromium } = require('playwright-core');

const repository = path.resolve(__dirname, '..', '..');
const screenshot = path.resolve(process.argv[2] ?? '/tmp/webview.png');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Colors of VS Code's default dark and light themes, set the way VS Code sets them (on <html>). */
const themes = {
  dark: {
    bodyClass: 'vscode-dark',
    variables: {
      '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
      '--vscode-editor-font-size': '13px',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-button-border': 'rgba(255, 255, 255, 0.07)',
      '--vscode-textLink-foreground': '#4daafc',
      '--vscode-textLink-activeForeground': '#4daafc',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-textCodeBlock-background': '#2b2b2b',
      '--vscode-textBlockQuote-background': '#2b2b2b',
      '--vscode-editorError-foreground': '#f85149',
      '--vscode-editorWarning-foreground': '#cca700',
      '--vscode-editorInfo-foreground': '#3794ff',
      '--vscode-testing-iconPassed': '#73c991',
      '--vscode-errorForeground': '#f85149',
      '--vscode-diffEditor-insertedLineBackground': 'rgba(155, 185, 85, 0.2)',
      '--vscode-diffEditor-removedLineBackground': 'rgba(255, 0, 0, 0.2)',
      '--vscode-gitDecoration-addedResourceForeground': '#81b88b',
      '--vscode-gitDecoration-deletedResourceForeground': '#c74e39',
      '--vscode-textPreformat-foreground': '#d0d0d0',
      '--vscode-editorWidget-background': '#202020',
      '--vscode-progressBar-background': '#0078d4',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    variables: {
      '--vscode-font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
      '--vscode-editor-font-size': '13px',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-textLink-foreground': '#005fb8',
      '--vscode-textLink-activeForeground': '#005fb8',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-textCodeBlock-background': '#f8f8f8',
      '--vscode-textBlockQuote-background': '#f8f8f8',
      '--vscode-editorError-foreground': '#e51400',
      '--vscode-editorWarning-foreground': '#bf8803',
      '--vscode-editorInfo-foreground': '#1a85ff',
      '--vscode-testing-iconPassed': '#388a34',
      '--vscode-errorForeground': '#a1260d',
      '--vscode-diffEditor-insertedLineBackground': 'rgba(155, 185, 85, 0.2)',
      '--vscode-diffEditor-removedLineBackground': 'rgba(255, 0, 0, 0.2)',
      '--vscode-gitDecoration-addedResourceForeground': '#587c0c',
      '--vscode-gitDecoration-deletedResourceForeground': '#ad0707',
      '--vscode-editorWidget-background': '#f8f8f8',
    },
  },
};

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

async function main() {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'revise-webview-'));
  try {
    // The same options esbuild.js uses for the webview entry.
    await esbuild.build({
      entryPoints: { webview: path.join(repository, 'webview/src/main.ts') },
      outdir: folder,
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'warning',
    });
    // The page builder and the sample report, bundled for Node so this script needs no prior build.
    await esbuild.build({
      stdin: {
        contents: `export { buildReportHtml, createNonce } from './extension/src/vscode/report/html';
                   export { sampleReport } from './test/unit/webviewSample';`,
        resolveDir: repository,
        loader: 'ts',
      },
      outfile: path.join(folder, 'helpers.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'warning',
    });
    const { buildReportHtml, createNonce, sampleReport } = require(path.join(folder, 'helpers.cjs'));
    const sizes = ['webview.js', 'webview.css'].map((name) => `${name} ${fs.statSync(path.join(folder, name)).size} B`);
    console.log(`bundle: ${sizes.join(', ')}`);

    const nonce = createNonce();
    fs.writeFileSync(
      path.join(folder, 'index.html'),
      buildReportHtml({ scriptUri: 'webview.js', styleUri: 'webview.css', cspSource: 'file:', nonce }),
    );

    const report = sampleReport();
    // Hostile text must come out as text.
    report.tests.failures[1].message = 'AssertionError: <img src=x id=injected onerror="window.__pwned=1"> 27 == 50';

    const browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    try {
      for (const [name, theme] of Object.entries(themes)) {
        const page = await browser.newPage({ viewport: { width: Number(process.env.WEBVIEW_WIDTH ?? 900), height: 900 } });
        const errors = [];
        page.on('pageerror', (error) => errors.push(String(error)));
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        // Runs before the page's own script: the API VS Code injects, recording what the page posts.
        await page.addInitScript(() => {
          window.__posted = [];
          window.__violations = [];
          document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective));
          window.acquireVsCodeApi = () => ({ postMessage: (message) => window.__posted.push(message), getState: () => undefined, setState: () => {} });
        });
        await page.goto(`file://${path.join(folder, 'index.html')}`);
        await page.evaluate((theme) => {
          for (const [variable, value] of Object.entries(theme.variables)) document.documentElement.style.setProperty(variable, value);
          document.body.classList.add(theme.bodyClass);
        }, theme);
        await page.waitForFunction(() => window.__posted.some((message) => message.method === 'ready'));
        check(true, `${name}: the page said ready`);

        // A malformed message is ignored; the report is shown after a valid one.
        await page.evaluate(() => window.postMessage({ method: 'report/show', params: { report: { version: 2 } } }, '*'));
        await page.evaluate((report) => window.postMessage({ method: 'report/show', params: { report } }, '*'), report);
        await page.waitForSelector('.suspect');

        const locations = await page.$$eval('.suspect .location', (elements) => elements.map((element) => element.textContent));
        check(JSON.stringify(locations) === JSON.stringify(['shop/cart.py:31', 'shop/cart.py:30', 'shop/cart.py:29']), `${name}: suspects in score order`);
        const widths = await page.$$eval('.suspect .bar-fill', (elements) => elements.map((element) => element.getBoundingClientRect().width / element.parentElement.getBoundingClientRect().width));
        check(Math.abs(widths[0] - 0.81) < 0.03 && Math.abs(widths[2] - 0.12) < 0.03, `${name}: bars drawn to their probability (${widths.map((width) => width.toFixed(2)).join(', ')})`);
        check((await page.$$('.patch.proposed')).length === 1, `${name}: one proposed patch`);
        check((await page.$('#injected')) === null && (await page.evaluate(() => window.__pwned)) === undefined, `${name}: report text stays text`);
        check((await page.textContent('.failures')).includes('<img src=x'), `${name}: the hostile message is shown literally`);
        const addColor = await page.$eval('.patch.proposed .diff-add', (element) => getComputedStyle(element).backgroundColor);
        const removeColor = await page.$eval('.patch.proposed .diff-remove', (element) => getComputedStyle(element).backgroundColor);
        check(addColor !== removeColor && addColor !== 'rgba(0, 0, 0, 0)', `${name}: diff lines colored (+ ${addColor}, - ${removeColor})`);

        // Inline script is blocked by the CSP (the nonce is the only way in).
        await page.evaluate(() => {
          const script = document.createElement('script');
          script.textContent = 'window.__inline = 1';
          document.body.append(script);
        });
        check((await page.evaluate(() => window.__inline)) === undefined, `${name}: inline script blocked by the CSP`);
        const violations = await page.evaluate(() => window.__violations);
        check(violations.length === 1 && violations[0].startsWith('script-src'), `${name}: the only CSP violation is that test (${violations.join(', ')})`);

        // Keyboard: Tab reaches the buttons and shows a focus ring; Enter on Apply sends one request.
        if (name === 'dark') {
          await page.focus('[data-key="apply/p1"]');
          await page.keyboard.press('Shift+Tab');
          await page.keyboard.press('Tab');
          const focused = await page.evaluate(() => document.activeElement.dataset.key);
          const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
          check(focused === 'apply/p1' && outline !== 'none', `keyboard focus reaches Apply with a visible outline (${outline})`);
          await page.keyboard.press('Enter');
          await page.keyboard.press('Enter');
          const requests = await page.evaluate(() => window.__posted.filter((message) => message.method === 'applyPatch'));
          check(requests.length === 1 && requests[0].params.patchId === 'p1', `Enter on Apply sends exactly one request (${JSON.stringify(requests)})`);
          check((await page.textContent('[data-key="apply/p1"]')) === 'Applying…', 'Apply shows progress');
          check((await page.evaluate(() => document.activeElement.dataset.key)) === 'apply/p1', 'focus stays on Apply after the re-render');
          await page.evaluate((requestId) => window.postMessage({ method: 'applyPatch/result', params: { requestId, ok: true } }, '*'), requests[0].params.requestId);
          await page.waitForSelector('.patch.proposed .success');
          await page.click('.suspect .location');
          const opened = await page.evaluate(() => window.__posted.find((message) => message.method === 'openLocation'));
          check(opened && opened.params.file === 'shop/cart.py' && opened.params.line === 31, 'clicking a suspect asks to open its line');
          await page.evaluate(() => window.scrollTo(0, 0));
        }
        // The console reports the inline script blocked on purpose above; anything else is a failure.
        const unexpected = errors.filter((error) => !error.startsWith('Executing inline script violates'));
        check(unexpected.length === 0 && errors.length === 1, `${name}: no other page errors (${unexpected.join(' | ')})`);
        const file = name === 'dark' ? screenshot : screenshot.replace(/\.png$/, `-${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot: ${file}`);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
