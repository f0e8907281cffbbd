import { composeBucketModelRuntime } from '../../shared/app/model-bucket';
import { BadRequestError } from '../../shared/errors';
import { GenerateTextRequest } from '../../shared/generation/schema';
import { createTextGenerationService } from '../../shared/generation/text-generation-service';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { STREAMING_REFUSAL } from '../../shared/http/streaming';

/** POST /hello-llm: text generation from a prompt. */
export const { handler, create: createHandler } = httpFunction({
  name: 'hello-llm',
  access: apiKeyAccess,
  safety: screened({ input: ['prompt'], output: ['completion', 'generated_text'] }),
  cache: cached<GenerateTextRequest>({
    models: ['text-generation'],
    // Greedy, or sampled with a seed: the same request gives the same text.
    when: (body) => !body.do_sample || body.seed !== undefined,
  }),
  body: GenerateTextRequest,
  compose: (base) => {
    const runtime = composeBucketModelRuntime(base);
    return { ...base, runtime, textGeneration: createTextGenerationService({ runtime }) };
  },
  warmUp: ({ runtime }) => runtime.load('text-generation'),
  // A byte-level tokenizer makes at most one token of each byte of the prompt.
  reserve: (body) => ({ tokens: Buffer.byteLength(body.prompt) + body.max_new_tokens + 2 }),
  handle: async ({ body }, { textGeneration }) => {
    if (body.stream) throw new BadRequestError(STREAMING_REFUSAL);
    const result = await textGeneration.generate(body);
    const { prompt_tokens: tokensIn, completion_tokens: tokensOut } = result.usage;
    return { body: result, usage: { tokens: tokensIn + tokensOut, tokensIn, tokensOut } };
  },
});
