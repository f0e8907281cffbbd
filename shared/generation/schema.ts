import { Seed, ServedModel } from '../http/common-fields';
import * as z from '../schema';

export const GenerateTextRequest = z.strictObject({
  prompt: z.string().check(z.trim(), z.minLength(1, 'prompt must not be empty'), z.maxLength(20_000)),
  max_new_tokens: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(256)), 50),
  temperature: z._default(z.number().check(z.gt(0), z.maximum(2)), 1),
  top_k: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(1000)), 50),
  top_p: z._default(z.number().check(z.gt(0), z.maximum(1)), 1),
  repetition_penalty: z._default(z.number().check(z.minimum(1), z.maximum(2)), 1),
  do_sample: z._default(z.boolean(), false),
  seed: z.optional(Seed),
  /** Server-sent events as tokens are generated, from the streaming endpoint (see STREAMING_REFUSAL). */
  stream: z.optional(z.boolean()),
});
export type GenerateTextRequest = z.output<typeof GenerateTextRequest>;

/** What `/hello-llm` answers (and its stream's `done` event carries). */
export const GenerateTextResponse = z.object({
  generated_text: z.string(),
  completion: z.string(),
  model: ServedModel,
  usage: z.object({ prompt_tokens: z.number().check(z.int()), completion_tokens: z.number().check(z.int()) }),
  /** The seed sampling used (sampled requests only): send it back to reproduce the output. */
  seed: z.optional(Seed),
  finish_reason: z.enum(['length', 'eos', 'stop', 'aborted']),
  timing_ms: z.number(),
});
