/**
 * Ingestion, one code path for HTTP uploads and S3 events: extract text, chunk it token-aware on sentence
 * boundaries with overlap, embed in batches, write every store, then record the document.
 *
 * A re-ingest replaces a document without a gap: chunks keep stable ids, so the new ones overwrite the old,
 * and only chunks past the new count are deleted afterwards. A store that fails fails the request (503)
 * and the registry is left as it was; a new document is then removed from the stores that took it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EmbeddingService } from '../embeddings/embedding-service';
import { NotFoundError, RequestValidationError } from '../http/errors';
import { elapsedMs } from '../models/model-info';
import { chunkBySentences } from '../text/sentence-chunker';
import type { ChunkRecord, VectorStore } from '../vectors/vector-store';
import type { DocumentRecord, DocumentRegistry } from './document-registry';
import { type DocumentContentType, extractText } from './document-text';

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

export interface IngestResult {
  readonly documentId: string;
  readonly chunks: number;
  readonly replaced: boolean;
  readonly stores: readonly string[];
  readonly embeddingModel: string;
  readonly timing_ms: number;
}

export interface IngestionService {
  ingest(input: DocumentInput): Promise<IngestResult>;
  remove(documentId: string): Promise<void>;
  list(): Promise<DocumentRecord[]>;
}

export function createIngestionService(deps: {
  embeddings: EmbeddingService;
  stores: () => Promise<readonly VectorStore[]>;
  registry: DocumentRegistry;
  chunking: ChunkingSettings;
  logger: Logger;
}): IngestionService {
  async function chunk(text: string): Promise<string[]> {
    const countTokens = await deps.embeddings.tokenCounter();
    const limit = Math.min(deps.chunking.chunkTokens, await deps.embeddings.maxTokens());
    return chunkBySentences(text, limit, countTokens, { overlapTokens: deps.chunking.overlapTokens });
  }

  async function embedChunks(documentId: string, source: string, chunks: readonly string[]) {
    const records: ChunkRecord[] = [];
    let model = '';
    for (let start = 0; start < chunks.length; start += deps.chunking.embedBatch) {
      const batch = chunks.slice(start, start + deps.chunking.embedBatch);
      const embedded = await deps.embeddings.embed(batch);
      model = embedded.model.id;
      batch.forEach((text, i) => {
        records.push({
          documentId,
          chunkIndex: start + i,
          text,
          source,
          vector: embedded.vectors[i] as Float32Array,
        });
      });
    }
    return { records, model };
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
      const { records, model } = await embedChunks(documentId, source, chunks);
      const previous = await deps.registry.get(documentId);
      const stores = await deps.stores();
      const written: VectorStore[] = [];
      try {
        for (const store of stores) {
          await store.upsert(records);
          written.push(store);
          await store.deleteByDocument(documentId, { fromChunk: records.length });
        }
      } catch (error) {
        if (!previous) {
          await Promise.allSettled(written.map((store) => store.deleteByDocument(documentId)));
        }
        throw error;
      }
      await deps.registry.put({
        documentId,
        source,
        contentType: input.contentType,
        chunks: records.length,
        characters: text.length,
        stores: stores.map((s) => s.name),
        embeddingModel: model,
        ingestedAt: new Date().toISOString(),
        ...(input.metadata ? { metadata: input.metadata } : {}),
      });
      deps.logger.info('document ingested', {
        documentId,
        chunks: records.length,
        replaced: Boolean(previous),
      });
      return {
        documentId,
        chunks: records.length,
        replaced: Boolean(previous),
        stores: stores.map((s) => s.name),
        embeddingModel: model,
        timing_ms: elapsedMs(started),
      };
    },

    async remove(documentId) {
      const previous = await deps.registry.get(documentId);
      if (!previous) throw new NotFoundError(`No document '${documentId}'`);
      for (const store of await deps.stores()) await store.deleteByDocument(documentId);
      await deps.registry.delete(documentId);
      deps.logger.info('document deleted', { documentId });
    },

    list: () => deps.registry.list(),
  };
}
