import { composeArticleFetch } from '../../shared/app/research';
import { fetchArticleStep } from '../../shared/research/research-steps';
import { taskFunction } from '../../shared/research/task-function';

/**
 * Researcher step FetchArticle: the article for a topic (its text stored up to the read limit its input
 * says, its reference returned), or why there is none (no match, with suggestions; a disambiguation page,
 * with candidates).
 */
export const { handler, create, compose } = taskFunction({
  ...fetchArticleStep,
  compose: composeArticleFetch,
});
