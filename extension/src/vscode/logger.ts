import type * as vscode from 'vscode';
import type { Logger } from '../core/ports';

const SECRET_PATTERNS = [/\b(sk-[A-Za-z0-9_-]{8,})/g, /(authorization:\s*bearer\s+)\S+/gi, /(api[_-]?key["'=:\s]+)[^\s"',}]+/gi];

/** Hides anything that looks like an API key before it reaches a log. */
export function redactSecrets(message: string): string {
  return SECRET_PATTERNS.reduce((text, pattern) => text.replace(pattern, (_match, prefix: string) => (prefix.startsWith('sk-') ? 'sk-***' : `${prefix}***`)), message);
}

/** The core's logger interface over a `LogOutputChannel`, with secrets redacted. */
export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (message) => channel.trace(redactSecrets(message)),
    debug: (message) => channel.debug(redactSecrets(message)),
    info: (message) => channel.info(redactSecrets(message)),
    warn: (message) => channel.warn(redactSecrets(message)),
    error: (message) => channel.error(redactSecrets(message)),
  };
}
