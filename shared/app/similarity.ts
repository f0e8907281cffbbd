/** /similar: the embedder, and the documents' registry and texts for the vocabulary built from them. */
import { createEmbeddingService } from '../embeddings/embedding-service';
import { createSimilarityService } from '../similarity/similarity-service';
import type { BaseDependencies } from './base';
import { composeDocumentRecords } from './document-records';
import { composeModelRuntime } from './model-runtime';

export function composeSimilarity(base: BaseDependencies) {
  const runtime = composeModelRuntime(base);
  const records = composeDocumentRecords(base);
  const similarity = createSimilarityService({
    embeddings: createEmbeddingService({ runtime }),
    registry: records.registry,
    documentVersions: records.documentVersions,
  });
  return { ...base, runtime, similarity };
}
