import { ServedModel } from '../http/common-fields';
import * as z from '../schema';

/** The most entries a vocabulary may hold, given or built from the documents. */
export const MAX_VOCABULARY = 5_000;

export const SimilarRequest = z.strictObject({
  text: z.string().check(z.trim(), z.minLength(1, 'text must not be empty'), z.maxLength(1_000)),
  k: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
  /** Words or phrases to rank; without it, the words of the ingested documents. */
  vocabulary: z.optional(
    z
      .array(
        z.string().check(z.trim(), z.minLength(1, 'vocabulary entries must not be empty'), z.maxLength(200)),
      )
      .check(
        z.minLength(1, "vocabulary must not be empty; leave it out to use the ingested documents' words"),
        z.maxLength(MAX_VOCABULARY),
      ),
  ),
});
export type SimilarRequest = z.output<typeof SimilarRequest>;

export const SimilarEntry = z.object({
  text: z.string(),
  /** Cosine similarity to the request's text. */
  score: z.number(),
});
export type SimilarEntry = z.output<typeof SimilarEntry>;

export const SimilarResult = z.object({
  text: z.string(),
  /** The nearest entries, best first. */
  results: z.array(SimilarEntry),
  vocabulary: z.object({
    source: z.enum(['request', 'documents']),
    size: z.number().check(z.int(), z.minimum(1)),
    /** Whether this request reused the vocabulary's embeddings. */
    cached: z.boolean(),
  }),
  model: ServedModel,
  timing_ms: z.number(),
});
export type SimilarResult = z.output<typeof SimilarResult>;
