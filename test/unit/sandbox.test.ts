/**
 * The sandbox for candidate code and the hygiene around every run: a sandboxed run writes only its copy
 * and its temporary folder and has no network; what a run leaves behind (background children, also ones
 * in a new session) dies with it; temporary folders of dead owners are found by one cleanup; read-only
 * sources become writable copies and are never overwritten by --apply.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatchToFile, isReadOnlyFile } from '../../extension/src/core/patch/apply';
import { WorkspaceCopy, planCopy } from '../../extension/src/core/patch/isolation';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { detectSandbox, sandboxCommand, sandboxedRunner, sandboxExecProfile, type SandboxKind } from '../../extension/src/core/sandbox/index';
import { TEMP_PREFIX, makeTempDir, removeStaleTempDirs, tempOwner, tempPrefix } from '../../extension/src/core/tempfiles';
import type { Patch } from '../../extension/src/core/types';

const runner = new NodeProcessRunner();
const python = '/usr/bin/python3';
const pythonMissing = existsSync(python) ? undefined : `${python} is not available here`;

/** The sandbox this machine has; tests that need a real one skip with its reason. */
let detected: SandboxKind | undefined;
async function sandbox(): Promise<SandboxKind> {
  detected ??= await detectSandbox(runner);
  return detected;
}
const bwrapAbsent = process.platform !== 'linux' ? 'bubblewrap runs on Linux only' : spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-net', '--unshare-pid', 'true']).status === 0 ? undefined : 'bwrap is missing or cannot make namespaces here';

/** A sleep length no other process on this machine uses, to find a test's own children by their command line. */
function uniqueSleep(): string {
  return `3${Math.floor(Math.random() * 1e6)}.${process.pid}`;
}

/** Processes (not zombies) whose command line is `sleep <marker>`, after the kernel had a moment to reap. */
async function survivors(marker: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const find = () =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const running = !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${name}/stat`, 'utf8'));
          return running && readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim() === `sleep ${marker}`;
        } catch {
          return false;
        }
      })
      .map(Number);
  // SIGKILL is sent before the run resolves; a few polls let the kernel finish it.
  for (let attempt = 0; attempt < 20; attempt++) {
    if (find().length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return find();
}

/** Processes running `sleep <marker>` once one has started (polls up to 10 s: a busy machine forks late). */
async function started(marker: string): Promise<number[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = await survivors(marker);
    if (found.length > 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}

describe('sandboxed candidate runs (bubblewrap)', { skip: bwrapAbsent ?? pythonMissing }, () => {
  test('detection finds bubblewrap and says so', async () => {
    const found = await sandbox();
    assert.equal(found.kind, 'bubblewrap', JSON.stringify(found));
  });

  test("a candidate's write outside its copy fails, writes inside its copy and temporary folder work", async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'revise-sandbox-outside-'));
    const copy = await makeTempDir('test');
    const temp = await makeTempDir('test');
    try {
      const boxed = sandboxedRunner(runner, await sandbox(), { writable: [copy], tempDir: temp, network: false });
      const script = [
        'import os, tempfile, sys',
        'open("inside.txt", "w").write("ok")',
        'open(os.path.join(tempfile.gettempdir(), "t.txt"), "w").write("ok")',
        'print(tempfile.gettempdir())',
        'try:',
        `    open(${JSON.stringify(path.join(outside, 'escape.txt'))}, "a").write("x")`,
        '    print("ESCAPED")',
        'except OSError as error:',
        '    print("refused", error.errno)',
      ].join('\n');
      const result = await boxed.run(python, ['-c', script], { cwd: copy, timeoutMs: 20_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /refused/);
      assert.doesNotMatch(result.stdout, /ESCAPED/);
      assert.equal(existsSync(path.join(outside, 'escape.txt')), false, 'nothing was written outside the copy');
      assert.equal(readFileSync(path.join(copy, 'inside.txt'), 'utf8'), 'ok');
      assert.equal(readFileSync(path.join(temp, 't.txt'), 'utf8'), 'ok');
      assert.equal(result.stdout.split('\n')[0], temp, 'TMPDIR is the run’s own folder');

      // The same script unsandboxed does escape: the test above can fail.
      const plain = await runner.run(python, ['-c', script], { cwd: copy, timeoutMs: 20_000 });
      assert.match(plain.stdout, /ESCAPED/);
    } finally {
      for (const folder of [outside, copy, temp]) rmSync(folder, { recursive: true, force: true });
    }
  });

  test('the network is off: a server on the host is unreachable from the sandbox', async () => {
    const server = http.createServer((_request, response) => response.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const copy = await makeTempDir('test');
    try {
      const script = `import urllib.request\ntry:\n    print(urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=5).read().decode())\nexcept Exception as error:\n    print("unreachable", type(error).__name__)`;
      const boxed = await sandboxedRunner(runner, await sandbox(), { writable: [copy], network: false }).run(python, ['-c', script], { cwd: copy, timeoutMs: 20_000 });
      assert.match(boxed.stdout, /unreachable/, boxed.stdout + boxed.stderr);
      const plain = await runner.run(python, ['-c', script], { cwd: copy, timeoutMs: 20_000 });
      assert.match(plain.stdout, /reached/, 'unsandboxed, the same request gets through');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('children that leave the process group (setsid) die with a sandboxed run', async () => {
    const copy = await makeTempDir('test');
    const marker = uniqueSleep();
    try {
      const boxed = sandboxedRunner(runner, await sandbox(), { writable: [copy], network: false });
      const result = await boxed.run('sh', ['-c', `setsid sleep ${marker} </dev/null >/dev/null 2>&1 & echo started`], { cwd: copy, timeoutMs: 20_000 });
      assert.equal(result.stdout.trim(), 'started');
      assert.deepEqual(await survivors(marker), [], 'nothing the run started is left');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('sandbox commands and detection (no sandbox needed)', () => {
  test('a platform without a sandbox gets a reason, and the runner is passed through unchanged', async () => {
    const none = await detectSandbox(runner, 'win32');
    assert.equal(none.kind, 'none');
    assert.match(none.kind === 'none' ? none.reason : '', /no sandbox for win32/);
    assert.equal(sandboxedRunner(runner, none, { writable: ['/x'], network: false }), runner);
  });

  test('bubblewrap gets a read-only root, the writable folders bound, no network and its own PID namespace', () => {
    const command = sandboxCommand({ kind: 'bubblewrap', program: '/usr/bin/bwrap' }, { writable: ['/no/such/copy'], tempDir: '/no/such/tmp', network: false }, 'python3', ['-m', 'pytest'], '/no/such/copy');
    assert.equal(command.program, '/usr/bin/bwrap');
    const args = command.args.join(' ');
    assert.match(args, /^--ro-bind \/ \/ /);
    assert.match(args, /--bind \/no\/such\/copy \/no\/such\/copy --bind \/no\/such\/tmp \/no\/such\/tmp/);
    assert.match(args, /--unshare-net/);
    assert.match(args, /--unshare-pid/);
    assert.match(args, /--die-with-parent/);
    assert.match(args, /--chdir \/no\/such\/copy -- python3 -m pytest$/);
  });

  test('the sandbox-exec profile denies writes but to the writable folders, and the network but loopback', () => {
    const profile = sandboxExecProfile(['/private/tmp/copy "quoted"'], false);
    assert.match(profile, /\(deny file-write\*\)/);
    assert.match(profile, /\(allow file-write\* \(subpath "\/private\/tmp\/copy \\"quoted\\""\)/);
    assert.match(profile, /\(deny network\*\)/);
    assert.doesNotMatch(sandboxExecProfile(['/x'], true), /deny network/);
  });
});

describe('process hygiene (unsandboxed runs too)', () => {
  test('a background child that holds the output pipe does not keep the run waiting, and dies with it', { timeout: 30_000 }, async () => {
    const marker = uniqueSleep();
    const result = await runner.run('sh', ['-c', `sleep ${marker} & echo $!`], { cwd: os.tmpdir(), timeoutMs: 25_000 });
    assert.equal(result.timedOut, false, 'the run ended when sh exited, not at its timeout');
    assert.deepEqual(await survivors(marker), [], 'the background child was killed');
  });

  test('a grandchild in its own session (setsid) is found by its run tag and killed', { skip: process.platform !== 'linux' ? 'run tags are read from /proc' : undefined, timeout: 30_000 }, async () => {
    const marker = uniqueSleep();
    const result = await runner.run('sh', ['-c', `setsid sh -c "sleep ${marker}" </dev/null >/dev/null 2>&1 & sleep 0.3; echo started`], { cwd: os.tmpdir(), timeoutMs: 25_000 });
    assert.equal(result.stdout.trim(), 'started');
    assert.deepEqual(await survivors(marker), [], 'no process of this run is left');
  });

  test('the check can fail: a setsid grandchild of a plain spawn does survive it', { skip: process.platform !== 'linux' ? 'reads /proc' : undefined }, async () => {
    const marker = uniqueSleep();
    spawnSync('sh', ['-c', `setsid sleep ${marker} </dev/null >/dev/null 2>&1 &`]);
    const left = await started(marker);
    assert.equal(left.length, 1);
    for (const pid of left) process.kill(pid, 'SIGKILL');
  });
});

describe('temporary folders and read-only files', () => {
  test('one prefix with the owner in the name: folders of dead owners go, live ones stay', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'revise-stale-test-'));
    try {
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      for (const kind of ['pytest', 'js', 'patch', 'diff', 'run']) mkdirSync(path.join(parent, `${tempPrefix(kind, dead)}abc`));
      const mine = await makeTempDir('pytest', parent);
      mkdirSync(path.join(parent, 'unrelated'));
      assert.equal(tempOwner(path.basename(mine)), process.pid);
      assert.ok(path.basename(mine).startsWith(TEMP_PREFIX));
      assert.equal(await removeStaleTempDirs(parent), 5);
      assert.deepEqual(readdirSync(parent).sort(), [path.basename(mine), 'unrelated'].sort());
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test('a read-only source is copied writable, so candidates can be written into the copy', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'revise-readonly-test-'));
    try {
      writeFileSync(path.join(root, 'calc.py'), 'def add(a, b):\n    return a - b\n');
      chmodSync(path.join(root, 'calc.py'), 0o444);
      const plan = await planCopy(root, { maxFiles: 100, maxBytes: 1e6 });
      assert.ok(!('refused' in plan));
      const copy = await WorkspaceCopy.create(plan);
      try {
        await copy.write('calc.py', 'def add(a, b):\n    return a + b\n');
        assert.equal(readFileSync(path.join(copy.root, 'calc.py'), 'utf8'), 'def add(a, b):\n    return a + b\n');
      } finally {
        await copy.dispose();
      }
      assert.equal(isReadOnlyFile(path.join(root, 'calc.py')), true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('--apply refuses a read-only file, also as root, and leaves it as it was', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'revise-readonly-test-'));
    try {
      const file = path.join(root, 'calc.py');
      const text = 'def add(a, b):\n    return a - b\n';
      writeFileSync(file, text);
      chmodSync(file, 0o444);
      const hash = (await import('node:crypto')).createHash('sha256').update(text).digest('hex');
      const patch = { id: 'p1', file, newText: 'def add(a, b):\n    return a + b\n' } as unknown as Patch;
      await assert.rejects(applyPatchToFile(patch, hash), /read-only; the patch was not applied/);
      assert.equal(readFileSync(file, 'utf8'), text);
      chmodSync(file, 0o644);
      await applyPatchToFile(patch, hash);
      assert.equal(readFileSync(file, 'utf8'), patch.newText, 'a writable file is patched');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
