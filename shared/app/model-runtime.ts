/**
 * The model runtime of a function that runs transformers.js models: the configured profile, loads from the
 * layer, the cache, the model bucket or the hub. Only functions that serve a model compose it.
 */
import { createModelRuntime, type ModelRuntime } from '../models/model-runtime';
import { createTransformersPipelineFactory, type PipelineFactory } from '../models/pipeline-factory';
import { createS3ModelStore } from '../models/s3-model-store';
import { createS3Client } from '../storage/s3-client';
import type { BaseDependencies } from './base';

export function composeModelRuntime(
  { config, logger }: BaseDependencies,
  overrides: { createPipeline?: PipelineFactory } = {},
): ModelRuntime {
  return createModelRuntime({
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
}
