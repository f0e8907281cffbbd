import { composeModelBucket } from '../../shared/app/model-bucket';
import { composeModelRuntime } from '../../shared/app/model-runtime';
import { BadRequestError } from '../../shared/errors';
import { GenerateTextRequest } from '../../shared/generation/schema';
import { createTextGenerationService } from '../../shared/generation/text-generation-service';
import { httpFunction } from '../../shared/http/http-function';
import { STREAMING_REFUSAL } from '../../shared/http/streaming';

/** POST /hello-llm: text generation from a prompt. */
export const { handler, create: createHandler } = httpFunction({
  name: 'hello-llm',
  body: GenerateTextRequest,
  compose: (base) => {
    const runtime = composeModelRuntime(base, { modelStore: composeModelBucket(base.config) });
    return { ...base, runtime, textGeneration: createTextGenerationService({ runtime }) };
  },
  warmUp: ({ runtime }) => runtime.load('text-generation'),
  handle: async ({ body }, { textGeneration }) => {
    if (body.stream) throw new BadRequestError(STREAMING_REFUSAL);
    return { body: await textGeneration.generate(body) };
  },
});
