import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import type { DocumentListResponse } from '../../shared/rag/schema';

/** GET /documents: every ingested document with its chunk count, newest first. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'documents-list',
      handle: async () => {
        const documents = await deps.documents.list();
        const body: DocumentListResponse = { documents, count: documents.length };
        return { body };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
