/**
 * The response cache: a repeated deterministic request is a hit, byte for byte the first answer (but for
 * its own cost);
 * `Cache-Control: no-cache` answers afresh; sampled requests without a seed are never cached; entries expire.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as helloLlm } from '../../functions/hello-llm/handler';
import { createHandler as qa } from '../../functions/qa/handler';
import { createHandler as sentiment } from '../../functions/sentiment/handler';
import { createHandler as similar } from '../../functions/similar/handler';
import { createHandler as chatCompletions } from '../../functions/v1-chat-completions/handler';
import { createHandler as embeddings } from '../../functions/v1-embeddings/handler';
import { composeQuestionAnswering } from '../../shared/app/question-answering';
import { composeSimilarity } from '../../shared/app/similarity';
import { loadConfig } from '../../shared/config/environment';
import { createResponseCache } from '../../shared/http/response-cache';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { silentLogger, testDependencies } from '../helpers/dependencies';
import { httpEvent, lambdaContext } from '../helpers/events';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'response-cache-'));
const deps = testDependencies({ RESPONSE_CACHE_TTL_SECONDS: '60', DATA_DIR: dataDir });
const qaDeps = composeQuestionAnswering(deps);
const similarDeps = composeSimilarity(deps);
afterAll(() =>
  Promise.all([deps.runtime.dispose(), qaDeps.runtime.dispose(), similarDeps.runtime.dispose()]),
);

const post = (handler: ReturnType<typeof sentiment>, route: string, body: unknown, headers = {}) =>
  handler(httpEvent('POST', route, { body, headers }), lambdaContext());

describe('the response cache', () => {
  it('serves a repeated request from the cache, byte for byte the first answer', async () => {
    const handler = sentiment(deps);
    const first = await post(handler, '/sentiment', { text: 'a fine day' });
    const second = await post(handler, '/sentiment', { text: 'a fine day' });
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    // Byte for byte: each answer's own cost estimate is in its header, not in the stored body.
    expect(second.body).toBe(first.body);
    expect(JSON.parse(second.body ?? '{}').cost).toBeUndefined();
    expect(Number(first.headers['x-cost-usd'])).toBeGreaterThan(0);
    expect(Number(second.headers['x-cost-usd'])).toBeGreaterThan(0);
    expect(second.statusCode).toBe(200);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    const bypass = await post(handler, '/sentiment', { text: 'a fine day' }, { 'cache-control': 'no-cache' });
    expect(bypass.headers['x-cache']).toBe('bypass');
  });

  it('caches greedy and seeded generation, never unseeded sampling', async () => {
    const handler = helloLlm(deps);
    const greedy = { prompt: 'the lighthouse', max_new_tokens: 3 };
    await post(handler, '/hello-llm', greedy);
    expect((await post(handler, '/hello-llm', greedy)).headers['x-cache']).toBe('hit');
    const seeded = { prompt: 'the lighthouse', max_new_tokens: 3, do_sample: true, seed: 7 };
    await post(handler, '/hello-llm', seeded);
    expect((await post(handler, '/hello-llm', seeded)).headers['x-cache']).toBe('hit');
    const sampled = { prompt: 'the lighthouse', max_new_tokens: 3, do_sample: true };
    expect((await post(handler, '/hello-llm', sampled)).headers['x-cache']).toBeUndefined();
  });

  it('caches the OpenAI-compatible routes when they are deterministic: seeded or greedy chat, embeddings', async () => {
    const chat = chatCompletions(deps);
    const seeded = {
      model: 'tiny-random/gpt2',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      seed: 3,
    };
    const first = await post(chat, '/v1/chat/completions', seeded);
    const again = await post(chat, '/v1/chat/completions', seeded);
    expect([first.headers['x-cache'], again.headers['x-cache']]).toEqual(['miss', 'hit']);
    expect(again.body).toBe(first.body);
    const sampled = { ...seeded, seed: undefined };
    expect((await post(chat, '/v1/chat/completions', sampled)).headers['x-cache']).toBeUndefined();
    const embed = embeddings(deps);
    await post(embed, '/v1/embeddings', { model: 'tiny-random/bert', input: 'a lamp' });
    expect(
      (await post(embed, '/v1/embeddings', { model: 'tiny-random/bert', input: 'a lamp' })).headers[
        'x-cache'
      ],
    ).toBe('hit');
  });

  it('caches /qa over a given context and /similar over a given vocabulary, never over the documents', async () => {
    const ask = qa(qaDeps);
    const question = { question: 'Who lit the lamp?', context: 'The keeper lit the lamp.' };
    await post(ask, '/qa', question);
    expect((await post(ask, '/qa', question)).headers['x-cache']).toBe('hit');
    const rank = similar(similarDeps);
    const given = { text: 'lamp', vocabulary: ['light', 'stone'], k: 1 };
    await post(rank, '/similar', given);
    expect((await post(rank, '/similar', given)).headers['x-cache']).toBe('hit');
    await deps.documents.ingest({
      documentId: 'lamp',
      content: 'The keeper lit the lamp.',
      contentType: 'text/plain',
    });
    await post(rank, '/similar', { text: 'lamp', k: 1 });
    const overDocuments = await post(rank, '/similar', { text: 'lamp', k: 1 });
    expect(overDocuments.statusCode).toBe(200);
    expect(overDocuments.headers['x-cache']).toBeUndefined();
  });

  it('keys on the models that answer, and lets entries expire', async () => {
    // Prepare
    let now = 1_000_000;
    const base = {
      config: loadConfig({ ...process.env, RESPONSE_CACHE_TTL_SECONDS: '10' }),
      logger: silentLogger(),
    };
    const blobs = createLocalBlobStore({ root: await mkdtemp(path.join(os.tmpdir(), 'cache-expiry-')) });
    const cache = createResponseCache({
      route: 'sentiment',
      declaration: { models: ['sentiment'] },
      base,
      blobs,
      ttlSeconds: 10,
      now: () => now,
    });
    const other = createResponseCache({
      route: 'sentiment',
      declaration: { models: ['embeddings'] },
      base,
      blobs,
      ttlSeconds: 10,
    });
    const key = cache.keyOf({ text: 'x' }, undefined) as string;
    // Act
    await cache.put(key, {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    const fresh = await cache.get(key);
    now += 11_000;
    const stale = await cache.get(key);
    // Assess
    expect(fresh?.body).toBe('{"a":1}');
    expect(stale).toBeUndefined();
    expect(other.keyOf({ text: 'x' }, undefined)).not.toBe(key);
    expect(cache.keyOf({ b: 1, a: 2 }, undefined)).toBe(cache.keyOf({ a: 2, b: 1 }, undefined));
  });

  it('keys on the prompt template and version a request is rendered with', async () => {
    // Prepare
    const base = { config: loadConfig(process.env), logger: silentLogger() };
    const blobs = createLocalBlobStore({ root: await mkdtemp(path.join(os.tmpdir(), 'cache-prompt-')) });
    const withPrompt = (version: string) =>
      createResponseCache<{ q: string }>({
        route: 'qa',
        declaration: { models: ['text-generation'], prompt: () => ({ name: 'qa-generative', version }) },
        base,
        blobs,
        ttlSeconds: 10,
      });
    // Act
    const v1 = withPrompt('v1').keyOf({ q: 'x' }, undefined);
    const v2 = withPrompt('v2').keyOf({ q: 'x' }, undefined);
    // Assess
    expect(v1).not.toBe(v2);
    expect(withPrompt('v1').keyOf({ q: 'x' }, undefined)).toBe(v1);
  });

  it('is off by default', async () => {
    const plain = testDependencies();
    const response = await post(sentiment(plain), '/sentiment', { text: 'a fine day' });
    expect(response.headers['x-cache']).toBeUndefined();
    await plain.runtime.dispose();
  });
});
