import { composeOpenAiCompletions } from '../../shared/app/openai-completions';
import { GenerateTextRequest } from '../../shared/generation/schema';
import { screened } from '../../shared/http/safety-declaration';
import { streamingFunction } from '../../shared/http/streaming';
import { ChatCompletionRequest, CompletionRequest } from '../../shared/openai/schema';

/**
 * The streaming endpoint: `/v1/chat/completions`, `/v1/completions` and `/hello-llm` with `"stream": true`
 * as server-sent events, token by token (in one piece without it). Deployed on a function URL in response
 * streaming mode; under `npm start` on the server's own port.
 */
export const {
  handler,
  create: createHandler,
  compose,
  paths,
} = streamingFunction({
  name: 'stream',
  compose: composeOpenAiCompletions,
  routes: {
    '/v1/chat/completions': {
      name: 'v1-chat-completions',
      body: ChatCompletionRequest,
      safety: screened({ input: ['messages.*.content', 'messages.*.content.*.text'], output: [] }),
      dialect: 'openai',
      respond: (body, { openai }, stream) => openai.chat(body, stream),
    },
    '/v1/completions': {
      name: 'v1-completions',
      body: CompletionRequest,
      safety: screened({ input: ['prompt'], output: [] }),
      dialect: 'openai',
      respond: (body, { openai }, stream) => openai.complete(body, stream),
    },
    '/hello-llm': {
      name: 'hello-llm',
      body: GenerateTextRequest,
      safety: screened({ input: ['prompt'], output: [] }),
      reserve: (body) => ({ tokens: Buffer.byteLength(body.prompt) + body.max_new_tokens + 2 }),
      dialect: 'suite',
      respond: (body, { textGeneration }, stream) =>
        textGeneration.generate(
          body,
          stream ? { onText: (text) => stream.emit({ text }), signal: stream.signal } : {},
        ),
    },
  },
});
