/**
 * The model bucket (`MODEL_S3_URI`), for the functions whose models are too large for a layer: standard models missing locally are copied from it into the cache at cold start. The S3
 * client loads on the first copy, so only a cold start that fetches a model pays for it.
 */
import type { AppConfig } from '../config/environment';
import type { ModelRuntime } from '../models/model-runtime';
import type { ModelFileStore } from '../models/s3-model-store';
import type { BaseDependencies } from './base';
import { composeModelRuntime } from './model-runtime';

export function composeModelBucket(config: AppConfig): ModelFileStore | undefined {
  const uri = config.modelS3Uri;
  if (!uri) return undefined;
  let store: Promise<ModelFileStore> | undefined;
  const load = () => {
    store ??= Promise.all([import('../models/s3-model-store'), import('../storage/s3-client')]).then(
      ([{ createS3ModelStore }, { createS3Client }]) =>
        createS3ModelStore({ client: createS3Client(config.s3), uri }),
    );
    return store;
  };
  return {
    describe: (id) => `${uri.replace(/\/+$/, '')}/${id}`,
    download: async (id, targetDir) => (await load()).download(id, targetDir),
  };
}

/**
 * The model runtime of a function that serves a model too large for a layer (`source: 's3'` in the
 * catalog): missing standard models are copied from the model bucket, when `MODEL_S3_URI` is set.
 */
export function composeBucketModelRuntime(base: BaseDependencies): ModelRuntime {
  return composeModelRuntime(base, { modelStore: composeModelBucket(base.config) });
}
