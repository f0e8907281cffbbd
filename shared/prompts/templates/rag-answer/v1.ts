/**
 * rag-answer@v1: the numbered passages, then the question. Released: change it only by adding a version.
 */
import * as z from '../../../schema';

export const text =
  'Answer the question using only the numbered passages. Cite passages as [1], [2]. ' +
  'If they do not contain the answer, say "I don\'t know".\n\n{{passages}}\n\nQuestion: {{question}}\nAnswer:';

export const parts = { passage: '[{{index}}] ({{source}}) {{text}}' };

export const variables = z.object({
  question: z.string().check(z.minLength(1)),
  /** The rendered passages, one a line. */
  passages: z.string(),
});
