import { composeModelRuntime } from '../../shared/app/model-runtime';
import { SentimentRequest } from '../../shared/classification/schema';
import { createSentimentService } from '../../shared/classification/sentiment-service';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { screened } from '../../shared/http/safety-declaration';

/** POST /sentiment: `{text}` answers one result, `{texts}` a list in the same order. */
export const { handler, create: createHandler } = httpFunction({
  name: 'sentiment',
  access: apiKeyAccess,
  safety: screened({ input: ['text', 'texts'], output: [] }),
  cache: cached({ models: ['sentiment'] }),
  body: SentimentRequest,
  compose: (base) => {
    const runtime = composeModelRuntime(base);
    return { ...base, runtime, sentiment: createSentimentService({ runtime }) };
  },
  warmUp: ({ runtime }) => runtime.load('sentiment'),
  handle: async ({ body }, { sentiment }) => {
    const texts = body.texts ?? [body.text as string];
    const { results, model, timing_ms } = await sentiment.classify(texts);
    return { body: body.texts ? { results, model, timing_ms } : { ...results[0], model, timing_ms } };
  },
});
