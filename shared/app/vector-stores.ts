/**
 * The vector stores of this deployment, each created on first use: FAISS always (on the documents bucket,
 * or the local data directory), Chroma when CHROMA_URL is set, Pinecone when its key and index are.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { AppConfig } from '../config/environment';
import { readSecret } from '../config/secrets';
import { VectorStoreUnavailableError } from '../errors';
import type { BlobStore } from '../storage/blob-store';
import { createFaissStore, type FaissStore } from '../vectors/faiss-store';
import type { VectorStore } from '../vectors/vector-store';

export interface VectorStores {
  faiss(): VectorStore;
  /** The FAISS store itself, undecorated, for maintenance (repair rebuilds it). */
  faissIndex(): FaissStore;
  /** The named external store, or a 503 that says how to configure it. */
  external(name: 'pinecone' | 'chroma'): Promise<VectorStore>;
  /** Every configured store: ingestion writes to all of them. */
  all(): Promise<VectorStore[]>;
}

export function createVectorStores(deps: {
  config: AppConfig;
  blobs: BlobStore;
  logger: Logger;
  /** Wraps each store once it is created (tests inject latency and faults this way). */
  decorate?: (store: VectorStore) => VectorStore;
}): VectorStores {
  const { rag } = deps.config;
  const decorate = deps.decorate ?? ((store: VectorStore) => store);
  let faissIndex: FaissStore | undefined;
  let faiss: VectorStore | undefined;
  let chroma: Promise<VectorStore> | undefined;
  let pinecone: Promise<VectorStore> | undefined;

  const faissIndexStore = () => {
    faissIndex ??= createFaissStore({
      blobs: deps.blobs,
      key: rag.faiss.key,
      cacheDir: rag.faiss.cacheDir,
      settings: {
        kind: rag.faiss.kind,
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

  async function external(name: 'pinecone' | 'chroma'): Promise<VectorStore> {
    if (name === 'chroma') {
      if (!rag.chroma) {
        throw new VectorStoreUnavailableError('chroma is not configured: set CHROMA_URL', {
          retryAfterSeconds: 60,
        });
      }
      const { url: address, collection } = rag.chroma;
      // Each external store's client loads with its first use: a FAISS-only function never evaluates them.
      chroma ??= Promise.all([import('chromadb'), import('../vectors/chroma-store')]).then(
        ([{ ChromaClient }, { createChromaStore }]) => {
          const url = new URL(address);
          return decorate(
            createChromaStore({
              client: new ChromaClient({
                host: url.hostname,
                port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
                ssl: url.protocol === 'https:',
              }),
              collection,
            }),
          );
        },
      );
      return chroma;
    }
    const settings = rag.pinecone;
    if (!settings) {
      throw new VectorStoreUnavailableError(
        'pinecone is not configured: set PINECONE_API_KEY_PARAMETER (or PINECONE_API_KEY) and PINECONE_INDEX_HOST',
        { retryAfterSeconds: 60 },
      );
    }
    pinecone ??= Promise.all([
      readSecret(settings.apiKey),
      import('@pinecone-database/pinecone'),
      import('../vectors/pinecone-store'),
    ]).then(
      ([apiKey, { Pinecone }, { createPineconeStore }]) =>
        decorate(
          createPineconeStore({
            index: new Pinecone({ apiKey }).index({ host: settings.indexHost }),
            namespace: settings.namespace,
          }),
        ),
      (error: unknown) => {
        pinecone = undefined;
        throw new VectorStoreUnavailableError(`pinecone API key unavailable: ${(error as Error).message}`, {
          cause: error,
        });
      },
    );
    return pinecone;
  }

  return {
    faiss: faissStore,
    faissIndex: faissIndexStore,
    external,
    async all() {
      const stores: VectorStore[] = [faissStore()];
      if (rag.chroma) stores.push(await external('chroma'));
      if (rag.pinecone) stores.push(await external('pinecone'));
      return stores;
    },
  };
}
