import type { BaseDependencies } from '../../shared/app/base';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';
import { createAwsWorkflow } from '../../shared/research/aws-workflow';
import { createLocalWorkflow } from '../../shared/research/local-workflow';
import { createResearcherService, ResearcherRequest } from '../../shared/research/researcher-service';
import * as fetchStep from '../researcher-fetch/handler';
import * as sentimentStep from '../researcher-sentiment/handler';
import * as summarizeStep from '../researcher-summarize/handler';

/**
 * Deployed, the Express state machine (RESEARCHER_STATE_MACHINE_ARN) runs each step in its own function;
 * locally the same definition runs in-process, each task state bound to its step's handler.
 */
export function composeResearcher(base: BaseDependencies) {
  const arn = base.config.research.stateMachineArn;
  const workflow = arn
    ? createAwsWorkflow({ stateMachineArn: arn })
    : createLocalWorkflow({
        handlers: {
          FetchArticle: fetchStep.create(fetchStep.compose(base)),
          Summarize: summarizeStep.create(summarizeStep.compose(base)),
          ClassifySentiment: sentimentStep.create(sentimentStep.compose(base)),
        },
      });
  return { ...base, researcher: createResearcherService({ workflow }) };
}

/** POST /researcher: a Wikipedia article's summary and sentiment, through the researcher state machine. */
export const { handler, create } = httpFunction({
  name: 'researcher',
  access: apiKeyAccess,
  safety: screened({ input: ['topic'], output: ['summary'] }),
  body: ResearcherRequest,
  compose: composeResearcher,
  handle: async ({ body }, deps) => ({ body: await deps.researcher.research(body) }),
});
