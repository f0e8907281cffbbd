/**
 * Pinecone through its own client: one namespace per corpus, chunk metadata stored with each vector,
 * document deletes by metadata filter.
 */
import type { Index, RecordMetadata } from '@pinecone-database/pinecone';
import {
  type ChunkKey,
  type ChunkMatch,
  chunkId,
  documentIdPrefix,
  parseChunkId,
  storeCall,
  type VectorFilter,
  type VectorStore,
} from './vector-store';

interface ChunkMetadata extends RecordMetadata {
  documentId: string;
  version: number;
  chunkIndex: number;
  source: string;
  text: string;
}

const UPSERT_BATCH = 100;
/** Pinecone deletes at most 1000 ids per request. */
const DELETE_BATCH = 1_000;

const filterOf = (filter?: VectorFilter): object | undefined => {
  const clauses: object[] = [];
  if (filter?.documentIds) clauses.push({ documentId: { $in: [...filter.documentIds] } });
  if (filter?.source !== undefined) clauses.push({ source: { $eq: filter.source } });
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
};

export function createPineconeStore(deps: { index: Index; namespace: string }): VectorStore {
  const index = deps.index.namespace(deps.namespace) as unknown as Index<ChunkMetadata>;
  return {
    name: 'pinecone',
    upsert: (records) =>
      storeCall('pinecone', 'upsert', async () => {
        for (let start = 0; start < records.length; start += UPSERT_BATCH) {
          await index.upsert({
            records: records.slice(start, start + UPSERT_BATCH).map((r) => ({
              id: chunkId(r),
              values: Array.from(r.vector),
              metadata: {
                documentId: r.documentId,
                version: r.version,
                chunkIndex: r.chunkIndex,
                source: r.source,
                text: r.text,
              },
            })),
          });
        }
      }),
    query: (vector, topK, filter) =>
      storeCall('pinecone', 'query', async () => {
        const where = filterOf(filter);
        const result = await index.query({
          vector: Array.from(vector),
          topK,
          includeMetadata: true,
          ...(where ? { filter: where } : {}),
        });
        return (result.matches ?? []).flatMap((match): ChunkMatch[] =>
          match.metadata
            ? [
                {
                  documentId: match.metadata.documentId,
                  version: Number(match.metadata.version ?? 0),
                  chunkIndex: Number(match.metadata.chunkIndex),
                  source: match.metadata.source,
                  text: match.metadata.text,
                  score: match.score ?? 0,
                },
              ]
            : [],
        );
      }),
    listChunks: (documentId) =>
      storeCall('pinecone', 'list', async () => {
        // Listing by id prefix is eventually consistent, as every Pinecone read: repair runs again later.
        const keys: ChunkKey[] = [];
        let paginationToken: string | undefined;
        do {
          const page = await index.listPaginated({
            ...(documentId === undefined ? {} : { prefix: documentIdPrefix(documentId) }),
            ...(paginationToken ? { paginationToken } : {}),
          });
          for (const item of page.vectors ?? []) {
            const key = item.id ? parseChunkId(item.id) : undefined;
            if (key && (documentId === undefined || key.documentId === documentId)) keys.push(key);
          }
          paginationToken = page.pagination?.next;
        } while (paginationToken);
        return keys;
      }),
    deleteChunks: (keys) =>
      storeCall('pinecone', 'delete', async () => {
        for (let start = 0; start < keys.length; start += DELETE_BATCH) {
          await index.deleteMany({ ids: keys.slice(start, start + DELETE_BATCH).map(chunkId) });
        }
      }),
    stats: () =>
      storeCall('pinecone', 'stats', async () => {
        const stats = await index.describeIndexStats();
        return {
          store: 'pinecone' as const,
          vectors: stats.namespaces?.[deps.namespace]?.recordCount ?? 0,
          dimensions: stats.dimension,
          namespace: deps.namespace,
        };
      }),
  };
}
