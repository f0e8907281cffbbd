/** The one interface every vector store adapter implements (FAISS on a BlobStore, Pinecone, Chroma). */
import { ServiceUnavailableError } from '../http/errors';

export const VECTOR_STORE_NAMES = ['faiss', 'pinecone', 'chroma'] as const;
export type VectorStoreName = (typeof VECTOR_STORE_NAMES)[number];

/** One chunk of one document, with its embedding. */
export interface ChunkRecord {
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly text: string;
  readonly source: string;
  readonly vector: Float32Array;
}

export interface ChunkMatch {
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly text: string;
  readonly source: string;
  /** Cosine similarity of unit vectors (inner product), higher is closer. */
  readonly score: number;
}

export interface VectorFilter {
  /** Only chunks of these documents. */
  readonly documentIds?: readonly string[];
  /** Only chunks from this source. */
  readonly source?: string;
}

export interface VectorStoreStats {
  readonly store: VectorStoreName;
  readonly vectors: number;
  readonly dimensions?: number;
  readonly [detail: string]: unknown;
}

export interface VectorStore {
  readonly name: VectorStoreName;
  /** Inserts or replaces chunks by (documentId, chunkIndex). */
  upsert(records: readonly ChunkRecord[]): Promise<void>;
  query(vector: Float32Array, topK: number, filter?: VectorFilter): Promise<ChunkMatch[]>;
  /** Removes a document's chunks; with `fromChunk`, only those at that index or later (a shorter re-ingest). */
  deleteByDocument(documentId: string, options?: { fromChunk?: number }): Promise<void>;
  stats(): Promise<VectorStoreStats>;
}

/** The id a chunk has in every store: stable, so that re-ingesting a document overwrites it. */
export const chunkId = (documentId: string, chunkIndex: number) => `${documentId}#${chunkIndex}`;

/** A vector store that cannot be reached or refused the operation: 503 with Retry-After. */
export class VectorStoreUnavailableError extends ServiceUnavailableError {
  override readonly type = 'vector_store_unavailable';
}

/** Runs a store operation, turning any failure into a VectorStoreUnavailableError that names the store. */
export async function storeCall<T>(
  store: VectorStoreName,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof VectorStoreUnavailableError) throw error;
    throw new VectorStoreUnavailableError(`${store} ${operation} failed: ${(error as Error).message}`, {
      retryAfterSeconds: 5,
      cause: error,
    });
  }
}

export const matchesFilter = (record: { documentId: string; source: string }, filter?: VectorFilter) =>
  (!filter?.documentIds || filter.documentIds.includes(record.documentId)) &&
  (filter?.source === undefined || filter.source === record.source);
