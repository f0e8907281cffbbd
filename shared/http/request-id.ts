import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { headerValue } from './json-body';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const assigned = new WeakMap<object, string>();

/**
 * The id a client can quote: a well-formed incoming `x-request-id` (so a caller can correlate its own ids),
 * else the Lambda request id (the one in the function's logs), else API Gateway's, else a fresh UUID.
 * The same event always gets the same id.
 */
export function requestIdOf(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'requestContext'>,
  context?: Pick<Context, 'awsRequestId'>,
): string {
  let id = assigned.get(event);
  if (id === undefined) {
    id = pickRequestId(event, context);
    assigned.set(event, id);
  }
  return id;
}

function pickRequestId(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'requestContext'>,
  context?: Pick<Context, 'awsRequestId'>,
): string {
  const candidates = [
    headerValue(event, 'x-request-id'),
    context?.awsRequestId,
    event.requestContext?.requestId,
  ];
  return candidates.find((id) => id !== undefined && SAFE_REQUEST_ID.test(id)) ?? randomUUID();
}

/**
 * The id of a request that comes with no API Gateway event (the GPU service's): a well-formed incoming
 * `x-request-id`, else a fresh UUID.
 */
export function requestIdFromHeader(value: string | undefined): string {
  return value !== undefined && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}
