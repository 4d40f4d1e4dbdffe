/** Why a check could not run at all (as opposed to problems it reports and keeps going). */
export type ReviseErrorCode =
  | 'no-project'
  | 'interpreter-missing'
  | 'framework-missing'
  | 'no-tests'
  | 'cancelled'
  | 'untrusted'
  | 'internal';

/** A failure with a one-line reason for the user and, where possible, what to do about it. */
export class ReviseError extends Error {
  constructor(
    readonly code: ReviseErrorCode,
    message: string,
    /** What the user can do, e.g. "Install it with: sudo apt-get install python3-pytest". */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ReviseError';
  }
}

/** Throws a `ReviseError('cancelled')` when the signal is aborted; call after every await. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ReviseError('cancelled', 'The check was cancelled.');
}
