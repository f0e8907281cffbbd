import { httpFunction } from '../../shared/http/http-function';
import { type HealthResponse, modelStatusView } from '../../shared/models/health-view';
import { describeModels } from '../../shared/models/model-runtime';

const startedAt = Date.now();

/**
 * GET /health: liveness, the model profile, and where each model of the catalog would be loaded from. It
 * loads no model and no model runtime: every other function is its own container with its own models.
 */
export const { handler, create: createHandler } = httpFunction({
  name: 'health',
  compose: (base) => base,
  handle: async (_request, { config }) => {
    const body: HealthResponse = {
      status: 'ok',
      profile: config.modelProfile,
      models: describeModels(config).map(modelStatusView),
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    };
    return { body };
  },
});
