/**
 * The GPU container's HTTP contract, in one place for both ends: the server validates what it is sent
 * with these schemas, and the clients validate what it answers with them, so a mismatch between two
 * deployed versions is a clear upstream error rather than `undefined` deep in a job.
 */
import * as z from '../schema';
import { DiffusionParameters } from './schema';

const EXECUTION_PROVIDERS = ['cuda', 'cpu'] as const;

/** `POST /v1/images/generations`: the parameters of a stored job, seed included. */
export const GenerationRequest = DiffusionParameters;

/** One NDJSON line of the answer to `POST /v1/images/generations`: progress lines, then a result or an error. */
export const GenerationEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    step: z.number().check(z.int(), z.minimum(0)),
    steps: z.number().check(z.int(), z.minimum(1)),
  }),
  z.object({
    type: z.literal('result'),
    /** Base64-encoded PNGs. */
    images: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    seed: z.number().check(z.int()),
    execution_provider: z.enum(EXECUTION_PROVIDERS),
    step_ms: z.number(),
  }),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) }),
]);
export type GenerationEvent = z.output<typeof GenerationEvent>;

/** `POST /v1/vqa`: BLIP-2's answer about one image. */
export const VqaRequest = z.strictObject({
  image_base64: z.string().check(z.minLength(1)),
  question: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
});
export type VqaRequest = z.output<typeof VqaRequest>;

export const VqaAnswer = z.object({
  answer: z.string(),
  model: z.string().check(z.minLength(1)),
  execution_provider: z.optional(z.string()),
});
export type VqaAnswer = z.output<typeof VqaAnswer>;

/** What the service answers when it refuses or fails a request. */
export const ServiceError = z.object({ error: z.object({ type: z.string(), message: z.string() }) });
