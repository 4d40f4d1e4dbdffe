/**
 * The one error type the LLM layer throws, and the redaction every message and log line passes through, so
 * that an API key never reaches the user's screen, a log channel or a report.
 */

/** Why a model call failed. */
export type LlmErrorKind =
  /** No connection: refused, unknown host, reset, TLS failure. */
  | 'unreachable'
  /** The key is missing or was rejected (401/403). */
  | 'auth'
  /** Too many requests, or the quota is used up (429). */
  | 'rate-limit'
  /** The server did not answer in time. */
  | 'timeout'
  /** The server rejected the request itself (400/404/422): unknown model, wrong path, prompt too long. */
  | 'bad-request'
  /** The server answered, but not with something usable: a 5xx, an empty or malformed reply. */
  | 'bad-reply'
  /** The caller's `AbortSignal` fired. */
  | 'cancelled'
  /** The call or token budget for this check is spent. */
  | 'budget';

/** A failed model call, with a message a user can act on. Never contains an API key. */
export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

/** True for an `LlmError`, optionally of one of the given kinds. */
export function isLlmError(error: unknown, ...kinds: LlmErrorKind[]): error is LlmError {
  return error instanceof LlmError && (kinds.length === 0 || kinds.includes(error.kind));
}

const REDACTED = '[redacted]';

/**
 * Key-shaped tokens redacted even when they are not the configured key, with their replacements: providers
 * echo a partly masked key ("Incorrect API key provided: sk-abc***xyz"), and a proxy may echo anything.
 */
const KEY_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_*-]{6,}/g, REDACTED],
  [/\b(Bearer)\s+[A-Za-z0-9_*.~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\b(api[_-]?key|access[_-]?token|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|\[redacted\])[^\s"',}&]{6,}/gi, `$1$2${REDACTED}`],
  // A key masked by the provider but still showing its ends, e.g. `gw-abc1***xyz9`.
  [/[^\s"'`]{3,}\*{3,}[^\s"'`.,;]*/g, REDACTED],
];

/**
 * Replaces every occurrence of the given secrets, and of anything shaped like an API key, with
 * `[redacted]`. Secrets shorter than four characters are left alone (they would shred ordinary words).
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of KEY_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/**
 * The endpoint as shown to users: scheme, host, port and path, without credentials or query parameters
 * (some gateways take the key as `?key=` or `user:key@host`).
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '');
    return `${parsed.protocol}//${parsed.host}${path}`;
  } catch {
    return redactSecrets(url.replace(/[?#].*$/, ''));
  }
}
