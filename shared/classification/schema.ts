import { ServedModel } from '../http/common-fields';
import * as z from '../schema';

export const MAX_SENTIMENT_BATCH = 64;
const Text = z.string().check(z.trim(), z.minLength(1, 'text must not be empty'), z.maxLength(10_000));

export const SentimentRequest = z
  .strictObject({
    text: z.optional(Text),
    texts: z.optional(z.array(Text).check(z.minLength(1), z.maxLength(MAX_SENTIMENT_BATCH))),
  })
  .check(
    z.refine((r) => (r.text === undefined) !== (r.texts === undefined), {
      message: `send either "text" (a string) or "texts" (1 to ${MAX_SENTIMENT_BATCH} strings), not both`,
    }),
  );
export type SentimentRequest = z.output<typeof SentimentRequest>;

const LabelScore = z.object({ label: z.string(), score: z.number() });
/** One text's label, with every label's probability, highest first. */
const SentimentScore = z.extend(LabelScore, { scores: z.array(LabelScore) });

/** One text (`text`) answers its score at the top level; a batch (`texts`) answers `results` in order. */
export const SentimentResponse = z.union([
  z.extend(SentimentScore, { model: ServedModel, timing_ms: z.number() }),
  z.object({ results: z.array(SentimentScore), model: ServedModel, timing_ms: z.number() }),
]);
