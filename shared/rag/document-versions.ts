/**
 * The extracted text and chunks of every version of a document, one JSON object each in the BlobStore,
 * written before the version's chunks reach any store. Repair re-embeds a committed version a store is
 * missing from here, and rebuilds a FAISS index, without the client sending the document again.
 */
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import { SUPPORTED_CONTENT_TYPES } from './document-text';

export const StoredVersionSchema = z.object({
  documentId: z.string(),
  version: z.number().check(z.int(), z.minimum(1)),
  source: z.string(),
  contentType: z.enum(SUPPORTED_CONTENT_TYPES),
  text: z.string(),
  /** The chunk texts, in order: re-embedding them gives the same chunks under the same ids. */
  chunks: z.array(z.string()),
});
export type StoredVersion = z.output<typeof StoredVersionSchema>;

export interface DocumentVersionStore {
  put(version: StoredVersion): Promise<void>;
  get(documentId: string, version: number): Promise<StoredVersion | undefined>;
  delete(documentId: string, version: number): Promise<void>;
  /** Every stored version, as (document, version) pairs. */
  list(): Promise<{ documentId: string; version: number }[]>;
}

export function createDocumentVersionStore(deps: { blobs: BlobStore; prefix: string }): DocumentVersionStore {
  const keyOf = (documentId: string, version: number) => `${deps.prefix}${documentId}/v${version}.json`;
  return {
    async put(version) {
      await deps.blobs.put(keyOf(version.documentId, version.version), JSON.stringify(version), {
        contentType: 'application/json',
      });
    },
    async get(documentId, version) {
      const object = await deps.blobs.get(keyOf(documentId, version));
      return object ? StoredVersionSchema.parse(JSON.parse(object.body.toString('utf8'))) : undefined;
    },
    delete: (documentId, version) => deps.blobs.delete(keyOf(documentId, version)),
    async list() {
      return (await deps.blobs.list(deps.prefix)).flatMap((key) => {
        const match = /^(.+)\/v(\d+)\.json$/.exec(key.slice(deps.prefix.length));
        return match ? [{ documentId: match[1] as string, version: Number(match[2]) }] : [];
      });
    },
  };
}
