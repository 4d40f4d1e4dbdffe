// Copies the non-TypeScript files that transpiled sources load at run time (JSON model weights)
// from extension/src into out/extension/src, keeping the layout.
const fs = require('node:fs');
const path = require('node:path');

function copyJson(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyJson(source, target);
    else if (entry.name.endsWith('.json')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}
copyJson('extension/src', 'out/extension/src');
