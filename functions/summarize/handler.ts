import { composeModelBucket } from '../../shared/app/model-bucket';
import { composeModelRuntime } from '../../shared/app/model-runtime';
import { httpFunction } from '../../shared/http/http-function';
import { SummarizeRequest } from '../../shared/summarization/schema';
import { createSummarizationService } from '../../shared/summarization/summarization-service';

/** POST /summarize: abstractive summary of text of any length up to the documented limit. */
export const { handler, create: createHandler } = httpFunction({
  name: 'summarize',
  body: SummarizeRequest,
  compose: (base) => {
    const runtime = composeModelRuntime(base, { modelStore: composeModelBucket(base.config) });
    return { ...base, runtime, summarization: createSummarizationService({ runtime }) };
  },
  warmUp: ({ runtime }) => runtime.load('summarization'),
  handle: async ({ body }, { summarization }) => ({ body: await summarization.summarize(body) }),
});
