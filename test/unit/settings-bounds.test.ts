import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_SETTING_SECONDS, MAX_TIMER_MS, settingMs } from '../../extension/src/core/process';
import { buildInvocation } from '../../extension/src/core/capture/javascript/invocation';
import { repoRoot } from './helpers';

test('a time-limit setting is clamped to its bounds in code, whatever the settings file says', () => {
  assert.equal(settingMs(30, 1, 30), 30_000);
  assert.equal(settingMs(0, 1, 30), 1000);
  assert.equal(settingMs(-5, 5, 300), 5000);
  // `--timeout 2147484` and larger overflow Node's timers: a setting can never ask for that.
  assert.equal(settingMs(2_147_484, 1, 30), MAX_SETTING_SECONDS * 1000);
  assert.equal(settingMs(Number.POSITIVE_INFINITY, 1, 30), 30_000);
  assert.equal(settingMs(Number.NaN, 1, 30), 30_000);
  assert.equal(settingMs('600', 1, 30), 30_000);
  assert.equal(settingMs(undefined, 5, 300), 300_000);
  assert.ok(MAX_SETTING_SECONDS * 1000 * 2 < MAX_TIMER_MS, 'room for the grace periods added to a limit');
});

test('every time-limit setting in package.json has a minimum and a maximum the timers hold', () => {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { type?: string; minimum?: number; maximum?: number }> } } };
  const properties = manifest.contributes.configuration.properties;
  const timeSettings = Object.keys(properties).filter((key) => /Seconds$/.test(key));
  assert.ok(timeSettings.length >= 4, timeSettings.join(', '));
  for (const key of timeSettings) {
    const property = properties[key]!;
    assert.equal(property.type, 'number', key);
    assert.ok(typeof property.minimum === 'number' && property.minimum > 0, `${key} has a positive minimum`);
    assert.ok(typeof property.maximum === 'number' && property.maximum <= MAX_SETTING_SECONDS, `${key} has a maximum of at most ${MAX_SETTING_SECONDS} s`);
  }
});

test("the largest per-test setting reaches the runner's --timeout without overflowing its timers", async () => {
  const perTestTimeoutMs = settingMs(Number.MAX_SAFE_INTEGER, 1, 30);
  const invocation = await buildInvocation({
    framework: 'mocha',
    frameworkVersion: '10.8.2',
    root: path.join(repoRoot, 'test', 'fixtures', 'js', 'mocha10'),
    coverageRoots: [],
    captureDir: os.tmpdir(),
    javascriptDir: path.join(repoRoot, 'extension', 'javascript'),
    perTestTimeoutMs,
    coverage: false,
    baseEnv: {},
  });
  const args = invocation.args.join(' ').split(/\s+/);
  const timeout = Number(args[args.indexOf('--timeout') + 1]);
  assert.ok(timeout > 0 && timeout <= MAX_TIMER_MS, String(timeout));
  assert.ok(Number(invocation.env.REVISE_WATCHDOG_MS) <= MAX_TIMER_MS);
});
