import { Seed } from '../http/common-fields';
import * as z from '../schema';

/** The most characters one training text may hold: a model of it stays a small JSON object in storage. */
export const MAX_TRAINING_CHARACTERS = 2_000_000;

/** The corpus trained from the suite's own documentation, used when a request names none. */
export const PROJECT_DOCS_CORPUS = 'project-docs';

export const CorpusId = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9_-]{0,63}$/,
      'use 1 to 64 lowercase letters, digits, "-" or "_", starting with a letter or digit',
    ),
  );

export const Smoothing = z.enum(['none', 'laplace']);
export type Smoothing = z.output<typeof Smoothing>;

export const NgramTrainRequest = z.strictObject({
  corpus_id: CorpusId.check(
    z.refine(
      (id) => id !== PROJECT_DOCS_CORPUS,
      `'${PROJECT_DOCS_CORPUS}' is the suite's own corpus; choose another id`,
    ),
  ),
  text: z
    .string()
    .check(
      z.maxLength(MAX_TRAINING_CHARACTERS, `text must hold at most ${MAX_TRAINING_CHARACTERS} characters`),
    ),
  n: z._default(z.union([z.literal(2), z.literal(3)]), 2),
  smoothing: z._default(Smoothing, 'none'),
});
export type NgramTrainRequest = z.output<typeof NgramTrainRequest>;

export const NgramGenerateRequest = z.strictObject({
  corpus_id: z.optional(CorpusId),
  start: z.string().check(z.trim(), z.minLength(1, 'start must not be empty'), z.maxLength(1_000)),
  length: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(500)), 30),
  /** 0 always takes the most frequent next word; 1 samples the counts as they are; above 1 flattens them. */
  temperature: z._default(z.number().check(z.minimum(0), z.maximum(5)), 1),
  seed: z.optional(Seed),
});
export type NgramGenerateRequest = z.output<typeof NgramGenerateRequest>;

/** POST /ngram/train's answer: the stored model, summarized. */
export const CorpusSummary = z.object({
  corpus_id: z.string(),
  n: z.union([z.literal(2), z.literal(3)]),
  smoothing: Smoothing,
  /** Tokens of the training text (words and punctuation). */
  tokens: z.number().check(z.int(), z.minimum(0)),
  vocabulary_size: z.number().check(z.int(), z.minimum(0)),
  /** Distinct contexts of the model's highest order. */
  contexts: z.number().check(z.int(), z.minimum(0)),
});
export type CorpusSummary = z.output<typeof CorpusSummary>;

/** POST /generate's answer: the text, its tokens, and the seed that samples it again. */
export const NgramGeneration = z.object({
  corpus_id: z.string(),
  text: z.string(),
  tokens: z.array(z.string()),
  seed: Seed,
  n: z.union([z.literal(2), z.literal(3)]),
  smoothing: Smoothing,
});
export type NgramGeneration = z.output<typeof NgramGeneration>;
