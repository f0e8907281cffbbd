/** Answers a question about an image with the requested (or configured) provider. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ModelProfile } from '../config/environment';
import { ServiceUnavailableError } from '../errors';
import { elapsedMs } from '../models/model-info';
import type { ImageInput } from '../vision/image-input';
import { VQA_PROVIDERS, type VqaProvider, type VqaProviderName } from './vqa-providers';

export const QaImageTextFields = z.object({
  question: z.string().trim().min(1, 'question must not be empty').max(500),
  provider: z.enum(VQA_PROVIDERS).optional(),
});

/** BLIP-2 flan-t5-xl exported by infra/gpu/export_blip2.py into the four-graph layout. */
export const STANDARD_BLIP2_MODEL_ID = 'genai-endpoints/blip2-flan-t5-xl-onnx';
const TINY_BLIP2_MODEL_ID = 'tiny-random/blip2';

export function resolveBlip2Model(options: { profile: ModelProfile; modelRoot: string }): {
  dir: string;
  id: string;
} {
  const present = (id: string) => existsSync(path.join(options.modelRoot, id, 'onnx', 'vision_qformer.onnx'));
  const standard =
    options.profile === 'standard' || (options.profile === 'auto' && present(STANDARD_BLIP2_MODEL_ID));
  const id = standard ? STANDARD_BLIP2_MODEL_ID : TINY_BLIP2_MODEL_ID;
  if (!present(id)) {
    throw new Error(
      standard
        ? `${id} is not under ${options.modelRoot}: export it with infra/gpu/export_blip2.py (see infra/gpu/README.md)`
        : `${id} is not under ${options.modelRoot}: run \`npm run models:tiny\``,
    );
  }
  return { dir: path.join(options.modelRoot, id), id };
}

export interface VqaResult {
  answer: string;
  provider: VqaProviderName;
  model: string;
  execution_provider?: string;
  timing_ms: number;
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
        timing_ms: elapsedMs(started),
      };
    },
  };
}
