/** Visual question answering: BLIP-2 (in the GPU container, or in this process) and Gemini when keyed. */
import { lazySecret } from '../config/secrets';
import { modelLocations } from '../models/model-plan';
import {
  createGeminiProvider,
  createLocalBlip2Provider,
  createRemoteBlip2Provider,
  type VqaProvider,
  type VqaProviderName,
} from '../vqa/vqa-providers';
import { createVqaService, type VqaService } from '../vqa/vqa-service';
import type { BaseDependencies } from './base';

export interface VqaParts {
  readonly vqa: VqaService;
  /** The VQA providers by name (each releases its sessions with dispose()). */
  readonly vqaProviders: Partial<Record<VqaProviderName, VqaProvider>>;
}

export function composeVqa({ config, logger }: BaseDependencies): VqaParts {
  const vqaProviders: Partial<Record<VqaProviderName, VqaProvider>> = {
    blip2: config.jobs.gpuServiceUrl
      ? createRemoteBlip2Provider({
          url: config.jobs.gpuServiceUrl,
          timeoutMs: config.jobs.gpuTimeoutMs,
          ...(config.jobs.gpuServiceToken ? { credential: lazySecret(config.jobs.gpuServiceToken) } : {}),
        })
      : createLocalBlip2Provider({
          locations: modelLocations(config),
          logger,
          retryAfterSeconds: config.retryAfterSeconds,
        }),
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
