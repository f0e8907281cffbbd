import { z } from 'zod';

const MAX_EMBED_BATCH = 128;

export const EmbedRequest = z.strictObject({
  texts: z.array(z.string().trim().min(1, 'text must not be empty').max(10_000)).min(1).max(MAX_EMBED_BATCH),
});
export type EmbedRequest = z.output<typeof EmbedRequest>;
