import { z } from 'zod';
import { Seed } from '../http/common-fields';
import { SCHEDULER_NAMES } from './schedulers';

/** Side lengths are multiples of 8 (the VAE's factor) between these bounds. */
const MIN_SIDE = 64;
const MAX_SIDE = 768;

const Side = z
  .number()
  .int()
  .min(MIN_SIDE)
  .max(MAX_SIDE)
  .refine((n) => n % 8 === 0, 'must be a multiple of 8');

export const GenerateImageRequest = z.strictObject({
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(1_000),
  negative_prompt: z.string().max(1_000).default(''),
  steps: z.number().int().min(1).max(50).default(25),
  guidance_scale: z.number().min(0).max(20).default(7.5),
  width: Side.default(512),
  height: Side.default(512),
  seed: Seed.optional(),
  num_images: z.number().int().min(1).max(4).default(1),
  scheduler: z.enum(SCHEDULER_NAMES).default('ddim'),
  /** Run now and answer 200 instead of 202, for requests under the configured size. */
  sync: z.boolean().default(false),
});
export type GenerateImageRequest = z.output<typeof GenerateImageRequest>;
/** A request as a job stores it: the seed drawn, synchronous mode settled. Read back through this schema. */
export const DiffusionParameters = GenerateImageRequest.omit({ sync: true }).extend({ seed: Seed });
export type DiffusionParameters = z.output<typeof DiffusionParameters>;
