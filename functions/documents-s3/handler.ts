import type { Context, S3Event } from 'aws-lambda';
import { baseDependencies } from '../../shared/app/base';
import { composeDocumentWriters, type DocumentWriters } from '../../shared/app/document-ingestion';
import { handleS3DocumentEvent, type S3EventOutcome } from '../../shared/rag/s3-document-events';
import type { BlobStore } from '../../shared/storage/blob-store';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import { createS3Client } from '../../shared/storage/s3-client';

/** S3 ObjectCreated / ObjectRemoved on the documents prefix: the same ingestion as POST /documents. */
export function createHandler(deps: DocumentWriters, blobsFor?: (bucket: string) => BlobStore) {
  const forBucket =
    blobsFor ??
    (
      (client) => (bucket: string) =>
        createS3BlobStore({ client, bucket })
    )(createS3Client(deps.config.s3));
  return async (event: S3Event, context?: Context): Promise<{ results: S3EventOutcome[] }> => {
    deps.logger.appendKeys({ requestId: context?.awsRequestId });
    try {
      const results = await handleS3DocumentEvent(event, {
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
