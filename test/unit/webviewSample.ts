/**
 * A report like the one `revise check --json` gives for `examples/python-bug` (loyalty points add 2
 * instead of doubling), used by the webview tests and the headless screenshot script. Typed, so the
 * type checker keeps it in step with `CheckReport`.
 */
import type { CheckReport } from '../../extension/src/core/types';

/** A fresh copy each call, so a test that mutates it cannot affect another. */
export function sampleReport(): CheckReport {
  return {
    version: 1,
    root: '/work/examples/python-bug',
    task: {
      text: 'From 100 spent, loyalty points should count double.',
      vagueness: 0.18,
      verdict: 'actionable',
      source: 'docstring',
      function: 'loyalty_points',
      file: 'shop/cart.py',
      line: 27,
    },
    tests: {
      framework: 'pytest',
      passed: 7,
      failed: 2,
      skipped: 0,
      durationMs: 840,
      complete: true,
      coverage: 'coverage.py',
      failures: [
        {
          id: 'tests/test_cart.py::test_points_count_double_from_one_hundred',
          message: 'AssertionError: assert 12 == 20',
          file: 'tests/test_cart.py',
          line: 34,
        },
        {
          id: 'tests/test_cart.py::test_points_for_a_big_spender',
          message: 'AssertionError: assert 27 == 50',
          file: 'tests/test_cart.py',
          line: 38,
        },
      ],
    },
    problems: [{ kind: 'skipped-file', message: 'shop/legacy.py could not be parsed and was not scored', file: 'shop/legacy.py' }],
    // Deliberately not in score order: the view must sort, not trust the order it is given.
    suspects: [
      {
        file: 'shop/cart.py',
        line: 30,
        score: 0.46,
        text: 'if total >= 100:',
        evidence: [{ kind: 'spectrum', detail: 'run by 2/2 failing and 1/7 passing tests' }],
      },
      {
        file: 'shop/cart.py',
        line: 31,
        score: 0.81,
        text: 'return points + 2',
        evidence: [
          { kind: 'spectrum', detail: 'run by 2/2 failing and 0/7 passing tests' },
          { kind: 'repair', detail: 'replacing `+` with `*` makes both failing tests pass' },
        ],
      },
      {
        file: 'shop/cart.py',
        line: 29,
        score: 0.12,
        text: 'points = int(total // 10)',
        evidence: [{ kind: 'spectrum', detail: 'run by 2/2 failing and 3/7 passing tests' }],
      },
    ],
    patches: [
      {
        id: 'p2',
        file: 'shop/cart.py',
        origin: 'template:off-by-constant',
        title: '`points + 2` → `points + 1`',
        diff: '--- a/shop/cart.py\n+++ b/shop/cart.py\n@@ -31,1 +31,1 @@\n-        return points + 2\n+        return points + 1\n',
        validated: false,
        testsPassed: 7,
        testsFailed: 2,
        trust: 0.05,
      },
      {
        id: 'p1',
        file: 'shop/cart.py',
        origin: 'template:arithmetic-operator',
        title: '`+` → `*`',
        diff: '--- a/shop/cart.py\n+++ b/shop/cart.py\n@@ -28,6 +28,6 @@ def loyalty_points(total):\n     """One point per whole 10 spent; from 100 spent, points count double."""\n     points = int(total // 10)\n     if total >= 100:\n-        return points + 2\n+        return points * 2\n     return points\n',
        validated: true,
        testsPassed: 9,
        testsFailed: 0,
        trust: 0.93,
      },
    ],
    decision: {
      action: 'propose',
      patch: 'p1',
      confidence: 0.93,
      reasons: ['the only validated patch: all 9 tests pass with it', 'its line is the top suspect'],
    },
    timingsMs: { capture: 840, localize: 15, patch: 2100, bounce: 3, total: 2958 },
  };
}
