/**
 * Chroma through its own client, with our embeddings (no embedding function on the collection) and an
 * inner-product space, so that scores are cosine similarities of the unit vectors: score = 1 − distance.
 */
import type { ChromaClient, Collection, Where } from 'chromadb';
import {
  type ChunkKey,
  type ChunkMatch,
  chunkId,
  parseChunkId,
  storeCall,
  type VectorFilter,
  type VectorStore,
} from './vector-store';

const LIST_PAGE = 1_000;

const whereOf = (filter?: VectorFilter): Where | undefined => {
  const clauses: Where[] = [];
  if (filter?.documentIds) clauses.push({ documentId: { $in: [...filter.documentIds] } });
  if (filter?.source !== undefined) clauses.push({ source: filter.source });
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
};

export function createChromaStore(deps: { client: ChromaClient; collection: string }): VectorStore {
  let collection: Promise<Collection> | undefined;
  const open = () => {
    collection ??= deps.client
      .getOrCreateCollection({
        name: deps.collection,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'ip' } },
      })
      .catch((error: unknown) => {
        collection = undefined;
        throw error;
      });
    return collection;
  };

  return {
    name: 'chroma',
    upsert: (records) =>
      storeCall('chroma', 'upsert', async () => {
        if (records.length === 0) return;
        await (await open()).upsert({
          ids: records.map(chunkId),
          embeddings: records.map((r) => Array.from(r.vector)),
          documents: records.map((r) => r.text),
          metadatas: records.map((r) => ({
            documentId: r.documentId,
            version: r.version,
            chunkIndex: r.chunkIndex,
            source: r.source,
          })),
        });
      }),
    query: (vector, topK, filter) =>
      storeCall('chroma', 'query', async () => {
        const where = whereOf(filter);
        const result = await (await open()).query({
          queryEmbeddings: [Array.from(vector)],
          nResults: topK,
          ...(where ? { where } : {}),
          include: ['documents', 'metadatas', 'distances'],
        });
        const matches: ChunkMatch[] = [];
        (result.ids[0] ?? []).forEach((_id, i) => {
          const meta = result.metadatas[0]?.[i];
          if (!meta) return;
          matches.push({
            documentId: String(meta.documentId),
            version: Number(meta.version ?? 0),
            chunkIndex: Number(meta.chunkIndex),
            source: String(meta.source ?? ''),
            text: result.documents[0]?.[i] ?? '',
            score: 1 - (result.distances[0]?.[i] ?? 1),
          });
        });
        return matches;
      }),
    listChunks: (documentId) =>
      storeCall('chroma', 'list', async () => {
        const keys: ChunkKey[] = [];
        const collection_ = await open();
        for (let offset = 0; ; offset += LIST_PAGE) {
          const page = await collection_.get({
            ...(documentId === undefined ? {} : { where: { documentId } }),
            limit: LIST_PAGE,
            offset,
            include: [],
          });
          for (const id of page.ids) {
            const key = parseChunkId(id);
            if (key) keys.push(key);
          }
          if (page.ids.length < LIST_PAGE) return keys;
        }
      }),
    deleteChunks: (keys) =>
      storeCall('chroma', 'delete', async () => {
        if (keys.length === 0) return;
        await (await open()).delete({ ids: keys.map(chunkId) });
      }),
    stats: () =>
      storeCall('chroma', 'stats', async () => ({
        store: 'chroma' as const,
        vectors: await (await open()).count(),
        collection: deps.collection,
      })),
  };
}
