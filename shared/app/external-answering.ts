import type { BaseDependencies } from './base';
import { composeAnswerer } from './document-answering';
import { composeDocumentRecords } from './document-records';
import { createExternalStores } from './external-stores';

/** /rag-query: answers over Chroma or Pinecone, whichever the request or the configuration names. */
export function composeExternalAnswering(base: BaseDependencies) {
  return { ...composeAnswerer(base, composeDocumentRecords(base)), vectorStores: createExternalStores(base) };
}
