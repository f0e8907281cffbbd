/** Visual question answering: BLIP-2 (in the GPU container, or in this process) and Gemini when keyed. */
import { lazySecret } from '../config/secrets';
import {
  createGeminiProvider,
  createLocalBlip2Provider,
  createRemoteBlip2Provider,
  type VqaProvider,
  type VqaProviderName,
} from '../vqa/vqa-providers';
import { createVqaService, resolveBlip2Model, type VqaService } from '../vqa/vqa-service';
import type { BaseDependencies } from './base';

export interface VqaParts {
  readonly vqa: VqaService;
  /** The VQA providers by name (each releases its sessions with dispose()). */
  readonly vqaProviders: Partial<Record<VqaProviderName, VqaProvider>>;
}

export function composeVqa({ config }: BaseDependencies): VqaParts {
  const blip2Model = () => resolveBlip2Model({ profile: config.modelProfile, modelRoot: config.modelRoot });
  const vqaProviders: Partial<Record<VqaProviderName, VqaProvider>> = {
    blip2: config.jobs.gpuServiceUrl
      ? createRemoteBlip2Provider({ url: config.jobs.gpuServiceUrl, timeoutMs: config.jobs.gpuTimeoutMs })
      : createLocalBlip2Provider({ modelDir: () => blip2Model().dir, modelId: () => blip2Model().id }),
    ...(config.vqa.gemini
      ? {
          gemini: createGeminiProvider({
            ...config.vqa.gemini,
            apiKey: lazySecret(config.vqa.gemini.apiKey),
            timeoutMs: config.remoteTimeoutMs,
          }),
        }
      : {}),
  };
  return {
    vqaProviders,
    vqa: createVqaService({ providers: vqaProviders, defaultProvider: config.vqa.defaultProvider }),
  };
}
