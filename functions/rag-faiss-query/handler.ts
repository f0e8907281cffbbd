import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { RagFaissQueryRequest } from '../../shared/rag/schema';

/** POST /rag-faiss-query: the same answer over the FAISS index kept in the documents bucket. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'rag-faiss-query',
      body: RagFaissQueryRequest,
      handle: async ({ body }) => ({
        body: await deps.rag.answer({
          question: body.question,
          topK: body.top_k,
          store: deps.vectorStores.faiss(),
        }),
      }),
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'embeddings', 'text-generation');
  return createHandler(deps);
});
