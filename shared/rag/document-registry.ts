/**
 * What has been ingested: one small JSON object per document in the BlobStore, written only after every
 * store holds the document's chunks, so the registry never lists a document that is not searchable.
 */
import type { BlobStore } from '../storage/blob-store';
import type { VectorStoreName } from '../vectors/vector-store';

export interface DocumentRecord {
  readonly documentId: string;
  readonly source: string;
  readonly contentType: string;
  readonly chunks: number;
  readonly characters: number;
  readonly stores: readonly VectorStoreName[];
  readonly embeddingModel: string;
  readonly ingestedAt: string;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

export interface DocumentRegistry {
  get(documentId: string): Promise<DocumentRecord | undefined>;
  put(record: DocumentRecord): Promise<void>;
  delete(documentId: string): Promise<void>;
  list(): Promise<DocumentRecord[]>;
}

export function createDocumentRegistry(deps: { blobs: BlobStore; prefix: string }): DocumentRegistry {
  const keyOf = (documentId: string) => `${deps.prefix}${documentId}.json`;
  const read = async (key: string) => {
    const object = await deps.blobs.get(key);
    return object ? (JSON.parse(object.body.toString('utf8')) as DocumentRecord) : undefined;
  };
  return {
    get: (documentId) => read(keyOf(documentId)),
    async put(record) {
      await deps.blobs.put(keyOf(record.documentId), JSON.stringify(record), {
        contentType: 'application/json',
      });
    },
    delete: (documentId) => deps.blobs.delete(keyOf(documentId)),
    async list() {
      const keys = (await deps.blobs.list(deps.prefix)).filter((key) => key.endsWith('.json'));
      const records = await Promise.all(keys.map(read));
      return records.filter((r): r is DocumentRecord => r !== undefined);
    },
  };
}
