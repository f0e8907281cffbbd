import { composeExternalAnswering } from '../../shared/app/external-answering';
import { VectorStoreUnavailableError } from '../../shared/errors';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { RagQueryRequest, vectorFilterOf } from '../../shared/rag/schema';

/** POST /rag-query: an answer grounded in the Pinecone or Chroma store, with its sources. */
export const { handler, create: createHandler } = httpFunction({
  name: 'rag-query',
  access: apiKeyAccess,
  safety: screened({ input: ['question'], output: ['answer'] }),
  body: RagQueryRequest,
  compose: composeExternalAnswering,
  warmUp: ({ runtime }) => Promise.all([runtime.load('embeddings'), runtime.load('text-generation')]),
  handle: async ({ body }, { config, rag, vectorStores }) => {
    const name = body.store ?? config.rag.defaultStore;
    if (!name) {
      throw new VectorStoreUnavailableError(
        'no vector store is configured for /rag-query: set CHROMA_URL, or PINECONE_INDEX_HOST with a Pinecone key',
        { retryAfterSeconds: 60 },
      );
    }
    return {
      body: await rag.answer({
        question: body.question,
        topK: body.top_k,
        store: await vectorStores.external(name),
        ...(body.filter ? { filter: vectorFilterOf(body.filter) } : {}),
        ...(body.prompt_version ? { promptVersion: body.prompt_version } : {}),
      }),
    };
  },
});
