/** Factories for API Gateway HTTP API (payload 2.0) events and Lambda contexts. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { expect } from 'vitest';
import { nonSnakeCaseKeys } from './json-casing';
import { internalsIn } from './leaks';

export function httpEvent(
  method: string,
  rawPath: string,
  options: {
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    isBase64Encoded?: boolean;
    /** A named stage puts its name before the path (`/prod/health`), as API Gateway does. */
    stage?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers = {
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const stage = options.stage ?? '$default';
  const fullPath = stage === '$default' ? rawPath : `/${stage}${rawPath}`;
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath: fullPath,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'example',
      http: { method, path: fullPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: `${method} ${rawPath}`,
      stage,
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/** An API Gateway payload 1.0 event (REST APIs, and HTTP APIs set to 1.0), typed as what handlers take. */
export function payloadV1Event(method: string, path: string, stage = '$default'): APIGatewayProxyEventV2 {
  const fullPath = stage === '$default' ? path : `/${stage}${path}`;
  const event = {
    version: '1.0',
    resource: '$default',
    path: fullPath,
    httpMethod: method,
    headers: { host: 'example.execute-api.us-east-1.amazonaws.com' },
    multiValueHeaders: {},
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      httpMethod: method,
      path: fullPath,
      requestId: randomUUID(),
      stage,
      domainName: 'example.execute-api.us-east-1.amazonaws.com',
    },
  };
  return event as unknown as APIGatewayProxyEventV2;
}

export function lambdaContext(functionName = 'test', remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface ParsedResponse<T = Record<string, unknown>> {
  statusCode: number;
  headers: Record<string, string>;
  body: T;
}

/**
 * Invokes a handler and parses its JSON body; header names are lower-cased, as HTTP treats them. Every error
 * response (and every body that carries an `error`, such as a failed job) is checked to leak no internals, and
 * every JSON body to spell its keys in snake_case.
 */
export async function invoke<T = Record<string, unknown>>(
  handler: (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<{ statusCode: number; headers: Record<string, string>; body?: string }>,
  event: APIGatewayProxyEventV2,
  context: Context = lambdaContext(),
): Promise<ParsedResponse<T>> {
  const response = await handler(event, context);
  const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const json = /json/i.test(headers['content-type'] ?? '');
  const body = (json ? JSON.parse(response.body ?? 'null') : response.body) as T;
  if (json)
    expect(nonSnakeCaseKeys(body), `keys not in snake_case in a ${response.statusCode} response`).toEqual([]);
  if (response.statusCode >= 400 || (body && typeof body === 'object' && 'error' in body)) {
    expect(internalsIn(response.body ?? ''), `internals in a ${response.statusCode} response`).toEqual([]);
  }
  return { statusCode: response.statusCode, headers, body };
}
