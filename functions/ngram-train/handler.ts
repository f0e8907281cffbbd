import { composeNgram } from '../../shared/app/ngram';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { NgramTrainRequest } from '../../shared/ngram/schema';

/** POST /ngram/train: a bigram or trigram model of the text, stored under its corpus id (replacing any before). */
export const { handler, create: createHandler } = httpFunction({
  name: 'ngram-train',
  access: apiKeyAccess,
  safety: screened({ input: ['text'], output: [] }),
  body: NgramTrainRequest,
  compose: (base) => ({ ...base, ngram: composeNgram(base) }),
  handle: async ({ body }, { ngram }) => ({
    body: await ngram.train(body.corpus_id, body.text, { n: body.n, smoothing: body.smoothing }),
  }),
});
