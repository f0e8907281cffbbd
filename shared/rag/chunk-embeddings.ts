/**
 * The embeddings of a document's chunks, kept beside it in the BlobStore (one object a document) so that
 * ingesting a new version embeds only the chunks whose text changed.
 *
 * Invariant: an entry is the embedding model's output for its chunk text, under the model identity it was
 * stored with (id, revision, dtype, profile). Reuse matches both, so a reused vector is exactly the vector a
 * fresh forward pass would give (float32, stored losslessly). The object is a cache and never a source of
 * truth: written after a commit, read best effort, and any entry in it is correct whichever version wrote it,
 * so a lost, stale or missing object costs only forward passes.
 */
import { createHash } from 'node:crypto';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';

const StoredEmbeddings = z.object({
  model: z.string(),
  dimensions: z.number().check(z.int(), z.positive()),
  /** sha256 of the chunk text (hex) -> its float32 vector, little-endian, base64. */
  chunks: z.record(z.string(), z.string()),
});

export interface ChunkEmbeddings {
  /** The stored vectors of a document's chunks under this model identity, by chunk text hash. */
  read(documentId: string, model: string): Promise<Map<string, Float32Array>>;
  /** Replaces the document's object with these chunks' vectors. */
  write(
    documentId: string,
    model: string,
    chunks: readonly { text: string; vector: Float32Array }[],
  ): Promise<void>;
  delete(documentId: string): Promise<void>;
}

export const chunkHash = (text: string): string => createHash('sha256').update(text).digest('hex');

const encode = (vector: Float32Array) =>
  Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');

function decode(base64: string, dimensions: number): Float32Array | undefined {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength !== dimensions * 4) return undefined;
  const vector = new Float32Array(dimensions);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

export function createChunkEmbeddings(deps: { blobs: BlobStore; prefix: string }): ChunkEmbeddings {
  const keyOf = (documentId: string) => `${deps.prefix}${documentId}.json`;
  return {
    async read(documentId, model) {
      const object = await deps.blobs.get(keyOf(documentId));
      if (!object) return new Map();
      const parsed = StoredEmbeddings.safeParse(JSON.parse(object.body.toString('utf8')));
      if (!parsed.success || parsed.data.model !== model) return new Map();
      const { dimensions, chunks } = parsed.data;
      return new Map(
        Object.entries(chunks).flatMap(([hash, base64]) => {
          const vector = decode(base64, dimensions);
          return vector ? [[hash, vector] as const] : [];
        }),
      );
    },
    async write(documentId, model, chunks) {
      const dimensions = chunks[0]?.vector.length ?? 0;
      if (dimensions === 0) return;
      const stored = {
        model,
        dimensions,
        chunks: Object.fromEntries(chunks.map((c) => [chunkHash(c.text), encode(c.vector)])),
      };
      await deps.blobs.put(keyOf(documentId), JSON.stringify(stored), { contentType: 'application/json' });
    },
    delete: (documentId) => deps.blobs.delete(keyOf(documentId)),
  };
}
