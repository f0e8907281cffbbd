/**
 * The `/v1` routes answer errors in OpenAI's shape, `{"error": {message, type, param, code}}`, so that the
 * clients written for it (the `openai` package, LangChain) raise their own typed errors with the message.
 * The status, headers, logging and redaction are those of `errorResponse`; the suite's `error.type` becomes
 * `code`, the first invalid field `param`, and a 422 is a 400, as OpenAI answers invalid parameters.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { OpenAiErrorBody } from '../openai/schema';
import { ErrorBody, errorResponse } from './error-response';
import { type HttpResponse, jsonResponse } from './response';

const openAiType = (status: number) =>
  status === 401
    ? 'authentication_error'
    : status === 404
      ? 'not_found_error'
      : status === 429
        ? 'rate_limit_error'
        : status < 500
          ? 'invalid_request_error'
          : 'server_error';

/** The suite's error body in OpenAI's words, with the status OpenAI would answer. */
export function toOpenAiError(
  statusCode: number,
  body: ErrorBody,
): { statusCode: number; body: OpenAiErrorBody } {
  const status = statusCode === 422 ? 400 : statusCode;
  return {
    statusCode: status,
    body: {
      error: {
        message: body.error.message,
        type: openAiType(status),
        param: body.error.details?.[0]?.path || null,
        code: body.error.type,
      },
    },
  };
}

export function openAiErrorResponse(error: unknown, requestId: string, logger: Logger): HttpResponse {
  const suite = errorResponse(error, requestId, logger);
  const { statusCode, body } = toOpenAiError(
    suite.statusCode,
    ErrorBody.parse(JSON.parse(suite.body ?? '{}')),
  );
  return jsonResponse(statusCode, body, suite.headers);
}
