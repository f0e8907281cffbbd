import { composeOpenAiCompletions } from '../../shared/app/openai-completions';
import { BadRequestError } from '../../shared/errors';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { STREAMING_REFUSAL } from '../../shared/http/streaming';
import { ChatCompletionRequest } from '../../shared/openai/schema';
import { OPENAI_CHAT_PROMPT } from '../../shared/prompts/openai-chat';

/** POST /v1/chat/completions: OpenAI's chat completions over the suite's generator. */
export const { handler, create: createHandler } = httpFunction({
  name: 'v1-chat-completions',
  access: apiKeyAccess,
  safety: screened({
    input: ['messages.*.content', 'messages.*.content.*.text'],
    output: ['choices.*.message.content'],
  }),
  cache: cached<ChatCompletionRequest>({
    models: ['text-generation'],
    // Greedy (temperature 0), or sampled with a seed: the same request gives the same choices.
    when: (body) => body.temperature === 0 || (body.seed !== undefined && body.seed !== null),
    prompt: (body) => OPENAI_CHAT_PROMPT.resolve(body.prompt_version),
  }),
  body: ChatCompletionRequest,
  errors: 'openai',
  compose: composeOpenAiCompletions,
  warmUp: ({ runtime }) => runtime.load('text-generation'),
  handle: async ({ body }, { openai }) => {
    if (body.stream) throw new BadRequestError(STREAMING_REFUSAL);
    return { body: await openai.chat(body) };
  },
});
