/** Where documents, the registry, the FAISS index, jobs and caches live: the documents bucket, or DATA_DIR. */
import type { AppConfig } from '../config/environment';
import type { BlobStore } from '../storage/blob-store';
import { createLocalBlobStore } from '../storage/local-blob-store';
import { createS3BlobStore } from '../storage/s3-blob-store';
import { createS3Client } from '../storage/s3-client';

export function composeDocumentBlobs(config: AppConfig): BlobStore {
  return config.rag.documentsBucket
    ? createS3BlobStore({ client: createS3Client(config.s3), bucket: config.rag.documentsBucket })
    : createLocalBlobStore({ root: config.rag.dataDir });
}
