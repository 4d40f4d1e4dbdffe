/** How far a patch was checked, in the words the report, the CLI and the editor use. */
import { plural } from '../text';
import type { Patch } from '../types';

/**
 * "passes the 2 failing tests and the 1 passing test that runs its lines; the whole suite confirmed it
 * (9 tests)" — or, before the confirmation, "…; the rest of the suite not yet run". Falls back to the
 * plain count for patches without `checked` (reports of older versions).
 */
export function describeChecks(patch: Pick<Patch, 'validated' | 'testsPassed' | 'testsFailed' | 'checked'>): string {
  const checked = patch.checked;
  if (!patch.validated) {
    if (checked?.fullSuite === 'failed') return `passed the tests that run its lines, but ${checked.affected ? 'the tests that run its file' : 'the whole suite'} found ${plural(patch.testsFailed, 'failing test')}`;
    return `still fails ${plural(patch.testsFailed, 'test')} (${patch.testsPassed} pass)`;
  }
  if (!checked) return `passes all ${plural(patch.testsPassed, 'test')}`;
  const failing = `the ${plural(checked.failing, 'failing test')}`;
  const covering = checked.covering > 0 ? ` and the ${plural(checked.covering, 'passing test')} that ${checked.covering === 1 ? 'runs' : 'run'} its lines` : '';
  const suite =
    checked.fullSuite !== 'confirmed'
      ? '; the rest of the suite not yet run'
      : checked.affected
        ? `; the ${plural(checked.affected.ran, 'test')} that ${checked.affected.ran === 1 ? 'runs' : 'run'} its file confirmed it, cold (the other ${plural(checked.affected.notRun, 'test')} ${checked.affected.notRun === 1 ? 'never runs it and was' : 'never run it and were'} not run again)`
        : `; the whole suite confirmed it (${plural(patch.testsPassed, 'test')})`;
  return `passes ${failing}${covering}${suite}`;
}
