import { NotFoundError } from '../../shared/errors';
import { httpFunction } from '../../shared/http/http-function';
import { prometheusText } from '../../shared/http/request-metrics';

/**
 * GET /metrics: every route's usage figures in Prometheus' text format, from the registry the HTTP layer
 * fills in this process. Under `npm start` every function shares the process, so these are the server's
 * figures; deployed, each container holds only its own, so the deployed figures are CloudWatch's (EMF) and
 * this route answers 404.
 */
export const { handler, create: createHandler } = httpFunction({
  name: 'metrics',
  access: 'open',
  compose: (base) => base,
  handle: async (_request, { config }) => {
    if (config.runningOnLambda)
      throw new NotFoundError(
        'deployed, the metrics are in CloudWatch (namespace genai-endpoints), not here',
      );
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      body: prometheusText(),
    };
  },
});
