/** Where documents are recorded: the registry (which version is committed) and the texts of versions. */
import { createDocumentRegistry, type DocumentRegistry } from '../rag/document-registry';
import { createDocumentVersionStore, type DocumentVersionStore } from '../rag/document-versions';
import type { BlobStore } from '../storage/blob-store';
import type { BaseDependencies } from './base';
import { composeDocumentBlobs } from './document-blobs';

/** Where the text of each document version is kept: beside the registry, not under it. */
export const versionsPrefix = (registryPrefix: string) => `${registryPrefix.replace(/\/+$/, '')}-versions/`;
/** Where each document's chunk vectors are kept for the next version (`registry-embeddings/`). */
export const chunkEmbeddingsPrefix = (registryPrefix: string) =>
  `${registryPrefix.replace(/\/+$/, '')}-embeddings/`;

export interface DocumentRecords {
  /** Documents, the FAISS index and the document registry: the documents bucket, or the data directory. */
  readonly blobs: BlobStore;
  /** Which version of each document is committed: the source of truth every store converges to. */
  readonly registry: DocumentRegistry;
  /** The text and chunks of each version, for repair. */
  readonly documentVersions: DocumentVersionStore;
}

export function composeDocumentRecords(
  { config }: BaseDependencies,
  blobs: BlobStore = composeDocumentBlobs(config),
): DocumentRecords {
  const prefix = config.rag.registryPrefix;
  return {
    blobs,
    registry: createDocumentRegistry({ blobs, prefix }),
    documentVersions: createDocumentVersionStore({ blobs, prefix: versionsPrefix(prefix) }),
  };
}
