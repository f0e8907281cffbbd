import { composeOpenAiCompletions } from '../../shared/app/openai-completions';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { EmbeddingRequest } from '../../shared/openai/schema';

/** POST /v1/embeddings: OpenAI's embeddings over the suite's embedder. */
export const { handler, create: createHandler } = httpFunction({
  name: 'v1-embeddings',
  access: apiKeyAccess,
  safety: screened({ input: ['input'], output: [] }),
  cache: cached({ models: ['embeddings'] }),
  body: EmbeddingRequest,
  errors: 'openai',
  compose: composeOpenAiCompletions,
  warmUp: ({ runtime }) => runtime.load('embeddings'),
  handle: async ({ body }, { openai }) => ({ body: await openai.embed(body) }),
});
