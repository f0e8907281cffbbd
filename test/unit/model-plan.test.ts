/**
 * One resolution of the profile for every model of the catalog: Stable Diffusion and BLIP-2 through the same
 * rules as the transformers.js models, and /health's description of all of them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config/environment';
import { ModelUnavailableError } from '../../shared/errors';
import { CATALOG_KEYS, MODEL_CATALOG, type OnnxModelKey } from '../../shared/models/catalog';
import { describeModels, planModel } from '../../shared/models/model-plan';
import { resolveOnnxModel } from '../../shared/models/onnx-models';
import { silentLogger } from '../helpers/dependencies';

const tinyRoot = process.env.MODEL_ROOT as string;
const emptyRoot = () => mkdtempSync(path.join(os.tmpdir(), 'no-models-'));

/** A model root holding the given models of `key` (only the file that says a folder holds the model). */
function rootWith(key: OnnxModelKey, which: readonly ('standard' | 'tiny')[]): string {
  const root = emptyRoot();
  const entry = MODEL_CATALOG[key];
  for (const profile of which) {
    const marker = path.join(root, entry[profile].id, entry.marker);
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  }
  return root;
}

const failure = (run: () => unknown): ModelUnavailableError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelUnavailableError);
    return error as ModelUnavailableError;
  }
  throw new Error('expected a ModelUnavailableError');
};

describe.each(['diffusion', 'vqa'] as const)('resolveOnnxModel(%s)', (key) => {
  const { standard, tiny } = MODEL_CATALOG[key];

  it('serves the tiny model in the tiny profile, from its folder under the model root', () => {
    const root = rootWith(key, ['standard', 'tiny']);
    expect(resolveOnnxModel(key, { profile: 'tiny', modelRoot: root })).toEqual({
      key,
      id: tiny.id,
      profile: 'tiny',
      dir: path.join(root, tiny.id),
    });
  });

  it('is a 503 saying to generate the tiny models when the tiny one is absent', () => {
    const root = rootWith(key, ['standard']);
    const error = failure(() =>
      resolveOnnxModel(key, { profile: 'tiny', modelRoot: root }, { retryAfterSeconds: 9 }),
    );
    expect(error.statusCode).toBe(503);
    expect(error.headers['retry-after']).toBe('9');
    expect(error.message).toMatch(/npm run models:tiny/);
    expect(error.message).not.toContain(root);
  });

  it('serves the standard model in the standard profile, also from the cache folder', () => {
    const cache = rootWith(key, ['standard']);
    const model = resolveOnnxModel(key, { profile: 'standard', modelRoot: emptyRoot(), cacheDir: cache });
    expect(model).toMatchObject({ id: standard.id, profile: 'standard', dir: path.join(cache, standard.id) });
  });

  it('never falls back in the standard profile: a 503 that says how to get the model', () => {
    const root = rootWith(key, ['tiny']);
    const error = failure(() => resolveOnnxModel(key, { profile: 'standard', modelRoot: root }));
    expect(error.statusCode).toBe(503);
    expect(error.message).toContain(standard.howToGet);
    expect(error.message).toContain(standard.id);
    expect(error.message).not.toContain(root);
  });

  it('prefers the standard model in the auto profile when it is there', () => {
    const root = rootWith(key, ['standard', 'tiny']);
    expect(resolveOnnxModel(key, { profile: 'auto', modelRoot: root })).toMatchObject({
      id: standard.id,
      profile: 'standard',
    });
  });

  it('falls back to the tiny model in the auto profile, and says so loudly', () => {
    const logger = silentLogger();
    const warn = vi.spyOn(logger, 'warn');
    const root = rootWith(key, ['tiny']);
    expect(resolveOnnxModel(key, { profile: 'auto', modelRoot: root }, { logger })).toMatchObject({
      id: tiny.id,
      profile: 'tiny',
    });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/MODEL PROFILE auto.*TINY/), expect.anything());
  });

  it('names both fixes in the auto profile when neither model is there', () => {
    const error = failure(() => resolveOnnxModel(key, { profile: 'auto', modelRoot: emptyRoot() }));
    expect(error.message).toContain(standard.howToGet);
    expect(error.message).toMatch(/npm run models:tiny/);
  });

  it('runs in the GPU container when a GPU service is configured, whatever this machine holds', () => {
    const root = emptyRoot();
    expect(planModel(key, { profile: 'standard', modelRoot: root, gpuService: true })).toEqual({
      key,
      id: standard.id,
      profile: 'standard',
      source: 'gpu-service',
    });
    expect(planModel(key, { profile: 'auto', modelRoot: root, gpuService: true })).toMatchObject({
      profile: 'standard',
      source: 'gpu-service',
    });
    expect(planModel(key, { profile: 'tiny', modelRoot: root, gpuService: true })).toMatchObject({
      id: tiny.id,
      source: 'gpu-service',
    });
  });

  it('is never fetched from the model bucket or the hub at run time', () => {
    const root = rootWith(key, ['tiny']);
    const remote = { modelRoot: root, modelStore: true, allowRemote: true };
    expect(planModel(key, { profile: 'standard', ...remote })).toMatchObject({ source: 'missing' });
    expect(planModel(key, { profile: 'auto', ...remote })).toMatchObject({ id: tiny.id, source: 'local' });
  });
});

describe('describeModels', () => {
  const config = (env: Record<string, string>) => loadConfig({ MODEL_ALLOW_REMOTE: 'false', ...env });

  it('lists every model of the catalog: nine pipelines, diffusion, BLIP-2 and the four classic graphs', () => {
    const models = describeModels(config({ MODEL_PROFILE: 'tiny', MODEL_ROOT: tinyRoot }));
    expect(models.map((m) => m.key)).toEqual([...CATALOG_KEYS]);
    expect(models).toHaveLength(15);
    expect(models.filter((m) => m.key === 'diffusion' || m.key === 'vqa')).toEqual([
      { key: 'diffusion', id: 'tiny-random/stable-diffusion', profile: 'tiny', source: 'local' },
      { key: 'vqa', id: 'tiny-random/blip2', profile: 'tiny', source: 'local' },
    ]);
    expect(new Set(models.map((m) => m.source))).toEqual(new Set(['local']));
  });

  it('reports the standard models missing where the standard profile cannot get them', () => {
    const models = describeModels(config({ MODEL_PROFILE: 'standard', MODEL_ROOT: emptyRoot() }));
    expect(models.map((m) => [m.id, m.profile, m.source])).toEqual(
      CATALOG_KEYS.map((key) => [MODEL_CATALOG[key].standard.id, 'standard', 'missing']),
    );
  });

  it('says where each would come from: the bucket or the hub for pipelines, the GPU service for the others', () => {
    const deployed = describeModels(
      config({
        MODEL_PROFILE: 'auto',
        MODEL_ROOT: emptyRoot(),
        MODEL_S3_URI: 's3://models-bucket/models',
        GPU_SERVICE_URL: 'http://gpu.internal:8080',
      }),
    );
    expect(deployed.map((m) => m.source)).toEqual([
      ...Array(9).fill('s3'),
      'gpu-service',
      'gpu-service',
      // The classic graphs run in the function, from the model root: neither the standard nor the tiny is there.
      ...Array(4).fill('missing'),
    ]);
    const local = describeModels(
      config({ MODEL_PROFILE: 'auto', MODEL_ROOT: tinyRoot, MODEL_ALLOW_REMOTE: 'true' }),
    );
    expect(local.map((m) => [m.profile, m.source])).toEqual([
      ...Array(9).fill(['standard', 'hub']),
      ...Array(6).fill(['tiny', 'local']),
    ]);
  });
});
