import { ServedModel } from '../http/common-fields';
import * as z from '../schema';

import { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS } from './limits';

export { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS };

export const SummarizeRequest = z
  .strictObject({
    /** Up to MAX_SUMMARY_TEXT_CHARS answered at once; longer, up to MAX_SUMMARY_JOB_TEXT_CHARS, as a job. */
    text: z
      .string()
      .check(
        z.trim(),
        z.minLength(1, 'text must not be empty'),
        z.maxLength(
          MAX_SUMMARY_JOB_TEXT_CHARS,
          `text must hold at most ${MAX_SUMMARY_JOB_TEXT_CHARS} characters (up to ${MAX_SUMMARY_TEXT_CHARS} are summarized at once, longer texts as a job)`,
        ),
      ),
    /** Longest summary per chunk and of the result, in tokens. */
    max_length: z._default(z.number().check(z.int(), z.minimum(5), z.maximum(512)), 142),
    /** Shortest summary per chunk, in tokens. */
    min_length: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(512)), 30),
    num_beams: z._default(
      z
        .number()
        .check(
          z.int(),
          z.minimum(1),
          z.maximum(
            1,
            'beam search is not available in this runtime (transformers.js decodes greedily); use 1',
          ),
        ),
      1,
    ),
  })
  .check(
    z.refine((r) => r.min_length <= r.max_length, {
      path: ['min_length'],
      message: 'min_length must not exceed max_length',
    }),
  );
export type SummarizeRequest = z.output<typeof SummarizeRequest>;

export const SummarizeResponse = z.object({
  summary: z.string(),
  /** Chunks the input text was split into (1 when it fit the context). */
  chunks: z.number().check(z.int()),
  /** Summarization passes: 1, plus one per merge of chunk summaries. */
  rounds: z.number().check(z.int()),
  model: ServedModel,
  usage: z.object({ input_tokens: z.number().check(z.int()), summary_tokens: z.number().check(z.int()) }),
  timing_ms: z.number(),
});
export type SummarizeResponse = z.output<typeof SummarizeResponse>;
