import { composeQuestionAnswering } from '../../shared/app/question-answering';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { QaRequest } from '../../shared/qa/schema';

/** POST /qa: the best distinct answers to a question, from its context or the ingested documents. */
export const { handler, create: createHandler } = httpFunction({
  name: 'qa',
  access: apiKeyAccess,
  safety: screened({ input: ['question', 'context'], output: ['answers.*.answer', 'answers.*.formatted'] }),
  cache: cached<QaRequest>({
    models: ['question-answering', 'text-generation'],
    // Over a given context (not the ingested documents, which change), extracted or sampled with a seed.
    when: (body) => body.context !== undefined && (body.mode === 'extractive' || body.seed !== undefined),
  }),
  body: QaRequest,
  compose: composeQuestionAnswering,
  warmUp: ({ runtime }) => runtime.load('question-answering'),
  handle: async ({ body }, { qa }) => ({ body: await qa.answer(body) }),
});
