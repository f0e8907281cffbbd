/** Where documents, the registry, the FAISS index, jobs and caches live: the documents bucket, or DATA_DIR. */
import type { AppConfig } from '../config/environment';
import type { BlobStore } from '../storage/blob-store';
import { createLocalBlobStore } from '../storage/local-blob-store';

export function composeDocumentBlobs(config: AppConfig): BlobStore {
  const bucket = config.rag.documentsBucket;
  return bucket ? lazyS3BlobStore(config, bucket) : createLocalBlobStore({ root: config.rag.dataDir });
}

/**
 * The documents bucket, with the AWS SDK loaded on the first call: a request that never touches storage
 * (a caption of uploaded bytes, say) does not pay for it at cold start.
 */
function lazyS3BlobStore(config: AppConfig, bucket: string): BlobStore {
  let store: Promise<BlobStore> | undefined;
  const load = () => {
    store ??= Promise.all([import('../storage/s3-blob-store'), import('../storage/s3-client')]).then(
      ([{ createS3BlobStore }, { createS3Client }]) =>
        createS3BlobStore({ client: createS3Client(config.s3), bucket }),
    );
    return store;
  };
  return {
    location: `s3://${bucket}/`,
    get: async (key) => (await load()).get(key),
    etag: async (key) => (await load()).etag(key),
    put: async (key, body, options) => (await load()).put(key, body, options),
    delete: async (key) => (await load()).delete(key),
    list: async (prefix) => (await load()).list(prefix),
    async signedUrl(key, expiresInSeconds) {
      const s3 = await load();
      if (!s3.signedUrl) throw new Error('the S3 blob store signs no URLs');
      return s3.signedUrl(key, expiresInSeconds);
    },
  };
}
