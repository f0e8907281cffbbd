import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { SummarizeRequest } from '../../shared/summarization/schema';

/** POST /summarize: abstractive summary of text of any length up to the documented limit. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'summarize',
      body: SummarizeRequest,
      handle: async ({ body }) => ({ body: await deps.summarization.summarize(body) }),
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'summarization');
  return createHandler(deps);
});
