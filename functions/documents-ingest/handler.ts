import { composeDocumentWriters } from '../../shared/app/document-ingestion';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { decodeBase64Text } from '../../shared/rag/decode-content';
import { IngestDocumentRequest } from '../../shared/rag/schema';

/** POST /documents: ingest a document (201), or replace one with the same id (200). */
export const { handler, create: createHandler } = httpFunction({
  name: 'documents-ingest',
  access: apiKeyAccess,
  safety: screened({ input: ['text'], output: [] }),
  body: IngestDocumentRequest,
  compose: composeDocumentWriters,
  warmUp: ({ runtime }) => runtime.load('embeddings'),
  handle: async ({ body }, { documents }) => {
    const result = await documents.ingest({
      ...(body.id ? { documentId: body.id } : {}),
      content: body.text ?? decodeBase64Text(body.content_base64 ?? ''),
      contentType: body.content_type,
      ...(body.source ? { source: body.source } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    });
    return { statusCode: result.replaced ? 200 : 201, body: result };
  },
});
