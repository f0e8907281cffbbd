/**
 * The model bucket (`MODEL_S3_URI`), for the functions whose models are too large for a layer (the
 * summarizer): standard models missing locally are copied from it into the cache at cold start. The S3
 * client loads on the first copy, so only a cold start that fetches a model pays for it.
 */
import type { AppConfig } from '../config/environment';
import type { ModelFileStore } from '../models/s3-model-store';

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
