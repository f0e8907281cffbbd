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

/** Embeds chunk texts in batches into the records of one version of a document. */
export async function embedChunks(
  embeddings: EmbeddingService,
  embedBatch: number,
  document: { documentId: string; version: number; source: string },
  chunks: readonly string[],
): Promise<{ records: ChunkRecord[]; model: string }> {
  const records: ChunkRecord[] = [];
  let model = '';
  for (let start = 0; start < chunks.length; start += embedBatch) {
    const batch = chunks.slice(start, start + embedBatch);
    const embedded = await embeddings.embed(batch);
    model = embedded.model.id;
    batch.forEach((text, i) => {
      records.push({ ...document, chunkIndex: start + i, text, vector: embedded.vectors[i] as Float32Array });
    });
  }
  return { records, model };
}

export function createIngestionService(deps: {
  embeddings: EmbeddingService;
  stores: () => Promise<readonly VectorStore[]>;
  registry: DocumentRegistry;
  versions: DocumentVersionStore;
  chunking: ChunkingSettings;
  logger: Logger;
}): IngestionService {
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
      const embedded = await embedChunks(
        deps.embeddings,
        deps.chunking.embedBatch,
        { documentId, version: 0, source },
        chunks,
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
      await collect(previous, stores, 'replaced');
      const replaced = previous.state === 'committed';
      deps.logger.info('document ingested', { documentId, version, chunks: records.length, replaced });
      return {
        document_id: documentId,
        version,
        chunks: records.length,
        replaced,
        stores: stores.map((s) => s.name),
        embedding_model: model,
        timing_ms: elapsedMs(started),
      };
    },

    async remove(documentId) {
      const stores = await deps.stores();
      const previous = await deps.registry.tombstone(documentId);
      await collect(previous, stores, 'deleted');
      deps.logger.info('document deleted', { documentId, version: previous.committedVersion });
    },
  };
}
