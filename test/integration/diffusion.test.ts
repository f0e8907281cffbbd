/**
 * Stable Diffusion on the tiny generated export: contracts, both schedulers, both exporters, determinism, and
 * the in-process generator's model from the catalog.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTinyComponentModels } from '../../scripts/tiny-models/generate';
import { createLocalImageGenerator } from '../../shared/diffusion/image-generator';
import type { DiffusionParameters } from '../../shared/diffusion/schema';
import { loadStableDiffusion, type StableDiffusion } from '../../shared/diffusion/stable-diffusion';
import { ModelUnavailableError } from '../../shared/errors';
import { silentLogger } from '../helpers/dependencies';

const root = process.env.MODEL_ROOT as string;
const dirOf = (variant: string) => path.join(root, 'tiny-random', variant);
const base: DiffusionParameters = {
  prompt: 'a lighthouse at dusk',
  negative_prompt: '',
  steps: 3,
  guidance_scale: 7.5,
  width: 64,
  height: 48,
  seed: 42,
  num_images: 1,
  scheduler: 'ddim',
};

describe('tiny Stable Diffusion export', () => {
  it.each([
    ['stable-diffusion', 'int32', 'int64'],
    ['stable-diffusion-optimum', 'int64', 'float32'],
  ])('%s has the real components’ names (ids %s, timestep %s)', async (variant, idsType, timestepType) => {
    const open = (component: string) =>
      ort.InferenceSession.create(path.join(dirOf(variant), component, 'model.onnx'));
    const [text, unet, vae] = await Promise.all([open('text_encoder'), open('unet'), open('vae_decoder')]);
    expect(text.inputNames).toEqual(['input_ids']);
    expect(text.outputNames).toEqual(['last_hidden_state', 'pooler_output']);
    expect(unet.inputNames).toEqual(['sample', 'timestep', 'encoder_hidden_states']);
    expect(unet.outputNames).toEqual(['out_sample']);
    expect(vae.inputNames).toEqual(['latent_sample']);
    expect(vae.outputNames).toEqual(['sample']);
    const meta = (session: ort.InferenceSession, name: string) =>
      session.inputMetadata.find((m) => m.name === name);
    expect(meta(text, 'input_ids')).toMatchObject({ type: idsType });
    expect(meta(unet, 'timestep')).toMatchObject({ type: timestepType });
    await Promise.all([text.release(), unet.release(), vae.release()]);
  });
});

describe.each(['stable-diffusion', 'stable-diffusion-optimum'])('the pipeline on %s', (variant) => {
  let sd: StableDiffusion;
  beforeAll(async () => {
    sd = await loadStableDiffusion(dirOf(variant));
  });
  afterAll(() => sd?.dispose());

  it.each(['ddim', 'euler'] as const)(
    'with %s: the same seed gives the same bytes, another seed another image',
    async (scheduler) => {
      const first = await sd.generate({ ...base, scheduler });
      const again = await sd.generate({ ...base, scheduler });
      const other = await sd.generate({ ...base, scheduler, seed: 43 });
      expect(first.images[0]?.equals(again.images[0] as Buffer)).toBe(true);
      expect(first.images[0]?.equals(other.images[0] as Buffer)).toBe(false);
      expect(first.executionProvider).toBe('cpu');
      const meta = await sharp(first.images[0]).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    },
  );

  it('gives different images for different prompts, and the schedulers differ', async () => {
    const a = await sd.generate(base);
    const b = await sd.generate({ ...base, prompt: 'a storm over the harbour' });
    const euler = await sd.generate({ ...base, scheduler: 'euler' });
    expect(a.images[0]?.equals(b.images[0] as Buffer)).toBe(false);
    expect(a.images[0]?.equals(euler.images[0] as Buffer)).toBe(false);
  });

  it('makes num_images images, reports every step, and runs without guidance at scale 1', async () => {
    const steps: number[] = [];
    const result = await sd.generate({ ...base, num_images: 3, steps: 4 }, (step, total) => {
      steps.push(step);
      expect(total).toBe(4);
    });
    expect(result.images).toHaveLength(3);
    expect(steps).toEqual([1, 2, 3, 4]);
    const unguided = await sd.generate({ ...base, guidance_scale: 1 });
    expect(unguided.images).toHaveLength(1);
  });
});

describe('the in-process image generator', () => {
  it('is a 503 saying how to fetch the standard model in the standard profile, never the tiny one', async () => {
    const generator = createLocalImageGenerator({
      locations: { profile: 'standard', modelRoot: root },
      logger: silentLogger(),
      retryAfterSeconds: 12,
    });
    const error = await generator.generate(base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).headers['retry-after']).toBe('12');
    expect((error as Error).message).toMatch(/npm run models:fetch -- diffusion/);
    await generator.dispose();
  });

  it('serves the tiny model in the auto profile once it appears, without a restart', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-models-'));
    const generator = createLocalImageGenerator({
      locations: { profile: 'auto', modelRoot: empty },
      logger: silentLogger(),
    });
    const missing = await generator.generate(base).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/npm run models:tiny/);
    await generateTinyComponentModels(empty);
    const result = await generator.generate(base);
    expect(result.images).toHaveLength(1);
    expect(result.executionProvider).toBe('cpu');
    await generator.dispose();
  });
});
