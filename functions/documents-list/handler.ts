import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';

/** GET /documents: every ingested document with its chunk count, newest first. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'documents-list',
      handle: async () => {
        const documents = await deps.documents.list();
        return { body: { documents, count: documents.length } };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
