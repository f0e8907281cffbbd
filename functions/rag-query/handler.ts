import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { VectorStoreUnavailableError } from '../../shared/errors';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { RagQueryRequest, vectorFilterOf } from '../../shared/rag/schema';

/** POST /rag-query: an answer grounded in the Pinecone or Chroma store, with its sources. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'rag-query',
      body: RagQueryRequest,
      handle: async ({ body }) => {
        const name = body.store ?? deps.config.rag.defaultStore;
        if (!name) {
          throw new VectorStoreUnavailableError(
            'no vector store is configured for /rag-query: set CHROMA_URL, or PINECONE_INDEX_HOST with a Pinecone key',
            { retryAfterSeconds: 60 },
          );
        }
        const store = await deps.vectorStores.external(name);
        return {
          body: await deps.rag.answer({
            question: body.question,
            topK: body.top_k,
            store,
            ...(body.filter ? { filter: vectorFilterOf(body.filter) } : {}),
          }),
        };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'embeddings', 'text-generation');
  return createHandler(deps);
});
