/**
 * The model runtime of a function that runs transformers.js models: the configured profile, loads from the
 * layer, the cache, the model bucket (where the function composes one) or the hub. Only functions that
 * serve a model compose it.
 */
import { recordModelLoad } from '../http/request-metrics';
import { createModelRuntime, type ModelRuntime } from '../models/model-runtime';
import { createTransformersPipelineFactory, type PipelineFactory } from '../models/pipeline-factory';
import type { ModelFileStore } from '../models/s3-model-store';
import type { BaseDependencies } from './base';

export function composeModelRuntime(
  { config, logger }: BaseDependencies,
  options: {
    createPipeline?: PipelineFactory;
    /**
     * Where large standard models are copied from: the model bucket (`composeBucketModelRuntime`), for the
     * functions that serve a model too large for a layer (`source: 's3'` in the catalog), as serverless.yml
     * gives them `MODEL_S3_URI` (a bundle test holds the two in step).
     */
    modelStore?: ModelFileStore;
  } = {},
): ModelRuntime {
  return createModelRuntime({
    profile: config.modelProfile,
    modelRoot: config.modelRoot,
    cacheDir: config.modelCacheDir,
    allowRemote: config.allowRemoteModels,
    retryAfterSeconds: config.retryAfterSeconds,
    ...(options.modelStore ? { modelStore: options.modelStore } : {}),
    createPipeline:
      options.createPipeline ??
      createTransformersPipelineFactory({
        remoteTimeoutMs: config.remoteTimeoutMs,
        ...(config.modelHubUrl ? { remoteHost: config.modelHubUrl } : {}),
        ...(config.modelThreads ? { threads: config.modelThreads } : {}),
      }),
    logger,
    onLoad: recordModelLoad,
  });
}
