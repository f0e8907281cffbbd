import { Seed, ServedModel } from '../http/common-fields';
import * as z from '../schema';

export const CLASSIFIER_MODELS = ['imagenet', 'cifar10'] as const;
export type ClassifierModel = (typeof CLASSIFIER_MODELS)[number];

/** POST /classify-image's fields beside the image (strings in multipart and the query string). */
export const ClassifyImageFields = z.object({
  top_k: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(20)), 5),
  /** `imagenet`: the ViT ImageNet classifier; `cifar10`: the CIFAR-10 CNN exported into the model root. */
  model: z._default(z.enum(CLASSIFIER_MODELS), 'imagenet'),
});

export const ClassifiedImage = z.object({
  /** The top-k labels, best first. */
  labels: z.array(z.object({ label: z.string(), score: z.number() })),
  model: z.extend(ServedModel, { slot: z.enum(CLASSIFIER_MODELS) }),
  timing_ms: z.number(),
});
export type ClassifiedImage = z.output<typeof ClassifiedImage>;

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

/** What the three generators answer: PNGs, the seed that draws them again, their size and the model. */
export const GeneratedImages = z.object({
  images: z.array(z.object({ index: z.number().check(z.int(), z.minimum(0)), png_base64: z.string() })),
  seed: Seed,
  width: z.number().check(z.int(), z.positive()),
  height: z.number().check(z.int(), z.positive()),
  model: ServedModel,
  timing_ms: z.number(),
});
export type GeneratedImages = z.output<typeof GeneratedImages>;

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
