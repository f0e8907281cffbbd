/**
 * The cost estimate of each request the HTTP layer answers (shared/costs): one measurement of the handler's
 * time, from which the answer's `cost`, the `cost_usd` metric, the audit record's `cost` and the key's
 * compute budget are all taken.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type CostEstimate, estimateCost } from '../costs/cost-estimate';
import type { RouteUsage } from './handler';
import type { HttpResponse } from './response';

/** The request's one measurement of its time, and the cost estimated from it. */
export interface Measurement {
  readonly computeMs: number;
  readonly cost: CostEstimate;
}

const isJson = (response: HttpResponse | null): response is HttpResponse & { body: string } =>
  Boolean(response) &&
  typeof response?.body === 'string' &&
  !response.isBase64Encoded &&
  /json/i.test(response.headers['content-type'] ?? '');

/** The JSON object a response carries, if it is one. */
export function jsonObjectOf(response: HttpResponse | null): Record<string, unknown> | undefined {
  if (!isJson(response)) return undefined;
  try {
    const parsed: unknown = JSON.parse(response.body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Measures the request once, when its answer (or error) is ready: the handler's elapsed time, and the cost
 * estimated from it and from what the route spent. A JSON object answered 2xx carries it as `cost`; any other
 * answer (binary, text, arrays), and any answer of the response cache (`x-cache`: its body is the stored
 * bytes, a hit's byte for byte the miss's), as the `x-cost-usd` header. Budgets, metrics and the audit read
 * the same.
 */
export function requestCost(
  memoryMb: number,
  spent: WeakMap<APIGatewayProxyEventV2, RouteUsage>,
  measured: WeakMap<APIGatewayProxyEventV2, Measurement>,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  const measure = (request: {
    event: APIGatewayProxyEventV2;
    response: HttpResponse | null;
    internal: { startedAt: number };
  }) => {
    const computeMs = Math.ceil(performance.now() - request.internal.startedAt);
    const used = spent.get(request.event);
    const cost = estimateCost({
      memoryMb,
      computeMs,
      ...(used?.gpuMs !== undefined ? { gpuMs: used.gpuMs } : {}),
      ...(used?.tokensIn !== undefined ? { tokensIn: used.tokensIn } : {}),
      ...(used?.tokensOut !== undefined ? { tokensOut: used.tokensOut } : {}),
    });
    measured.set(request.event, { computeMs, cost });
    return cost;
  };
  return {
    after: (request) => {
      const cost = measure(request as never);
      const response = request.response;
      if (!response || response.statusCode < 200 || response.statusCode >= 300) return;
      const body = response.headers['x-cache'] === undefined ? jsonObjectOf(response) : undefined;
      request.response = body
        ? { ...response, body: JSON.stringify({ ...body, cost }) }
        : { ...response, headers: { ...response.headers, 'x-cost-usd': String(cost.usd) } };
    },
    onError: (request) => {
      measure(request as never);
    },
  };
}
