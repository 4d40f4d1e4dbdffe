/**
 * `LlmClient` over the official `openai` SDK's chat completions, for OpenAI itself or any OpenAI-compatible
 * server (Ollama, llama.cpp, vLLM, LM Studio, gateways). The SDK is loaded with `await import('openai')` on
 * the first request, so creating a client (and activating the extension) costs nothing.
 *
 * Compatibility: local servers differ in which optional parameters they accept. When a server rejects
 * `response_format`, `max_tokens` or `temperature`, the request is retried once without it (or, for
 * `max_tokens`, with `max_completion_tokens`), and the client remembers what worked.
 */
import type { APIError as SdkApiError, OpenAI as SdkClient } from 'openai';
import type { Logger } from '../ports';
import { displayUrl, LlmError, redactSecrets } from './errors';
import type { LlmClient, LlmReply, LlmRequest, LlmUsage } from './types';

type SdkModule = typeof import('openai');
type ChatParams = SdkClient.Chat.ChatCompletionCreateParamsNonStreaming;
type ChatCompletion = SdkClient.Chat.ChatCompletion;

/** Where requests go when no base URL is set. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * Sent as the key to servers that need none (Ollama, llama.cpp, vLLM without `--api-key`): the SDK insists
 * on some key, and a fixed, obviously fake one is safe to log.
 */
export const PLACEHOLDER_API_KEY = 'no-key-needed';

/** How to reach a model. */
export interface OpenAiClientConfig {
  /**
   * An OpenAI-compatible endpoint, usually ending in `/v1`, e.g. `http://127.0.0.1:11434/v1` for Ollama.
   * Empty or absent: OpenAI's own API.
   */
  baseUrl?: string;
  /** The key; optional when `baseUrl` is set (local servers need none). Never logged or shown. */
  apiKey?: string;
  /** Model name as the server knows it, e.g. `gpt-4o-mini` or `qwen2.5-coder:7b`. */
  model: string;
  /** Time allowed for one HTTP attempt, in milliseconds. */
  timeoutMs: number;
  /** Retries of connection failures, 408/409/429 and 5xx answers, with backoff (default 1). */
  maxRetries?: number;
  logger: Logger;
}

/** A parameter some servers reject, and what to do about it. */
type Adaptation = 'drop-response-format' | 'use-max-completion-tokens' | 'drop-temperature';

/**
 * Creates an `LlmClient` that talks to `config.baseUrl` (or OpenAI) through the `openai` SDK. Nothing is
 * loaded or sent until the first `complete` call. Errors are `LlmError`s with the key redacted.
 */
export function createOpenAiClient(config: OpenAiClientConfig): LlmClient {
  const customBaseUrl = config.baseUrl?.trim();
  const baseUrl = (customBaseUrl || OPENAI_BASE_URL).replace(/\/+$/, '');
  const shownUrl = displayUrl(baseUrl);
  const configuredKey = config.apiKey?.trim() || undefined;
  const apiKey = configuredKey ?? (customBaseUrl ? PLACEHOLDER_API_KEY : undefined);
  const { problem: urlProblem, secrets: urlSecrets } = inspectBaseUrl(baseUrl);
  const secrets = [config.apiKey, configuredKey, ...urlSecrets];
  const redact = (text: string): string => redactSecrets(text, secrets);
  const logger = config.logger;
  const maxRetries = Math.max(0, Math.floor(config.maxRetries ?? 1));
  const timeoutMs = Math.max(1, Math.floor(config.timeoutMs));
  /** Adaptations that made a request succeed; applied up front from then on. */
  const learned = new Set<Adaptation>();
  let loading: Promise<{ sdk: SdkModule; client: SdkClient }> | undefined;

  const describe = { shownUrl, model: config.model, timeoutMs, usingPlaceholderKey: apiKey === PLACEHOLDER_API_KEY };

  function load(): Promise<{ sdk: SdkModule; client: SdkClient }> {
    loading ??= import('openai').then((sdk) => {
      const forward =
        (sink: (message: string) => void) =>
        (message: string, ...rest: unknown[]): void =>
          sink(redact(['[openai]', message, ...rest.map(stringify)].join(' ')));
      const client = new sdk.OpenAI({
        apiKey,
        baseURL: baseUrl,
        // Explicit values, so the SDK does not read OPENAI_* environment variables behind the adapter's back.
        organization: null,
        project: null,
        adminAPIKey: null,
        webhookSecret: null,
        timeout: timeoutMs,
        // Retries are Revise's own (below): the SDK would also retry a timeout, doubling its cost.
        maxRetries: 0,
        logLevel: 'warn',
        logger: {
          error: forward((message) => logger.warn(message)),
          warn: forward((message) => logger.warn(message)),
          info: forward((message) => logger.debug(message)),
          debug: forward((message) => logger.trace(message)),
        },
      });
      return { sdk, client };
    });
    loading.catch(() => (loading = undefined));
    return loading;
  }

  async function complete(request: LlmRequest): Promise<LlmReply> {
    throwIfAborted(request.signal);
    if (!apiKey) {
      throw new LlmError(
        'auth',
        `No API key is set for ${shownUrl}. Add an OpenAI API key, or set a base URL for a local OpenAI-compatible server (Ollama, llama.cpp, vLLM), which needs none.`,
      );
    }
    if (urlProblem) throw new LlmError('bad-request', urlProblem);
    if (!config.model.trim()) throw new LlmError('bad-request', `No model name is set for ${shownUrl}.`);
    let loaded: { sdk: SdkModule; client: SdkClient };
    try {
      loaded = await load();
    } catch (error) {
      throw new LlmError('unreachable', `The OpenAI client library could not be loaded: ${redact(errorMessage(error))}`);
    }
    throwIfAborted(request.signal);
    const { sdk, client } = loaded;

    const tried = new Set<Adaptation>(learned);
    let retriesLeft = maxRetries;
    let params = buildParams(config.model, request, tried);
    const started = Date.now();
    logger.debug(
      `LLM request to ${config.model} at ${shownUrl}: ${request.system.length + request.user.length} characters${request.json ? ', JSON reply' : ''}`,
    );
    for (;;) {
      let completion: ChatCompletion;
      try {
        completion = await client.chat.completions.create(params, { signal: request.signal ?? undefined });
      } catch (error) {
        if (request.signal?.aborted) throw cancelledError();
        const adaptation = error instanceof sdk.APIError ? chooseAdaptation(error, params, request) : undefined;
        if (adaptation && !tried.has(adaptation)) {
          tried.add(adaptation);
          logger.debug(`${shownUrl} rejected a request parameter (${redact(errorMessage(error))}); retrying with ${adaptation}.`);
          params = buildParams(config.model, request, tried);
          continue;
        }
        const mapped = mapSdkError(sdk, error, describe, redact);
        // A passing overload (5xx, a rate limit that is not the quota, a dropped connection) is worth one more
        // try; a timeout is not: the same wait again would double what a dead endpoint costs.
        if (retriesLeft > 0 && isTransient(mapped)) {
          retriesLeft--;
          const wait = retryDelayMs(error);
          logger.debug(`${shownUrl}: ${mapped.message} Retrying in ${wait} ms.`);
          await sleep(wait, request.signal);
          if (request.signal?.aborted) throw cancelledError();
          continue;
        }
        logger.debug(`LLM request failed after ${Date.now() - started} ms: ${mapped.message}`);
        throw mapped;
      }
      throwIfAborted(request.signal);
      for (const adaptation of tried) learned.add(adaptation);
      const reply = readCompletion(completion, describe, redact);
      logger.debug(
        `LLM reply from ${config.model} in ${Date.now() - started} ms: ${reply.text.length} characters` +
          (reply.usage ? `, ${reply.usage.promptTokens}+${reply.usage.completionTokens} tokens` : ''),
      );
      return reply;
    }
  }

  return { complete };
}

/**
 * Checks that the base URL is one the SDK can use, and collects the parts of it that may be secret (a
 * password or token in the user-info or the query), so they are redacted like the key.
 */
function inspectBaseUrl(baseUrl: string): { problem?: string; secrets: string[] } {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    return { problem: `The base URL "${displayUrl(baseUrl)}" is not a valid URL; it should look like http://127.0.0.1:11434/v1.`, secrets: [] };
  }
  const secrets = [parsed.username, parsed.password, ...[...parsed.searchParams.values()]]
    .flatMap((value) => [value, safeDecode(value)])
    .filter((value) => value.length > 0);
  const shown = displayUrl(baseUrl);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { problem: `The base URL ${shown} must start with http:// or https://.`, secrets };
  }
  if (parsed.username || parsed.password) {
    return { problem: `The base URL ${shown} must not contain a user name or password; set the API key instead.`, secrets };
  }
  if (parsed.search || parsed.hash) {
    return { problem: `The base URL ${shown} must not have a query string or fragment; set the API key instead of passing it in the URL.`, secrets };
  }
  return { secrets };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** What error messages say about the endpoint. */
interface EndpointDescription {
  shownUrl: string;
  model: string;
  timeoutMs: number;
  usingPlaceholderKey: boolean;
}

function buildParams(model: string, request: LlmRequest, adaptations: ReadonlySet<Adaptation>): ChatParams {
  const params: ChatParams = {
    model,
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.user },
    ],
  };
  if (request.maxTokens !== undefined) {
    const limit = Math.max(1, Math.floor(request.maxTokens));
    if (adaptations.has('use-max-completion-tokens')) params.max_completion_tokens = limit;
    else params.max_tokens = limit;
  }
  if (request.temperature !== undefined && !adaptations.has('drop-temperature')) params.temperature = request.temperature;
  if (request.json && !adaptations.has('drop-response-format')) params.response_format = { type: 'json_object' };
  return params;
}

/**
 * Picks the parameter to change after a 400/422. A message naming a parameter settles it; otherwise, when
 * JSON mode was asked for, `response_format` is the usual culprit (some servers reject it with no useful
 * message, e.g. a bare 422 from a validating proxy).
 */
function chooseAdaptation(error: SdkApiError, params: ChatParams, request: LlmRequest): Adaptation | undefined {
  if (error.status !== 400 && error.status !== 422) return undefined;
  const text = `${error.message} ${error.param ?? ''} ${error.code ?? ''}`.toLowerCase();
  if (params.max_tokens !== undefined && text.includes('max_tokens')) return 'use-max-completion-tokens';
  if (params.temperature !== undefined && text.includes('temperature')) return 'drop-temperature';
  if (params.response_format !== undefined && request.json) {
    const namesOtherParameter = /\b(model|messages|context|too long|maximum context|max_completion_tokens)\b/.test(text);
    if (text.includes('response_format') || text.includes('json') || !namesOtherParameter) return 'drop-response-format';
  }
  return undefined;
}

function readCompletion(completion: ChatCompletion, endpoint: EndpointDescription, redact: (text: string) => string): LlmReply {
  const choices: unknown = (completion as { choices?: unknown } | null | undefined)?.choices;
  if (!Array.isArray(choices)) {
    throw new LlmError(
      'bad-reply',
      `${endpoint.shownUrl} answered, but not with a chat completion. Is it an OpenAI-compatible endpoint (the base URL usually ends in /v1)?`,
    );
  }
  const choice = choices[0] as { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown } | undefined;
  const content = choice?.message?.content;
  const text = typeof content === 'string' ? content : '';
  if (!text.trim()) {
    const refusal = choice?.message?.refusal;
    if (typeof refusal === 'string' && refusal.trim()) {
      throw new LlmError('bad-reply', `The model refused: ${redact(truncate(refusal.trim(), 200))}`);
    }
    const cutOff = choice?.finish_reason === 'length';
    throw new LlmError(
      'bad-reply',
      cutOff
        ? `The model ${endpoint.model} used up its token limit before writing an answer; raise the limit or use a model that thinks less.`
        : `The model ${endpoint.model} returned an empty reply.`,
    );
  }
  return { text, usage: readUsage(completion.usage) };
}

function readUsage(usage: unknown): LlmUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const record = usage as Record<string, unknown>;
  const promptTokens = nonNegative(record.prompt_tokens);
  const completionTokens = nonNegative(record.completion_tokens);
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  const totalTokens = nonNegative(record.total_tokens) ?? (promptTokens ?? 0) + (completionTokens ?? 0);
  return { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0, totalTokens };
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Turns whatever the SDK threw into an `LlmError` whose message says what to do. */
function mapSdkError(
  sdk: SdkModule,
  error: unknown,
  endpoint: EndpointDescription,
  redact: (text: string) => string,
): LlmError {
  const url = endpoint.shownUrl;
  if (error instanceof LlmError) return error;
  if (error instanceof sdk.APIUserAbortError) return cancelledError();
  if (error instanceof sdk.APIConnectionTimeoutError) {
    return new LlmError(
      'timeout',
      `${url} did not answer within ${formatSeconds(endpoint.timeoutMs)}. The server may be busy or still loading the model; try again, raise the timeout, or use a smaller model.`,
    );
  }
  if (error instanceof sdk.APIConnectionError) return connectionError(url, error, redact);
  if (error instanceof sdk.APIError && typeof error.status === 'number') {
    const status = error.status;
    const detail = serverDetail(error, redact);
    const said = detail ? `: ${detail}` : '';
    if (status === 401) {
      return new LlmError(
        'auth',
        endpoint.usingPlaceholderKey
          ? `${url} requires an API key (401). Set one for this endpoint.`
          : `${url} rejected the API key (401)${said}. Check the key.`,
        status,
      );
    }
    if (status === 403) {
      return new LlmError('auth', `${url} refused access (403)${said}. Check that the key may use the model ${endpoint.model}.`, status);
    }
    if (status === 429) {
      const quota = error.code === 'insufficient_quota' || /quota|billing/i.test(detail);
      return new LlmError(
        'rate-limit',
        quota
          ? `${url} says the account's quota is used up (429)${said}. Check the plan and billing.`
          : `${url} is limiting the request rate (429)${said}. Wait a minute and try again, or lower the call budget.`,
        status,
      );
    }
    if (status === 408) return new LlmError('timeout', `${url} timed out the request (408)${said}. Try again or use a smaller model.`, status);
    if (status === 404) {
      return new LlmError(
        'bad-request',
        `${url} has no such model or path (404)${said}. Check the model name "${endpoint.model}" and that the base URL ends in /v1.`,
        status,
      );
    }
    if (status >= 500) return new LlmError('bad-reply', `${url} failed with a server error (${status})${said}.`, status);
    return new LlmError('bad-request', `${url} rejected the request (${status})${said}.`, status);
  }
  // The body of a 200 answer that is not JSON: the parser's own words ("Expected property name or '}' in
  // JSON at position 1") mean nothing to a user.
  if (error instanceof SyntaxError) return new LlmError('bad-reply', `${url} answered with something that is not a chat completion (not JSON). Check that the base URL points at an OpenAI-compatible API.`);
  return new LlmError('bad-reply', `The request to ${url} failed: ${redact(errorMessage(error))}`);
}

/** Network codes, gathered along an error's `cause` chain and inside `AggregateError`s (IPv4 and IPv6 tries). */
function connectionError(url: string, error: Error, redact: (text: string) => string): LlmError {
  const codes = new Set<string>();
  const messages: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (!value || typeof value !== 'object' || seen.has(value) || depth > 8) return;
    seen.add(value);
    const record = value as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string') codes.add(record.code);
    if (typeof record.message === 'string' && record.message) messages.push(record.message);
    visit(record.cause, depth + 1);
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  const has = (...names: string[]): boolean => names.some((name) => codes.has(name));
  let host = url;
  try {
    host = new URL(url).hostname;
  } catch {
    // Keep the whole URL in the message.
  }
  let reason: string;
  if (has('ECONNREFUSED')) reason = 'connection refused. Is the server running?';
  else if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL')) {
    reason = `the host name ${host} could not be resolved. Check the base URL and the network connection.`;
  } else if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED')) {
    reason = 'the server closed the connection. Is it an HTTP endpoint, and is the port right?';
  } else if (has('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT')) reason = 'the connection timed out. Check the address and any firewall.';
  else if (has('EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN')) reason = 'the network or host is unreachable.';
  else if ([...codes].some((code) => /CERT|TLS|SSL|SELF_SIGNED/i.test(code))) {
    reason = `its TLS certificate was not accepted (${[...codes].find((code) => /CERT|TLS|SSL|SELF_SIGNED/i.test(code))}).`;
  } else if (messages.some((message) => /bad port/i.test(message))) reason = 'that port is blocked for HTTP requests; use another port.';
  else {
    const innermost = messages[messages.length - 1] ?? error.message;
    reason = `${redact(truncate(innermost, 200))}.`;
  }
  return new LlmError('unreachable', `Could not reach ${url}: ${reason}`);
}

/** The server's own explanation, without the SDK's leading status code. */
function serverDetail(error: SdkApiError, redact: (text: string) => string): string {
  const message = error.message.replace(/^\d{3}\s*/, '').trim();
  if (!message || /status code \(no body\)/.test(message)) return '';
  // The caller adds its own full stop.
  return redact(truncate(message.replace(/\s+/g, ' '), 300)).replace(/[.\s]+$/, '');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

function cancelledError(): LlmError {
  return new LlmError('cancelled', 'The LLM request was cancelled.');
}

function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return `${seconds < 10 ? Number(seconds.toFixed(1)) : Math.round(seconds)} s`;
}

function truncate(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Failures that a second try may get past. Timeouts are not among them. */
function isTransient(error: LlmError): boolean {
  if (error.kind === 'bad-reply') return error.status !== undefined && error.status >= 500;
  if (error.kind === 'rate-limit') return !/quota/i.test(error.message);
  return error.kind === 'unreachable' && /reset|closed/i.test(error.message);
}

/** The server's `retry-after-ms` or `retry-after`, else half a second; never more than five seconds. */
function retryDelayMs(error: unknown): number {
  const headers = (error as { headers?: { get?(name: string): string | null } } | undefined)?.headers;
  const get = (name: string): number | undefined => {
    const value = typeof headers?.get === 'function' ? headers.get(name) : undefined;
    const parsed = value === null || value === undefined ? NaN : Number(value);
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
  };
  const milliseconds = get('retry-after-ms') ?? ((get('retry-after') ?? 0.5) * 1000);
  return Math.min(5000, Math.round(milliseconds));
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
