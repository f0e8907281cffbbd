/**
 * /qa: the extractive model, the generator for sampled answers, and, for questions without a context, the
 * embedder over the FAISS index and the registry's committed versions.
 */
import { createEmbeddingService } from '../embeddings/embedding-service';
import { createTextGenerationService } from '../generation/text-generation-service';
import { createExtractiveQaService } from '../qa/extractive-qa';
import { createQaService } from '../qa/qa-service';
import { createCommittedVersions } from '../rag/committed-versions';
import type { BaseDependencies } from './base';
import { composeDocumentRecords } from './document-records';
import { createFaissStores } from './faiss-stores';
import { composeBucketModelRuntime } from './model-bucket';

export function composeQuestionAnswering(base: BaseDependencies) {
  const runtime = composeBucketModelRuntime(base);
  const records = composeDocumentRecords(base);
  const stores = createFaissStores({ ...base, blobs: records.blobs });
  const qa = createQaService({
    extractive: createExtractiveQaService({ runtime }),
    generator: createTextGenerationService({ runtime }),
    embeddings: createEmbeddingService({ runtime }),
    committed: createCommittedVersions({ registry: records.registry }),
    store: () => stores.faiss(),
  });
  return { ...base, runtime, qa };
}
