import { composeNgram } from '../../shared/app/ngram';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { NgramGenerateRequest } from '../../shared/ngram/schema';

/** POST /generate: text sampled from an n-gram corpus (the suite's own documentation by default), seeded. */
export const { handler, create: createHandler } = httpFunction({
  name: 'ngram-generate',
  access: apiKeyAccess,
  safety: screened({ input: ['start'], output: ['text'] }),
  body: NgramGenerateRequest,
  compose: (base) => ({ ...base, ngram: composeNgram(base) }),
  handle: async ({ body }, { ngram }) => ({
    body: await ngram.generate({
      corpusId: body.corpus_id,
      start: body.start,
      length: body.length,
      temperature: body.temperature,
      seed: body.seed,
    }),
  }),
});
