import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { describeModels } from '../../shared/models/model-plan';

const startedAt = Date.now();

/**
 * GET /health: liveness, the model profile, and every model of the catalog as this configuration serves it
 * (which model, and where its files would come from), read from the configuration and the model folders:
 * the health function loads no model, and each model function keeps its own.
 */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'health',
      handle: async () => ({
        body: {
          status: 'ok',
          profile: deps.config.modelProfile,
          models: describeModels(deps.config),
          uptime_s: Math.round((Date.now() - startedAt) / 1000),
        },
      }),
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
