import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { type HealthResponse, modelStatusView } from '../../shared/models/health-view';

const startedAt = Date.now();

/** GET /health: liveness, the model profile, and each model's state in this container. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'health',
      handle: async () => {
        const body: HealthResponse = {
          status: 'ok',
          profile: deps.runtime.profile,
          models: deps.runtime.status().map(modelStatusView),
          uptime_s: Math.round((Date.now() - startedAt) / 1000),
        };
        return { body };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
