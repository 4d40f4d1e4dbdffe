/**
 * Screens a model-written edit before any of it runs: an edit that adds a call with reach beyond the
 * computation (files, processes, network, eval/exec and reflection, the environment, imports) which the
 * lines it replaces did not have is refused, with the reason in words. A repair of a bug almost never
 * needs one; an injected payload almost always does. The sandbox is the second line, not the only one.
 */

/** What kind of reach an added call has. */
export type ScreenCategory = 'file' | 'process' | 'network' | 'eval' | 'environment' | 'import';

/** The screen's verdict on one edit. */
export type ScreenVerdict =
  | { refused: false }
  | {
      refused: true;
      category: ScreenCategory;
      /** The text that matched, e.g. `open(`. */
      call: string;
      /** 1-based line of the patched text that holds it. */
      line: number;
      /** e.g. "it adds a file call (open() on line 12) that the lines it replaces do not have". */
      reason: string;
    };

const CATEGORY_WORDS: Record<ScreenCategory, string> = {
  file: 'a file call',
  process: 'a process call',
  network: 'a network call',
  eval: 'an eval/exec or reflection call',
  environment: 'an environment access',
  import: 'an import',
};

/** Patterns per category, for Python and JavaScript/TypeScript alike. */
const PATTERNS: { category: ScreenCategory; pattern: RegExp }[] = [
  { category: 'import', pattern: /^\s*(?:import\s+[\w.]+|from\s+[\w.]+\s+import\b|import\s*[{*\w].*\bfrom\b|import\s+['"])/ },
  { category: 'import', pattern: /\b(?:require|__import__)\s*\(|\bimport\s*\(|\bimportlib\b|\bimport\.meta\b/ },
  { category: 'eval', pattern: /(?<![.\w])(?:eval|exec|execfile|compile)\s*\(|\bnew\s+Function\b|\bFunction\s*\(|\bvm\.|\b(?:pickle|marshal|dill|shelve)\.|\bctypes\b|\bcffi\b/ },
  { category: 'eval', pattern: /\b__(?!init__|name__|len__|repr__|str__|eq__|hash__|lt__|le__|gt__|ge__|ne__|iter__|next__|contains__|getitem__|setitem__|add__|sub__|mul__|enter__|exit__|bool__|main__|slots__|future__)\w+__\b|\b(?:globals|locals|vars)\s*\(|\bglobalThis\b|\bReflect\.|\.constructor\s*\(|\[\s*['"]constructor['"]\s*\]|\bsetattr\s*\(|\bgetattr\s*\(\s*(?:__builtins__|builtins|os|sys)\b/ },
  { category: 'process', pattern: /\bsubprocess\b|\bos\.(?:system|popen|exec\w*|spawn\w*|fork\w*|kill\w*|_exit|abort|setsid|nice)\b|\bchild_process\b|\b(?:execSync|execFile|execFileSync|spawnSync|spawn|fork)\s*\(|\bprocess\.(?:exit|kill|abort|chdir|binding|dlopen|umask|setuid|setgid)\b|\bsys\.exit\b|\bsignal\.(?:signal|alarm|setitimer|pthread_kill)\b|\bmultiprocessing\b|\bpty\b|\bWorker\s*\(/ },
  { category: 'network', pattern: /\bsocket\b|\burllib\d?\b|\bhttp\.client\b|\brequests\.|\bhttpx\b|\baiohttp\b|\b(?:ftplib|smtplib|telnetlib|poplib|imaplib|xmlrpc)\b|\bfetch\s*\(|\bXMLHttpRequest\b|\bWebSocket\b|\b(?:net|dgram|tls|https?|dns)\.(?:connect|request|get|createServer|createConnection|lookup|Socket)\b/ },
  { category: 'file', pattern: /\bopen\s*\(|\bfile\s*\(|\bio\.|\bos\.(?:remove|unlink|rmdir|removedirs|rename|renames|replace|makedirs|mkdir|chmod|chown|symlink|link|truncate|write|open|listdir|scandir|walk|utime)\b|\bshutil\b|\bpathlib\b|\bPath\s*\(|\.(?:write_text|write_bytes|read_text|read_bytes|unlink|touch|rmdir|mkdir)\s*\(|\btempfile\b|\bglob\.|\bfs\b|\bfsPromises\b|\b(?:writeFile|appendFile|createWriteStream|createReadStream|readFile|unlink|rm|rmdir|mkdir|copyFile|rename|symlink|chmod)(?:Sync)?\s*\(/ },
  { category: 'environment', pattern: /\bos\.(?:environ|getenv|putenv|unsetenv|getcwd|chdir|getuid|getlogin)\b|\bgetenv\s*\(|\bprocess\.(?:env|argv|cwd)\b|\bsys\.(?:path|modules|argv|stdin|stdout|stderr|settrace|setprofile|meta_path)\b|\bDeno\.env\b/ },
];

/** Comments are dropped (they never run); strings stay, since `getattr(x, "open")` hides calls in them. */
function withoutComment(line: string): string {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('#') || trimmed.startsWith('//')) return '';
  return line;
}

/** The lines `patched` puts in place of `original`'s: what differs between their common prefix and suffix. */
export function changedRegion(original: string, patched: string): { removed: string[]; added: string[]; firstAddedLine: number } {
  const before = original.split(/\r?\n/);
  const after = patched.split(/\r?\n/);
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  return { removed: before.slice(start, endBefore), added: after.slice(start, endAfter), firstAddedLine: start + 1 };
}

/** Every (category, matched text) a line holds. */
function callsIn(line: string): { category: ScreenCategory; call: string }[] {
  const text = withoutComment(line);
  if (!text.trim()) return [];
  const found: { category: ScreenCategory; call: string }[] = [];
  for (const { category, pattern } of PATTERNS) {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    for (const match of text.matchAll(global)) found.push({ category, call: match[0].trim() });
  }
  return found;
}

/**
 * Screens one model edit of a whole file: refuses it when its new lines hold a file, process, network,
 * eval/exec, environment or import call (by its matched text) that the lines it replaces do not.
 */
export function screenModelEdit(original: string, patched: string): ScreenVerdict {
  const { removed, added, firstAddedLine } = changedRegion(original, patched);
  const had = new Set(removed.flatMap(callsIn).map((item) => `${item.category}\u0000${normalize(item.call)}`));
  for (const [offset, line] of added.entries()) {
    for (const item of callsIn(line)) {
      if (had.has(`${item.category}\u0000${normalize(item.call)}`)) continue;
      const lineNumber = firstAddedLine + offset;
      const shown = item.call.length > 40 ? `${item.call.slice(0, 40)}…` : item.call;
      return {
        refused: true,
        category: item.category,
        call: item.call,
        line: lineNumber,
        reason: `it adds ${CATEGORY_WORDS[item.category]} (\`${shown}\` on line ${lineNumber}) that the lines it replaces do not have`,
      };
    }
  }
  return { refused: false };
}

function normalize(call: string): string {
  return call.replace(/\s+/g, '');
}
