/**
 * Ingestion, one code path for HTTP uploads and S3 events: extract text, chunk it token-aware on sentence
 * boundaries with overlap, embed in batches, then "write new, flip the pointer, collect the old":
 *
 * 1. reserve the next version of the document in the registry (a conditional write);
 * 2. store the version's text, then write its chunks, under version-qualified ids, to every store, while
 *    readers still see the committed version (they filter hits by it);
 * 3. commit: flip the registry's committed version to this one (a conditional write, the commit point);
 * 4. collect the old version's chunks and text (best effort: a failure leaves garbage, never a wrong answer,
 *    and repair collects it later).
 *
 * A store that fails before the commit fails the request (503) and this version's chunks are removed
 * again; the committed version was never touched. A writer that loses the race to a newer version or a
 * delete of the same document answers 409 and removes its own chunks. A delete is a tombstone in the
 * registry first (its commit point), then the chunks go.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EmbeddingService } from '../embeddings/embedding-service';
import { RequestValidationError, SupersededVersionError } from '../errors';
import { elapsedMs } from '../models/model-info';
import { chunkBySentences } from '../text/sentence-chunker';
import { type ChunkRecord, type VectorStore, versionChunkKeys } from '../vectors/vector-store';
import { type ChunkEmbeddings, chunkHash } from './chunk-embeddings';
import type { DocumentRecord, DocumentRegistry, RegistryEntry } from './document-registry';
import { type DocumentContentType, extractText } from './document-text';
import type { DocumentVersionStore } from './document-versions';
import type { IngestDocumentResponse } from './schema';

export interface ChunkingSettings {
  /** Largest chunk, in embedding-model tokens (capped at the model's context). */
  readonly chunkTokens: number;
  readonly overlapTokens: number;
  /** Chunks embedded per forward pass. */
  readonly embedBatch: number;
}

export interface DocumentInput {
  readonly documentId?: string;
  readonly content: string;
  readonly contentType: DocumentContentType;
  readonly source?: string;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

export interface IngestionService {
  ingest(input: DocumentInput): Promise<IngestDocumentResponse>;
  remove(documentId: string): Promise<void>;
}

/**
 * Embeds chunk texts in batches into the records of one version of a document; a chunk whose text has a
 * vector in `known` (by its hash, under the same model) takes it instead of a forward pass.
 */
export async function embedChunks(
  embeddings: EmbeddingService,
  embedBatch: number,
  document: { documentId: string; version: number; source: string },
  chunks: readonly string[],
  known: ReadonlyMap<string, Float32Array> = new Map(),
): Promise<{ records: ChunkRecord[]; model: string; reused: number }> {
  const vectors: (Float32Array | undefined)[] = chunks.map((text) => known.get(chunkHash(text)));
  const missing = chunks.flatMap((text, index) => (vectors[index] ? [] : [{ text, index }]));
  for (let start = 0; start < missing.length; start += embedBatch) {
    const batch = missing.slice(start, start + embedBatch);
    const embedded = await embeddings.embed(batch.map((m) => m.text));
    batch.forEach((m, i) => {
      vectors[m.index] = embedded.vectors[i] as Float32Array;
    });
  }
  const records = chunks.map((text, chunkIndex) => ({
    ...document,
    chunkIndex,
    text,
    vector: vectors[chunkIndex] as Float32Array,
  }));
  return { records, model: (await embeddings.identity()).id, reused: chunks.length - missing.length };
}

export function createIngestionService(deps: {
  embeddings: EmbeddingService;
  stores: () => Promise<readonly VectorStore[]>;
  registry: DocumentRegistry;
  versions: DocumentVersionStore;
  chunking: ChunkingSettings;
  /** The vectors of each document's chunks, reused for the chunks a new version leaves unchanged. */
  chunkEmbeddings?: ChunkEmbeddings;
  logger: Logger;
}): IngestionService {
  /** The stored vectors of the document's chunks (best effort: a failure only costs forward passes). */
  async function knownVectors(documentId: string, fingerprint: string): Promise<Map<string, Float32Array>> {
    try {
      return (await deps.chunkEmbeddings?.read(documentId, fingerprint)) ?? new Map();
    } catch (error) {
      deps.logger.warn('stored chunk embeddings unreadable; embedding every chunk', {
        documentId,
        error: error as Error,
      });
      return new Map();
    }
  }

  /** Keeps the committed version's vectors for the next one (best effort, like `collect`). */
  async function keepVectors(documentId: string, fingerprint: string, records: readonly ChunkRecord[]) {
    try {
      await deps.chunkEmbeddings?.write(documentId, fingerprint, records);
    } catch (error) {
      deps.logger.warn('chunk embeddings not stored; the next version embeds every chunk', {
        documentId,
        error: error as Error,
      });
    }
  }

  async function chunk(text: string): Promise<string[]> {
    const countTokens = await deps.embeddings.tokenCounter();
    const limit = Math.min(deps.chunking.chunkTokens, await deps.embeddings.maxTokens());
    return chunkBySentences(text, limit, countTokens, { overlapTokens: deps.chunking.overlapTokens });
  }

  /** Removes one version's chunks from every store and its text; failures are left to repair. */
  async function removeVersion(
    documentId: string,
    version: number,
    chunks: number,
    stores: readonly VectorStore[],
    reason: string,
  ) {
    const keys = versionChunkKeys(documentId, version, chunks);
    const results = await Promise.allSettled([
      ...stores.map((store) => store.deleteChunks(keys)),
      deps.versions.delete(documentId, version),
    ]);
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length > 0) {
      deps.logger.warn('version not fully removed; repair will collect it', {
        documentId,
        version,
        reason,
        failed,
      });
    }
  }

  /** The committed version a commit or a delete replaced, collected. */
  async function collect(previous: RegistryEntry, stores: readonly VectorStore[], reason: string) {
    if (previous.state !== 'committed' || !previous.document) return;
    await removeVersion(
      previous.documentId,
      previous.committedVersion,
      previous.document.chunks,
      stores,
      reason,
    );
  }

  return {
    async ingest(input) {
      const started = performance.now();
      const documentId = input.documentId ?? randomUUID();
      const source = input.source ?? documentId;
      const text = extractText(input.content, input.contentType);
      if (!text)
        throw new RequestValidationError([{ path: 'text', message: 'the document has no text to index' }]);
      const chunks = await chunk(text);
      const { fingerprint } = await deps.embeddings.identity();
      const embedded = await embedChunks(
        deps.embeddings,
        deps.chunking.embedBatch,
        { documentId, version: 0, source },
        chunks,
        await knownVectors(documentId, fingerprint),
      );
      const model = embedded.model;
      const stores = await deps.stores();
      // Reserved only now, so that slow or failed embedding neither holds nor burns a version.
      const { version } = await deps.registry.reserve(documentId);
      const records = embedded.records.map((r) => ({ ...r, version }));
      try {
        await deps.versions.put({
          documentId,
          version,
          source,
          contentType: input.contentType,
          text,
          chunks,
        });
        const written = await Promise.allSettled(stores.map((store) => store.upsert(records)));
        const failure = written.find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
      } catch (error) {
        await removeVersion(documentId, version, records.length, stores, 'a store failed');
        throw error;
      }
      const record: DocumentRecord = {
        documentId,
        version,
        source,
        contentType: input.contentType,
        chunks: records.length,
        characters: text.length,
        stores: stores.map((s) => s.name),
        embeddingModel: model,
        ingestedAt: new Date().toISOString(),
        ...(input.metadata ? { metadata: input.metadata } : {}),
      };
      let previous: RegistryEntry;
      try {
        previous = await deps.registry.commit(record);
      } catch (error) {
        // Only a refused commit is known not to have happened; after any other failure the version may
        // be committed, so its chunks stay (readers filter them, repair collects them if not).
        if (error instanceof SupersededVersionError) {
          await removeVersion(documentId, version, records.length, stores, 'superseded');
        }
        throw error;
      }
      await Promise.all([
        collect(previous, stores, 'replaced'),
        keepVectors(documentId, fingerprint, records),
      ]);
      const replaced = previous.state === 'committed';
      deps.logger.info('document ingested', { documentId, version, chunks: records.length, replaced });
      return {
        document_id: documentId,
        version,
        chunks: records.length,
        replaced,
        stores: stores.map((s) => s.name),
        embedding_model: model,
        embeddings_reused: embedded.reused,
        timing_ms: elapsedMs(started),
      };
    },

    async remove(documentId) {
      const stores = await deps.stores();
      const previous = await deps.registry.tombstone(documentId);
      await collect(previous, stores, 'deleted');
      try {
        await deps.chunkEmbeddings?.delete(documentId);
      } catch (error) {
        deps.logger.warn('chunk embeddings of a deleted document not removed', {
          documentId,
          error: error as Error,
        });
      }
      deps.logger.info('document deleted', { documentId, version: previous.committedVersion });
    },
  };
}
