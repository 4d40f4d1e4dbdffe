/**
 * The port through which the core talks to a language model. The core only ever sees `LlmClient`; the
 * OpenAI-compatible implementation lives in `openai.ts` and is created by the adapters, so every stage runs
 * without a model (no key, no network) and tests can pass a fake.
 */

/** One chat request: a system prompt and a single user message. */
export interface LlmRequest {
  /** Instructions: the role, the output format. */
  system: string;
  /** The material to work on: code, failures, the task. */
  user: string;
  /** Upper bound on the reply's length in tokens. */
  maxTokens?: number;
  /** Sampling temperature; low values for scoring, a little higher when several alternatives are wanted. */
  temperature?: number;
  /**
   * Ask for a JSON reply. The prompt must say so too: servers without a JSON mode ignore the flag (or reject
   * it, and the client retries without it), and the caller parses the text tolerantly either way.
   */
  json?: boolean;
  /** Aborts the request; the client then throws `LlmError` of kind `cancelled`. */
  signal?: AbortSignal;
}

/** Token counts a server reports for one request. */
export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** A model's answer to one `LlmRequest`. */
export interface LlmReply {
  /** The reply's text (for JSON requests, still text: parse it with `parseJsonReply`). */
  text: string;
  /** Token counts, when the server reports them. */
  usage?: LlmUsage;
}

/** A chat model. Implementations throw `LlmError` and nothing else. */
export interface LlmClient {
  complete(request: LlmRequest): Promise<LlmReply>;
}
