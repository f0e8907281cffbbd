/**
 * What writes documents: every configured vector store, and the ingestion service over them and the
 * registry. Queries compose their own parts (document-answering.ts), so they carry no ingestion code.
 */
import type { EmbeddingService } from '../embeddings/embedding-service';
import { createChunkEmbeddings } from '../rag/chunk-embeddings';
import { createIngestionService, type IngestionService } from '../rag/ingestion-service';
import type { BlobStore } from '../storage/blob-store';
import type { VectorStore } from '../vectors/vector-store';
import type { BaseDependencies } from './base';
import { chunkEmbeddingsPrefix, type DocumentRecords } from './document-records';
import { createVectorStores, type VectorStores } from './vector-stores';

export function composeVectorStores(
  { config, logger }: BaseDependencies,
  blobs: BlobStore,
  decorate?: (store: VectorStore) => VectorStore,
): VectorStores {
  return createVectorStores({ config, blobs, logger, ...(decorate ? { decorate } : {}) });
}

export function composeIngestion(
  { config, logger }: BaseDependencies,
  parts: DocumentRecords & { vectorStores: VectorStores; embeddings: EmbeddingService },
): IngestionService {
  const { rag } = config;
  return createIngestionService({
    embeddings: parts.embeddings,
    stores: () => parts.vectorStores.all(),
    registry: parts.registry,
    versions: parts.documentVersions,
    chunking: { chunkTokens: rag.chunkTokens, overlapTokens: rag.overlapTokens, embedBatch: rag.embedBatch },
    chunkEmbeddings: createChunkEmbeddings({
      blobs: parts.blobs,
      prefix: chunkEmbeddingsPrefix(rag.registryPrefix),
    }),
    logger,
  });
}
