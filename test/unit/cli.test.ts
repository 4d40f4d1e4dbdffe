import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatReport, parseArguments, splitCommand, UsageError } from '../../extension/src/cli/main';
import type { CheckReport } from '../../extension/src/core/types';

test('parses check options', () => {
  const options = parseArguments(['check', 'examples/python-bug', '--json', '--timeout', '12', '--python', '/usr/bin/python3', '--top', '3']);
  assert.notEqual(options, 'help');
  if (options === 'help') return;
  assert.equal(options.dir, 'examples/python-bug');
  assert.equal(options.json, true);
  assert.equal(options.settings.totalTimeoutMs, 12_000);
  assert.equal(options.settings.pythonPath, '/usr/bin/python3');
  assert.equal(options.top, 3);
});

test('rejects bad usage with a reason', () => {
  assert.throws(() => parseArguments(['fix']), UsageError);
  assert.throws(() => parseArguments(['check', '--timeout', 'soon']), /positive number/);
  assert.throws(() => parseArguments(['check', 'a', 'b']), /one directory/);
  assert.throws(() => parseArguments(['check', '--wat']), /unknown option/);
  assert.equal(parseArguments(['--help']), 'help');
});

test('parses --apply and --target-precision, and refuses --apply without patches', () => {
  const options = parseArguments(['check', '--apply', '--target-precision', '0.8']);
  assert.ok(options !== 'help');
  assert.equal(options.apply, true);
  assert.equal(options.settings.targetPrecision, 0.8);
  const plain = parseArguments(['check']);
  assert.ok(plain !== 'help');
  assert.equal(plain.apply, false);
  assert.equal(plain.settings.targetPrecision, 0.9);
  assert.throws(() => parseArguments(['check', '--apply', '--no-patch']), /--apply needs patches/);
  assert.throws(() => parseArguments(['check', '--target-precision', '1.5']), /0 to 1/);
});

test('parses --workers and --parallel, and refuses counts out of range', () => {
  const options = parseArguments(['check', '--workers', '1', '--parallel', '3']);
  assert.ok(options !== 'help');
  assert.equal(options.settings.patch.workers, 1);
  assert.equal(options.settings.parallelRuns, 3);
  const plain = parseArguments(['check']);
  assert.ok(plain !== 'help');
  assert.ok(plain.settings.patch.workers >= 1);
  assert.throws(() => parseArguments(['check', '--workers', '0']), /--workers needs a whole number/);
  assert.throws(() => parseArguments(['check', '--workers', '1.5']), /--workers needs a whole number/);
  assert.throws(() => parseArguments(['check', '--parallel', 'many']), /--parallel needs a whole number/);
});

test('splits commands with quotes', () => {
  assert.deepEqual(splitCommand('poetry run pytest -k "slow and not db"'), ['poetry', 'run', 'pytest', '-k', 'slow and not db']);
});

test('formats a ranked table', () => {
  const report: CheckReport = {
    version: 1,
    root: '/w',
    tests: { framework: 'pytest', passed: 7, failed: 2, skipped: 0, durationMs: 800, complete: true, coverage: 'coverage.py', failures: [{ id: 't::a', message: 'assert 1 == 2' }] },
    problems: [],
    suspects: [
      { file: 'src/x.py', line: 12, score: 0.81, text: 'return a + 2', evidence: [{ kind: 'spectrum', detail: 'run by 2/2 failing and 0/7 passing tests' }] },
      { file: 'src/x.py', line: 10, score: 0.2, evidence: [] },
    ],
    patches: [],
    timingsMs: { total: 900 },
  };
  const text = formatReport(report, 1);
  assert.match(text, /7 passed, 2 failed/);
  assert.match(text, /81%\s+src\/x\.py:12\s+return a \+ 2\s+run by 2\/2 failing/);
  assert.doesNotMatch(text, /src\/x\.py:10/);
});

test('time limits are bounded by what Node timers hold', () => {
  assert.throws(() => parseArguments(['check', '--timeout', '2147484']), /at most 2147483 seconds/);
  assert.throws(() => parseArguments(['check', '--test-timeout', '1e12']), /at most 2147483 seconds/);
  const options = parseArguments(['check', '--timeout', '2147483']);
  assert.ok(options !== 'help' && options.settings.totalTimeoutMs === 2_147_483_000);
});

test('the report says where the task came from', () => {
  const base: CheckReport = {
    version: 1,
    root: '/w',
    tests: { framework: 'pytest', passed: 0, failed: 1, skipped: 0, durationMs: 1, complete: true, coverage: 'coverage.py', failures: [] },
    problems: [],
    suspects: [],
    patches: [],
    timingsMs: { total: 1 },
  };
  const given = formatReport({ ...base, task: { text: 'x', vagueness: 0.1, verdict: 'actionable', source: 'user' } }, 1);
  assert.match(given, /^Task \(given with --task\): actionable/m);
  const docstring = formatReport({ ...base, task: { text: 'x', vagueness: 0.1, verdict: 'actionable', source: 'docstring', function: 'total', file: 'src/a.py', line: 3 } }, 1);
  assert.match(docstring, /^Task \(docstring of `total`, src\/a\.py:3\): actionable/m);
  assert.doesNotMatch(formatReport(base, 1), /^Task/m);
});
