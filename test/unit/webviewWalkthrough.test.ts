// The walkthrough: package.json's steps wait for the context keys the extension sets, their media
// exist, and a finished check completes the steps it should (extension/src/vscode/walkthroughSteps.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stepsCompletedBy, WalkthroughKeys } from '../../extension/src/vscode/walkthroughSteps';

const repository = path.resolve(__dirname, '..', '..', '..');

interface Manifest {
  contributes: {
    commands: { command: string }[];
    walkthroughs: { id: string; steps: { id: string; description: string; media: { markdown?: string; image?: string }; completionEvents: string[] }[] }[];
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(repository, 'package.json'), 'utf8')) as Manifest;

void test('each walkthrough step completes on one of the context keys the extension sets, and its media exist', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  assert.equal(walkthrough.id, 'gettingStarted');
  const keys = new Set<string>(Object.values(WalkthroughKeys));
  const waitedFor = walkthrough.steps.flatMap((step) => step.completionEvents);
  assert.deepEqual(
    waitedFor,
    [...keys].map((key) => `onContext:${key}`),
    'one step per key, in order',
  );
  for (const step of walkthrough.steps) {
    const media = step.media.markdown ?? step.media.image;
    assert.ok(media && fs.existsSync(path.join(repository, media)), `media of step ${step.id}: ${media}`);
    // Command links in a step must name commands that exist (contributed, or VS Code's own).
    for (const [, command] of step.description.matchAll(/\(command:([\w.]+)/g)) {
      const known = manifest.contributes.commands.some((entry) => entry.command === command) || command.startsWith('workbench.');
      assert.ok(known, `step ${step.id} links to ${command}`);
    }
  }
});

void test('a finished check completes "run a check", and abstentions and a working model complete theirs', () => {
  assert.deepEqual(stepsCompletedBy({ decision: { action: 'propose' } }), [WalkthroughKeys.checked]);
  assert.deepEqual(stepsCompletedBy({ decision: { action: 'abstain' } }), [WalkthroughKeys.checked, WalkthroughKeys.abstentionRead]);
  assert.deepEqual(stepsCompletedBy({ decision: { action: 'propose' }, task: { verdict: 'vague' } }), [WalkthroughKeys.checked, WalkthroughKeys.abstentionRead]);
  assert.deepEqual(stepsCompletedBy({ llm: { calls: 3, failures: [] } }), [WalkthroughKeys.checked, WalkthroughKeys.llmConnected]);
  assert.deepEqual(stepsCompletedBy({ llm: { calls: 0, failures: [] } }), [WalkthroughKeys.checked], 'a model that was never asked');
  assert.deepEqual(
    stepsCompletedBy({ llm: { calls: 2, failures: [{ kind: 'unreachable', message: 'connection refused', role: 'critic', roles: ['critic'] }] } }),
    [WalkthroughKeys.checked],
    'a model that failed',
  );
});
