import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { decodeBase64Text } from '../../shared/rag/decode-content';
import { IngestDocumentRequest } from '../../shared/rag/schema';

/** POST /documents: ingest a document (201), or replace one with the same id (200). */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'documents-ingest',
      body: IngestDocumentRequest,
      handle: async ({ body }) => {
        const result = await deps.documents.ingest({
          ...(body.id ? { documentId: body.id } : {}),
          content: body.text ?? decodeBase64Text(body.content_base64 ?? ''),
          contentType: body.content_type,
          ...(body.source ? { source: body.source } : {}),
          ...(body.metadata ? { metadata: body.metadata } : {}),
        });
        return { statusCode: result.replaced ? 200 : 201, body: result };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'embeddings');
  return createHandler(deps);
});
