/**
 * The one place errors become HTTP responses. Nothing internal (stack, cause, class, paths of this machine)
 * reaches a client: messages and details pass through `redactInternals`, whatever their source.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { HttpError } from '../errors';
import * as z from '../schema';
import { redactInternals } from './public-text';
import { type HttpResponse, jsonResponse } from './response';

/**
 * The one shape of every error answer, whoever raised it; `request_id` is the one the logs carry.
 */
export const ErrorBody = z.object({
  error: z.looseObject({
    type: z.string(),
    message: z.string(),
    details: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
    request_id: z.string(),
  }),
});
export type ErrorBody = z.output<typeof ErrorBody>;

export function errorResponse(error: unknown, requestId: string, logger: Logger): HttpResponse {
  if (error instanceof HttpError) {
    if (error.statusCode >= 500)
      logger.error('request failed', { status: error.statusCode, errorType: error.type, error });
    else
      logger.info('request rejected', {
        status: error.statusCode,
        errorType: error.type,
        reason: error.message,
      });
    const body: ErrorBody = {
      error: {
        type: error.type,
        message: error.expose ? redactInternals(error.message) : 'Internal server error',
        ...(error.details
          ? {
              details: error.details.map((d) => ({
                path: redactInternals(d.path),
                message: redactInternals(d.message),
              })),
            }
          : {}),
        ...(error.expose ? error.fields : {}),
        request_id: requestId,
      },
    };
    return jsonResponse(error.statusCode, body, { ...error.headers });
  }
  logger.error('unhandled error', { error: error instanceof Error ? error : String(error) });
  const body: ErrorBody = {
    error: { type: 'internal_error', message: 'Internal server error', request_id: requestId },
  };
  return jsonResponse(500, body);
}
