import { composeOpenAiCompletions } from '../../shared/app/openai-completions';
import { BadRequestError } from '../../shared/errors';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { STREAMING_REFUSAL } from '../../shared/http/streaming';
import { CompletionRequest } from '../../shared/openai/schema';

/** POST /v1/completions: OpenAI's (legacy) text completions over the suite's generator. */
export const { handler, create: createHandler } = httpFunction({
  name: 'v1-completions',
  access: apiKeyAccess,
  safety: screened({ input: ['prompt'], output: ['choices.*.text'] }),
  cache: cached<CompletionRequest>({
    models: ['text-generation'],
    when: (body) => body.temperature === 0 || (body.seed !== undefined && body.seed !== null),
  }),
  body: CompletionRequest,
  errors: 'openai',
  compose: composeOpenAiCompletions,
  warmUp: ({ runtime }) => runtime.load('text-generation'),
  handle: async ({ body }, { openai }) => {
    if (body.stream) throw new BadRequestError(STREAMING_REFUSAL);
    return { body: await openai.complete(body) };
  },
});
