/**
 * The small unconditional image generators, each one ONNX contract (docs/models.md) run on onnxruntime in
 * the function's process, seeded so that a seed gives the same PNG bytes: a DCGAN generator (one forward
 * pass from Gaussian latents), a pixel-space DDPM UNet sampled with DDPM or DDIM on the offset cosine
 * schedule, and an energy-based model sampled by Langevin dynamics through its exported gradient graph.
 */
import { randomInt } from 'node:crypto';
import { seededGaussian } from '../diffusion/gaussian';
import { createDdpmScheduler, createScheduler, SchedulerConfig } from '../diffusion/schedulers';
import type { ClassicModels } from '../models/classic-models';
import { elapsedMs, type ModelInfo } from '../models/model-info';
import { tensorToPngs } from './png';
import {
  DdpmConfig,
  type DiffusionGenerateRequest,
  EbmConfig,
  type EbmGenerateRequest,
  GanConfig,
  type GanGenerateRequest,
  type GeneratedImages,
} from './schema';

/** Told after each step of a sampler (a job's progress); the sampler waits for it. */
export type StepListener = (step: number, steps: number) => Promise<void>;

export interface ClassicGenerators {
  gan(request: GanGenerateRequest): Promise<GeneratedImages>;
  diffusion(request: DiffusionGenerateRequest, onStep?: StepListener): Promise<GeneratedImages>;
  ebm(request: EbmGenerateRequest, onStep?: StepListener): Promise<GeneratedImages>;
}

const seedOf = (seed: number | undefined) => seed ?? randomInt(2 ** 32);

async function answer(
  data: Float32Array,
  dims: [number, number, number, number],
  seed: number,
  model: ModelInfo,
  started: number,
): Promise<GeneratedImages> {
  const pngs = await tensorToPngs(data, dims);
  return {
    images: pngs.map((png, index) => ({ index, png_base64: png.toString('base64') })),
    seed,
    width: dims[3],
    height: dims[2],
    model,
    timing_ms: elapsedMs(started),
  };
}

export function createClassicGenerators(deps: { models: ClassicModels }): ClassicGenerators {
  return {
    async gan({ count, seed: requested }) {
      const model = await deps.models.load('gan', { config: GanConfig, graphs: ['generator.onnx'] });
      const started = performance.now();
      const seed = seedOf(requested);
      const { latent_dim: latent, image_size: size } = model.config;
      const gaussian = seededGaussian(seed);
      const latents = Float32Array.from({ length: count * latent }, () => gaussian());
      const z = new model.ort.Tensor('float32', latents, [count, latent]);
      const { images } = await (
        model.sessions['generator.onnx'] as NonNullable<(typeof model.sessions)[string]>
      ).run({ z });
      return answer(images?.data as Float32Array, [count, 1, size, size], seed, model.info, started);
    },

    async diffusion({ count, sampler, steps, seed: requested }, onStep) {
      const model = await deps.models.load('ddpm', { config: DdpmConfig, graphs: ['unet.onnx'] });
      const started = performance.now();
      const seed = seedOf(requested);
      const { image_size: size, channels, num_train_timesteps, beta_schedule } = model.config;
      const schedule = SchedulerConfig.parse({
        beta_start: 0.0001,
        beta_end: 0.02,
        beta_schedule,
        num_train_timesteps,
        set_alpha_to_one: true,
      });
      const usable = Math.min(steps, num_train_timesteps);
      const noise = seededGaussian(seed);
      const scheduler =
        sampler === 'ddpm'
          ? createDdpmScheduler(schedule, usable, noise)
          : createScheduler('ddim', schedule, usable);
      const dims: [number, number, number, number] = [count, channels, size, size];
      let sample: Float32Array = Float32Array.from({ length: count * channels * size * size }, () => noise());
      const unet = model.sessions['unet.onnx'] as NonNullable<(typeof model.sessions)[string]>;
      for (let i = 0; i < scheduler.timesteps.length; i++) {
        const t = BigInt(scheduler.timesteps[i] as number);
        const { noise_pred } = await unet.run({
          sample: new model.ort.Tensor('float32', sample, dims),
          timestep: new model.ort.Tensor(
            'int64',
            BigInt64Array.from({ length: count }, () => t),
            [count],
          ),
        });
        sample = scheduler.step(noise_pred?.data as Float32Array, i, sample);
        await onStep?.(i + 1, scheduler.timesteps.length);
      }
      return answer(sample, dims, seed, model.info, started);
    },

    async ebm({ count, steps, step_size: stepSize, noise: noiseScale, seed: requested }, onStep) {
      const model = await deps.models.load('ebm', { config: EbmConfig, graphs: ['gradient.onnx'] });
      const started = performance.now();
      const seed = seedOf(requested);
      const { image_size: size, channels } = model.config;
      const dims: [number, number, number, number] = [count, channels, size, size];
      const noise = seededGaussian(seed);
      // Start from Gaussian noise squashed into the images' range [-1, 1].
      let x: Float32Array = Float32Array.from({ length: count * channels * size * size }, () =>
        Math.tanh(noise()),
      );
      const gradientGraph = model.sessions['gradient.onnx'] as NonNullable<(typeof model.sessions)[string]>;
      const deviation = Math.sqrt(stepSize) * noiseScale;
      for (let step = 0; step < steps; step++) {
        const { gradient } = await gradientGraph.run({ x: new model.ort.Tensor('float32', x, dims) });
        const g = gradient?.data as Float32Array;
        x = x.map((value, i) =>
          Math.min(1, Math.max(-1, value - (stepSize / 2) * (g[i] as number) + deviation * noise())),
        );
        await onStep?.(step + 1, steps);
      }
      return answer(x, dims, seed, model.info, started);
    },
  };
}
