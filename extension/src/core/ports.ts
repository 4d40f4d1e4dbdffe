/**
 * Small interfaces the adapters implement and pass into the core. Keeping them tiny lets every stage
 * run in plain Node tests with fakes.
 */

/** Logging sink; the VS Code adapter maps it to a LogOutputChannel, the CLI to stderr. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Options for one child process. */
export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the whole process tree after this many milliseconds. */
  timeoutMs?: number;
  /** Kill the whole process tree when aborted. */
  signal?: AbortSignal;
  /** Text written to the child's stdin, then closed. */
  input?: string;
  /** Stop keeping output beyond this many characters per stream (default 8 MB). */
  maxOutputChars?: number;
}

/** How a child process ended. */
export interface ProcessResult {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError?: string;
}

/** Runs programs; the default implementation is `NodeProcessRunner` in `process.ts`. */
export interface ProcessRunner {
  run(program: string, args: string[], options: RunOptions): Promise<ProcessResult>;
}

/** Reads source text; the VS Code adapter can overlay unsaved editor buffers. */
export interface SourceReader {
  /** Returns the file's text, or undefined when it is missing, binary, too large or not UTF-8. */
  read(absolutePath: string): Promise<string | undefined>;
}
