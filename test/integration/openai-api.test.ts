/**
 * The `/v1` routes and the streaming endpoint, invoked in-process with API Gateway payload 2.0 events on the
 * tiny models: OpenAI's shapes and errors, choices and seeds, stop sequences, streamed events that add up to
 * the answer in one piece, and a client that goes away stopping the generation.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as helloLlm } from '../../functions/hello-llm/handler';
import { createHandler as streamHandler } from '../../functions/stream/handler';
import { createHandler as chat } from '../../functions/v1-chat-completions/handler';
import { createHandler as completions } from '../../functions/v1-completions/handler';
import { createHandler as embeddings } from '../../functions/v1-embeddings/handler';
import { createHandler as models } from '../../functions/v1-models/handler';
import type { ResponseSink } from '../../shared/http/streaming';
import {
  ChatCompletion,
  ChatCompletionChunk,
  Completion,
  EmbeddingList,
  ModelList,
  OpenAiErrorBody,
} from '../../shared/openai/schema';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';

const deps = testDependencies();
afterAll(() => deps.runtime.dispose());
const MODEL = 'tiny-random/gpt2';
const EMBEDDER = 'tiny-random/bert';

/** A sink that keeps what a client would receive, and can go away after `abortAfterWrites` writes. */
function recordingSink(abortAfterWrites = Number.POSITIVE_INFINITY) {
  const controller = new AbortController();
  const writes: string[] = [];
  let status = 0;
  let headers: Record<string, string> = {};
  const sink: ResponseSink = {
    start(statusCode, h) {
      status = statusCode;
      headers = h;
    },
    write(chunk) {
      writes.push(chunk);
      if (writes.length >= abortAfterWrites) controller.abort();
    },
    end: async () => {},
    signal: controller.signal,
  };
  return { sink, writes, status: () => status, headers: () => headers };
}

/** The `data:` payloads of server-sent events. */
const dataOf = (writes: readonly string[]) =>
  writes
    .join('')
    .split('\n\n')
    .filter(Boolean)
    .map(
      (event) =>
        event
          .split('\n')
          .find((line) => line.startsWith('data: '))
          ?.slice(6) ?? '',
    );

describe('POST /v1/chat/completions', () => {
  const handler = chat(deps);

  it("answers OpenAI's chat completion, with usage and the seed it sampled with", async () => {
    const response = await invoke(
      handler,
      httpEvent('POST', '/v1/chat/completions', {
        body: { model: MODEL, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 8, seed: 7 },
      }),
    );
    expect(response.statusCode).toBe(200);
    const body = ChatCompletion.parse(response.body);
    expect(body.choices).toHaveLength(1);
    expect(body.seed).toBe(7);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(8);
    expect(body.prompt).toEqual({ name: 'openai-chat', version: 'v1' });
  });

  it('refuses a prompt version that does not exist, naming those that do', async () => {
    const response = await invoke(
      handler,
      httpEvent('POST', '/v1/chat/completions', {
        body: {
          model: MODEL,
          messages: [{ role: 'user', content: 'Hi' }],
          max_tokens: 2,
          prompt_version: 'v5',
        },
      }),
    );
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(JSON.stringify(response.body)).toContain(
      'the prompt openai-chat has no version v5; available: v1',
    );
  });

  it('draws n choices with seeds seed, seed + 1, ...: the same seed gives the same choices', async () => {
    const request = {
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me a story' }],
      max_tokens: 6,
      n: 2,
      seed: 11,
      temperature: 1.5,
    };
    const first = ChatCompletion.parse(
      (await invoke(handler, httpEvent('POST', '/v1/chat/completions', { body: request }))).body,
    );
    const again = ChatCompletion.parse(
      (await invoke(handler, httpEvent('POST', '/v1/chat/completions', { body: request }))).body,
    );
    expect(first.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(again.choices.map((c) => c.message.content)).toEqual(first.choices.map((c) => c.message.content));
  });

  it("refuses n > 1 with greedy decoding, in OpenAI's error shape", async () => {
    const response = await invoke(
      handler,
      httpEvent('POST', '/v1/chat/completions', {
        body: { model: MODEL, messages: [{ role: 'user', content: 'hi' }], n: 3, temperature: 0 },
      }),
    );
    expect(response.statusCode).toBe(400);
    const { error } = OpenAiErrorBody.parse(response.body);
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'n', code: 'validation_error' });
    expect(error.message).toMatch(/n > 1 needs sampling/);
  });

  it('refuses parameters the model cannot honour, and models it does not serve', async () => {
    const penalty = await invoke(
      handler,
      httpEvent('POST', '/v1/chat/completions', {
        body: { model: MODEL, messages: [{ role: 'user', content: 'hi' }], presence_penalty: 1 },
      }),
    );
    expect(penalty.statusCode).toBe(400);
    expect(OpenAiErrorBody.parse(penalty.body).error.param).toBe('presence_penalty');
    const unknown = await invoke(
      handler,
      httpEvent('POST', '/v1/chat/completions', {
        body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      }),
    );
    expect(unknown.statusCode).toBe(404);
    expect(OpenAiErrorBody.parse(unknown.body).error).toMatchObject({
      type: 'not_found_error',
      code: 'model_not_found',
    });
  });
});

describe('POST /v1/completions', () => {
  const handler = completions(deps);
  const complete = async (body: Record<string, unknown>) =>
    Completion.parse(
      (await invoke(handler, httpEvent('POST', '/v1/completions', { body: { model: MODEL, ...body } }))).body,
    );

  it('ends the text before the first stop sequence, with finish_reason stop', async () => {
    // Prepare: what greedy decoding writes without a stop
    const free = await complete({ prompt: 'Once upon a time', max_tokens: 12, temperature: 0 });
    const text = free.choices[0]?.text ?? '';
    const stop = text.slice(6, 10);
    expect(stop.length).toBe(4);

    // Act
    const stopped = await complete({
      prompt: 'Once upon a time',
      max_tokens: 12,
      temperature: 0,
      stop: [stop],
    });

    // Assess
    expect(stopped.choices[0]?.text).toBe(text.slice(0, text.indexOf(stop)));
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(free.choices[0]?.finish_reason).toBe('length');
  });

  it('answers a choice per prompt, and echoes the prompt when asked', async () => {
    const body = await complete({ prompt: ['one', 'two'], max_tokens: 3, temperature: 0, echo: true });
    expect(body.choices.map((c) => c.text.split(' ')[0])).toEqual(['one', 'two']);
    expect(body.usage?.prompt_tokens).toBe(2);
  });
});

describe('POST /v1/embeddings and GET /v1/models', () => {
  it('answers floats, or the same floats as base64 little-endian float32', async () => {
    const handler = embeddings(deps);
    const call = async (encoding_format: string) =>
      EmbeddingList.parse(
        (
          await invoke(
            handler,
            httpEvent('POST', '/v1/embeddings', {
              body: { model: EMBEDDER, input: ['a', 'b'], encoding_format },
            }),
          )
        ).body,
      );
    const floats = await call('float');
    const base64 = await call('base64');
    expect(floats.data).toHaveLength(2);
    const bytes = new Uint8Array(Buffer.from(base64.data[0]?.embedding as string, 'base64'));
    const decoded = new Float32Array(bytes.buffer);
    expect(Array.from(decoded)).toEqual(
      (floats.data[0]?.embedding as number[] | undefined)?.map(Math.fround),
    );
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('lists the generator and the embedder', async () => {
    const response = await invoke(models(deps), httpEvent('GET', '/v1/models'));
    expect(ModelList.parse(response.body).data.map((m) => m.id)).toEqual([MODEL, EMBEDDER]);
  });
});

describe('the streaming endpoint', () => {
  const handler = streamHandler(deps);
  const chatRequest = {
    model: MODEL,
    messages: [{ role: 'user', content: 'Count to ten' }],
    max_tokens: 10,
    seed: 3,
  };

  it('streams chat chunks that add up to the answer in one piece, then [DONE]', async () => {
    // Prepare
    const whole = recordingSink();
    await handler(httpEvent('POST', '/v1/chat/completions', { body: chatRequest }), whole.sink);
    const answer = ChatCompletion.parse(JSON.parse(whole.writes.join('')));

    // Act
    const streamed = recordingSink();
    await handler(
      httpEvent('POST', '/v1/chat/completions', {
        body: { ...chatRequest, stream: true, stream_options: { include_usage: true } },
      }),
      streamed.sink,
    );

    // Assess
    expect(streamed.status()).toBe(200);
    expect(streamed.headers()['content-type']).toMatch(/^text\/event-stream/);
    const data = dataOf(streamed.writes);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => ChatCompletionChunk.parse(JSON.parse(d)));
    expect(chunks.length).toBeGreaterThan(3);
    const content = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(content).toBe(answer.choices[0]?.message.content);
    expect(chunks.at(-1)?.usage).toEqual(answer.usage);
  });

  it('streams /hello-llm as token events and a done event with the whole result', async () => {
    const streamed = recordingSink();
    await handler(
      httpEvent('POST', '/hello-llm', {
        body: { prompt: 'Once upon a time', max_new_tokens: 6, stream: true },
      }),
      streamed.sink,
    );
    const text = streamed.writes.join('');
    expect(text).toMatch(/^event: token\ndata: \{"text":/);
    const done = text.split('\n\n').find((e) => e.startsWith('event: done'));
    const result = JSON.parse(done?.split('data: ')[1] ?? '{}') as {
      completion: string;
      cost: { usd: number };
    };
    const tokens = dataOf(streamed.writes.filter((w) => w.startsWith('event: token')));
    expect(tokens.map((t) => (JSON.parse(t) as { text: string }).text).join('')).toBe(result.completion);
    expect(result.cost.usd).toBeGreaterThan(0);
  });

  it('stops generating when the client goes away', async () => {
    // Prepare: a client that leaves after the first token
    const leaving = recordingSink(1);

    // Act
    const result = await deps.textGeneration.generate(
      {
        prompt: 'Once upon a time',
        max_new_tokens: 200,
        temperature: 1,
        top_k: 50,
        top_p: 1,
        repetition_penalty: 1,
        do_sample: false,
      },
      { onText: (text) => leaving.sink.write(text), signal: leaving.sink.signal },
    );

    // Assess
    expect(result.finish_reason).toBe('aborted');
    expect(result.usage.completion_tokens).toBeLessThan(10);
  });

  it('is where streams come from: the API Gateway routes refuse "stream": true with a 400 that says so', async () => {
    const v1 = await invoke(
      chat(deps),
      httpEvent('POST', '/v1/chat/completions', { body: { ...chatRequest, stream: true } }),
    );
    expect(v1.statusCode).toBe(400);
    expect(OpenAiErrorBody.parse(v1.body).error.message).toMatch(/streaming endpoint/);
    const hello = await invoke(
      helloLlm(deps),
      httpEvent('POST', '/hello-llm', { body: { prompt: 'hi', stream: true } }),
    );
    expect(hello.statusCode).toBe(400);
    expect(JSON.stringify(hello.body)).toMatch(/streaming endpoint/);
  });

  it("answers errors before the stream in the route's own shape, with their status", async () => {
    const bad = recordingSink();
    await handler(httpEvent('POST', '/v1/completions', { body: { model: MODEL, stream: true } }), bad.sink);
    expect(bad.status()).toBe(400);
    expect(OpenAiErrorBody.parse(JSON.parse(bad.writes.join(''))).error.param).toBe('prompt');
  });
});
