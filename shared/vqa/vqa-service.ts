/** Answers a question about an image with the requested (or configured) provider. */

import { ServiceUnavailableError } from '../errors';
import { elapsedMs } from '../models/model-info';
import { PromptRef } from '../prompts/prompt-template';
import { VQA_BLIP2_PROMPT } from '../prompts/vqa-blip2';
import * as z from '../schema';
import type { ImageInput } from '../vision/image-input';
import { VQA_PROVIDERS, type VqaProvider, type VqaProviderName } from './vqa-providers';

export const QaImageTextFields = z.object({
  question: z.string().check(z.trim(), z.minLength(1, 'question must not be empty'), z.maxLength(500)),
  provider: z.optional(z.enum(VQA_PROVIDERS)),
});

export const VqaResponse = z.object({
  answer: z.string(),
  provider: z.string(),
  model: z.string(),
  execution_provider: z.optional(z.string()),
  /** BLIP-2: the prompt template and version the question was written into (Gemini takes it as is). */
  prompt: z.optional(PromptRef),
  timing_ms: z.number(),
});

export interface VqaResult {
  answer: string;
  provider: VqaProviderName;
  model: string;
  execution_provider?: string;
  prompt?: PromptRef;
  timing_ms: number;
  /** Not part of the response: the GPU service's time, for the cost estimate. */
  gpuMs?: number;
}

export interface VqaService {
  answer(image: ImageInput, question: string, provider?: VqaProviderName): Promise<VqaResult>;
}

export function createVqaService(deps: {
  providers: Partial<Record<VqaProviderName, VqaProvider>>;
  defaultProvider: VqaProviderName;
}): VqaService {
  return {
    async answer(image, question, requested) {
      const name = requested ?? deps.defaultProvider;
      const provider = deps.providers[name];
      if (!provider) {
        throw new ServiceUnavailableError(
          `the ${name} provider is not configured${name === 'gemini' ? ': set GEMINI_API_KEY' : ''}`,
          {
            retryAfterSeconds: 60,
          },
        );
      }
      const started = performance.now();
      const result = await provider.answer({ bytes: image.bytes, format: image.format }, question);
      return {
        answer: result.answer,
        provider: name,
        model: result.model,
        ...(result.executionProvider ? { execution_provider: result.executionProvider } : {}),
        ...(name === 'blip2' ? { prompt: VQA_BLIP2_PROMPT.resolve() } : {}),
        timing_ms: elapsedMs(started),
        ...(result.gpuMs !== undefined ? { gpuMs: result.gpuMs } : {}),
      };
    },
  };
}
