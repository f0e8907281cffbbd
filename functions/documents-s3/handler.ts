import type { Context, S3Event } from 'aws-lambda';
import { baseDependencies } from '../../shared/app/base';
import { composeDocumentWriters, type DocumentWriters } from '../../shared/app/document-ingestion';
import {
  applyDocumentObjectChanges,
  type ObjectChangeOutcome,
} from '../../shared/rag/document-object-changes';
import type { BlobStore } from '../../shared/storage/blob-store';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import { createS3Client } from '../../shared/storage/s3-client';
import { objectChangesOf } from './object-changes';

/** S3 ObjectCreated / ObjectRemoved on the documents prefix: the same ingestion as POST /documents. */
export function createHandler(deps: DocumentWriters, blobsFor?: (bucket: string) => BlobStore) {
  const forBucket =
    blobsFor ??
    (
      (client) => (bucket: string) =>
        createS3BlobStore({ client, bucket })
    )(createS3Client(deps.config.s3));
  return async (event: S3Event, context?: Context): Promise<{ results: ObjectChangeOutcome[] }> => {
    deps.logger.appendKeys({ requestId: context?.awsRequestId });
    try {
      const results = await applyDocumentObjectChanges(objectChangesOf(event), {
        documents: deps.documents,
        blobsFor: forBucket,
        prefix: deps.config.rag.documentsPrefix,
        logger: deps.logger,
      });
      return { results };
    } finally {
      deps.logger.removeKeys(['requestId']);
    }
  };
}

let built: ReturnType<typeof createHandler> | undefined;
export const handler = (event: S3Event, context: Context) => {
  built ??= createHandler(composeDocumentWriters(baseDependencies()));
  return built(event, context);
};
