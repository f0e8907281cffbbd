import type { BaseDependencies } from '../../shared/app/base';
import { lazyJobWork } from '../../shared/app/lazy-jobs';
import { acceptedJob } from '../../shared/http/accepted-job';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { createAwsWorkflow } from '../../shared/research/aws-workflow';
import { RESEARCH_JOB_KIND, RESEARCHER_SCREENED } from '../../shared/research/research-jobs';
import { createResearcherService, ResearcherRequest } from '../../shared/research/researcher-service';
import { lazyWorkflow } from '../../shared/research/workflow';
import { DEFAULT_SUMMARIZATION_LIMITS } from '../../shared/summarization/summarization-service';

/** The definition run in-process, each task state bound to its step's handler: loaded with the first run. */
const localWorkflow = (base: BaseDependencies) =>
  lazyWorkflow(async () => {
    const [{ createLocalWorkflow }, fetchStep, summarizeStep, sentimentStep] = await Promise.all([
      import('../../shared/research/local-workflow'),
      import('../researcher-fetch/handler'),
      import('../researcher-summarize/handler'),
      import('../researcher-sentiment/handler'),
    ]);
    return createLocalWorkflow({
      handlers: {
        FetchArticle: fetchStep.create(fetchStep.compose(base)),
        Summarize: summarizeStep.create(summarizeStep.compose(base)),
        ClassifySentiment: sentimentStep.create(sentimentStep.compose(base)),
      },
    });
  });

/**
 * Deployed, the Express state machine (RESEARCHER_STATE_MACHINE_ARN) runs each step in its own function, and
 * the function parses none of the steps' code; locally the same definition runs in-process. Either reads the
 * article's lead (RESEARCHER_MAX_ARTICLE_CHARS) and summarizes it in one chunk; a whole article is a job's.
 */
export function composeResearcher(base: BaseDependencies) {
  const arn = base.config.research.stateMachineArn;
  const workflow = arn ? createAwsWorkflow({ stateMachineArn: arn }) : localWorkflow(base);
  const reading = {
    maxArticleChars: base.config.research.maxArticleChars,
    summary: DEFAULT_SUMMARIZATION_LIMITS,
  };
  return {
    ...base,
    researcher: createResearcherService({ workflow, reading }),
    researchJobs: lazyJobWork(base),
  };
}

/**
 * POST /researcher: a Wikipedia article's summary and sentiment, through the researcher state machine: its
 * lead at once, or (`read: "full"`) the whole article as a job, 202 with the job to poll at `GET /jobs/{id}`.
 */
export const { handler, create } = httpFunction({
  name: 'researcher',
  access: apiKeyAccess,
  safety: screened(RESEARCHER_SCREENED.fields),
  body: ResearcherRequest,
  compose: composeResearcher,
  handle: async ({ body, event }, deps) => {
    if (body.read === 'full') return acceptedJob(deps.researchJobs, RESEARCH_JOB_KIND, body, event);
    return { body: await deps.researcher.research(body) };
  },
});
