/**
 * Where the task text Revise judged came from, in words, the same in the CLI, the report panel and the
 * editor: the user's own text, or the docstring / doc comment of a named function. No imports: the
 * report panel (a browser bundle) uses it too.
 */

/** What a report says about a task's origin (`CheckReport['task']` and `TaskAssessment` both fit). */
export interface TaskOrigin {
  source?: 'user' | 'docstring';
  /** The function whose docstring or doc comment it is. */
  function?: string;
  /** Path (relative in a report) and 1-based line of a docstring. */
  file?: string;
  line?: number;
  location?: { file: string; line: number };
}

/**
 * "given with --task" (`given` says how the user gave it), "docstring of `total`, src/cart.py:3", or
 * undefined when the origin is not known (a report from before this was recorded).
 */
export function describeTaskSource(task: TaskOrigin, given: string, relative: (file: string) => string = (file) => file): string | undefined {
  if (task.source === 'user') return given;
  if (task.source !== 'docstring') return undefined;
  const file = task.file ?? (task.location ? relative(task.location.file) : undefined);
  const line = task.line ?? task.location?.line;
  const place = file ? `, ${file}${line !== undefined ? `:${line}` : ''}` : '';
  return `docstring of ${task.function ? `\`${task.function}\`` : 'the suspect function'}${place}`;
}

/**
 * Whether the editor warns about a task judged vague: always for the user's own task; for a docstring
 * while tests fail (the tests are then the specification) only when a test contradicts one of its
 * examples, something a developer can check and fix.
 */
export function showsTaskWarning(task: { verdict: string; source?: 'user' | 'docstring'; location?: unknown; testContradictions?: unknown[] } | undefined, failing: number): boolean {
  if (task?.verdict !== 'vague' || !task.location) return false;
  return failing === 0 || task.source === 'user' || (task.testContradictions?.length ?? 0) > 0;
}

/** The editor's warning for a task judged vague: whose text it is, how vague, and what it lacks. */
export function vagueTaskMessage(task: TaskOrigin & { vagueness: number; missing?: string[] }, relative: (file: string) => string = (file) => file): string {
  const whose = task.source === 'user' ? 'Your task description' : `The task text (${describeTaskSource(task, '', relative) ?? 'docstring of the suspect function'})`;
  return `${whose} is too vague to act on (vagueness ${Math.round(task.vagueness * 100)}%)${task.missing?.length ? `: ${task.missing.join('; ')}` : ''}.`;
}
