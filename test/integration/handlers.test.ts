/** Each route's handler invoked with real API Gateway HTTP API (payload 2.0) events, on the tiny models. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as health } from '../../functions/health/handler';
import { createHandler as helloLlm } from '../../functions/hello-llm/handler';
import { createHandler as getJob } from '../../functions/jobs-get/handler';
import { createHandler as notFound } from '../../functions/not-found/handler';
import { createHandler as sentiment } from '../../functions/sentiment/handler';
import { createHandler as summarize } from '../../functions/summarize/handler';
import type { AppDependencies } from '../../shared/app/dependencies';
import { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS } from '../../shared/summarization/schema';
import { createSummarizationService } from '../../shared/summarization/summarization-service';
import { SUMMARY_JOB_LIMITS } from '../../shared/summarization/summary-jobs';
import { testDependencies } from '../helpers/dependencies';
import { englishSentences } from '../helpers/english-text';
import { httpEvent, invoke } from '../helpers/events';
import { internalsIn } from '../helpers/leaks';

const deps: AppDependencies = testDependencies();
afterAll(() => deps.runtime.dispose());

type ErrorBody = {
  error: {
    type: string;
    message: string;
    details?: { path: string; message?: string }[];
    request_id: string;
  };
};

describe('every route', () => {
  it('sets x-request-id and CORS headers, and echoes a client request id', async () => {
    const response = await invoke(
      health(deps),
      httpEvent('GET', '/health', { headers: { origin: 'https://app.example', 'x-request-id': 'trace-42' } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('trace-42');
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('POST /hello-llm', () => {
  const handler = helloLlm(deps);

  it('generates text with exact token usage and names the model', async () => {
    const response = await invoke(
      handler,
      httpEvent('POST', '/hello-llm', { body: { prompt: 'the quick brown fox', max_new_tokens: 7 } }),
    );
    expect(response.statusCode).toBe(200);
    const body = response.body as Record<string, unknown> & {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.generated_text).toBe(`the quick brown fox${body.completion}`);
    expect(body.model).toEqual({ id: 'tiny-random/gpt2', profile: 'tiny' });
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(7);
    expect(typeof body.timing_ms).toBe('number');
  });

  it('is deterministic for a seed when sampling, and differs across seeds', async () => {
    const ask = (seed: number) =>
      invoke(
        handler,
        httpEvent('POST', '/hello-llm', {
          body: { prompt: 'hello world', do_sample: true, temperature: 1.5, seed, max_new_tokens: 12 },
        }),
      );
    const [a, b, c] = await Promise.all([ask(11), ask(11), ask(12)]);
    expect(a.body.completion).toBe(b.body.completion);
    expect(a.body.seed).toBe(11);
    expect(c.body.completion).not.toBe(a.body.completion);
  });

  it('reports the seed it drew for an unseeded sampled request, which reproduces the output', async () => {
    const first = await invoke(
      handler,
      httpEvent('POST', '/hello-llm', { body: { prompt: 'once upon a time', do_sample: true } }),
    );
    const seed = first.body.seed as number;
    expect(Number.isInteger(seed)).toBe(true);
    const again = await invoke(
      handler,
      httpEvent('POST', '/hello-llm', { body: { prompt: 'once upon a time', do_sample: true, seed } }),
    );
    expect(again.body.completion).toBe(first.body.completion);
  });

  it('answers 422 saying in characters how much prompt fits when the prompt is too long', async () => {
    const prompt = 'the quick brown fox jumps over the lazy dog. '.repeat(100);
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/hello-llm', { body: { prompt, max_new_tokens: 100 } }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.body.error.details?.[0]?.path).toBe('prompt');
    const allowed = Number(
      /about ([\d,]+) characters/.exec(response.body.error.message)?.[1]?.replace(/,/g, ''),
    );
    expect(allowed).toBeGreaterThan(3_000);
    expect(allowed).toBeLessThan(prompt.length);
    expect(response.body.error.message).not.toMatch(/tokens;|context window of/);
  });

  it('answers 422 listing each invalid field', async () => {
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/hello-llm', {
        body: { prompt: '', max_new_tokens: 999, temperature: 0, extra: 1 },
      }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.body.error.type).toBe('validation_error');
    expect(response.body.error.details?.map((d) => d.path).sort()).toEqual([
      '',
      'max_new_tokens',
      'prompt',
      'temperature',
    ]);
  });

  it('answers 400 for malformed JSON, 415 for another media type and 413 above the size limit', async () => {
    const malformed = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/hello-llm', {
        rawBody: '{"prompt":',
        headers: { 'content-type': 'application/json' },
      }),
    );
    const wrongType = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/hello-llm', {
        rawBody: 'prompt=hi',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    const small = helloLlm({ ...deps, config: { ...deps.config, maxBodyBytes: 64 } });
    const tooLarge = await invoke<ErrorBody>(
      small,
      httpEvent('POST', '/hello-llm', { body: { prompt: 'x'.repeat(100) } }),
    );
    expect([malformed.statusCode, wrongType.statusCode, tooLarge.statusCode]).toEqual([400, 415, 413]);
    expect(malformed.body.error.type).toBe('bad_request');
    expect(wrongType.body.error.type).toBe('unsupported_media_type');
    expect(tooLarge.body.error.type).toBe('payload_too_large');
    for (const r of [malformed, wrongType, tooLarge])
      expect(r.body.error.request_id).toBe(r.headers['x-request-id']);
  });

  it('accepts a base64-encoded body as API Gateway sends it', async () => {
    const rawBody = Buffer.from(JSON.stringify({ prompt: 'hello', max_new_tokens: 2 })).toString('base64');
    const response = await invoke(
      handler,
      httpEvent('POST', '/hello-llm', {
        rawBody,
        isBase64Encoded: true,
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(response.statusCode).toBe(200);
  });
});

describe('POST /summarize', () => {
  // The job services of the test dependencies, where the function composes its own with a first long text.
  const handler = summarize({ ...deps, summaryJobs: async () => deps });

  it('summarizes short text in one chunk', async () => {
    const response = await invoke(
      handler,
      httpEvent('POST', '/summarize', {
        body: {
          text: 'The quick brown fox jumps over the lazy dog. Hello world.',
          max_length: 12,
          min_length: 2,
        },
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      chunks: 1,
      rounds: 1,
      model: { id: 'tiny-random/bart', profile: 'tiny' },
    });
    expect(typeof response.body.summary).toBe('string');
  });

  it('summarizes ordinary prose up to the limit (one chunk, the work measured to fit a request)', async () => {
    const text = englishSentences(120)
      .slice(0, MAX_SUMMARY_TEXT_CHARS)
      .replace(/[^.]*$/, '');
    expect(text.length).toBeGreaterThan(MAX_SUMMARY_TEXT_CHARS - 200);
    const response = await invoke(
      handler,
      httpEvent('POST', '/summarize', { body: { text, max_length: 8, min_length: 1 } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ chunks: 1, rounds: 1 });
  });

  it('summarizes a longer text as a job: 202, then the job answers what the service answers for it', async () => {
    // Prepare: about four chunks of prose, over what one request summarizes at once
    const text = englishSentences(120)
      .slice(0, 14_000)
      .replace(/[^.]*$/, '');
    expect(text.length).toBeGreaterThan(MAX_SUMMARY_TEXT_CHARS);
    const body = { text, max_length: 8, min_length: 1 };
    // Act
    const accepted = await invoke<{ job_id: string; kind: string; status: string }>(
      handler,
      httpEvent('POST', '/summarize', { body, headers: { host: '127.0.0.1:3000' } }),
    );
    await deps.jobs.settled();
    const done = await invoke<{ status: string; result?: { summary: string; chunks: number } }>(
      getJob(deps),
      {
        ...httpEvent('GET', `/jobs/${accepted.body.job_id}`, { headers: { host: '127.0.0.1:3000' } }),
        pathParameters: { id: accepted.body.job_id },
      },
    );
    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(accepted.body).toMatchObject({ kind: 'summarize', status: 'queued' });
    expect(accepted.headers.location).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.job_id}`);
    expect(done.body.status).toBe('succeeded');
    const direct = await deps.summarization.summarize({ ...body, num_beams: 1 }, SUMMARY_JOB_LIMITS);
    expect(direct.chunks).toBeGreaterThan(1);
    expect(done.body.result).toMatchObject({
      summary: direct.summary,
      chunks: direct.chunks,
      rounds: direct.rounds,
    });
  });

  it("screens a summary job's result on output as the route screens its answer", async () => {
    // Prepare: the route flags personal data; the text's address is in its input, the verdicts in the result
    const screenedDeps = testDependencies({
      SAFETY_POLICIES: 'summarize.pii=flag',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'screened-jobs-')),
    });
    const text = `Write to jane.doe@example.com. ${englishSentences(120)}`
      .slice(0, 9_000)
      .replace(/[^.]*$/, '');
    const headers = { host: '127.0.0.1:3000' };
    // Act
    const accepted = await invoke<{ job_id: string; safety?: unknown }>(
      summarize({ ...screenedDeps, summaryJobs: async () => screenedDeps }),
      httpEvent('POST', '/summarize', { body: { text, max_length: 8, min_length: 1 }, headers }),
    );
    await screenedDeps.jobs.settled();
    const done = await invoke<{ status: string; result?: { safety?: { output: unknown[] } } }>(
      getJob(screenedDeps),
      {
        ...httpEvent('GET', `/jobs/${accepted.body.job_id}`, { headers }),
        pathParameters: { id: accepted.body.job_id },
      },
    );
    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(done.body.status).toBe('succeeded');
    expect(done.body.result?.safety).toEqual({ input: [], output: expect.any(Array) });
    await screenedDeps.runtime.dispose();
  });

  it('refuses text over the job limit with 422, in characters', async () => {
    const text = englishSentences(400);
    expect(text.length).toBeGreaterThan(MAX_SUMMARY_JOB_TEXT_CHARS);
    const response = await invoke<ErrorBody>(handler, httpEvent('POST', '/summarize', { body: { text } }));
    expect(response.statusCode).toBe(422);
    expect(response.body.error.details?.[0]?.path).toBe('text');
    expect(response.body.error.details?.[0]?.message).toMatch(/at most 40000 characters/);
  });

  it('chunks and merges longer text when a deployment allows more chunks per request', async () => {
    const service = createSummarizationService({
      runtime: deps.runtime,
      limits: { maxChunks: 6, maxRounds: 3 },
    });
    const text = englishSentences(120);
    expect(text.length).toBeGreaterThanOrEqual(18_000);
    const result = await service.summarize({ text, max_length: 8, min_length: 1, num_beams: 1 });
    expect(result.chunks).toBeGreaterThan(1);
    expect(result.chunks).toBeLessThanOrEqual(6);
    expect(result.usage.input_tokens).toBeGreaterThan(1024);
  });

  it('states a refusal for text too dense to summarize in characters, not tokens or chunks', async () => {
    const text = '\u{1F642}\u{1F30D}\u{1F680}'.repeat(700);
    expect(text.length).toBeLessThanOrEqual(MAX_SUMMARY_TEXT_CHARS);
    const response = await invoke<ErrorBody>(handler, httpEvent('POST', '/summarize', { body: { text } }));
    expect(response.statusCode).toBe(422);
    expect(response.body.error.details?.[0]?.path).toBe('text');
    expect(response.body.error.message).toMatch(/characters/);
    expect(response.body.error.message).not.toMatch(/token|chunk/);
  });

  it('refuses min_length above max_length, and beam search it cannot run', async () => {
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/summarize', {
        body: { text: 'Some text.', max_length: 10, min_length: 20, num_beams: 4 },
      }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.body.error.details?.map((d) => d.path).sort()).toEqual(['min_length', 'num_beams']);
  });
});

describe('POST /sentiment', () => {
  const handler = sentiment(deps);

  it('classifies one text with every label score', async () => {
    const response = await invoke(handler, httpEvent('POST', '/sentiment', { body: { text: 'i love it' } }));
    expect(response.statusCode).toBe(200);
    const body = response.body as {
      label: string;
      score: number;
      scores: { label: string; score: number }[];
    };
    expect(['POSITIVE', 'NEGATIVE']).toContain(body.label);
    expect(body.scores[0]).toEqual({ label: body.label, score: body.score });
    expect(body.scores.map((s) => s.label).sort()).toEqual(['NEGATIVE', 'POSITIVE']);
  });

  it('classifies a batch in order, matching single-text results', async () => {
    const texts = ['i love it', 'the food was bad', 'hello world', 'a tiny test'];
    const batch = await invoke(handler, httpEvent('POST', '/sentiment', { body: { texts } }));
    const singles = await Promise.all(
      texts.map((text) => invoke(handler, httpEvent('POST', '/sentiment', { body: { text } }))),
    );
    const results = batch.body.results as { label: string; score: number }[];
    expect(results).toHaveLength(4);
    results.forEach((result, i) => {
      expect(result.label).toBe(singles[i]?.body.label);
      expect(result.score).toBeCloseTo(singles[i]?.body.score as number, 4);
    });
  });

  it('refuses both text and texts, an empty batch and a batch over 64', async () => {
    const both = await invoke(
      handler,
      httpEvent('POST', '/sentiment', { body: { text: 'a', texts: ['b'] } }),
    );
    const empty = await invoke(handler, httpEvent('POST', '/sentiment', { body: { texts: [] } }));
    const many = await invoke(
      handler,
      httpEvent('POST', '/sentiment', { body: { texts: Array(65).fill('x') } }),
    );
    expect([both.statusCode, empty.statusCode, many.statusCode]).toEqual([422, 422, 422]);
  });
});

describe('GET /health', () => {
  it('lists every model of the catalog with the model that serves it and where it comes from', async () => {
    const response = await invoke(health(deps), httpEvent('GET', '/health'));
    expect(response.body.status).toBe('ok');
    expect(response.body.profile).toBe('tiny');
    const models = response.body.models as { key: string; id: string; profile: string; source: string }[];
    expect(models.map((m) => m.key)).toEqual([
      'text-generation',
      'summarization',
      'sentiment',
      'embeddings',
      'captioning',
      'question-answering',
      'image-classification',
      'toxicity',
      'prompt-injection',
      'diffusion',
      'vqa',
      'cifar-cnn',
      'gan',
      'ddpm',
      'ebm',
    ]);
    expect(models.find((m) => m.key === 'diffusion')).toEqual({
      key: 'diffusion',
      id: 'tiny-random/stable-diffusion',
      profile: 'tiny',
      source: 'local',
    });
    expect(models.find((m) => m.key === 'vqa')).toMatchObject({ id: 'tiny-random/blip2', source: 'local' });
  });

  it('names the GPU service as the source of diffusion and BLIP-2 when one is configured', async () => {
    const remote = testDependencies({ GPU_SERVICE_URL: 'http://gpu.internal:8080' });
    const response = await invoke(health(remote), httpEvent('GET', '/health'));
    const models = response.body.models as { key: string; source: string }[];
    expect(models.filter((m) => m.source === 'gpu-service').map((m) => m.key)).toEqual(['diffusion', 'vqa']);
    expect(JSON.stringify(response.body)).not.toContain('gpu.internal');
    await remote.runtime.dispose();
  });

  it('reports missing models without naming the folders it looked in', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-models-'));
    const bare = testDependencies({ MODEL_ROOT: empty, MODEL_CACHE_DIR: empty, MODEL_PROFILE: 'standard' });
    const body = (await invoke(health(bare), httpEvent('GET', '/health'))).body;
    const models = body.models as { source: string }[];
    expect(new Set(models.map((m) => m.source))).toEqual(new Set(['missing']));
    expect(internalsIn(JSON.stringify(body), [empty])).toEqual([]);
    await bare.runtime.dispose();
  });
});

describe('a model that cannot be served', () => {
  it('answers 503 model_unavailable with Retry-After, then serves once the model appears', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-models-'));
    const broken = testDependencies({ MODEL_ROOT: empty, MODEL_RETRY_AFTER_SECONDS: '5' });
    const handler = sentiment(broken);
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/sentiment', { body: { text: 'hi' } }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body.error.type).toBe('model_unavailable');
    expect(response.body.error.message).toMatch(/npm run models:tiny/);
    const state = broken.runtime.status().find((m) => m.key === 'sentiment');
    expect(state?.state).toBe('failed');
    expect(state?.error).toMatch(/MODEL_ROOT/);
    expect(internalsIn(JSON.stringify(state), [empty])).toEqual([]);

    const { generateTinyModels } = await import('../../scripts/tiny-models/generate');
    await generateTinyModels(empty, ['sentiment']);
    const retried = await invoke(handler, httpEvent('POST', '/sentiment', { body: { text: 'hi' } }));
    expect(retried.statusCode).toBe(200);
    await broken.runtime.dispose();
  });
});

describe('unknown routes', () => {
  const handler = notFound(deps);

  it('answers JSON 404 for an unknown path', async () => {
    const response = await invoke<ErrorBody>(handler, httpEvent('GET', '/nope'));
    expect(response.statusCode).toBe(404);
    expect(response.body.error.type).toBe('not_found');
  });

  it('answers JSON 405 with Allow for a known path and another method', async () => {
    const response = await invoke<ErrorBody>(handler, httpEvent('DELETE', '/sentiment'));
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });
});

describe('a function whose configuration is invalid', () => {
  it('answers every request with a JSON 500 that names no internals', async () => {
    const { containerHandler } = await import('../../shared/http/container-handler');
    const { loadConfig } = await import('../../shared/config/environment');
    const handler = containerHandler(() => {
      loadConfig({ MODEL_PROFILE: 'huge' });
      throw new Error('unreachable');
    });
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('GET', '/health', { headers: { 'x-request-id': 'cfg-1' } }),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body.error).toEqual({
      type: 'configuration_error',
      message: 'The service is misconfigured; see its logs',
      request_id: 'cfg-1',
    });
  });
});
