/**
 * Summaries of texts longer than one request can afford (MAX_SUMMARY_TEXT_CHARS, up to
 * MAX_SUMMARY_JOB_TEXT_CHARS) run as jobs of kind `summarize`: the worker runs the same service over up to
 * SUMMARY_JOB_MAX_CHUNKS chunks, and `GET /jobs/{id}` answers its result in the synchronous answer's shape.
 */
import type { Job } from '../jobs/job';
import type { JobExecutor } from '../jobs/job-runner';
import { safetyReportOf } from '../safety/safety-report';
import { SUMMARY_JOB_MAX_CHUNKS } from './limits';
import { SummarizeRequest, SummarizeResponse } from './schema';
import type { SummarizationLimits, SummarizationService } from './summarization-service';

export const SUMMARY_JOB_KIND = 'summarize';

/** What `/summarize` screens (SAFETY_POLICIES of route `summarize`), on a request and on a job's result. */
export const SUMMARIZE_SCREENED = {
  route: 'summarize',
  fields: { input: ['text'], output: ['summary'] },
} as const;

/** What a summary job may do: more chunks than a request, and the same merge rounds. */
export const SUMMARY_JOB_LIMITS: SummarizationLimits = { maxChunks: SUMMARY_JOB_MAX_CHUNKS, maxRounds: 3 };

/** How the worker runs a summary job: the stored request, read back through the route's schema. */
export const summaryJobExecutor =
  (summarization: SummarizationService): JobExecutor =>
  (job) =>
    summarization.summarize(SummarizeRequest.parse(job.request), SUMMARY_JOB_LIMITS);

/** A finished summary job's answer, read back through the schema of the synchronous answer (and its safety report). */
export const summaryJobResult = (job: Job): SummarizeResponse | undefined =>
  job.status === 'succeeded' && job.result !== undefined
    ? { ...SummarizeResponse.parse(job.result), ...safetyReportOf(job.result) }
    : undefined;
