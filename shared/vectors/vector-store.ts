/** The one interface every vector store adapter implements (FAISS on a BlobStore, Pinecone, Chroma). */
import { IndexCorruptError, VectorStoreUnavailableError } from '../errors';

export const VECTOR_STORE_NAMES = ['faiss', 'pinecone', 'chroma'] as const;
export type VectorStoreName = (typeof VECTOR_STORE_NAMES)[number];

/**
 * Where a chunk belongs: a document, one of its versions, and its place in that version. Versions are
 * written side by side and the registry says which one is committed, so a store may briefly hold several.
 */
export interface ChunkKey {
  readonly documentId: string;
  readonly version: number;
  readonly chunkIndex: number;
}

/** One chunk of one version of a document, with its embedding. */
export interface ChunkRecord extends ChunkKey {
  readonly text: string;
  readonly source: string;
  readonly vector: Float32Array;
}

export interface ChunkMatch extends ChunkKey {
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
  /** Inserts or replaces chunks by their id (document, version, index). */
  upsert(records: readonly ChunkRecord[]): Promise<void>;
  /** The nearest chunks of any version: readers filter them by the registry's committed versions. */
  query(vector: Float32Array, topK: number, filter?: VectorFilter): Promise<ChunkMatch[]>;
  /** Every chunk the store holds (of one document when given): what repair compares with the registry. */
  listChunks(documentId?: string): Promise<ChunkKey[]>;
  /** Removes chunks by id; ids the store does not hold are ignored. */
  deleteChunks(keys: readonly ChunkKey[]): Promise<void>;
  stats(): Promise<VectorStoreStats>;
}

/** The id a chunk has in every store: version-qualified, so that a new version never overwrites the old. */
export const chunkId = (key: ChunkKey) => `${key.documentId}#v${key.version}#${key.chunkIndex}`;

/** The id prefix of every chunk of a document (document ids never contain `#`). */
export const documentIdPrefix = (documentId: string) => `${documentId}#v`;

/** The key a chunk id names, or undefined for an id this project did not write. */
export function parseChunkId(id: string): ChunkKey | undefined {
  const match = /^(.+)#v(\d+)#(\d+)$/.exec(id);
  if (!match) return undefined;
  return { documentId: match[1] as string, version: Number(match[2]), chunkIndex: Number(match[3]) };
}

/** The keys of chunks 0..count-1 of one version of a document. */
export const versionChunkKeys = (documentId: string, version: number, count: number): ChunkKey[] =>
  Array.from({ length: count }, (_, chunkIndex) => ({ documentId, version, chunkIndex }));

/** Runs a store operation, turning any failure into a VectorStoreUnavailableError that names the store. */
export async function storeCall<T>(
  store: VectorStoreName,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof VectorStoreUnavailableError || error instanceof IndexCorruptError) throw error;
    throw new VectorStoreUnavailableError(`${store} ${operation} failed: ${failureReason(error)}`, {
      retryAfterSeconds: 5,
      cause: error,
    });
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Whether the store could not be reached at all (a client library's own wording may suggest otherwise). */
function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (current.name === 'ChromaConnectionError' || (typeof code === 'string' && CONNECTION_CODES.has(code)))
      return true;
    current = current.cause;
  }
  return false;
}

/** What a client is told of a store's failure: unreachable, or the first line of the store's own answer. */
function failureReason(error: unknown): string {
  if (isConnectionFailure(error)) return 'the store is not reachable; retry shortly';
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 300);
}

export const matchesFilter = (record: { documentId: string; source: string }, filter?: VectorFilter) =>
  (!filter?.documentIds || filter.documentIds.includes(record.documentId)) &&
  (filter?.source === undefined || filter.source === record.source);
