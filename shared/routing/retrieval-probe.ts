/**
 * The router's retrieval-aware stage: how well the ingested documents match the message. Only chunks of
 * committed document versions count, as for the answers themselves, so a deleted or half-written document
 * never pulls a message to RAG. The probe names the RAG route that queries the same store.
 */
import type { CommittedVersions } from '../rag/committed-versions';
import type { VectorStore } from '../vectors/vector-store';
import type { ChatRouteName } from './route-names';

export interface DocumentMatch {
  readonly score: number;
  readonly documentId: string;
  readonly chunkIndex: number;
}

export interface RetrievalProbe {
  /** The RAG route that answers from the store this probe reads. */
  readonly route: Extract<ChatRouteName, 'rag' | 'rag-faiss'>;
  /** The best match of the committed documents, or undefined when there is none. */
  bestMatch(vector: Float32Array): Promise<DocumentMatch | undefined>;
}

/** Hits asked for: a few, so that chunks of uncommitted versions rarely hide the best committed one. */
const PROBE_CANDIDATES = 8;

export function createRetrievalProbe(deps: {
  route: RetrievalProbe['route'];
  store: () => Promise<VectorStore>;
  committed: CommittedVersions;
}): RetrievalProbe {
  return {
    route: deps.route,
    async bestMatch(vector) {
      const store = await deps.store();
      const [best] = await deps.committed.visible(await store.query(vector, PROBE_CANDIDATES));
      return best && { score: best.score, documentId: best.documentId, chunkIndex: best.chunkIndex };
    },
  };
}
