import { Seed } from '../http/common-fields';
import * as z from '../schema';

const count = (max: number) => z._default(z.number().check(z.int(), z.minimum(1), z.maximum(max)), 1);

export const GanGenerateRequest = z.strictObject({
  count: count(16),
  seed: z.optional(Seed),
});
export type GanGenerateRequest = z.output<typeof GanGenerateRequest>;

/** The most denoising steps a synchronous request may ask for (the schedule has 1000). */
export const MAX_DIFFUSION_STEPS = 1000;

export const DiffusionGenerateRequest = z.strictObject({
  count: count(4),
  sampler: z._default(z.enum(['ddpm', 'ddim']), 'ddim'),
  steps: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_DIFFUSION_STEPS)), 50),
  seed: z.optional(Seed),
});
export type DiffusionGenerateRequest = z.output<typeof DiffusionGenerateRequest>;

export const EbmGenerateRequest = z.strictObject({
  count: count(16),
  steps: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), 60),
  /** ε of x ← x − ε/2 · ∇E(x) + √ε · noise · z. */
  step_size: z._default(z.number().check(z.gt(0), z.maximum(1)), 0.1),
  /** Scales the Langevin noise: 1 is the exact dynamics, 0 plain gradient descent on the energy. */
  noise: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.5),
  seed: z.optional(Seed),
});
export type EbmGenerateRequest = z.output<typeof EbmGenerateRequest>;

/** The config.json of each classic model folder (docs/models.md describes them). */
export const CifarCnnConfig = z.object({
  labels: z.array(z.string()).check(z.length(10)),
  image_size: z.literal(64),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([
    z.number().check(z.positive()),
    z.number().check(z.positive()),
    z.number().check(z.positive()),
  ]),
});
export const GanConfig = z.object({
  latent_dim: z.literal(100),
  image_size: z.literal(28),
  channels: z.literal(1),
});
export const DdpmConfig = z.object({
  image_size: z.literal(32),
  channels: z.literal(3),
  num_train_timesteps: z.number().check(z.int(), z.positive()),
  beta_schedule: z.literal('squaredcos_cap_v2'),
});
export const EbmConfig = z.object({ image_size: z.literal(28), channels: z.literal(1) });
