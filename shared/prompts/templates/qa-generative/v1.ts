/**
 * qa-generative@v1: the context when the request sends one, then the question, for sampled answers.
 * Released: change it only by adding a version.
 */
import * as z from '../../../schema';

export const text = '{{#context}}Context: {{context}}\n{{/context}}Question: {{question}}\nAnswer:';

export const variables = z.object({
  question: z.string().check(z.minLength(1)),
  context: z.optional(z.string()),
});
