/**
 * The external vector stores of this deployment, each created on first use: Chroma when CHROMA_URL is set,
 * Pinecone when its key and index are. Only functions that use them import this module.
 */
import { readSecret } from '../config/secrets';
import { VectorStoreUnavailableError } from '../errors';
import type { VectorStore } from '../vectors/vector-store';
import type { StoreDependencies } from './faiss-stores';

export interface ExternalStores {
  /** The named external store, or a 503 that says how to configure it. */
  external(name: 'pinecone' | 'chroma'): Promise<VectorStore>;
}

export function createExternalStores(deps: Omit<StoreDependencies, 'blobs'>): ExternalStores {
  const { rag } = deps.config;
  const decorate = deps.decorate ?? ((store: VectorStore) => store);
  let chroma: Promise<VectorStore> | undefined;
  let pinecone: Promise<VectorStore> | undefined;

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

  return { external };
}
