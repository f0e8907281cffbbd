import { composeArticleSummary } from '../../shared/app/research';
import { taskFunction } from '../../shared/research/task-function';
import * as z from '../../shared/schema';

/** Researcher step Summarize: the summary of the stored article, chunked and merged as /summarize does. */
export const { handler, create, compose } = taskFunction({
  name: 'researcher-summarize',
  input: z.object({
    article_key: z.string().check(z.minLength(1)),
    max_length: z.number().check(z.int(), z.minimum(5), z.maximum(512)),
  }),
  compose: composeArticleSummary,
  handle: async ({ article_key, max_length }, deps) => {
    const { text } = await deps.articles.read(article_key);
    const result = await deps.summarization.summarize({
      text,
      max_length,
      min_length: Math.min(30, max_length),
      num_beams: 1,
    });
    return {
      summary: result.summary,
      chunks: result.chunks,
      rounds: result.rounds,
      model: result.model,
      timing_ms: result.timing_ms,
    };
  },
});
