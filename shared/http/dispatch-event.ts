/**
 * The event a chat turn hands the function that answers it: an API Gateway HTTP API (payload 2.0) event for
 * that function's own route, as if the client had called it, carrying the chat's request id in
 * `x-request-id` (the answering function logs under the same id) and the client's host, so that links in
 * the answer (a job's status URL) point at the public API.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { headerValue } from './json-body';
import { stagePrefix } from './request-route';

const FORWARDED_HEADERS = ['host', 'x-forwarded-host', 'x-forwarded-proto', 'user-agent'] as const;

export function dispatchEvent(
  original: APIGatewayProxyEventV2,
  route: { readonly method: string; readonly path: string },
  body: unknown,
  requestId: string,
): APIGatewayProxyEventV2 {
  const rawPath = `${stagePrefix(original)}${route.path}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
  for (const name of FORWARDED_HEADERS) {
    const value = headerValue(original, name);
    if (value !== undefined) headers[name] = value;
  }
  const routeKey = `${route.method} ${route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers,
    requestContext: {
      ...original.requestContext,
      http: { ...original.requestContext.http, method: route.method, path: rawPath },
      routeKey,
      requestId,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
