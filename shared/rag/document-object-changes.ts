/**
 * The S3 entry point of ingestion: an object created under the documents prefix is ingested (its key,
 * relative to the prefix, becomes the document id), an object removed deletes the document. Any failure is
 * rethrown, so that Lambda retries the event and then hands it to the failure destination. The changes come
 * as plain values: reading them from the S3 notification is the function's job.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { NotFoundError, SupersededVersionError } from '../errors';
import type { BlobStore } from '../storage/blob-store';
import { resolveContentType } from './document-text';
import type { IngestionService } from './ingestion-service';

/** One object created or removed in a bucket; `key` is decoded (no `+` for spaces, no `%xx`). */
export interface ObjectChange {
  readonly bucket: string;
  readonly key: string;
  readonly change: 'created' | 'removed';
}

export interface ObjectChangeOutcome {
  readonly key: string;
  readonly documentId?: string;
  readonly outcome: 'ingested' | 'deleted' | 'skipped';
  readonly reason?: string;
  readonly chunks?: number;
}

/** `documents/reports/q1.md` under prefix `documents/` is document `reports:q1.md`. */
function documentIdForKey(key: string, prefix: string): string | undefined {
  if (!key.startsWith(prefix) || key.endsWith('/')) return undefined;
  const id = key
    .slice(prefix.length)
    .replace(/\//g, ':')
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 200);
  return id || undefined;
}

export async function applyDocumentObjectChanges(
  changes: readonly ObjectChange[],
  deps: {
    documents: IngestionService;
    blobsFor: (bucket: string) => BlobStore;
    prefix: string;
    logger: Logger;
  },
): Promise<ObjectChangeOutcome[]> {
  const outcomes: ObjectChangeOutcome[] = [];
  for (const { bucket, key, change } of changes) {
    const documentId = documentIdForKey(key, deps.prefix);
    if (!documentId) {
      outcomes.push({ key, outcome: 'skipped', reason: `not a document under ${deps.prefix}` });
      continue;
    }
    if (change === 'removed') {
      try {
        await deps.documents.remove(documentId);
        outcomes.push({ key, documentId, outcome: 'deleted' });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        outcomes.push({ key, documentId, outcome: 'skipped', reason: 'no such document' });
      }
      continue;
    }
    const object = await deps.blobsFor(bucket).get(key);
    if (!object) {
      outcomes.push({ key, documentId, outcome: 'skipped', reason: 'the object no longer exists' });
      continue;
    }
    const contentType = resolveContentType(object.contentType, key);
    if (!contentType) {
      deps.logger.error('document not ingested: unsupported content type', {
        key,
        contentType: object.contentType,
      });
      outcomes.push({
        key,
        documentId,
        outcome: 'skipped',
        reason: `unsupported content type ${object.contentType ?? '(none)'}`,
      });
      continue;
    }
    try {
      const result = await deps.documents.ingest({
        documentId,
        content: new TextDecoder('utf-8').decode(object.body),
        contentType,
        source: `s3://${bucket}/${key}`,
      });
      outcomes.push({ key, documentId, outcome: 'ingested', chunks: result.chunks });
    } catch (error) {
      // A newer ingest (of a newer object) or a delete of the same document won: nothing to retry.
      if (!(error instanceof SupersededVersionError)) throw error;
      outcomes.push({ key, documentId, outcome: 'skipped', reason: 'a newer version was committed' });
    }
  }
  for (const outcome of outcomes) deps.logger.info('s3 document event', { ...outcome });
  return outcomes;
}
