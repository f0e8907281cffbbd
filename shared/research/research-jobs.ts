/**
 * The researcher over a whole article (`read: "full"`) runs as a job of kind `research`: the worker runs the
 * same workflow definition in-process, reading up to RESEARCHER_MAX_JOB_ARTICLE_CHARS and summarizing with
 * a summary job's chunk limits, under the job's time limits rather than API Gateway's; `GET /jobs/{id}`
 * answers its result in the synchronous answer's shape.
 *
 * The route does not look the article up before answering 202: that would give it the Wikipedia client and
 * the article cache, and a second lookup of every topic. A topic with no article, or a disambiguation page,
 * fails the job instead, with the public error (type and message) the synchronous route answers.
 */
import type { Job } from '../jobs/job';
import type { JobExecutor } from '../jobs/job-runner';
import { safetyReportOf } from '../safety/safety-report';
import {
  ResearcherRequest,
  type ResearcherResponse,
  ResearcherResponseBody,
  type ResearcherService,
} from './researcher-service';
import type { WorkflowTimeouts } from './workflow-definition';

export const RESEARCH_JOB_KIND = 'research';

/** What `/researcher` screens (SAFETY_POLICIES of route `researcher`), on a request and on a job's result. */
export const RESEARCHER_SCREENED = {
  route: 'researcher',
  fields: { input: ['topic'], output: ['summary'] },
} as const;

/**
 * A job's limits in place of the definition's 27 s run and 20-25 s tasks: the worker may run 15 minutes
 * (900 s), and keeps the last half minute to record the outcome.
 */
export const RESEARCH_JOB_TIMEOUTS: WorkflowTimeouts = { runSeconds: 870, taskSeconds: 840 };

/** How the worker runs a research job: the stored request, read back through the route's schema. */
export const researchJobExecutor =
  (researcher: () => Promise<ResearcherService>): JobExecutor =>
  async (job) =>
    (await researcher()).research(ResearcherRequest.parse(job.request));

/** A finished research job's answer, read back through the schema of the synchronous answer. */
export const researchJobResult = (job: Job): ResearcherResponse | undefined =>
  job.status === 'succeeded' && job.result !== undefined
    ? { ...ResearcherResponseBody.parse(job.result), ...safetyReportOf(job.result) }
    : undefined;
