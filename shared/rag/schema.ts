import { ServedModel } from '../http/common-fields';
import { PromptRef, PromptVersionField } from '../prompts/prompt-template';
import * as z from '../schema';
import { VECTOR_STORE_NAMES, type VectorFilter } from '../vectors/vector-store';
import type { DocumentRecord } from './document-registry';
import { SUPPORTED_CONTENT_TYPES } from './document-text';

/** Document ids travel in URL paths and chunk ids: letters, digits and . _ : - only. */
export const DocumentId = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/,
      'use 1 to 200 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ),
  );

const MetadataValue = z.union([z.string().check(z.maxLength(1_000)), z.number(), z.boolean()]);

export const MAX_DOCUMENT_CHARS = 2_000_000;

export const IngestDocumentRequest = z
  .strictObject({
    id: z.optional(DocumentId),
    text: z.optional(z.string().check(z.maxLength(MAX_DOCUMENT_CHARS))),
    content_base64: z.optional(z.string().check(z.maxLength(Math.ceil((MAX_DOCUMENT_CHARS * 4) / 3) + 4))),
    content_type: z._default(z.enum(SUPPORTED_CONTENT_TYPES), 'text/plain'),
    source: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
    metadata: z.optional(z.record(z.string().check(z.maxLength(100)), MetadataValue)),
  })
  .check(
    z.refine((r) => (r.text === undefined) !== (r.content_base64 === undefined), {
      message: 'send either "text" or "content_base64", not both',
    }),
  );
export type IngestDocumentRequest = z.output<typeof IngestDocumentRequest>;

export const RagFilter = z.strictObject({
  document_ids: z.optional(z.array(DocumentId).check(z.minLength(1), z.maxLength(100))),
  source: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
});

export type RagFilter = z.output<typeof RagFilter>;

/** The request's filter in the stores' terms. */
export const vectorFilterOf = (filter: RagFilter): VectorFilter => ({
  ...(filter.document_ids ? { documentIds: filter.document_ids } : {}),
  ...(filter.source !== undefined ? { source: filter.source } : {}),
});

export const RagQueryRequest = z.strictObject({
  question: z.string().check(z.trim(), z.minLength(1, 'question must not be empty'), z.maxLength(2_000)),
  top_k: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 4),
  store: z.optional(z.enum(['pinecone', 'chroma'])),
  filter: z.optional(RagFilter),
  /** Pins the answer prompt's version (`v1`); the newest when absent. */
  prompt_version: PromptVersionField,
});
export type RagQueryRequest = z.output<typeof RagQueryRequest>;

export const RagFaissQueryRequest = z.strictObject({
  question: z.string().check(z.trim(), z.minLength(1, 'question must not be empty'), z.maxLength(2_000)),
  top_k: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 4),
  /** Pins the answer prompt's version (`v1`); the newest when absent. */
  prompt_version: PromptVersionField,
});
export type RagFaissQueryRequest = z.output<typeof RagFaissQueryRequest>;

/** What `POST /documents` answers: the committed version and where it is searchable. */
export const IngestDocumentResponse = z.object({
  document_id: z.string(),
  /** The committed version: every store answers with it from now on. */
  version: z.number().check(z.int(), z.minimum(1)),
  chunks: z.number().check(z.int(), z.minimum(0)),
  replaced: z.boolean(),
  stores: z.array(z.enum(VECTOR_STORE_NAMES)),
  embedding_model: z.string(),
  /** Chunks whose text the previous version had too: their stored vectors were reused, not recomputed. */
  embeddings_reused: z.number().check(z.int(), z.minimum(0)),
  timing_ms: z.number(),
});
export type IngestDocumentResponse = z.output<typeof IngestDocumentResponse>;

/** One committed document as `GET /documents` lists it. */
export const DocumentView = z.object({
  document_id: z.string(),
  version: z.number().check(z.int(), z.minimum(1)),
  source: z.string(),
  content_type: z.enum(SUPPORTED_CONTENT_TYPES),
  chunks: z.number().check(z.int(), z.minimum(0)),
  characters: z.number().check(z.int(), z.minimum(0)),
  stores: z.array(z.enum(VECTOR_STORE_NAMES)),
  embedding_model: z.string(),
  ingested_at: z.string(),
  metadata: z.optional(z.record(z.string(), MetadataValue)),
});
export type DocumentView = z.output<typeof DocumentView>;

/** A registry record as the API shows it (the registry keeps its own field names). */
export const documentView = (record: DocumentRecord): DocumentView => ({
  document_id: record.documentId,
  version: record.version,
  source: record.source,
  content_type: record.contentType,
  chunks: record.chunks,
  characters: record.characters,
  stores: record.stores,
  embedding_model: record.embeddingModel,
  ingested_at: record.ingestedAt,
  ...(record.metadata ? { metadata: record.metadata } : {}),
});

export const DocumentListResponse = z.object({
  documents: z.array(DocumentView),
  count: z.number().check(z.int()),
});
export type DocumentListResponse = z.output<typeof DocumentListResponse>;

export const DeleteDocumentResponse = z.object({ document_id: z.string(), deleted: z.literal(true) });
export type DeleteDocumentResponse = z.output<typeof DeleteDocumentResponse>;

/** A passage an answer used, numbered in the answer as it is in this list. */
export const RagSource = z.object({
  document_id: z.string(),
  chunk_index: z.number().check(z.int(), z.minimum(0)),
  score: z.number(),
  text: z.string(),
  source: z.string(),
});
export type RagSource = z.output<typeof RagSource>;

/** What `/rag-query` and `/rag-faiss-query` answer. */
export const RagAnswerResponse = z.object({
  answer: z.string(),
  sources: z.array(RagSource),
  /** Retrieved chunks that scored below the threshold, or did not fit the prompt, and were not used. */
  discarded: z.number().check(z.int(), z.minimum(0)),
  store: z.string(),
  /** The answer prompt's template and version, when the generator answered. */
  prompt: z.optional(PromptRef),
  model: z.object({ embeddings: ServedModel, generator: z.optional(ServedModel) }),
  timing_ms: z.number(),
});
export type RagAnswerResponse = z.output<typeof RagAnswerResponse>;
