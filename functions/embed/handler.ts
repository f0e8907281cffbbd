import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { EmbedRequest } from '../../shared/embeddings/schema';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';

/** POST /embed: normalized sentence embeddings, one forward pass for the batch. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'embed',
      body: EmbedRequest,
      handle: async ({ body }) => {
        const result = await deps.embeddings.embed(body.texts);
        return {
          body: {
            embeddings: result.vectors.map((v) => Array.from(v)),
            dimensions: result.dimensions,
            model: result.model,
            timing_ms: result.timingMs,
          },
        };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'embeddings');
  return createHandler(deps);
});
