/**
 * A tiny OpenAI-compatible HTTP server on 127.0.0.1 for tests: it records each request and answers
 * `POST /v1/chat/completions` with whatever the test's handler says (a reply, an HTTP error, garbage, a
 * hang, a dropped connection). Real sockets and the real SDK, so the tests exercise the whole path.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
}

/** How the server answers one request. */
export type FakeResponse =
  /** A well-formed chat completion whose message content is `content`. */
  | { kind: 'reply'; content: string | null; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null }
  /** Any JSON body with any status. */
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** Any text body with any status. */
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { kind: 'hang' }
  /** Drops the connection without answering. */
  | { kind: 'destroy' };

/** Decides the answer to the `index`-th request (0-based). */
export type FakeHandler = (request: RecordedRequest, index: number) => FakeResponse | Promise<FakeResponse>;

/** A running fake server. */
export interface FakeOpenAiServer {
  /** e.g. `http://127.0.0.1:43123/v1`. */
  baseUrl: string;
  /** Every request received so far, in order. */
  requests: RecordedRequest[];
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Closes the server and every open connection, hung ones included. */
  close(): Promise<void>;
}

/** A chat-completion answer with the given message content. */
export function reply(content: string, usage?: { prompt: number; completion: number }): FakeResponse {
  return {
    kind: 'reply',
    content,
    usage: usage ? { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion } : undefined,
  };
}

/** An OpenAI-style error body (`{"error":{"message":…}}`) with the given status. */
export function errorReply(status: number, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): FakeResponse {
  return { kind: 'json', status, body: { error: { message, type: 'invalid_request_error', ...extra } }, headers };
}

/** Starts a server on an ephemeral port of 127.0.0.1. */
export async function startFakeOpenAiServer(handler: FakeHandler): Promise<FakeOpenAiServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> | undefined;
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        } catch {
          body = undefined;
        }
        const recorded: RecordedRequest = { method: incoming.method ?? '', path: incoming.url ?? '', headers: incoming.headers, body };
        const index = requests.length;
        requests.push(recorded);
        for (const waiter of waiters.filter((candidate) => requests.length >= candidate.count)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        if (recorded.method !== 'POST' || !recorded.path.endsWith('/chat/completions')) {
          send(outgoing, { kind: 'json', status: 404, body: { error: { message: `no route ${recorded.method} ${recorded.path}` } } }, body);
          return;
        }
        send(outgoing, await handler(recorded, index), body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(outgoing: http.ServerResponse, response: FakeResponse, requestBody: Record<string, unknown> | undefined): void {
  switch (response.kind) {
    case 'hang':
      return;
    case 'destroy':
      outgoing.socket?.destroy();
      return;
    case 'raw':
      outgoing.writeHead(response.status, { 'content-type': response.contentType ?? 'text/plain' });
      outgoing.end(response.body);
      return;
    case 'json':
      outgoing.writeHead(response.status, { 'content-type': 'application/json', ...response.headers });
      outgoing.end(JSON.stringify(response.body));
      return;
    case 'reply': {
      const completion = {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: typeof requestBody?.model === 'string' ? requestBody.model : 'fake-model',
        choices: [{ index: 0, message: { role: 'assistant', content: response.content }, finish_reason: response.finishReason ?? 'stop' }],
        ...(response.usage === null ? {} : { usage: response.usage ?? { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }),
      };
      outgoing.writeHead(200, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify(completion));
      return;
    }
  }
}

/**
 * The URL of a port on 127.0.0.1 that nothing listens on (it was free a moment ago), for testing a dead
 * endpoint.
 */
export async function deadEndpointUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
