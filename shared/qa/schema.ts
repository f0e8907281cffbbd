import { Seed, ServedModel } from '../http/common-fields';
import { PromptRef, PromptVersionField } from '../prompts/prompt-template';
import * as z from '../schema';

/** How an answer is written out: `prefix + answer + suffix`, in the response format the caller sets. */
export const AnswerTemplate = z.strictObject({
  prefix: z._default(z.string().check(z.maxLength(500)), ''),
  suffix: z._default(z.string().check(z.maxLength(500)), ''),
});
export type AnswerTemplate = z.output<typeof AnswerTemplate>;

export const QaRequest = z.strictObject({
  question: z.string().check(z.trim(), z.minLength(1, 'question must not be empty'), z.maxLength(2_000)),
  /** The text answers are extracted from; without it, the ingested documents are searched. */
  context: z.optional(
    z.string().check(z.trim(), z.minLength(1, 'context must not be empty'), z.maxLength(100_000)),
  ),
  top_k: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 1),
  template: z.optional(AnswerTemplate),
  /** `extractive`: spans of the context; `generative`: answers sampled from the text generator. */
  mode: z._default(z.enum(['extractive', 'generative']), 'extractive'),
  /** Generative mode: the longest answer, in tokens. */
  max_new_tokens: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(128)), 32),
  temperature: z._default(z.number().check(z.gt(0), z.maximum(2)), 1),
  seed: z.optional(Seed),
  /** Generative mode: pins the prompt's version (`v1`); the newest when absent. */
  prompt_version: PromptVersionField,
});
export type QaRequest = z.output<typeof QaRequest>;

export const QaSource = z.object({
  document_id: z.string(),
  chunk_index: z.number().check(z.int(), z.minimum(0)),
  /** Similarity of the chunk to the question. */
  score: z.number(),
});
export type QaSource = z.output<typeof QaSource>;

export const QaAnswer = z.object({
  answer: z.string(),
  /** The answer written in the template, where the request sets one. */
  formatted: z.optional(z.string()),
  /** Extractive answers: the model's probability of the span; absent for sampled answers. */
  score: z.optional(z.number()),
  /** Extractive answers: character offsets in the context (or in the source chunk's text). */
  start: z.optional(z.number().check(z.int(), z.minimum(0))),
  end: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** Extractive answers from the ingested documents: the chunk the answer was read from. */
  source: z.optional(QaSource),
  /** Generative answers: the seed that samples this answer again. */
  seed: z.optional(Seed),
});
export type QaAnswer = z.output<typeof QaAnswer>;

export const QaResponse = z.object({
  question: z.string(),
  mode: z.enum(['extractive', 'generative']),
  answers: z.array(QaAnswer),
  /** Generative mode: the prompt's template and version. */
  prompt: z.optional(PromptRef),
  model: ServedModel,
  timing_ms: z.number(),
});
export type QaResponse = z.output<typeof QaResponse>;
