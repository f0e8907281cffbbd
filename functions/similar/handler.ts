import { composeSimilarity } from '../../shared/app/similarity';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { SimilarRequest } from '../../shared/similarity/schema';

/** POST /similar: the entries of a vocabulary nearest to a word or phrase, by cosine similarity. */
export const { handler, create: createHandler } = httpFunction({
  name: 'similar',
  access: apiKeyAccess,
  safety: screened({ input: ['text', 'vocabulary'], output: ['results.*.text'] }),
  cache: cached<SimilarRequest>({
    models: ['embeddings'],
    // Over a given vocabulary (not the ingested documents' words, which change).
    when: (body) => body.vocabulary !== undefined,
  }),
  body: SimilarRequest,
  compose: composeSimilarity,
  warmUp: ({ runtime }) => runtime.load('embeddings'),
  handle: async ({ body }, { similarity }) => ({
    body: await similarity.similar({ text: body.text, k: body.k, vocabulary: body.vocabulary }),
  }),
});
