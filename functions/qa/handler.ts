import { composeQuestionAnswering } from '../../shared/app/question-answering';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { QA_GENERATIVE_PROMPT } from '../../shared/prompts/qa-generative';
import { QaRequest } from '../../shared/qa/schema';

/** POST /qa: the best distinct answers to a question, from its context or the ingested documents. */
export const { handler, create: createHandler } = httpFunction({
  name: 'qa',
  access: apiKeyAccess,
  safety: screened({ input: ['question', 'context'], output: ['answers.*.answer', 'answers.*.formatted'] }),
  body: QaRequest,
  // Deterministic with a context (the documents change): extracted spans, or seeded samples.
  cache: cached<QaRequest>({
    models: ['question-answering', 'text-generation'],
    when: (body) => body.context !== undefined && (body.mode === 'extractive' || body.seed !== undefined),
    prompt: (body) =>
      body.mode === 'generative' ? QA_GENERATIVE_PROMPT.resolve(body.prompt_version) : undefined,
  }),
  compose: composeQuestionAnswering,
  warmUp: ({ runtime }) => runtime.load('question-answering'),
  handle: async ({ body }, { qa }) => ({ body: await qa.answer(body) }),
});
