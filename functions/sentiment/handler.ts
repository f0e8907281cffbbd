import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { SentimentRequest } from '../../shared/classification/schema';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';

/** POST /sentiment: `{text}` answers one result, `{texts}` a list in the same order. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'sentiment',
      body: SentimentRequest,
      handle: async ({ body }) => {
        const texts = body.texts ?? [body.text as string];
        const { results, model, timing_ms } = await deps.sentiment.classify(texts);
        return { body: body.texts ? { results, model, timing_ms } : { ...results[0], model, timing_ms } };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'sentiment');
  return createHandler(deps);
});
