/** The one place errors become HTTP responses. Nothing internal (stack, cause, class) reaches a client. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { HttpError } from './errors';
import { type HttpResponse, jsonResponse } from './response';

export interface ErrorBody {
  error: { type: string; message: string; details?: readonly unknown[]; requestId: string };
}

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
        message: error.expose ? error.message : 'Internal server error',
        ...(error.details ? { details: error.details } : {}),
        requestId,
      },
    };
    return jsonResponse(error.statusCode, body, { ...error.headers });
  }
  logger.error('unhandled error', { error: error instanceof Error ? error : String(error) });
  const body: ErrorBody = { error: { type: 'internal_error', message: 'Internal server error', requestId } };
  return jsonResponse(500, body);
}
