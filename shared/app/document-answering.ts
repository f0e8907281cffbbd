/**
 * What answers questions from the documents: the registry (committed versions only), the embedder and the
 * generator. Each query function adds the one store it reads (faiss-answering.ts, external-answering.ts).
 */
import { createEmbeddingService, type EmbeddingService } from '../embeddings/embedding-service';
import {
  createTextGenerationService,
  type TextGenerationService,
} from '../generation/text-generation-service';
import { type AnswerService, createAnswerService } from '../rag/answer-service';
import { createCommittedVersions } from '../rag/committed-versions';
import type { DocumentRegistry } from '../rag/document-registry';
import type { BaseDependencies } from './base';
import type { DocumentRecords } from './document-records';
import { composeBucketModelRuntime } from './model-bucket';

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
export function composeAnswerer(base: BaseDependencies, records: DocumentRecords) {
  const runtime = composeBucketModelRuntime(base);
  const rag = composeAnswers(base, {
    registry: records.registry,
    embeddings: createEmbeddingService({ runtime }),
    generator: createTextGenerationService({ runtime }),
  });
  return { ...base, runtime, rag };
}
