import { z } from 'zod';
import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { type DeleteDocumentResponse, DocumentId } from '../../shared/rag/schema';

/** DELETE /documents/{id}: marks the document deleted in the registry, then removes its chunks from every store. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'documents-delete',
      params: z.object({ id: DocumentId }),
      handle: async ({ params }) => {
        await deps.documents.remove(params.id);
        const body: DeleteDocumentResponse = { document_id: params.id, deleted: true };
        return { body };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
