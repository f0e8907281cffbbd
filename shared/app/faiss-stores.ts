/** The FAISS store of this deployment, on the documents bucket or the local data directory. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AppConfig } from '../config/environment';
import type { BlobStore } from '../storage/blob-store';
import { createFaissStore, type FaissStore } from '../vectors/faiss-store';
import type { VectorStore } from '../vectors/vector-store';

export interface FaissStores {
  faiss(): VectorStore;
  /** The FAISS store itself, undecorated, for maintenance (repair rebuilds it). */
  faissIndex(): FaissStore;
}

export interface StoreDependencies {
  config: AppConfig;
  blobs: BlobStore;
  logger: Logger;
  /** Wraps each store once it is created (tests inject latency and faults this way). */
  decorate?: (store: VectorStore) => VectorStore;
}

export function createFaissStores(deps: StoreDependencies): FaissStores {
  const { rag } = deps.config;
  const decorate = deps.decorate ?? ((store: VectorStore) => store);
  let faissIndex: FaissStore | undefined;
  let faiss: VectorStore | undefined;

  const faissIndexStore = () => {
    faissIndex ??= createFaissStore({
      blobs: deps.blobs,
      key: rag.faiss.key,
      cacheDir: rag.faiss.cacheDir,
      settings: {
        kind: rag.faiss.kind,
        storage: rag.faiss.storage,
        ivfNlist: rag.faiss.ivfNlist,
        ivfNprobe: rag.faiss.ivfNprobe,
        ivfMinVectors: rag.faiss.ivfMinVectors,
      },
      refreshMs: rag.faiss.refreshMs,
      logger: deps.logger,
    });
    return faissIndex;
  };
  const faissStore = () => {
    faiss ??= decorate(faissIndexStore());
    return faiss;
  };

  return { faiss: faissStore, faissIndex: faissIndexStore };
}
