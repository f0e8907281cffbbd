/**
 * What writes documents (POST /documents, DELETE /documents/{id}, the S3 trigger): the registry, every
 * configured vector store, and the embedder, whose model loads only when a document is embedded.
 */
import { createEmbeddingService } from '../embeddings/embedding-service';
import type { ModelRuntime } from '../models/model-runtime';
import type { IngestionService } from '../rag/ingestion-service';
import type { BaseDependencies } from './base';
import { composeDocumentRecords } from './document-records';
import { composeIngestion, composeVectorStores } from './documents';
import { composeModelRuntime } from './model-runtime';

export interface DocumentWriters extends BaseDependencies {
  readonly runtime: ModelRuntime;
  readonly documents: IngestionService;
}

export function composeDocumentWriters(base: BaseDependencies): DocumentWriters {
  const runtime = composeModelRuntime(base);
  const records = composeDocumentRecords(base);
  const vectorStores = composeVectorStores(base, records.blobs);
  const embeddings = createEmbeddingService({ runtime });
  return { ...base, runtime, documents: composeIngestion(base, { ...records, vectorStores, embeddings }) };
}
