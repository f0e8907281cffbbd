/** Factories for API Gateway HTTP API (payload 2.0) events and Lambda contexts. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { expect } from 'vitest';
import { internalsIn } from './leaks';

export function httpEvent(
  method: string,
  rawPath: string,
  options: {
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEventV2 {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers = {
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'example',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

export function lambdaContext(functionName = 'test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
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
 * response (and every body that carries an `error`, such as a failed job) is checked to leak no internals.
 */
export async function invoke<T = Record<string, unknown>>(
  handler: (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<{ statusCode: number; headers: Record<string, string>; body?: string }>,
  event: APIGatewayProxyEventV2,
): Promise<ParsedResponse<T>> {
  const response = await handler(event, lambdaContext());
  const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const body = JSON.parse(response.body ?? 'null') as T;
  if (response.statusCode >= 400 || (body && typeof body === 'object' && 'error' in body)) {
    expect(internalsIn(response.body ?? ''), `internals in a ${response.statusCode} response`).toEqual([]);
  }
  return { statusCode: response.statusCode, headers, body };
}
