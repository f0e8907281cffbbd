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
import { createHandler as sentiment } from '../../functions/sentiment/handler';
import { loadConfig } from '../../shared/config/environment';
import { createResponseCache } from '../../shared/http/response-cache';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { silentLogger, testDependencies } from '../helpers/dependencies';
import { httpEvent, lambdaContext } from '../helpers/events';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'response-cache-'));
const deps = testDependencies({ RESPONSE_CACHE_TTL_SECONDS: '60', DATA_DIR: dataDir });
afterAll(() => deps.runtime.dispose());

const post = (handler: ReturnType<typeof sentiment>, route: string, body: unknown, headers = {}) =>
  handler(httpEvent('POST', route, { body, headers }), lambdaContext());

describe('the response cache', () => {
  it('serves a repeated request from the cache, byte for byte the first answer', async () => {
    const handler = sentiment(deps);
    const first = await post(handler, '/sentiment', { text: 'a fine day' });
    const second = await post(handler, '/sentiment', { text: 'a fine day' });
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    // Byte for byte but for its own cost estimate, which the HTTP layer adds to every answer.
    const withoutCost = (body: string | undefined) => {
      const { cost, ...rest } = JSON.parse(body ?? '{}') as { cost?: { usd: number } };
      expect(cost?.usd).toBeGreaterThan(0);
      return JSON.stringify(rest);
    };
    expect(withoutCost(second.body)).toBe(withoutCost(first.body));
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
