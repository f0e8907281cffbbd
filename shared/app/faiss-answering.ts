import type { BaseDependencies } from './base';
import { composeAnswerer } from './document-answering';
import { composeDocumentRecords } from './document-records';
import { createFaissStores } from './faiss-stores';

/** /rag-faiss-query: answers over the FAISS index, and no client of any other store. */
export function composeFaissAnswering(base: BaseDependencies) {
  const records = composeDocumentRecords(base);
  return {
    ...composeAnswerer(base, records),
    vectorStores: createFaissStores({ ...base, blobs: records.blobs }),
  };
}
