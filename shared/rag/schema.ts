import { z } from 'zod';
import { SUPPORTED_CONTENT_TYPES } from './document-text';

/** Document ids travel in URL paths and chunk ids: letters, digits and . _ : - only. */
export const DocumentId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/,
    'use 1 to 200 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  );

const MetadataValue = z.union([z.string().max(1_000), z.number(), z.boolean()]);

export const MAX_DOCUMENT_CHARS = 2_000_000;

export const IngestDocumentRequest = z
  .strictObject({
    id: DocumentId.optional(),
    text: z.string().max(MAX_DOCUMENT_CHARS).optional(),
    content_base64: z
      .string()
      .max(Math.ceil((MAX_DOCUMENT_CHARS * 4) / 3) + 4)
      .optional(),
    content_type: z.enum(SUPPORTED_CONTENT_TYPES).default('text/plain'),
    source: z.string().trim().min(1).max(500).optional(),
    metadata: z.record(z.string().max(100), MetadataValue).optional(),
  })
  .refine((r) => (r.text === undefined) !== (r.content_base64 === undefined), {
    message: 'send either "text" or "content_base64", not both',
  });
export type IngestDocumentRequest = z.output<typeof IngestDocumentRequest>;

export const RagFilter = z.strictObject({
  documentIds: z.array(DocumentId).min(1).max(100).optional(),
  source: z.string().min(1).max(500).optional(),
});

export const RagQueryRequest = z.strictObject({
  question: z.string().trim().min(1, 'question must not be empty').max(2_000),
  top_k: z.number().int().min(1).max(20).default(4),
  store: z.enum(['pinecone', 'chroma']).optional(),
  filter: RagFilter.optional(),
});
export type RagQueryRequest = z.output<typeof RagQueryRequest>;

export const RagFaissQueryRequest = z.strictObject({
  question: z.string().trim().min(1, 'question must not be empty').max(2_000),
  top_k: z.number().int().min(1).max(20).default(4),
});
export type RagFaissQueryRequest = z.output<typeof RagFaissQueryRequest>;
