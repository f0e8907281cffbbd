import { composeBucketModelRuntime } from '../../shared/app/model-bucket';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { SummarizeRequest } from '../../shared/summarization/schema';
import { createSummarizationService } from '../../shared/summarization/summarization-service';

/** POST /summarize: abstractive summary of text of any length up to the documented limit. */
export const { handler, create: createHandler } = httpFunction({
  name: 'summarize',
  access: apiKeyAccess,
  safety: screened({ input: ['text'], output: ['summary'] }),
  cache: cached({ models: ['summarization'] }),
  body: SummarizeRequest,
  compose: (base) => {
    const runtime = composeBucketModelRuntime(base);
    return { ...base, runtime, summarization: createSummarizationService({ runtime }) };
  },
  warmUp: ({ runtime }) => runtime.load('summarization'),
  handle: async ({ body }, { summarization }) => {
    const result = await summarization.summarize(body);
    const { input_tokens: tokensIn, summary_tokens: tokensOut } = result.usage;
    return { body: result, usage: { tokens: tokensIn + tokensOut, tokensIn, tokensOut } };
  },
});
