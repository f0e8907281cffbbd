import { ServedModel } from '../http/common-fields';
import * as z from '../schema';

const MAX_EMBED_BATCH = 128;

export const EmbedRequest = z.strictObject({
  texts: z
    .array(z.string().check(z.trim(), z.minLength(1, 'text must not be empty'), z.maxLength(10_000)))
    .check(z.minLength(1), z.maxLength(MAX_EMBED_BATCH)),
});
export type EmbedRequest = z.output<typeof EmbedRequest>;

export const EmbedResponse = z.object({
  embeddings: z.array(z.array(z.number())),
  dimensions: z.number().check(z.int()),
  model: ServedModel,
  timing_ms: z.number(),
});
