import { composeArticleSentiment } from '../../shared/app/research';
import { taskFunction } from '../../shared/research/task-function';
import * as z from '../../shared/schema';

/** Researcher step ClassifySentiment: the whole stored article, in sentence windows, aggregated. */
export const { handler, create, compose } = taskFunction({
  name: 'researcher-sentiment',
  input: z.object({ article_key: z.string().check(z.minLength(1)) }),
  compose: composeArticleSentiment,
  handle: async ({ article_key }, deps) => {
    const { text } = await deps.articles.read(article_key);
    return deps.articleSentiment.classify(text);
  },
});
