import { z } from 'zod';
import { Seed } from '../http/common-fields';

export const GenerateTextRequest = z.strictObject({
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(20_000),
  max_new_tokens: z.number().int().min(1).max(256).default(50),
  temperature: z.number().gt(0).max(2).default(1),
  top_k: z.number().int().min(0).max(1000).default(50),
  top_p: z.number().gt(0).max(1).default(1),
  repetition_penalty: z.number().min(1).max(2).default(1),
  do_sample: z.boolean().default(false),
  seed: Seed.optional(),
});
export type GenerateTextRequest = z.output<typeof GenerateTextRequest>;
