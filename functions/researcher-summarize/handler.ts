import { composeArticleSummary } from '../../shared/app/research';
import { summarizeArticleStep } from '../../shared/research/research-steps';
import { taskFunction } from '../../shared/research/task-function';

/** Researcher step Summarize: the summary of the stored article, chunked and merged as /summarize does. */
export const { handler, create, compose } = taskFunction({
  ...summarizeArticleStep,
  compose: composeArticleSummary,
});
