/**
 * OpenAI's request and response shapes for the `/v1` routes, as far as the suite's models can honour them.
 * Requests are plain objects (unknown keys are dropped, as clients send many defaults); parameters the
 * models cannot honour are refused with a 400 that names them rather than ignored.
 */
import { Seed } from '../http/common-fields';
import { PromptRef, PromptVersionField } from '../prompts/prompt-template';
import * as z from '../schema';

const MAX_CHOICES = 8;

const unsupportedUnless = <T>(name: string, allowed: (value: T) => boolean, why: string) =>
  z.refine<T>((value) => value === undefined || value === null || allowed(value), {
    message: `${name} is not supported here: ${why}`,
  });

/** 0 or absent: the models have no such penalties. */
const Penalty = (name: string) =>
  z.optional(
    z.nullable(z.number().check(unsupportedUnless(name, (v: number) => v === 0, 'only 0 is accepted'))),
  );

const Stop = z.optional(
  z.nullable(
    z.union([
      z.string().check(z.minLength(1)),
      z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(4)),
    ]),
  ),
);

/** What both completion routes share: sampling, stop sequences, choices and streaming. */
const generationFields = {
  model: z.string().check(z.minLength(1)),
  max_tokens: z.optional(z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(256)))),
  temperature: z.optional(z.nullable(z.number().check(z.minimum(0), z.maximum(2)))),
  top_p: z.optional(z.nullable(z.number().check(z.gt(0), z.maximum(1)))),
  n: z.optional(z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_CHOICES)))),
  seed: z.optional(z.nullable(Seed)),
  stop: Stop,
  stream: z.optional(z.nullable(z.boolean())),
  stream_options: z.optional(z.nullable(z.object({ include_usage: z.optional(z.boolean()) }))),
  frequency_penalty: Penalty('frequency_penalty'),
  presence_penalty: Penalty('presence_penalty'),
  logprobs: z.optional(
    z.nullable(
      z
        .unknown()
        .check(unsupportedUnless('logprobs', (v) => v === false, 'no log probabilities are returned')),
    ),
  ),
  user: z.optional(z.string()),
};

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

export const ChatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(TextPart).check(z.minLength(1))]),
  name: z.optional(z.string()),
});
export type ChatMessage = z.output<typeof ChatMessage>;

export const ChatCompletionRequest = z.object({
  ...generationFields,
  messages: z.array(ChatMessage).check(z.minLength(1), z.maxLength(100)),
  max_completion_tokens: z.optional(z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(256)))),
  /** Not OpenAI's: pins the version of the prompt the messages are written into (`v1`). */
  prompt_version: PromptVersionField,
});
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequest>;

export const CompletionRequest = z.object({
  ...generationFields,
  prompt: z.union([
    z.string().check(z.minLength(1), z.maxLength(20_000)),
    z.array(z.string().check(z.minLength(1), z.maxLength(20_000))).check(z.minLength(1), z.maxLength(8)),
  ]),
  echo: z.optional(z.nullable(z.boolean())),
  suffix: z.optional(
    z.nullable(z.string().check(unsupportedUnless('suffix', () => false, 'the model cannot fill in text'))),
  ),
  best_of: z.optional(
    z.nullable(z.number().check(unsupportedUnless('best_of', (v: number) => v === 1, 'only 1 is accepted'))),
  ),
});
export type CompletionRequest = z.output<typeof CompletionRequest>;

export const EmbeddingRequest = z.object({
  model: z.string().check(z.minLength(1)),
  input: z.union([
    z.string().check(z.minLength(1), z.maxLength(10_000)),
    z.array(z.string().check(z.minLength(1), z.maxLength(10_000))).check(z.minLength(1), z.maxLength(128)),
  ]),
  encoding_format: z.optional(z.enum(['float', 'base64'])),
  dimensions: z.optional(z.number().check(z.int(), z.minimum(1))),
  user: z.optional(z.string()),
});
export type EmbeddingRequest = z.output<typeof EmbeddingRequest>;

export const Usage = z.object({
  prompt_tokens: z.number().check(z.int()),
  completion_tokens: z.number().check(z.int()),
  total_tokens: z.number().check(z.int()),
});
export type Usage = z.output<typeof Usage>;

const FinishReason = z.enum(['stop', 'length']);

export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().check(z.int()),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(
    z.object({
      index: z.number().check(z.int()),
      message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: FinishReason,
    }),
  ),
  usage: Usage,
  /** The seed of the first choice when sampling (choice i used seed + i): send it back to reproduce them. */
  seed: z.optional(Seed),
  /** Not OpenAI's: the prompt template and version the messages were written into. */
  prompt: z.optional(PromptRef),
});
export type ChatCompletion = z.output<typeof ChatCompletion>;

export const ChatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().check(z.int()),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(
    z.object({
      index: z.number().check(z.int()),
      delta: z.object({ role: z.optional(z.literal('assistant')), content: z.optional(z.string()) }),
      logprobs: z.null(),
      finish_reason: z.nullable(FinishReason),
    }),
  ),
  usage: z.optional(z.nullable(Usage)),
});
export type ChatCompletionChunk = z.output<typeof ChatCompletionChunk>;

export const Completion = z.object({
  id: z.string(),
  object: z.literal('text_completion'),
  created: z.number().check(z.int()),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(
    z.object({
      index: z.number().check(z.int()),
      text: z.string(),
      logprobs: z.null(),
      finish_reason: z.nullable(FinishReason),
    }),
  ),
  usage: z.optional(Usage),
  seed: z.optional(Seed),
});
export type Completion = z.output<typeof Completion>;

export const EmbeddingList = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      object: z.literal('embedding'),
      index: z.number().check(z.int()),
      /** Numbers, or with `encoding_format: "base64"` their little-endian float32 bytes in base64. */
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number().check(z.int()), total_tokens: z.number().check(z.int()) }),
});
export type EmbeddingList = z.output<typeof EmbeddingList>;

export const ModelList = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string(),
      object: z.literal('model'),
      created: z.number().check(z.int()),
      owned_by: z.string(),
    }),
  ),
});
export type ModelList = z.output<typeof ModelList>;

/** OpenAI's error shape, which the `/v1` routes answer instead of the suite's own. */
export const OpenAiErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.nullable(z.string()),
    code: z.nullable(z.string()),
  }),
});
export type OpenAiErrorBody = z.output<typeof OpenAiErrorBody>;
