/**
 * The output bouncer: trust moves the right way with the evidence (model level, on the shipped model),
 * the threshold lookup meets the requested precision on the shipped calibration table, and on a real
 * pytest project: nothing-to-fix when every test passes, differential testing that finds where
 * candidate patches disagree, never writes the user's tree, and kills a candidate that hangs.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  assessPatches,
  calibrationTable,
  compareOutcomes,
  deletedLines,
  findTestCalls,
  insertedLines,
  patchRisks,
  riskAdjustedTarget,
  HARNESS_PREFIX,
  shippedTrustModel,
  testsPinBehaviour,
  thresholdFor,
  trustOf,
  type OutputBouncerRequest,
  type TrustFeatures,
  type TrustModel,
} from '../../extension/src/core/bounce/output/index';
import { captureTests } from '../../extension/src/core/capture/index';
import { indexBaseline, coveringTests } from '../../extension/src/core/patch/validate';
import type { PatchEvidence, PatchStats } from '../../extension/src/core/patch/types';
import { silentLogger } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import type { Patch, TaskAssessment, TestRun } from '../../extension/src/core/types';
import { grammarsDir, repoRoot } from './helpers';

const python = '/usr/bin/python3';
const pythonMissing = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' }).status === 0 ? undefined : `${python} with pytest is not available here`;

/** Features of a well-supported validated patch; each test changes one thing. */
const baseFeatures: TrustFeatures = {
  passesAll: 1,
  coveringPassing: 2,
  coveringAssertions: 3,
  coveringFailing: 1,
  coverageKnown: 1,
  validatedPatches: 2,
  behaviorClasses: 1,
  classShare: 1,
  disagreementRate: 0,
  differentialInputs: 20,
  editChars: 2,
  editLines: 2,
  templatePrior: 0.15,
  lineScore: 0.8,
  lineRank: 1,
  localizationMargin: 0.3,
  candidateRank: 1,
  vagueness: 0.1,
};

describe('output bouncer: trust model', () => {
  const model = shippedTrustModel();

  test('trust goes down when the validated patches disagree on extra inputs', () => {
    const agree = trustOf(model, baseFeatures);
    const disagree = trustOf(model, { ...baseFeatures, behaviorClasses: 2, classShare: 0.5, disagreementRate: 0.4 });
    assert.ok(disagree < agree, `disagreeing ${disagree} should be below agreeing ${agree}`);
  });

  test('trust goes down when no passing test runs the patched line', () => {
    const covered = trustOf(model, baseFeatures);
    const uncovered = trustOf(model, { ...baseFeatures, coveringPassing: 0, coveringAssertions: 0 });
    assert.ok(uncovered < covered, `uncovered ${uncovered} should be below covered ${covered}`);
  });

  test('trust goes down when the task is vague', () => {
    const clear = trustOf(model, baseFeatures);
    const vague = trustOf(model, { ...baseFeatures, vagueness: 0.9 });
    assert.ok(vague < clear, `vague ${vague} should be below clear ${clear}`);
  });

  test('tests pin a vague task down: agreeing differential inputs, or one survivor of many rejected candidates', () => {
    const differential = { candidates: ['p1', 'p2'], usableCalls: 3, inputs: 12, disagreements: 0, uninformative: 0, behaviorClasses: [['p1', 'p2']], examples: [], elapsedMs: 5 };
    assert.equal(testsPinBehaviour(baseFeatures, differential, 30), true);
    assert.equal(testsPinBehaviour(baseFeatures, { ...differential, disagreements: 1 }, 30), false);
    assert.equal(testsPinBehaviour(baseFeatures, { ...differential, inputs: 2 }, 30), false);
    const lone = { ...baseFeatures, validatedPatches: 1 };
    assert.equal(testsPinBehaviour(lone, undefined, 30), true);
    assert.equal(testsPinBehaviour(lone, undefined, 4), false, 'few alternatives were tried');
    assert.equal(testsPinBehaviour({ ...lone, coveringPassing: 0 }, undefined, 30), false, 'no passing test runs the line');
    assert.equal(testsPinBehaviour(baseFeatures, undefined, 30), false, 'two patches that were never compared');
  });

  test('a patch that does not pass every test gets no trust', () => {
    assert.equal(trustOf(model, { ...baseFeatures, passesAll: 0 }), 0);
  });

  test('the threshold lookup meets the requested precision on the shipped table', () => {
    assert.ok(model.calibration.length > 0, 'the shipped model has a calibration table');
    let previous = -1;
    for (const target of [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]) {
      const choice = thresholdFor(model.calibration, target);
      if (Number.isFinite(choice.threshold)) {
        assert.ok(choice.row, `a row backs the threshold for ${target}`);
        assert.ok(choice.row.correctedPrecision >= target, `corrected precision ${choice.row.correctedPrecision} ≥ ${target}`);
        assert.ok(choice.row.precision >= target, `precision ${choice.row.precision} ≥ ${target}`);
        // Every row selected by that threshold is in the row: its precision is what proposing them all gave.
        const selected = model.calibration.filter((row) => row.threshold >= choice.threshold);
        assert.equal(Math.max(...selected.map((row) => row.selected)), choice.row.selected);
      }
      // A stricter target never lowers the threshold.
      assert.ok(choice.threshold >= previous, `threshold for ${target} is not below the one for a laxer target`);
      previous = choice.threshold;
    }
    assert.ok(Number.isFinite(thresholdFor(model.calibration, 0.5).threshold), 'some threshold meets 50 % precision');
  });

  test('calibration rows count proposals and their precision, with the conformal correction', () => {
    const table = calibrationTable(
      [
        { trust: 0.9, correct: true },
        { trust: 0.8, correct: true },
        { trust: 0.8, correct: false },
        { trust: 0.3, correct: true },
      ],
      10,
    );
    assert.deepEqual(
      table.map((row) => [row.threshold, row.selected, row.wrong, row.coverage]),
      [
        [0.9, 1, 0, 0.1],
        [0.8, 3, 1, 0.3],
        [0.3, 4, 1, 0.4],
      ],
    );
    assert.equal(table[0].correctedPrecision, 0.5);
    assert.equal(thresholdFor(table, 0.6).threshold, 0.3); // 3 right of 4: (4 - 1) / (4 + 1) = 0.6
    assert.equal(thresholdFor(table, 0.7).threshold, Number.POSITIVE_INFINITY);
  });
});

describe('output bouncer: finding and comparing calls', () => {
  test('calls to the module under test are found by name and by import alias', () => {
    const text = [
      'from solution import grade as candidate, other',
      'import solution',
      'def test_a():',
      '    assert candidate(80, passing=50) == "pass"  # a comment (with a parenthesis',
      '    assert solution.grade([1, (2, 3)]) == "fail"',
      '    assert notgrade(3) == 1',
      'def grade_helper(x): pass',
    ].join('\n');
    assert.deepEqual(findTestCalls(text, ['grade']), [
      { function: 'grade', args: '80, passing=50' },
      { function: 'grade', args: '[1, (2, 3)]' },
    ]);
  });

  test('hangs and crashes never count as agreement, inputs every patch rejects say nothing', () => {
    const inputs = ['a', 'b', 'c', 'd'].map((input) => ({ function: 'f', input }));
    const outcomes = new Map([
      ['p1', ['ok:1', 'raise:ValueError', 'timeout', 'ok:2']],
      ['p2', ['ok:1', 'raise:TypeError', 'timeout', 'ok:2']],
      ['p3', ['ok:1', 'raise:ValueError', 'ok:5', 'crash']],
    ]);
    const compared = compareOutcomes(inputs, outcomes);
    assert.equal(compared.uninformative, 1); // b: every patch raised
    assert.equal(compared.compared, 3);
    assert.equal(compared.disagreements, 2); // c and d
    assert.equal(compared.behaviorClasses.length, 3, 'the two patches that both hang on c are not alike');
  });
});

/** A unified diff of `removed` lines replaced by `added` ones (only the +/- lines matter here). */
function diffOf(removed: string[], added: string[] = []): string {
  return ['--- a/m.py', '+++ b/m.py', '@@ -1,3 +1,2 @@', ...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)].join('\n');
}

describe('output bouncer: hard evidence against a patch', () => {
  const covered = { coverageKnown: 1, coveringPassing: 2 };
  const uncovered = { coverageKnown: 1, coveringPassing: 0 };

  test('what a patch only adds', () => {
    assert.deepEqual(insertedLines(diffOf([], ['    if not kw:', '        return None'])), ['if not kw:', 'return None']);
    assert.equal(insertedLines(diffOf(['    return a - b'], ['    return a + b'])), undefined, 'an edit that removes code is not an insertion');
    assert.equal(insertedLines(''), undefined);
  });

  test('what a patch deletes without putting anything in its place', () => {
    assert.deepEqual(deletedLines(diffOf(['    if not base:', '        return None'])), ['if not base:', 'return None']);
    assert.deepEqual(deletedLines(diffOf(['        raise ValueError(name)'], ['        pass'])), ['raise ValueError(name)'], 'a statement replaced by `pass` is deleted');
    assert.equal(deletedLines(diffOf(['    return a - b'], ['    return a + b'])), undefined, 'an edit that adds code deletes nothing');
    assert.equal(deletedLines(''), undefined);
  });

  test('deleted guards, error handling and branches are risks; a line no passing test runs adds one to a deletion only', () => {
    const kinds = (diff: string, features = covered) => patchRisks({ diff }, features).map((risk) => risk.kind);
    assert.deepEqual(kinds(diffOf(['    if not base:', '        return None'])), ['deletes-guard']);
    assert.deepEqual(kinds(diffOf(['    if (!base) return null;'])), ['deletes-guard']);
    assert.deepEqual(kinds(diffOf(['    try:', '        value = int(text)', '    except ValueError:', '        value = 0'], ['    value = int(text)'])), ['deletes-error-handling']);
    assert.deepEqual(kinds(diffOf(['  } catch (error) {'])), ['deletes-error-handling']);
    assert.deepEqual(kinds(diffOf(['    if verbose:', '        log(total)'])), ['deletes-branch']);
    assert.deepEqual(kinds(diffOf(['    total = total + 1'])), [], 'deleting a plain statement is an ordinary edit');
    assert.deepEqual(kinds(diffOf([], ['    if not kw:', '        return None'])), ['adds-early-exit']);
    assert.deepEqual(kinds(diffOf([], ['    if (!items.length) return [];'])), ['adds-early-exit']);
    assert.deepEqual(kinds(diffOf([], ['    if not kw:', '        return None']), uncovered), ['adds-early-exit', 'uncovered-line']);
    assert.deepEqual(kinds(diffOf([], ['    return result'])), [], 'a new return without a condition is an ordinary edit');
    assert.deepEqual(kinds(diffOf(['    if x > 0:'], ['    if x >= 0:'])), [], 'a changed condition adds no exit');
    assert.deepEqual(kinds(diffOf(['    if not base:', '        return None']), uncovered), ['deletes-guard', 'uncovered-line']);
    assert.deepEqual(kinds(diffOf(['    return a - b'], ['    return a + b']), uncovered), [], 'the model already weighs an uncovered line');
    assert.match(patchRisks({ diff: diffOf(['    if not base:', '        return None']) }, covered)[0]?.reason ?? '', /deletes a guard \(`if not base: return None`\)/);
  });

  test('each risk halves the error rate allowed', () => {
    assert.equal(riskAdjustedTarget(0.9, 0), 0.9);
    assert.ok(Math.abs(riskAdjustedTarget(0.9, 1) - 0.95) < 1e-12);
    assert.ok(Math.abs(riskAdjustedTarget(0.9, 2) - 0.975) < 1e-12);
    assert.equal(riskAdjustedTarget(0, 2), 0, 'no precision asked for: no bar to raise');
  });
});

// A real pytest project: `grade` has its comparison the wrong way round, both tests fail.
const BUGGY = [
  'def grade(score):',
  '    """Return "pass" for a score of 50 or more, else "fail"."""',
  '    if score < 50:',
  '        return "pass"',
  '    return "fail"',
  '',
].join('\n');
const TESTS = ['from grading import grade', '', '', 'def test_high():', '    assert grade(80) == "pass"', '', '', 'def test_low():', '    assert grade(20) == "fail"', ''].join('\n');

function withCondition(condition: string): string {
  return BUGGY.replace('if score < 50:', `if ${condition}:`);
}

/** Digest of every file under `root` (path and content), to prove nothing was written there. */
function treeDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else hash.update(`${child}\n`).update(fs.readFileSync(path.join(root, child)));
    }
  };
  walk('');
  return hash.digest('hex');
}

describe('output bouncer: decisions on a real pytest project', { skip: pythonMissing }, () => {
  let root = '';
  let run: TestRun;
  const file = () => path.join(root, 'grading.py');

  before(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'revise-bouncer-test-')));
    fs.writeFileSync(path.join(root, 'grading.py'), BUGGY);
    fs.writeFileSync(path.join(root, 'test_grading.py'), TESTS);
    run = await captureTests({
      root,
      runner: new NodeProcessRunner(),
      logger: silentLogger,
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python') },
      pythonPath: python,
      perTestTimeoutMs: 20_000,
      totalTimeoutMs: 60_000,
    });
    assert.equal(run.tests.filter((item) => item.outcome === 'failed').length, 2, 'both tests fail on the buggy code');
  });

  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** A validated patch with the given body, and its evidence from the real baseline's coverage. */
  function patch(id: string, newText: string): { patch: Patch; evidence: PatchEvidence } {
    const lines = [3];
    const baseline = indexBaseline(run, root);
    const covering = coveringTests(baseline, file(), lines);
    return {
      patch: { id, file: file(), origin: 'template:comparison-operator', title: id, diff: '', newText, lines, validated: true, testsPassed: 2, testsFailed: 0 },
      evidence: {
        patchId: id,
        candidateId: id,
        coveringTests: covering,
        coveringPassing: covering.filter((test) => baseline.passing.has(test)).length,
        coveringFailing: covering.filter((test) => baseline.failing.includes(test)).length,
        editChars: 2,
        editLines: 2,
        candidateRank: Number(id.slice(1)),
      },
    };
  }

  function request(patches: { patch: Patch; evidence: PatchEvidence }[], extra: Partial<OutputBouncerRequest> = {}): OutputBouncerRequest {
    const stats = { evidence: patches.map((item) => item.evidence) } as PatchStats;
    return {
      root,
      mode: 'fix',
      run,
      scores: [{ file: file(), line: 3, score: 0.8, rank: 1, features: {}, evidence: [] }],
      patches: patches.map((item) => item.patch),
      stats,
      pythonPath: python,
      logger: silentLogger,
      ...extra,
    };
  }

  test('nothing-to-fix when every test passes, with reasons', async () => {
    const passing: TestRun = { ...run, tests: run.tests.map((item) => ({ ...item, outcome: 'passed' as const })) };
    const result = await assessPatches({ ...request([]), run: passing });
    assert.equal(result.decision?.action, 'nothing-to-fix');
    assert.ok((result.decision?.reasons.length ?? 0) > 0);
  });

  test('no decision in localize-only mode while tests fail; abstain with reasons when no patch validates', async () => {
    assert.equal((await assessPatches({ ...request([]), mode: 'check' })).decision, undefined);
    const none = await assessPatches(request([]));
    assert.equal(none.decision?.action, 'abstain');
    assert.ok(none.decision && none.decision.reasons.length >= 2);
    assert.ok(none.suggestions.length > 0);
  });

  test('an abstention names the failing tests a partial fix leaves when they run none of its lines', async () => {
    const elsewhere = { id: 'test_grading.py::test_version_is_installed', outcome: 'failed' as const, durationMs: 1, frames: [], coveredLines: {}, message: 'PackageNotFoundError' };
    const withUnrelated: TestRun = { ...run, tests: [...run.tests, elsewhere] };
    const partial: Patch = { id: 'p1', file: file(), origin: 'template:comparison-operator', title: '`<` → `>=`', diff: '', newText: withCondition('score >= 50'), lines: [3], validated: false, testsPassed: 2, testsFailed: 1 };
    const result = await assessPatches({ ...request([]), run: withUnrelated, patches: [partial] });
    assert.equal(result.decision?.action, 'abstain');
    const reasons = result.decision?.reasons.join(' | ') ?? '';
    assert.match(reasons, /`test_grading\.py::test_version_is_installed` runs none of the lines it changes/);
    assert.match(result.suggestions[0] ?? '', /fix or skip the failing test that runs none of the patched lines/);
    // When the tests it leaves failing do run its line, nothing is said about another reason.
    const inside = await assessPatches({ ...request([]), patches: [{ ...partial, testsFailed: 1 }] });
    assert.doesNotMatch(inside.decision?.reasons.join(' | ') ?? '', /runs none of the lines/);
  });

  test('an abstention whose suspects are build output says so, and asks for source maps', async () => {
    const stats = { evidence: [], candidatesTried: 0, generatedFiles: ['dist/grading.js'] } as unknown as PatchStats;
    const result = await assessPatches({ ...request([]), stats });
    assert.equal(result.decision?.action, 'abstain');
    const reasons = result.decision?.reasons.join(' | ') ?? '';
    assert.match(reasons, /no candidate patch was tried/);
    assert.match(reasons, /`dist\/grading\.js` were not patched: git ignores that file, so it is build output/);
    assert.match(result.suggestions[0] ?? '', /source maps/);
    assert.match(result.suggestions[1] ?? '', /fix the source that builds grading\.py:3/);
    assert.ok(!result.suggestions.some((text) => text.startsWith('no one-line repair')), result.suggestions.join(' | '));
  });

  test('patches that disagree on extra inputs are found out, trusted less, and the abstention names an input to pin down', async () => {
    const agreeing = [patch('p1', withCondition('score >= 50')), patch('p2', withCondition('score > 50'))];
    const disagreeing = [patch('p1', withCondition('score >= 50')), patch('p2', withCondition('score > 10'))];
    const before = treeDigest(root);
    const same = await assessPatches(request(agreeing));
    const different = await assessPatches(request(disagreeing));
    assert.equal(treeDigest(root), before, 'the user tree is unchanged');

    assert.equal(same.differential?.skipped, undefined, same.differential?.skipped);
    assert.ok((same.differential?.inputs ?? 0) >= 5, 'varied inputs were compared');
    assert.equal(same.differential?.disagreements, 0, 'score >= 50 and score > 50 agree away from 50');
    assert.equal(same.differential?.behaviorClasses.length, 1);

    assert.ok((different.differential?.disagreements ?? 0) > 0, 'score > 10 differs from score >= 50 (e.g. grade(19))');
    assert.equal(different.differential?.behaviorClasses.length, 2);
    const trustSame = same.assessments.find((item) => item.patchId === 'p1')?.trust ?? 1;
    const trustDifferent = different.assessments.find((item) => item.patchId === 'p1')?.trust ?? 1;
    assert.ok(trustDifferent < trustSame, `trust with disagreement ${trustDifferent} < without ${trustSame}`);

    for (const result of [same, different]) {
      assert.ok((result.decision?.reasons.length ?? 0) > 0);
      for (const assessment of result.assessments) assert.ok(assessment.reasons.length > 0);
    }
    // Asked for near-certain precision, the bouncer abstains and says which input the tests should pin down.
    const strict = await assessPatches({ ...request(disagreeing), targetPrecision: 0.999 });
    assert.equal(strict.decision?.action, 'abstain');
    assert.ok(
      strict.suggestions.some((suggestion) => /add a test that pins down grade\(/.test(suggestion)),
      strict.suggestions.join(' | '),
    );
  });

  test('a model patch is never proposed above an equally validated template patch', async () => {
    const model = patch('p1', withCondition('score >= 50'));
    model.patch = { ...model.patch, origin: 'llm:fake-coder' };
    const template = patch('p2', withCondition('score > 49'));
    const mixed = await assessPatches(request([model, template], { differential: false, targetPrecision: 0 }));
    const trustOf = (id: string) => mixed.assessments.find((item) => item.patchId === id)?.trust ?? 0;
    assert.equal(mixed.decision?.action, 'propose');
    assert.equal(mixed.decision?.patch, 'p2', `the template patch is proposed (trust ${trustOf('p2')}) over the model's (${trustOf('p1')})`);
    // The same two as templates: the first would win, so the rule above is what chose p2.
    const plain = await assessPatches(request([patch('p1', withCondition('score >= 50')), template], { differential: false, targetPrecision: 0 }));
    if (trustOf('p1') > trustOf('p2')) {
      assert.equal(plain.decision?.patch, 'p1');
      assert.ok(mixed.decision?.reasons.some((reason) => /template patch is preferred/.test(reason)), mixed.decision?.reasons.join(' | '));
    }
    // Only model patches: the most trusted of them may still be proposed.
    const alone = await assessPatches(request([model], { differential: false, targetPrecision: 0 }));
    assert.equal(alone.decision?.patch, 'p1');
  });

  test('a patch the task\'s own examples contradict is never offered; one they agree with says so', async () => {
    const contradiction = { call: 'grade(50)', expected: "'fail'", actual: "'pass'" };
    const first = patch('p1', withCondition('score >= 50'));
    first.patch = { ...first.patch, examples: { compared: 1, contradictions: [contradiction] } };
    const alone = await assessPatches(request([first], { differential: false, targetPrecision: 0 }));
    assert.equal(alone.decision?.action, 'abstain', alone.decision?.reasons.join(' | '));
    assert.ok(alone.decision?.reasons.some((reason) => /p1 at grading\.py:3 passes the tests, but the task's examples contradict it: `grade\(50\)` is said to return 'fail' but the patched code returns 'pass'/.test(reason)), alone.decision?.reasons.join(' | '));
    assert.ok(alone.suggestions.some((suggestion) => /correct the task's example, or add a test for `grade\(50\)`/.test(suggestion)), alone.suggestions.join(' | '));

    const second = patch('p2', withCondition('score > 49'));
    second.patch = { ...second.patch, examples: { compared: 2, contradictions: [] } };
    const both = await assessPatches(request([first, second], { differential: false, targetPrecision: 0 }));
    const trustOf = (id: string) => both.assessments.find((item) => item.patchId === id)?.trust ?? 0;
    assert.equal(both.decision?.action, 'propose');
    assert.equal(both.decision?.patch, 'p2');
    assert.ok(both.decision?.reasons.some((reason) => /the patched code gives the task's 2 examples the results it states/.test(reason)), both.decision?.reasons.join(' | '));
    if (trustOf('p1') > trustOf('p2')) assert.ok(both.decision?.reasons.some((reason) => /the more trusted p1 .* is not offered: the task's examples contradict it/.test(reason)), both.decision?.reasons.join(' | '));
    // Without the examples the more trusted one is proposed: the examples are what passed it over.
    const unchecked = await assessPatches(request([patch('p1', withCondition('score >= 50')), patch('p2', withCondition('score > 49'))], { differential: false, targetPrecision: 0 }));
    assert.equal(unchecked.decision?.patch, trustOf('p1') >= trustOf('p2') ? 'p1' : 'p2');
  });

  test('a patch that breaks a doctest example of its function that held before is not offered', async () => {
    const broken = patch('p1', withCondition('score >= 50'));
    broken.patch = { ...broken.patch, documented: { function: 'grade', run: 2, broken: [{ source: 'grade(50)', want: "'fail'", got: "'pass'" }] } };
    const alone = await assessPatches(request([broken], { differential: false, targetPrecision: 0 }));
    assert.equal(alone.decision?.action, 'abstain', alone.decision?.reasons.join(' | '));
    assert.ok(alone.decision?.reasons.some((reason) => /passes the tests, but it breaks the doctest examples of `grade`: `grade\(50\)` gives 'fail', as documented, before the patch and 'pass' with it/.test(reason)), alone.decision?.reasons.join(' | '));
    assert.ok(alone.suggestions.some((suggestion) => /the docstring of `grade` is out of date/.test(suggestion)), alone.suggestions.join(' | '));
    const kept = patch('p1', withCondition('score >= 50'));
    kept.patch = { ...kept.patch, documented: { function: 'grade', run: 2, broken: [] } };
    const fine = await assessPatches(request([kept], { differential: false, targetPrecision: 0 }));
    assert.equal(fine.decision?.action, 'propose');
    assert.ok(fine.decision?.reasons.some((reason) => /the doctest examples of `grade` still pass with it \(2\)/.test(reason)), fine.decision?.reasons.join(' | '));
  });

  test('a patch that deletes a guard must reach the stricter threshold; a less trusted ordinary patch is offered instead', async () => {
    // Trust from the candidate's rank alone: rank 1 → 0.96, rank 2 → 0.92. The table: 0.90 for 90 %
    // precision, 0.97 for 95 %, 0.99 for 97.5 %. Both tests fail, so no passing test runs line 3: a
    // deletion there carries two risks and needs 97.5 %.
    const model: TrustModel = {
      version: 1,
      features: ['logCandidateRank'],
      weights: [-1],
      means: [0],
      scales: [1],
      bias: Math.log(0.96 / 0.04),
      vaguenessPenalty: 4,
      calibrationChecks: 100,
      calibration: [
        { threshold: 0.99, selected: 20, wrong: 0, precision: 1, correctedPrecision: 0.976, precisionLowerBound: 0.9, coverage: 0.2 },
        { threshold: 0.97, selected: 40, wrong: 1, precision: 0.975, correctedPrecision: 0.951, precisionLowerBound: 0.9, coverage: 0.4 },
        { threshold: 0.9, selected: 60, wrong: 5, precision: 0.917, correctedPrecision: 0.902, precisionLowerBound: 0.85, coverage: 0.6 },
      ],
    };
    const guard = patch('p1', BUGGY.replace('    if score < 50:\n        return "pass"\n', ''));
    guard.patch = { ...guard.patch, title: 'delete `if score < 50: return "pass"`', diff: diffOf(['    if score < 50:', '        return "pass"']) };
    const ordinary = patch('p2', withCondition('score >= 50'));
    ordinary.patch = { ...ordinary.patch, diff: diffOf(['    if score < 50:'], ['    if score >= 50:']) };

    const alone = await assessPatches(request([guard], { differential: false, model, targetPrecision: 0.9 }));
    assert.equal(alone.decision?.action, 'abstain', alone.decision?.reasons.join(' | '));
    assert.ok(
      alone.decision?.reasons.some((reason) => /reaches the threshold 0\.90 set for 90% precision, but it deletes a guard .* and no passing test runs the patched line, so it needs the threshold 0\.99 set for 97\.5% precision/.test(reason)),
      alone.decision?.reasons.join(' | '),
    );
    assert.ok(alone.suggestions.some((suggestion) => /add a test for the case the deleted code handles/.test(suggestion)), alone.suggestions.join(' | '));

    const both = await assessPatches(request([guard, ordinary], { differential: false, model, targetPrecision: 0.9 }));
    assert.equal(both.decision?.action, 'propose');
    assert.equal(both.decision?.patch, 'p2', both.decision?.reasons.join(' | '));
    assert.ok(both.decision?.reasons.some((reason) => /the more trusted delete `if score < 50: return "pass"` .* is not offered: it deletes a guard/.test(reason)), both.decision?.reasons.join(' | '));

    // Trusted enough for the stricter bar, the deletion is proposed, and the reasons say which bar it met.
    const lenient = { ...model, bias: Math.log(0.995 / 0.005) };
    const met = await assessPatches(request([guard], { differential: false, model: lenient, targetPrecision: 0.9 }));
    assert.equal(met.decision?.action, 'propose');
    assert.ok(met.decision?.reasons.some((reason) => /reaches the threshold 0\.99 set for 97\.5% precision, the bar for a patch where it deletes a guard .* and no passing test runs the patched line/.test(reason)), met.decision?.reasons.join(' | '));
    // Asked for no precision at all, nothing raises the bar.
    assert.equal((await assessPatches(request([guard], { differential: false, model, targetPrecision: 0 }))).decision?.patch, 'p1');
  });

  test('a vague task lowers trust and gets no patch unless the tests pin the behaviour down', async () => {
    const vague: TaskAssessment = { text: 'grade it', vagueness: 0.9, verdict: 'vague', missing: ['no expected output for scores at the boundary'] };
    const single = [patch('p1', withCondition('score >= 50'))];
    const clear = await assessPatches(request(single, { differential: false }));
    const unclear = await assessPatches(request(single, { differential: false, task: vague }));
    assert.ok(unclear.assessments[0].trust < clear.assessments[0].trust);
    assert.equal(unclear.decision?.action, 'abstain');
    assert.ok(unclear.decision?.reasons.some((reason) => /vague/.test(reason)));
    assert.ok(unclear.suggestions.some((suggestion) => /boundary/.test(suggestion)));

    // A docstring Revise took from the code speaks only for a patch inside the function it documents.
    const { file, lines } = single[0].patch;
    const docstring = (line: number, endLine: number): TaskAssessment => ({ ...vague, source: 'docstring', function: 'grade', location: { file, line, endLine } });
    const own = await assessPatches(request(single, { differential: false, task: docstring(1, lines[0]! + 2) }));
    assert.equal(own.decision?.action, 'abstain');
    assert.equal(own.assessments[0].trust, unclear.assessments[0].trust);
    const elsewhere = await assessPatches(request(single, { differential: false, task: docstring(lines[0]! + 10, lines[0]! + 20) }));
    assert.equal(elsewhere.assessments[0].trust, clear.assessments[0].trust, 'another function\'s docstring does not lower the trust');
    assert.equal(elsewhere.decision?.action, clear.decision?.action);
    assert.ok(!elsewhere.decision?.reasons.some((reason) => /vague/.test(reason)), elsewhere.decision?.reasons.join(' | '));
    assert.ok(!elsewhere.suggestions.some((suggestion) => /boundary/.test(suggestion)), elsewhere.suggestions.join(' | '));
    // The user's own task speaks for every patch.
    const user = await assessPatches(request(single, { differential: false, task: { ...docstring(50, 60), source: 'user' } }));
    assert.equal(user.decision?.action, 'abstain');
  });

  test('differential testing never writes the user tree and kills a candidate that hangs', async () => {
    const pidFile = path.join(fs.realpathSync(os.tmpdir()), `revise-hang-${process.pid}.pid`);
    // Ignores the harness's per-call alarm and spins: only killing the process stops it.
    const hanging = [
      'import os, signal',
      '',
      'def grade(score):',
      '    signal.signal(signal.SIGALRM, signal.SIG_IGN)',
      '    signal.signal(signal.SIGINT, signal.SIG_IGN)',
      `    open(${JSON.stringify(pidFile)}, "w").write(str(os.getpid()))`,
      '    while True:',
      '        pass',
      '',
    ].join('\n');
    // Writes next to itself and over the module: in the copy, never in the user's tree.
    const scribbling = withCondition('score >= 50').replace(
      '    if score >= 50:',
      '    open("scribble.txt", "w").write("x")\n    open("grading.py", "a").write("# scribbled\\n")\n    if score >= 50:',
    );
    const before = treeDigest(root);
    const leftoversBefore = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(HARNESS_PREFIX)).length;
    try {
      const result = await assessPatches(
        request([patch('p1', withCondition('score >= 50')), patch('p2', hanging), patch('p3', scribbling)], { differential: { perCandidateTimeoutMs: 4000, perCallTimeoutMs: 300 } }),
      );
      assert.equal(treeDigest(root), before, 'the user tree is unchanged');
      assert.ok(!fs.existsSync(path.join(root, 'scribble.txt')));
      const differential = result.differential;
      assert.ok(differential && !differential.skipped, differential?.skipped);
      assert.ok(differential.candidates.includes('p2'));
      assert.ok(
        differential.behaviorClasses.some((members) => members.length === 1 && members[0] === 'p2'),
        'the hanging candidate behaves like no other',
      );
      assert.ok(differential.disagreements > 0);
      assert.ok(differential.examples.some((example) => example.outcomes.p2 === 'crash' || example.outcomes.p2 === 'timeout'));
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the hanging process was killed');
      const leftoversAfter = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(HARNESS_PREFIX)).length;
      assert.ok(leftoversAfter <= leftoversBefore, 'the harness folder was removed');
    } finally {
      fs.rmSync(pidFile, { force: true });
    }
  });
});

describe('output bouncer: differential testing on a real node:test project', () => {
  let root = '';
  let run: TestRun;

  before(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'revise-bouncer-js-')));
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'fixture', private: true, scripts: { test: 'node --test' } }));
    fs.writeFileSync(path.join(root, 'grading.js'), 'function grade(score) {\n  return score < 50 ? "pass" : "fail";\n}\nmodule.exports = { grade };\n');
    fs.mkdirSync(path.join(root, 'test'));
    fs.writeFileSync(
      path.join(root, 'test', 'grading.test.js'),
      "const test = require('node:test');\nconst assert = require('node:assert');\nconst { grade: candidate } = require('../grading.js');\n\n" +
        "test('high', () => {\n  assert.equal(candidate(80), 'pass');\n});\n\ntest('low', () => {\n  assert.equal(candidate(20), 'fail');\n});\n",
    );
    run = await captureTests({
      root,
      runner: new NodeProcessRunner(),
      logger: silentLogger,
      assets: { grammarsDir, pythonDir: path.join(repoRoot, 'extension', 'python'), javascriptDir: path.join(repoRoot, 'extension', 'javascript') },
      perTestTimeoutMs: 20_000,
      totalTimeoutMs: 60_000,
    });
  });

  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('finds the inputs where patches disagree and stops a synchronous endless loop', async () => {
    const file = path.join(root, 'grading.js');
    const body = (expression: string) => `function grade(score) {\n  ${expression}\n}\nmodule.exports = { grade };\n`;
    const make = (id: string, expression: string): Patch => ({
      id,
      file,
      origin: 'template:comparison-operator',
      title: id,
      diff: '',
      newText: body(expression),
      lines: [2],
      validated: true,
      testsPassed: 2,
      testsFailed: 0,
    });
    const before = treeDigest(root);
    const result = await assessPatches({
      root,
      mode: 'fix',
      run: { ...run, tests: run.tests.map((item) => ({ ...item, outcome: 'failed' as const })) },
      scores: [{ file, line: 2, score: 0.8, rank: 1, features: {}, evidence: [] }],
      patches: [
        make('p1', 'return score >= 50 ? "pass" : "fail";'),
        make('p2', 'return score > 10 ? "pass" : "fail";'),
        make('p3', 'if (score === 19) { for (;;) {} }\n  return score >= 50 ? "pass" : "fail";'),
      ],
      logger: silentLogger,
      differential: { perCallTimeoutMs: 300 },
    });
    assert.equal(treeDigest(root), before, 'the user tree is unchanged');
    const differential = result.differential;
    assert.ok(differential && !differential.skipped, differential?.skipped);
    assert.ok(differential.inputs >= 5);
    assert.ok(differential.disagreements > 0);
    assert.equal(differential.behaviorClasses.length, 3, 'p1, p2 and the looping p3 each behave their own way');
    assert.ok(differential.examples.some((example) => example.outcomes.p3 === 'timeout'), JSON.stringify(differential.examples));
  });
});
