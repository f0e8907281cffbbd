import { Seed } from '../http/common-fields';
import * as z from '../schema';
import { SCHEDULER_NAMES } from './schedulers';

/** Side lengths are multiples of 8 (the VAE's factor) between these bounds. */
const MIN_SIDE = 64;
const MAX_SIDE = 768;

const Side = z.number().check(
  z.int(),
  z.minimum(MIN_SIDE),
  z.maximum(MAX_SIDE),
  z.refine((n) => n % 8 === 0, 'must be a multiple of 8'),
);

export const GenerateImageRequest = z.strictObject({
  prompt: z.string().check(z.trim(), z.minLength(1, 'prompt must not be empty'), z.maxLength(1_000)),
  negative_prompt: z._default(z.string().check(z.maxLength(1_000)), ''),
  steps: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(50)), 25),
  guidance_scale: z._default(z.number().check(z.minimum(0), z.maximum(20)), 7.5),
  width: z._default(Side, 512),
  height: z._default(Side, 512),
  seed: z.optional(Seed),
  num_images: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(4)), 1),
  scheduler: z._default(z.enum(SCHEDULER_NAMES), 'ddim'),
  sync: z._default(z.boolean(), false),
});
export type GenerateImageRequest = z.output<typeof GenerateImageRequest>;
/** A request as a job stores it: the seed drawn, synchronous mode settled. Read back through this schema. */
export const DiffusionParameters = z.extend(z.omit(GenerateImageRequest, { sync: true }), { seed: Seed });
export type DiffusionParameters = z.output<typeof DiffusionParameters>;
