/**
 * Pinecone through its own client: one namespace per corpus, chunk metadata stored with each vector,
 * document deletes by metadata filter.
 */
import type { Index, RecordMetadata } from '@pinecone-database/pinecone';
import { type ChunkMatch, chunkId, storeCall, type VectorFilter, type VectorStore } from './vector-store';

interface ChunkMetadata extends RecordMetadata {
  documentId: string;
  chunkIndex: number;
  source: string;
  text: string;
}

const UPSERT_BATCH = 100;

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
              id: chunkId(r.documentId, r.chunkIndex),
              values: Array.from(r.vector),
              metadata: {
                documentId: r.documentId,
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
                  chunkIndex: Number(match.metadata.chunkIndex),
                  source: match.metadata.source,
                  text: match.metadata.text,
                  score: match.score ?? 0,
                },
              ]
            : [],
        );
      }),
    deleteByDocument: (documentId, options = {}) =>
      storeCall('pinecone', 'delete', async () => {
        const filter = options.fromChunk
          ? { $and: [{ documentId: { $eq: documentId } }, { chunkIndex: { $gte: options.fromChunk } }] }
          : { documentId: { $eq: documentId } };
        await index.deleteMany({ filter });
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
