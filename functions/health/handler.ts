import { httpFunction } from '../../shared/http/http-function';
import type { HealthResponse } from '../../shared/models/health-view';
import { describeModels } from '../../shared/models/model-plan';

const startedAt = Date.now();

/**
 * GET /health: liveness, the model profile, and every model of the catalog as this configuration serves it
 * (which model, and where its files would come from), read from the configuration and the model folders:
 * the health function loads no model and composes no model runtime; each model function keeps its own.
 */
export const { handler, create: createHandler } = httpFunction({
  name: 'health',
  access: 'open',
  compose: (base) => base,
  handle: async (_request, { config }) => {
    const body: HealthResponse = {
      status: 'ok',
      profile: config.modelProfile,
      models: describeModels(config),
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    };
    return { body };
  },
});
