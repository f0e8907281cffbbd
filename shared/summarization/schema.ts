import { z } from 'zod';

import { MAX_SUMMARY_TEXT_CHARS } from './limits';

export { MAX_SUMMARY_TEXT_CHARS };

export const SummarizeRequest = z
  .strictObject({
    text: z.string().trim().min(1, 'text must not be empty').max(MAX_SUMMARY_TEXT_CHARS),
    /** Longest summary per chunk and of the result, in tokens. */
    max_length: z.number().int().min(5).max(512).default(142),
    /** Shortest summary per chunk, in tokens. */
    min_length: z.number().int().min(0).max(512).default(30),
    num_beams: z
      .number()
      .int()
      .min(1)
      .max(1, 'beam search is not available in this runtime (transformers.js decodes greedily); use 1')
      .default(1),
  })
  .refine((r) => r.min_length <= r.max_length, {
    path: ['min_length'],
    message: 'min_length must not exceed max_length',
  });
export type SummarizeRequest = z.output<typeof SummarizeRequest>;
