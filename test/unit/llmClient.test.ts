import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Logger } from '../../extension/src/core/ports';
import { createBudgetedClient, createOpenAiClient, LlmError, PLACEHOLDER_API_KEY, type LlmClient } from '../../extension/src/core/llm/index';
import { deadEndpointUrl, errorReply, reply, startFakeOpenAiServer, type FakeHandler, type FakeOpenAiServer } from '../support/fake-openai-server';

const SECRET_KEY = 'sk-test-Revise0123456789abcdefSECRET';

/** A logger that keeps every line, so tests can check what reached the log. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, trace: keep('trace'), debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

async function withServer(handler: FakeHandler, body: (server: FakeOpenAiServer) => Promise<void>): Promise<void> {
  const server = await startFakeOpenAiServer(handler);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Runs `action`, which must reject with an `LlmError`, and returns it. */
async function llmFailure(action: () => Promise<unknown>): Promise<LlmError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof LlmError, `expected an LlmError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function client(baseUrl: string | undefined, logger: Logger, overrides: { apiKey?: string; timeoutMs?: number; maxRetries?: number } = {}): LlmClient {
  return createOpenAiClient({ baseUrl, apiKey: overrides.apiKey, model: 'fake-model', timeoutMs: overrides.timeoutMs ?? 10_000, maxRetries: overrides.maxRetries ?? 0, logger });
}

void test('complete sends a chat completion with the key, JSON mode and limits, and returns text and usage', async () => {
  await withServer(
    () => reply('{"ok":true}', { prompt: 42, completion: 7 }),
    async (server) => {
      const logger = recordingLogger();
      const answer = await client(server.baseUrl, logger, { apiKey: SECRET_KEY }).complete({
        system: 'You answer in JSON.',
        user: 'Say ok.',
        json: true,
        maxTokens: 64,
        temperature: 0,
      });
      assert.equal(answer.text, '{"ok":true}');
      assert.deepEqual(answer.usage, { promptTokens: 42, completionTokens: 7, totalTokens: 49 });
      assert.equal(server.requests.length, 1);
      const [request] = server.requests;
      assert.equal(request.path, '/v1/chat/completions');
      assert.equal(request.headers.authorization, `Bearer ${SECRET_KEY}`);
      assert.equal(request.body?.model, 'fake-model');
      assert.deepEqual(request.body?.messages, [
        { role: 'system', content: 'You answer in JSON.' },
        { role: 'user', content: 'Say ok.' },
      ]);
      assert.deepEqual(request.body?.response_format, { type: 'json_object' });
      assert.equal(request.body?.max_tokens, 64);
      assert.equal(request.body?.temperature, 0);
      assert.ok(logger.lines.some((line) => line.includes('LLM reply from fake-model')));
      assert.ok(logger.lines.every((line) => !line.includes(SECRET_KEY)));
    },
  );
});

void test('a local server without a key gets the placeholder key (not the environment\'s), and no JSON mode unless asked', async () => {
  const saved = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = 'sk-from-the-environment-0123456789';
  try {
    await withServer(
      () => reply('hello'),
      async (server) => {
        const answer = await client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u' });
        assert.equal(answer.text, 'hello');
        assert.equal(server.requests[0].headers.authorization, `Bearer ${PLACEHOLDER_API_KEY}`);
        assert.equal(server.requests[0].body?.response_format, undefined);
        assert.equal(server.requests[0].body?.max_tokens, undefined);
      },
    );
  } finally {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  }
});

void test('OpenAI without a key fails with an auth error before any request', async () => {
  const error = await llmFailure(() => client(undefined, recordingLogger()).complete({ system: 's', user: 'u' }));
  assert.equal(error.kind, 'auth');
  assert.match(error.message, /No API key is set for https:\/\/api\.openai\.com\/v1/);
  assert.match(error.message, /local OpenAI-compatible server/);
});

void test('a server that rejects response_format is asked again without it, and the client remembers', async () => {
  await withServer(
    (request) =>
      request.body?.response_format ? errorReply(400, "Unrecognized request argument supplied: response_format") : reply('{"answer":1}'),
    async (server) => {
      const llm = client(server.baseUrl, recordingLogger());
      const first = await llm.complete({ system: 'Answer in JSON.', user: 'u', json: true });
      assert.equal(first.text, '{"answer":1}');
      assert.equal(server.requests.length, 2);
      assert.deepEqual(server.requests[0].body?.response_format, { type: 'json_object' });
      assert.equal(server.requests[1].body?.response_format, undefined);
      await llm.complete({ system: 'Answer in JSON.', user: 'again', json: true });
      assert.equal(server.requests.length, 3, 'the second call goes straight to the form that worked');
      assert.equal(server.requests[2].body?.response_format, undefined);
    },
  );
});

void test('a bare 422 (no error message) to a JSON-mode request also falls back to plain text', async () => {
  await withServer(
    (request) => (request.body?.response_format ? { kind: 'json', status: 422, body: { detail: [{ loc: ['body', 'response_format'] }] } } : reply('{"x":2}')),
    async (server) => {
      const answer = await client(server.baseUrl, recordingLogger()).complete({ system: 'JSON please', user: 'u', json: true });
      assert.equal(answer.text, '{"x":2}');
      assert.equal(server.requests.length, 2);
    },
  );
});

void test('a server that wants max_completion_tokens instead of max_tokens gets it', async () => {
  await withServer(
    (request) =>
      request.body?.max_tokens !== undefined
        ? errorReply(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", { param: 'max_tokens' })
        : reply('fine'),
    async (server) => {
      const answer = await client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u', maxTokens: 50 });
      assert.equal(answer.text, 'fine');
      assert.equal(server.requests[1].body?.max_completion_tokens, 50);
      assert.equal(server.requests[1].body?.max_tokens, undefined);
    },
  );
});

void test('a model that refuses a temperature is asked again without one', async () => {
  await withServer(
    (request) =>
      request.body?.temperature !== undefined
        ? errorReply(400, "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.")
        : reply('done'),
    async (server) => {
      const answer = await client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u', temperature: 0, json: true });
      assert.equal(answer.text, 'done');
      assert.equal(server.requests.length, 2);
      assert.deepEqual(server.requests[1].body?.response_format, { type: 'json_object' }, 'only the named parameter is dropped');
    },
  );
});

void test('a request error that names no optional parameter is not retried', async () => {
  await withServer(
    () => errorReply(400, "This model's maximum context length is 8192 tokens."),
    async (server) => {
      const error = await llmFailure(() => client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u', json: true }));
      assert.equal(error.kind, 'bad-request');
      assert.equal(error.status, 400);
      assert.match(error.message, /rejected the request \(400\): This model's maximum context length/);
      assert.equal(server.requests.length, 1);
    },
  );
});

void test('garbage instead of a chat completion is a bad reply with a hint about the URL', async () => {
  await withServer(
    () => ({ kind: 'raw', status: 200, body: '<html><body>It works!</body></html>', contentType: 'text/html' }),
    async (server) => {
      const error = await llmFailure(() => client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'bad-reply');
      assert.match(error.message, /not with a chat completion.*\/v1/);
    },
  );
  await withServer(
    () => ({ kind: 'json', status: 200, body: { hello: 'world' } }),
    async (server) => {
      const error = await llmFailure(() => client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'bad-reply');
    },
  );
});

void test('an empty reply, and one cut off by the token limit, are bad replies that say which', async () => {
  await withServer(
    (_request, index) => ({ kind: 'reply', content: index === 0 ? '' : null, finishReason: index === 0 ? 'stop' : 'length' }),
    async (server) => {
      const llm = client(server.baseUrl, recordingLogger());
      const empty = await llmFailure(() => llm.complete({ system: 's', user: 'u' }));
      assert.equal(empty.kind, 'bad-reply');
      assert.match(empty.message, /empty reply/);
      const cutOff = await llmFailure(() => llm.complete({ system: 's', user: 'u' }));
      assert.match(cutOff.message, /token limit/);
    },
  );
});

void test('a server that never answers times out with a timeout error', async () => {
  await withServer(
    () => ({ kind: 'hang' }),
    async (server) => {
      const error = await llmFailure(() => client(server.baseUrl, recordingLogger(), { timeoutMs: 300 }).complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'timeout');
      assert.equal(error.message, `${server.baseUrl} did not answer within 0.3 s. The server may be busy or still loading the model; try again, raise the timeout, or use a smaller model.`);
    },
  );
});

void test('a dead port is unreachable, with a message that says what to check', async () => {
  const url = await deadEndpointUrl();
  const error = await llmFailure(() => client(url, recordingLogger()).complete({ system: 's', user: 'u' }));
  assert.equal(error.kind, 'unreachable');
  assert.equal(error.message, `Could not reach ${url}: connection refused. Is the server running?`);
});

void test('an unknown host is unreachable, naming the host', async () => {
  const error = await llmFailure(() => client('http://revise-no-such-host.invalid/v1', recordingLogger()).complete({ system: 's', user: 'u' }));
  assert.equal(error.kind, 'unreachable');
  assert.match(error.message, /^Could not reach http:\/\/revise-no-such-host\.invalid\/v1: /);
  assert.match(error.message, /revise-no-such-host\.invalid could not be resolved|timed out|unreachable/);
});

void test('a dropped connection is unreachable', async () => {
  await withServer(
    () => ({ kind: 'destroy' }),
    async (server) => {
      const error = await llmFailure(() => client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'unreachable');
      assert.match(error.message, /closed the connection/);
    },
  );
});

void test('aborting the signal cancels a request in flight, and an aborted signal sends nothing', async () => {
  await withServer(
    () => ({ kind: 'hang' }),
    async (server) => {
      const llm = client(server.baseUrl, recordingLogger());
      const controller = new AbortController();
      const pending = llm.complete({ system: 's', user: 'u', signal: controller.signal });
      await server.waitForRequests(1);
      controller.abort();
      const error = await llmFailure(() => pending);
      assert.equal(error.kind, 'cancelled');

      const before = server.requests.length;
      const again = await llmFailure(() => llm.complete({ system: 's', user: 'u', signal: AbortSignal.abort() }));
      assert.equal(again.kind, 'cancelled');
      assert.equal(server.requests.length, before);
    },
  );
});

for (const key of [SECRET_KEY, 'gateway-token-7f3a9c2e1b5d4']) {
  void test(`the API key never appears in error messages or in the log, even when the server echoes it (${key.slice(0, 3)}… key)`, async () => {
    const echoes: FakeHandler = (request, index) => {
      const header = String(request.headers.authorization);
      if (index === 0) return errorReply(401, `Incorrect API key provided: ${key}. You can find your key at ...`, { code: 'invalid_api_key' });
      if (index === 1) return errorReply(500, `upstream failed for ${header}`);
      if (index === 2) return errorReply(403, `key ${key.slice(0, 12)}***${key.slice(-4)} may not use this model`);
      return { kind: 'raw', status: 502, body: `proxy error; request had api_key=${key}` };
    };
    await withServer(echoes, async (server) => {
      const logger = recordingLogger();
      const llm = client(server.baseUrl, logger, { apiKey: key });
      const kinds: string[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        const error = await llmFailure(() => llm.complete({ system: 's', user: 'u' }));
        kinds.push(error.kind);
        assert.ok(!error.message.includes(key), error.message);
        assert.ok(!error.message.includes(key.slice(0, 12)), error.message);
        assert.ok(!error.stack?.includes(key));
      }
      assert.deepEqual(kinds, ['auth', 'bad-reply', 'auth', 'bad-reply']);
      assert.equal(server.requests.length, 4);
      assert.equal(server.requests[0].headers.authorization, `Bearer ${key}`, 'the key itself is sent');
      assert.ok(logger.lines.length > 0);
      for (const line of logger.lines) assert.ok(!line.includes(key) && !line.includes(key.slice(0, 12)), line);
    });
  });
}

void test('a base URL with credentials or a query string is refused without sending, and its secrets are not shown', async () => {
  for (const url of ['http://admin:hunter2secret@127.0.0.1:9/v1', 'https://gateway.example/v1?key=hunter2secret', 'ftp://example.org/v1', 'not a url']) {
    const error = await llmFailure(() => client(url, recordingLogger()).complete({ system: 's', user: 'u' }));
    assert.equal(error.kind, 'bad-request', url);
    assert.ok(!error.message.includes('hunter2secret'), error.message);
  }
});

void test('rate limits and a used-up quota are told apart', async () => {
  await withServer(
    (_request, index) =>
      index === 0 ? errorReply(429, 'Rate limit reached for requests') : errorReply(429, 'You exceeded your current quota', { code: 'insufficient_quota' }),
    async (server) => {
      const llm = client(server.baseUrl, recordingLogger());
      const limited = await llmFailure(() => llm.complete({ system: 's', user: 'u' }));
      assert.equal(limited.kind, 'rate-limit');
      assert.match(limited.message, /Wait a minute/);
      const quota = await llmFailure(() => llm.complete({ system: 's', user: 'u' }));
      assert.equal(quota.kind, 'rate-limit');
      assert.match(quota.message, /quota is used up/);
    },
  );
});

void test('an unknown model is a bad request naming the model', async () => {
  await withServer(
    () => errorReply(404, "model 'fake-model' not found, try pulling it first"),
    async (server) => {
      const error = await llmFailure(() => client(server.baseUrl, recordingLogger()).complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'bad-request');
      assert.match(error.message, /Check the model name "fake-model"/);
    },
  );
});

void test('with retries allowed, a passing 503 is retried and the call succeeds', async () => {
  await withServer(
    (_request, index) => (index === 0 ? errorReply(503, 'loading model', {}, { 'retry-after-ms': '10' }) : reply('ready')),
    async (server) => {
      const answer = await client(server.baseUrl, recordingLogger(), { maxRetries: 1 }).complete({ system: 's', user: 'u' });
      assert.equal(answer.text, 'ready');
      assert.equal(server.requests.length, 2);
    },
  );
});

void test('a budgeted client stops at its call limit without contacting the server', async () => {
  await withServer(
    () => reply('ok', { prompt: 3, completion: 2 }),
    async (server) => {
      const budgeted = createBudgetedClient(client(server.baseUrl, recordingLogger()), { maxCalls: 2, maxTokens: Infinity });
      await budgeted.complete({ system: 's', user: 'u' });
      await budgeted.complete({ system: 's', user: 'u' });
      const error = await llmFailure(() => budgeted.complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'budget');
      assert.match(error.message, /call budget for this check is spent \(2 of 2 calls\)/);
      assert.equal(server.requests.length, 2);
      assert.deepEqual(budgeted.spent(), { calls: 2, tokens: 10 });
    },
  );
});

void test('a budgeted client stops once its tokens are used, estimating when the server reports none', async () => {
  await withServer(
    (_request, index) => (index === 0 ? reply('ok', { prompt: 10, completion: 5 }) : { kind: 'reply', content: 'x'.repeat(40), usage: null }),
    async (server) => {
      const budgeted = createBudgetedClient(client(server.baseUrl, recordingLogger()), { maxCalls: 10, maxTokens: 20 });
      await budgeted.complete({ system: 's', user: 'u' });
      assert.equal(budgeted.spent().tokens, 15);
      await budgeted.complete({ system: 'ssss', user: 'uuuu' });
      assert.equal(budgeted.spent().tokens, 15 + 12, 'no usage reported: (4 + 4 + 40) characters / 4');
      const error = await llmFailure(() => budgeted.complete({ system: 's', user: 'u' }));
      assert.equal(error.kind, 'budget');
      assert.match(error.message, /token budget/);
      assert.equal(server.requests.length, 2);
    },
  );
});

void test('failed calls count against the call budget', async () => {
  const url = await deadEndpointUrl();
  const budgeted = createBudgetedClient(client(url, recordingLogger()), { maxCalls: 1, maxTokens: 1000 });
  assert.equal((await llmFailure(() => budgeted.complete({ system: 's', user: 'u' }))).kind, 'unreachable');
  assert.equal((await llmFailure(() => budgeted.complete({ system: 's', user: 'u' }))).kind, 'budget');
});
