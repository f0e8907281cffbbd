import { composeOpenAiCompletions } from '../../shared/app/openai-completions';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';

/** GET /v1/models: the models the `/v1` routes serve, by the ids their `model` field takes. */
export const { handler, create: createHandler } = httpFunction({
  name: 'v1-models',
  access: apiKeyAccess,
  errors: 'openai',
  compose: composeOpenAiCompletions,
  handle: async (_request, { openai }) => ({ body: openai.models() }),
});
