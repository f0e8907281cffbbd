/** POST /qa-image-text with BLIP-2 (tiny four-graph export, in-process and via the GPU service) and Gemini. */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/qa-image-text/handler';
import { createGpuServer } from '../../infra/gpu/server';
import type { AppDependencies } from '../../shared/app/dependencies';
import { createLocalImageGenerator } from '../../shared/diffusion/image-generator';
import { resolveOnnxModel } from '../../shared/models/onnx-models';
import { createLocalBlip2Provider } from '../../shared/vqa/vqa-providers';
import { silentLogger, testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { type GeminiContractServer, startGeminiContractServer } from '../helpers/gemini-server';
import { gradient, multipart } from '../helpers/images';

const root = process.env.MODEL_ROOT as string;
let gemini: GeminiContractServer;
const created: AppDependencies[] = [];
const depsWith = (env: Record<string, string> = {}) => {
  const deps = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'vqa-')), ...env });
  created.push(deps);
  return deps;
};
beforeAll(async () => {
  gemini = await startGeminiContractServer();
});
afterAll(async () => {
  await Promise.all(created.flatMap((d) => Object.values(d.vqaProviders).map((p) => p?.dispose())));
  await gemini?.stop();
});

type Answer = {
  answer: string;
  provider: string;
  model: string;
  execution_provider?: string;
  timing_ms: number;
};
type ErrorBody = { error: { type: string; message: string; details?: { path: string; message: string }[] } };
const binaryEvent = (body: Buffer, contentType: string, query?: Record<string, string>) => ({
  ...httpEvent('POST', '/qa-image-text', {
    rawBody: body.toString('base64'),
    isBase64Encoded: true,
    headers: { 'content-type': contentType },
  }),
  ...(query ? { queryStringParameters: query } : {}),
});

describe('the tiny BLIP-2 export', () => {
  it('has the four graphs of the documented contract', async () => {
    const dir = resolveOnnxModel('vqa', { profile: 'tiny', modelRoot: root }).dir;
    const names = async (file: string) => {
      const session = await ort.InferenceSession.create(path.join(dir, 'onnx', `${file}.onnx`));
      const io = { inputs: [...session.inputNames], outputs: [...session.outputNames] };
      await session.release();
      return io;
    };
    expect(await names('vision_qformer')).toEqual({ inputs: ['pixel_values'], outputs: ['query_embeds'] });
    expect(await names('embed_tokens')).toEqual({ inputs: ['input_ids'], outputs: ['inputs_embeds'] });
    expect(await names('encoder_model')).toEqual({
      inputs: ['inputs_embeds', 'attention_mask'],
      outputs: ['last_hidden_state'],
    });
    const decoder = await names('decoder_model_merged');
    expect(decoder.inputs.slice(0, 3)).toEqual([
      'encoder_attention_mask',
      'input_ids',
      'encoder_hidden_states',
    ]);
    expect(decoder.inputs.at(-1)).toBe('use_cache_branch');
    expect(decoder.outputs[0]).toBe('logits');
  });
});

describe('POST /qa-image-text with BLIP-2', () => {
  const deps = depsWith();
  const handler = createHandler(deps);

  it('answers a multipart form, JSON and a raw body with ?question= alike, deterministically', async () => {
    const png = await gradient('png');
    const form = multipart([
      { name: 'image', value: png, filename: 'a.png', type: 'image/png' },
      { name: 'question', value: 'What is in the picture?' },
    ]);
    const answers = await Promise.all([
      invoke<Answer>(handler, binaryEvent(form.body, form.contentType)),
      invoke<Answer>(
        handler,
        httpEvent('POST', '/qa-image-text', {
          body: { image_base64: png.toString('base64'), question: 'What is in the picture?' },
        }),
      ),
      invoke<Answer>(handler, binaryEvent(png, 'image/png', { question: 'What is in the picture?' })),
    ]);
    for (const a of answers) expect(a.statusCode).toBe(200);
    expect(new Set(answers.map((a) => a.body.answer)).size).toBe(1);
    expect(answers[0]?.body).toMatchObject({
      provider: 'blip2',
      model: 'tiny-random/blip2',
      execution_provider: 'cpu',
      prompt: { name: 'vqa-blip2', version: 'v1' },
    });
  });

  it('answers differently for another image or another question', async () => {
    const ask = async (image: Buffer, question: string) =>
      (await invoke<Answer>(handler, binaryEvent(image, 'image/png', { question }))).body.answer;
    const base = await ask(await gradient('png'), 'What colour is it?');
    expect(await ask(await gradient('png', 80, 20), 'What colour is it?')).not.toBe(base);
    expect(await ask(await gradient('png'), 'How many boats are there?')).not.toBe(base);
  });

  it('refuses a missing question, an unknown provider and a provider that is not configured', async () => {
    const png = await gradient('png');
    expect((await invoke(handler, binaryEvent(png, 'image/png'))).statusCode).toBe(422);
    expect(
      (await invoke(handler, binaryEvent(png, 'image/png', { question: 'x', provider: 'gpt' }))).statusCode,
    ).toBe(422);
    const response = await invoke<ErrorBody>(
      handler,
      binaryEvent(png, 'image/png', { question: 'x', provider: 'gemini' }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.body.error.message).toMatch(/GEMINI_API_KEY/);
  });
});

describe('POST /qa-image-text fields', () => {
  const handler = createHandler(depsWith());

  it('refuses a question given both in the query string and in the body (422), as /caption-image does', async () => {
    // Prepare
    const png = await gradient('png');
    const form = multipart([
      { name: 'image', value: png, filename: 'a.png', type: 'image/png' },
      { name: 'question', value: 'What is in the picture?' },
    ]);
    const query = { question: 'Which colour?' };
    // Act
    const responses = await Promise.all([
      invoke<ErrorBody>(handler, binaryEvent(form.body, form.contentType, query)),
      invoke<ErrorBody>(handler, {
        ...httpEvent('POST', '/qa-image-text', {
          body: { image_base64: png.toString('base64'), question: 'What is in the picture?' },
        }),
        queryStringParameters: query,
      }),
    ]);
    // Assess
    for (const response of responses) {
      expect(response.statusCode).toBe(422);
      expect(response.body.error.details).toEqual([
        { path: 'question', message: 'given both as a query parameter and in the body; send it once' },
      ]);
    }
  });

  it('takes the question from the query string and the provider from the form', async () => {
    // Prepare
    const png = await gradient('png');
    const form = multipart([
      { name: 'image', value: png, filename: 'a.png', type: 'image/png' },
      { name: 'provider', value: 'blip2' },
    ]);
    // Act
    const response = await invoke<Answer>(
      handler,
      binaryEvent(form.body, form.contentType, { question: 'What is in the picture?' }),
    );
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body.provider).toBe('blip2');
  });
});

describe('POST /qa-image-text with Gemini', () => {
  it('sends the image inline with the question through Google’s client and returns the answer', async () => {
    const deps = depsWith({
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: gemini.url,
      GEMINI_MODEL: 'gemini-2.5-flash',
    });
    const jpeg = await gradient('jpeg');
    const response = await invoke<Answer>(
      createHandler(deps),
      binaryEvent(jpeg, 'image/jpeg', { question: 'Describe it.' }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      answer: `An image of ${jpeg.length} bytes; you asked: Describe it.`,
    });
    const sent = gemini.requests.at(-1)?.body as {
      contents: { parts: { inlineData?: { mimeType: string } }[] }[];
    };
    expect(sent.contents[0]?.parts[0]?.inlineData?.mimeType).toBe('image/jpeg');
  });

  it('maps a safety block to 422, quota to 503 and a bad key to 502', async () => {
    const png = await gradient('png');
    const ok = createHandler(depsWith({ GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url }));
    const blocked = await invoke<ErrorBody>(
      ok,
      binaryEvent(png, 'image/png', { question: 'BLOCKME please' }),
    );
    const quota = await invoke<ErrorBody>(ok, binaryEvent(png, 'image/png', { question: 'RATE limit' }));
    const badKey = await invoke<ErrorBody>(
      createHandler(depsWith({ GEMINI_API_KEY: 'wrong', GEMINI_BASE_URL: gemini.url })),
      binaryEvent(png, 'image/png', { question: 'x' }),
    );
    expect([blocked.statusCode, quota.statusCode, badKey.statusCode]).toEqual([422, 503, 502]);
    expect(blocked.body.error.type).toBe('content_blocked');
  });
});

describe('BLIP-2 that is not there', () => {
  it('answers 503 model_unavailable with the fix in the standard profile, naming no folder', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-models-'));
    const handler = createHandler(
      depsWith({ MODEL_PROFILE: 'standard', MODEL_ROOT: empty, MODEL_RETRY_AFTER_SECONDS: '13' }),
    );
    const response = await invoke<ErrorBody>(
      handler,
      binaryEvent(await gradient('png'), 'image/png', { question: 'What is it?' }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('13');
    expect(response.body.error.type).toBe('model_unavailable');
    expect(response.body.error.message).toMatch(/genai-endpoints\/blip2-flan-t5-xl-onnx/);
    expect(response.body.error.message).toMatch(/infra\/gpu\/export_blip2\.py/);
    expect(response.body.error.message).not.toContain(empty);
  });
});

describe('BLIP-2 in the GPU service', () => {
  it('answers the same over HTTP as in process', async () => {
    const modelRoot = root;
    const local = createLocalBlip2Provider({ locations: { profile: 'tiny', modelRoot } });
    const generator = createLocalImageGenerator({
      locations: { profile: 'tiny', modelRoot },
      logger: silentLogger(),
    });
    const server = createGpuServer({ generator, vqa: local, logger: silentLogger() });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const remote = depsWith({ GPU_SERVICE_URL: url });
      const inProcess = depsWith();
      const png = await gradient('png');
      const [a, b] = await Promise.all([
        invoke<Answer>(createHandler(remote), binaryEvent(png, 'image/png', { question: 'What is it?' })),
        invoke<Answer>(createHandler(inProcess), binaryEvent(png, 'image/png', { question: 'What is it?' })),
      ]);
      expect(a.statusCode).toBe(200);
      expect(a.body.answer).toBe(b.body.answer);
      // The GPU service's time is in the remote answer's cost, and only there.
      const costOf = (body: unknown) => (body as { cost: { gpu_s?: number; usd: number } }).cost;
      expect(costOf(a.body).gpu_s).toBeGreaterThan(0);
      expect(costOf(b.body).gpu_s).toBeUndefined();
      expect(JSON.stringify(a.body)).not.toContain('gpuMs');
    } finally {
      server.close();
      await local.dispose();
      await generator.dispose();
    }
  });
});
