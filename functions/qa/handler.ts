import { composeQuestionAnswering } from '../../shared/app/question-answering';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { QaRequest } from '../../shared/qa/schema';

/** POST /qa: the best distinct answers to a question, from its context or the ingested documents. */
export const { handler, create: createHandler } = httpFunction({
  name: 'qa',
  access: apiKeyAccess,
  safety: screened({ input: ['question', 'context'], output: ['answers.*.answer', 'answers.*.formatted'] }),
  body: QaRequest,
  compose: composeQuestionAnswering,
  warmUp: ({ runtime }) => runtime.load('question-answering'),
  handle: async ({ body }, { qa }) => ({ body: await qa.answer(body) }),
});
