import { composeFaissAnswering } from '../../shared/app/faiss-answering';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { RagFaissQueryRequest } from '../../shared/rag/schema';

/** POST /rag-faiss-query: the same answer over the FAISS index kept in the documents bucket. */
export const { handler, create: createHandler } = httpFunction({
  name: 'rag-faiss-query',
  access: apiKeyAccess,
  safety: screened({ input: ['question'], output: ['answer'] }),
  body: RagFaissQueryRequest,
  compose: composeFaissAnswering,
  warmUp: ({ runtime }) => Promise.all([runtime.load('embeddings'), runtime.load('text-generation')]),
  handle: async ({ body }, { rag, vectorStores }) => ({
    body: await rag.answer({
      question: body.question,
      topK: body.top_k,
      store: vectorStores.faiss(),
      ...(body.prompt_version ? { promptVersion: body.prompt_version } : {}),
    }),
  }),
});
