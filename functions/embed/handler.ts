import { composeModelRuntime } from '../../shared/app/model-runtime';
import { createEmbeddingService } from '../../shared/embeddings/embedding-service';
import { EmbedRequest } from '../../shared/embeddings/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';

/** POST /embed: normalized sentence embeddings, one forward pass for the batch. */
export const { handler, create: createHandler } = httpFunction({
  name: 'embed',
  access: apiKeyAccess,
  safety: screened({ input: ['texts'], output: [] }),
  cache: cached({ models: ['embeddings'] }),
  body: EmbedRequest,
  compose: (base) => {
    const runtime = composeModelRuntime(base);
    return { ...base, runtime, embeddings: createEmbeddingService({ runtime }) };
  },
  warmUp: ({ runtime }) => runtime.load('embeddings'),
  handle: async ({ body }, { embeddings }) => {
    const result = await embeddings.embed(body.texts);
    return {
      body: {
        embeddings: result.vectors.map((v) => Array.from(v)),
        dimensions: result.dimensions,
        model: result.model,
        timing_ms: result.timingMs,
      },
    };
  },
});
