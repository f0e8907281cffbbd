import { lazyJobWork } from '../../shared/app/lazy-jobs';
import { composeBucketModelRuntime } from '../../shared/app/model-bucket';
import { acceptedJob } from '../../shared/http/accepted-job';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { MAX_SUMMARY_TEXT_CHARS, SummarizeRequest } from '../../shared/summarization/schema';
import { createSummarizationService } from '../../shared/summarization/summarization-service';
import { SUMMARIZE_SCREENED } from '../../shared/summarization/summary-jobs';

/**
 * POST /summarize: abstractive summary of a text; up to MAX_SUMMARY_TEXT_CHARS at once, longer texts (up to
 * MAX_SUMMARY_JOB_TEXT_CHARS) as a job: 202 with the job to poll at `GET /jobs/{id}`.
 */
export const { handler, create: createHandler } = httpFunction({
  name: 'summarize',
  access: apiKeyAccess,
  safety: screened(SUMMARIZE_SCREENED.fields),
  cache: cached({ models: ['summarization'] }),
  body: SummarizeRequest,
  compose: (base) => {
    const runtime = composeBucketModelRuntime(base);
    return {
      ...base,
      runtime,
      summarization: createSummarizationService({ runtime }),
      summaryJobs: lazyJobWork(base),
    };
  },
  warmUp: ({ runtime }) => runtime.load('summarization'),
  handle: async ({ body, event }, { summarization, summaryJobs }) => {
    if (body.text.length > MAX_SUMMARY_TEXT_CHARS) return acceptedJob(summaryJobs, 'summarize', body, event);
    const result = await summarization.summarize(body);
    const { input_tokens: tokensIn, summary_tokens: tokensOut } = result.usage;
    return { body: result, usage: { tokens: tokensIn + tokensOut, tokensIn, tokensOut } };
  },
});
