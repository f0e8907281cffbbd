/**
 * Every vector store of this deployment: FAISS always, Chroma and Pinecone when configured. Ingestion
 * writes to all of them; a function that queries one store composes only that one.
 */

import type { VectorStore } from '../vectors/vector-store';
import { createExternalStores, type ExternalStores } from './external-stores';
import { createFaissStores, type FaissStores, type StoreDependencies } from './faiss-stores';

export interface VectorStores extends FaissStores, ExternalStores {
  /** Every configured store: ingestion writes to all of them. */
  all(): Promise<VectorStore[]>;
}

export function createVectorStores(deps: StoreDependencies): VectorStores {
  const { rag } = deps.config;
  const faiss = createFaissStores(deps);
  const external = createExternalStores(deps);
  return {
    ...faiss,
    ...external,
    async all() {
      const stores: VectorStore[] = [faiss.faiss()];
      if (rag.chroma) stores.push(await external.external('chroma'));
      if (rag.pinecone) stores.push(await external.external('pinecone'));
      return stores;
    },
  };
}
