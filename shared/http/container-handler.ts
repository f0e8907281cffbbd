/**
 * Builds a function's handler once per container, at import (cold start). A build that fails (invalid
 * configuration, say) must not crash the module, which would hand the client the runtime's raw error: every
 * request then gets a JSON 500 that names no internals, and the cause goes to the logs.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { ErrorBody } from './error-response';
import type { HttpHandler } from './handler';
import { requestIdOf } from './request-id';
import { jsonResponse } from './response';

export function containerHandler(build: () => HttpHandler): HttpHandler {
  let built: HttpHandler | undefined;
  let failure: unknown;
  try {
    built = build();
  } catch (error) {
    failure = error;
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'handler could not be built',
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      }),
    );
  }
  return async (event: APIGatewayProxyEventV2, context: Context) => {
    if (built) return built(event, context);
    const requestId = event && typeof event === 'object' ? requestIdOf(event, context) : randomUUID();
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'request refused: handler unavailable',
        requestId,
        cause: String(failure),
      }),
    );
    const body: ErrorBody = {
      error: {
        type: 'configuration_error',
        message: 'The service is misconfigured; see its logs',
        request_id: requestId,
      },
    };
    return jsonResponse(500, body, { 'x-request-id': requestId });
  };
}
