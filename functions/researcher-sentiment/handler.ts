import { composeArticleSentiment } from '../../shared/app/research';
import { classifyArticleStep } from '../../shared/research/research-steps';
import { taskFunction } from '../../shared/research/task-function';

/** Researcher step ClassifySentiment: the whole stored article, in sentence windows, aggregated. */
export const { handler, create, compose } = taskFunction({
  ...classifyArticleStep,
  compose: composeArticleSentiment,
});
