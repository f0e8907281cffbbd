/**
 * /classify-image and the classic generators (/gan/generate, /diffusion/generate, /ebm/generate) over the
 * tiny generated models, which have the same ONNX contracts as the standard ones.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as classifyImage } from '../../functions/classify-image/handler';
import { createHandler as diffusionGenerate } from '../../functions/diffusion-generate/handler';
import { createHandler as ebmGenerate } from '../../functions/ebm-generate/handler';
import { createHandler as ganGenerate } from '../../functions/gan-generate/handler';
import { composeClassicModels } from '../../shared/app/classic-models';
import { createImageClassifier } from '../../shared/classic/image-classifier';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { gradient } from '../helpers/images';

const deps = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'classic-data-')) });
const classify = classifyImage({
  ...deps,
  classifier: createImageClassifier({
    runtime: deps.runtime,
    models: composeClassicModels(deps),
    limits: deps.config.images,
  }),
});
afterAll(() => deps.runtime.dispose());

interface Labels {
  labels: { label: string; score: number }[];
  model: { id: string; slot: string };
}
interface Images {
  images: { index: number; png_base64: string }[];
  seed: number;
  width: number;
  height: number;
}

const post = <T>(handler: ReturnType<typeof ganGenerate>, route: string, body: unknown) =>
  invoke<T>(handler, httpEvent('POST', route, { body }));

async function pngInfo(base64: string) {
  const bytes = Buffer.from(base64, 'base64');
  const { width, height, channels, format } = await sharp(bytes).metadata();
  return { width, height, channels, format };
}

describe('POST /classify-image', () => {
  it('answers the top-k ImageNet labels from the ViT classifier, scores summing below one', async () => {
    const png = await gradient('png', 48, 40);
    const response = await post<Labels>(classify, '/classify-image', {
      image_base64: png.toString('base64'),
      top_k: 3,
    });
    expect(response.statusCode).toBe(200);
    expect(response.body.labels).toHaveLength(3);
    expect(response.body.model).toMatchObject({ id: 'tiny-random/vit-classifier', slot: 'imagenet' });
    const scores = response.body.labels.map((l) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1.0001);
  });

  it('answers the CIFAR-10 CNN slot with its ten labels', async () => {
    const png = await gradient('png', 64, 64);
    const response = await post<Labels>(classify, '/classify-image', {
      image_base64: png.toString('base64'),
      model: 'cifar10',
      top_k: 10,
    });
    expect(response.statusCode).toBe(200);
    expect(response.body.labels.map((l) => l.label).sort()).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    expect(response.body.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 4);
    expect(response.body.model).toMatchObject({ id: 'tiny-random/cifar10-cnn', slot: 'cifar10' });
  });

  it('answers 422 for a truncated image in either slot, never a 500', async () => {
    const png = await gradient('png', 64, 64);
    const truncated = png.subarray(0, png.length - 60).toString('base64');
    for (const model of ['imagenet', 'cifar10']) {
      const response = await post<{ error: { details: { message: string }[] } }>(
        classify,
        '/classify-image',
        {
          image_base64: truncated,
          model,
        },
      );
      expect([model, response.statusCode]).toEqual([model, 422]);
      expect(response.body.error.details[0]?.message).toMatch(/^the png image cannot be decoded/);
    }
  });

  it('answers 415 for bytes that are not an image, and 422 for an unknown model slot', async () => {
    const text = await post(classify, '/classify-image', {
      image_base64: Buffer.from('not an image').toString('base64'),
    });
    expect(text.statusCode).toBe(415);
    const png = await gradient('png', 8, 8);
    const slot = await post(classify, '/classify-image', {
      image_base64: png.toString('base64'),
      model: 'mnist',
    });
    expect(slot.statusCode).toBe(422);
  });
});

describe('classic generators', () => {
  it('POST /gan/generate: 28×28 grayscale PNGs, the same bytes for the same seed', async () => {
    const handler = ganGenerate(deps);
    const first = await post<Images>(handler, '/gan/generate', { count: 3, seed: 7 });
    const again = await post<Images>(handler, '/gan/generate', { count: 3, seed: 7 });
    const other = await post<Images>(handler, '/gan/generate', { count: 3, seed: 8 });
    expect(first.statusCode).toBe(200);
    expect(first.body.images).toHaveLength(3);
    expect(await pngInfo(first.body.images[0]?.png_base64 as string)).toEqual({
      width: 28,
      height: 28,
      channels: 1,
      format: 'png',
    });
    expect(again.body.images).toEqual(first.body.images);
    expect(other.body.images).not.toEqual(first.body.images);
  });

  it.each(['ddpm', 'ddim'])(
    'POST /diffusion/generate with %s: 32×32 RGB PNGs, the same bytes for the same seed',
    async (sampler) => {
      const handler = diffusionGenerate(deps);
      const body = { count: 2, sampler, steps: 10, seed: 3 };
      const first = await post<Images>(handler, '/diffusion/generate', body);
      const again = await post<Images>(handler, '/diffusion/generate', body);
      expect(first.statusCode).toBe(200);
      expect(await pngInfo(first.body.images[1]?.png_base64 as string)).toMatchObject({
        width: 32,
        height: 32,
        channels: 3,
      });
      expect(again.body.images).toEqual(first.body.images);
    },
  );

  it('POST /ebm/generate: Langevin samples settle where the energy is lowest, the same for the same seed', async () => {
    const handler = ebmGenerate(deps);
    const body = { count: 2, steps: 80, step_size: 0.2, noise: 0.1, seed: 5 };
    const first = await post<Images>(handler, '/ebm/generate', body);
    const again = await post<Images>(handler, '/ebm/generate', body);
    expect(first.statusCode).toBe(200);
    expect(again.body.images).toEqual(first.body.images);
    // The tiny energy's minimum is a bright ring on a dark ground: its centre is dark, the ring bright.
    const { data } = await sharp(Buffer.from(first.body.images[0]?.png_base64 as string, 'base64'))
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => data[y * 28 + x] as number;
    expect(at(14, 14)).toBeLessThan(96);
    expect(at(14 + 8, 14)).toBeGreaterThan(160);
  });

  it('answers 422 for steps, step sizes, noise and counts out of range', async () => {
    const ebm = ebmGenerate(deps);
    const diffusion = diffusionGenerate(deps);
    for (const [handler, route, body] of [
      [ebm, '/ebm/generate', { steps: 0 }],
      [ebm, '/ebm/generate', { steps: 1001 }],
      [ebm, '/ebm/generate', { step_size: 0 }],
      [ebm, '/ebm/generate', { noise: 2 }],
      [diffusion, '/diffusion/generate', { steps: 1001 }],
      [diffusion, '/diffusion/generate', { sampler: 'euler' }],
      [ganGenerate(deps), '/gan/generate', { count: 17 }],
    ] as const) {
      const response = await post<{ error: { type: string } }>(handler, route, body);
      expect([route, JSON.stringify(body), response.statusCode]).toEqual([route, JSON.stringify(body), 422]);
    }
  });
});
