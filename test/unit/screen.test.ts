/**
 * The screen for model-written edits: calls with reach beyond the computation that the replaced lines did
 * not have are refused before anything runs; ordinary fixes pass.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { changedRegion, screenModelEdit } from '../../extension/src/core/sandbox/screen';

const ORIGINAL = ['import math', '', 'def add(a, b):', '    return a - b', '', 'def load(path):', '    with open(path) as handle:', '        return handle.read()', ''].join('\n');

function replaceLine(text: string, line: number, replacement: string): string {
  const lines = text.split('\n');
  lines.splice(line - 1, 1, ...replacement.split('\n'));
  return lines.join('\n');
}

test('the probe that escaped: a write to a file outside the copy is refused with a reason', () => {
  const verdict = screenModelEdit(ORIGINAL, replaceLine(ORIGINAL, 4, "    open('/tmp/x/escape.txt','a').write('x'); return a + b"));
  assert.equal(verdict.refused, true);
  assert.ok(verdict.refused && verdict.category === 'file' && verdict.line === 4);
  assert.match(verdict.refused ? verdict.reason : '', /adds a file call \(`open\(` on line 4\) that the lines it replaces do not have/);
});

test('ordinary repairs pass the screen', () => {
  for (const fix of ['    return a + b', '    return (a + b) if a is not None else b', '    return sum([a, b])', '    return int(re_compile_count(a)) + b', '    # was a - b\n    return a + b']) {
    assert.deepEqual(screenModelEdit(ORIGINAL, replaceLine(ORIGINAL, 4, fix)), { refused: false }, fix);
  }
  // Re-emitting a call the replaced line already had is fine.
  assert.deepEqual(screenModelEdit(ORIGINAL, replaceLine(ORIGINAL, 7, '    with open(path, encoding="utf-8") as handle:')), { refused: false });
  // JavaScript: regex exec and an AbortSignal are not processes.
  const js = 'function f(s, signal) {\n  return s.length - 1;\n}\n';
  assert.deepEqual(screenModelEdit(js, js.replace('s.length - 1', '/x/.exec(s) ? s.length : signal.aborted')), { refused: false });
});

test('each category of reach is refused', () => {
  const cases: [string, string][] = [
    ['    import os; return a + b', 'import'],
    ['    __import__("os"); return a + b', 'import'],
    ['    return eval("a + b")', 'eval'],
    ['    exec("x = 1"); return a + b', 'eval'],
    ['    return getattr(__builtins__, "op" + "en")', 'eval'],
    ['    subprocess.run(["sh"]); return a + b', 'process'],
    ['    os.system("id"); return a + b', 'process'],
    ['    socket.create_connection(("evil", 80)); return a + b', 'network'],
    ['    urllib.request.urlopen("http://x"); return a + b', 'network'],
    ['    return a + b + len(os.environ)', 'environment'],
    ['    shutil.rmtree("/"); return a + b', 'file'],
  ];
  for (const [line, category] of cases) {
    const verdict = screenModelEdit(ORIGINAL, replaceLine(ORIGINAL, 4, line));
    assert.equal(verdict.refused && verdict.category, category, line);
  }
  const js = 'function add(a, b) {\n  return a - b;\n}\n';
  for (const [line, category] of [
    ["  require('fs').writeFileSync('/tmp/x', '');\n  return a + b;", 'import'],
    ["  fetch('http://x');\n  return a + b;", 'network'],
    ['  return a + b + Number(process.env.X);', 'environment'],
    ["  return new Function('return a + b')();", 'eval'],
    ['  process.exit(0);', 'process'],
  ] as const) {
    const verdict = screenModelEdit(js, js.replace('  return a - b;', line));
    assert.equal(verdict.refused && verdict.category, category, line);
  }
});

test('the changed region is what lies between the common prefix and suffix', () => {
  assert.deepEqual(changedRegion('a\nb\nc', 'a\nB\nB2\nc'), { removed: ['b'], added: ['B', 'B2'], firstAddedLine: 2 });
  assert.deepEqual(changedRegion('a\r\nb', 'a\nb'), { removed: [], added: [], firstAddedLine: 3 });
});
