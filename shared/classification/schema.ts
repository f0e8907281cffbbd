import { z } from 'zod';

export const MAX_SENTIMENT_BATCH = 64;
const Text = z.string().trim().min(1, 'text must not be empty').max(10_000);

export const SentimentRequest = z
  .strictObject({
    text: Text.optional(),
    texts: z.array(Text).min(1).max(MAX_SENTIMENT_BATCH).optional(),
  })
  .refine((r) => (r.text === undefined) !== (r.texts === undefined), {
    message: `send either "text" (a string) or "texts" (1 to ${MAX_SENTIMENT_BATCH} strings), not both`,
  });
export type SentimentRequest = z.output<typeof SentimentRequest>;
