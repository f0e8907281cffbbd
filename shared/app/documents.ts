/**
 * The documents' side of the suite: where they are stored (registry, version texts, vector stores) and the
 * services over them (ingestion, grounded answers). Functions compose only the parts they use: listing
 * needs the registry alone, a FAISS query no Chroma or Pinecone client.
 */
import { createEmbeddingService, type EmbeddingService } from '../embeddings/embedding-service';
import {
  createTextGenerationService,
  type TextGenerationService,
} from '../generation/text-generation-service';
import { type AnswerService, createAnswerService } from '../rag/answer-service';
import { createCommittedVersions } from '../rag/committed-versions';
import { createDocumentRegistry, type DocumentRegistry } from '../rag/document-registry';
import { createDocumentVersionStore, type DocumentVersionStore } from '../rag/document-versions';
import { createIngestionService, type IngestionService } from '../rag/ingestion-service';
import type { BlobStore } from '../storage/blob-store';
import type { VectorStore } from '../vectors/vector-store';
import type { BaseDependencies } from './base';
import { composeDocumentBlobs } from './document-blobs';
import { composeModelRuntime } from './model-runtime';
import { createVectorStores, type VectorStores } from './vector-stores';

/** Where the text of each document version is kept: beside the registry, not under it. */
export const versionsPrefix = (registryPrefix: string) => `${registryPrefix.replace(/\/+$/, '')}-versions/`;

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
    logger,
  });
}

export function composeAnswers(
  { config }: BaseDependencies,
  parts: { registry: DocumentRegistry; embeddings: EmbeddingService; generator: TextGenerationService },
): AnswerService {
  return createAnswerService({
    embeddings: parts.embeddings,
    generator: parts.generator,
    committed: createCommittedVersions({ registry: parts.registry }),
    settings: { minScore: config.rag.minScore, maxAnswerTokens: config.rag.maxAnswerTokens },
  });
}

/** What answers questions from the documents: the registry (committed versions), the embedder, the generator. */
export function composeAnswering(base: BaseDependencies) {
  const runtime = composeModelRuntime(base);
  const records = composeDocumentRecords(base);
  const rag = composeAnswers(base, {
    registry: records.registry,
    embeddings: createEmbeddingService({ runtime }),
    generator: createTextGenerationService({ runtime }),
  });
  return { ...base, runtime, rag, vectorStores: composeVectorStores(base, records.blobs) };
}
