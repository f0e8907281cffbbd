/**
 * The production object graph, built once per container (cold start) and shared by every handler in it.
 * Tests build their own with `createDependencies` and never touch the module-level instance.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createSentimentService, type SentimentService } from '../classification/sentiment-service';
import { type AppConfig, loadConfig } from '../config/environment';
import {
  createTextGenerationService,
  type TextGenerationService,
} from '../generation/text-generation-service';
import type { ModelKey } from '../models/catalog';
import { createModelRuntime, type ModelRuntime } from '../models/model-runtime';
import { createTransformersPipelineFactory, type PipelineFactory } from '../models/pipeline-factory';
import { createS3ModelStore } from '../models/s3-model-store';
import { createS3Client } from '../storage/s3-client';
import {
  createSummarizationService,
  type SummarizationService,
} from '../summarization/summarization-service';

export interface AppDependencies {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly runtime: ModelRuntime;
  readonly textGeneration: TextGenerationService;
  readonly summarization: SummarizationService;
  readonly sentiment: SentimentService;
}

export const SERVICE_NAME = 'genai-endpoints';

export function createDependencies(
  config: AppConfig,
  overrides: { logger?: Logger; createPipeline?: PipelineFactory } = {},
): AppDependencies {
  const logger = overrides.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const runtime = createModelRuntime({
    profile: config.modelProfile,
    modelRoot: config.modelRoot,
    cacheDir: config.modelCacheDir,
    allowRemote: config.allowRemoteModels,
    retryAfterSeconds: config.retryAfterSeconds,
    ...(config.modelS3Uri
      ? { modelStore: createS3ModelStore({ client: createS3Client(config.s3), uri: config.modelS3Uri }) }
      : {}),
    createPipeline:
      overrides.createPipeline ??
      createTransformersPipelineFactory({
        remoteTimeoutMs: config.remoteTimeoutMs,
        ...(config.modelHubUrl ? { remoteHost: config.modelHubUrl } : {}),
      }),
    logger,
  });
  return {
    config,
    logger,
    runtime,
    textGeneration: createTextGenerationService({ runtime }),
    summarization: createSummarizationService({ runtime }),
    sentiment: createSentimentService({ runtime }),
  };
}

let defaults: AppDependencies | undefined;

/** The container-wide dependencies, created on first use from the environment. */
export function defaultDependencies(): AppDependencies {
  defaults ??= createDependencies(loadConfig());
  return defaults;
}

/** Forgets the container-wide dependencies (tests that exercise the production handlers call this). */
export async function resetDefaultDependencies(): Promise<void> {
  const current = defaults;
  defaults = undefined;
  await current?.runtime.dispose();
}

/**
 * Starts loading a function's model during the init phase, when the config asks for it, so that the first
 * request does not pay for it. A failure is logged and retried by the first request.
 */
export function warmUp(deps: AppDependencies, key: ModelKey): void {
  if (!deps.config.warmUp) return;
  deps.runtime.load(key).catch(() => undefined);
}
