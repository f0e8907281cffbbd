import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelProfile } from '../../shared/config/environment';
import { ModelUnavailableError } from '../../shared/errors';
import { MODEL_KEYS } from '../../shared/models/catalog';
import { createModelRuntime, type ModelRuntime } from '../../shared/models/model-runtime';
import {
  type AnyPipeline,
  createTransformersPipelineFactory,
  type PipelineFactory,
  type PipelineRequest,
} from '../../shared/models/pipeline-factory';
import { silentLogger } from '../helpers/dependencies';

const tinyRoot = process.env.MODEL_ROOT as string;
const emptyRoot = () => mkdtempSync(path.join(os.tmpdir(), 'no-models-'));
const fakePipeline = (request: PipelineRequest) =>
  ({ request, dispose: vi.fn(async () => undefined) }) as unknown as AnyPipeline;

function runtimeWith(
  profile: ModelProfile,
  createPipeline: PipelineFactory,
  modelRoot = tinyRoot,
): ModelRuntime {
  return createModelRuntime({
    profile,
    modelRoot,
    cacheDir: modelRoot,
    allowRemote: false,
    retryAfterSeconds: 7,
    createPipeline,
    logger: silentLogger(),
  });
}

let runtime: ModelRuntime | undefined;
afterEach(async () => {
  await runtime?.dispose();
  runtime = undefined;
});

describe('createModelRuntime', () => {
  it('loads a model once for concurrent callers', async () => {
    // Prepare
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const factory = vi.fn(async (request: PipelineRequest) => {
      await gate;
      return fakePipeline(request);
    });
    runtime = runtimeWith('tiny', factory);
    // Act
    const loads = [runtime.load('sentiment'), runtime.load('sentiment'), runtime.load('sentiment')];
    const during = runtime.status().find((s) => s.key === 'sentiment');
    release();
    const models = await Promise.all(loads);
    // Assess
    expect(during?.state).toBe('loading');
    expect(factory).toHaveBeenCalledTimes(1);
    expect(new Set(models.map((m) => m.pipeline)).size).toBe(1);
    expect(runtime.status().find((s) => s.key === 'sentiment')).toMatchObject({
      state: 'ready',
      id: 'tiny-random/distilbert-sst2',
      profile: 'tiny',
    });
  });

  it('forgets a failed load so that the next call retries', async () => {
    const factory = vi
      .fn<PipelineFactory>()
      .mockRejectedValueOnce(new Error('disk hiccup'))
      .mockImplementation(async (request) => fakePipeline(request));
    runtime = runtimeWith('tiny', factory);

    const failure = await runtime.load('summarization').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelUnavailableError);
    expect((failure as ModelUnavailableError).headers['retry-after']).toBe('7');
    expect(runtime.status().find((s) => s.key === 'summarization')).toMatchObject({
      state: 'failed',
      error: 'disk hiccup',
    });

    const model = await runtime.load('summarization');
    expect(model.id).toBe('tiny-random/bart');
    expect(factory).toHaveBeenCalledTimes(2);
  });

  it('loads the tiny model from its folder under the model root, never remotely', async () => {
    const factory = vi.fn(async (request: PipelineRequest) => fakePipeline(request));
    runtime = runtimeWith('tiny', factory);
    await runtime.load('text-generation');
    expect(factory).toHaveBeenCalledWith(
      expect.objectContaining({
        location: path.join(tinyRoot, 'tiny-random/gpt2'),
        remote: false,
        dtype: 'fp32',
      }),
    );
  });

  it('says how to fix a missing tiny model', async () => {
    runtime = runtimeWith('tiny', vi.fn(), emptyRoot());
    await expect(runtime.load('sentiment')).rejects.toThrow(/npm run models:tiny/);
  });

  it('never falls back in the standard profile, and says how to get the model', async () => {
    const factory = vi.fn(async (request: PipelineRequest) => fakePipeline(request));
    runtime = runtimeWith('standard', factory);
    const error = await runtime.load('sentiment').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/npm run models:fetch/);
    expect((error as Error).message).toMatch(/MODEL_ALLOW_REMOTE/);
    expect(factory).not.toHaveBeenCalled();
  });

  it('falls back to tiny in the auto profile and reports it', async () => {
    const factory = vi.fn(async (request: PipelineRequest) => fakePipeline(request));
    runtime = runtimeWith('auto', factory);
    const model = await runtime.load('embeddings');
    expect(model).toMatchObject({ id: 'tiny-random/bert', profile: 'tiny' });
  });

  it('prefers a standard model present under the model root in the auto profile', async () => {
    const root = emptyRoot();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(root, 'Xenova/distilgpt2'), { recursive: true });
    writeFileSync(path.join(root, 'Xenova/distilgpt2/config.json'), '{}');
    const factory = vi.fn(async (request: PipelineRequest) => fakePipeline(request));
    runtime = runtimeWith('auto', factory, root);
    const model = await runtime.load('text-generation');
    expect(model).toMatchObject({ id: 'Xenova/distilgpt2', profile: 'standard' });
    expect(factory).toHaveBeenCalledWith(expect.objectContaining({ dtype: 'q8', remote: false }));
  });

  it('reports every catalog model as not loaded before any request, with where it would come from', () => {
    runtime = runtimeWith('tiny', vi.fn());
    expect(new Set(runtime.status().map((s) => s.state))).toEqual(new Set(['not_loaded']));
    expect(runtime.status().map((s) => s.key)).toEqual(MODEL_KEYS);
    expect(runtime.status()[0]).toMatchObject({ id: 'tiny-random/gpt2', profile: 'tiny', source: 'local' });

    const standard = runtimeWith('standard', vi.fn(), emptyRoot());
    expect(standard.status()[2]).toMatchObject({
      key: 'sentiment',
      id: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
      profile: 'standard',
      source: 'missing',
    });
    const auto = runtimeWith('auto', vi.fn());
    expect(auto.status()[2]).toMatchObject({
      id: 'tiny-random/distilbert-sst2',
      profile: 'tiny',
      source: 'local',
    });
  });

  it('gives up on a hub that does not answer within the timeout', async () => {
    // Prepare: a hub that accepts connections and never answers
    const hub = http.createServer(() => undefined);
    hub.listen(0, '127.0.0.1');
    await once(hub, 'listening');
    const { port } = hub.address() as AddressInfo;
    runtime = createModelRuntime({
      profile: 'standard',
      modelRoot: emptyRoot(),
      cacheDir: emptyRoot(),
      allowRemote: true,
      retryAfterSeconds: 30,
      createPipeline: createTransformersPipelineFactory({
        remoteTimeoutMs: 500,
        remoteHost: `http://127.0.0.1:${port}/`,
      }),
      logger: silentLogger(),
    });
    // Act
    const started = Date.now();
    const error = await runtime.load('sentiment').catch((e: unknown) => e);
    hub.closeAllConnections();
    hub.close();
    // Assess
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
