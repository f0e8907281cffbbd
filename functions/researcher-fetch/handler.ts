import { composeArticleFetch } from '../../shared/app/research';
import { elapsedMs } from '../../shared/models/model-info';
import { taskFunction } from '../../shared/research/task-function';
import { WikipediaLang } from '../../shared/research/wikipedia-article';
import * as z from '../../shared/schema';

/**
 * Researcher step FetchArticle: the article for a topic (its text stored, its reference returned), or why
 * there is none (no match, with suggestions; a disambiguation page, with candidates).
 */
export const { handler, create, compose } = taskFunction({
  name: 'researcher-fetch',
  input: z.object({ topic: z.string().check(z.minLength(1)), lang: WikipediaLang }),
  compose: composeArticleFetch,
  handle: async ({ topic, lang }, deps) => {
    const started = performance.now();
    const lookup = await deps.wikipedia.lookup(topic, lang);
    return { ...lookup, timing_ms: elapsedMs(started) };
  },
});
