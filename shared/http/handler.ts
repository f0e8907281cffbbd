/**
 * Builds a Lambda handler for one HTTP route: request id, CORS, structured access logs, JSON body parsing,
 * schema validation and error mapping, so that a route's own code is only its service call.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Usage } from '../access/access-store';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../costs/price-table';
import { GatewayTimeoutError, HttpError } from '../errors';
import type { SafetyVerdict } from '../safety/safety-screen';
import type * as z from '../schema';
import { errorResponse } from './error-response';
import { DEFAULT_MAX_BODY_BYTES, headerValue, parseJsonBody } from './json-body';
import { jsonObjectOf, type Measurement, requestCost } from './request-cost';
import { requestIdOf } from './request-id';
import type { MetricsRecorder } from './request-metrics';
import { requestMethod, routePath } from './request-route';
import { type HttpResponse, jsonResponse } from './response';
import type { ResponseCache } from './response-cache';
import { validate } from './validate';

/** Renders an error as the route's clients expect it (the suite's shape, or OpenAI's on `/v1`). */
export type ErrorRenderer = (error: unknown, requestId: string, logger: Logger) => HttpResponse;

export interface HttpOptions {
  readonly logger: Logger;
  /** `errorResponse` unless the route speaks another API's error shape. */
  readonly renderError?: ErrorRenderer;
  /** Origins browsers may call from (`*` for any); none when empty. */
  readonly corsOrigins?: readonly string[];
  readonly maxBodyBytes?: number;
  /** API keys, rates and budgets (shared/http/access-control.ts); absent, the route is open. */
  readonly access?: AccessGuard;
  /** Safety filters on the route's texts (shared/http/safety-control.ts); absent, nothing is screened. */
  readonly safety?: SafetyScreening;
  /** The response cache of the route's deterministic requests (shared/http/response-cache.ts). */
  readonly cache?: ResponseCache;
  /** Usage metrics (EMF, and the process registry behind GET /metrics). */
  readonly metrics?: MetricsRecorder;
  /** Adds the request's (validated, screened) body to its audit record; never by default. */
  readonly auditContent?: boolean;
  /** The function's configured memory in MB, for its cost estimates (DEFAULT_FUNCTION_MEMORY_MB if absent). */
  readonly memoryMb?: number;
}

/** The route's texts screened in (before the route sees them) and out (before the client does). */
export interface SafetyScreening {
  screenInput<B>(body: B): Promise<{ body: B; verdicts: SafetyVerdict[] }>;
  screenOutput(body: unknown, inputVerdicts: readonly SafetyVerdict[]): Promise<unknown>;
}

/**
 * The checks of a route that needs an API key: `admit` (the key, its scope and rate) before anything is
 * read, `reserve` (the budgets) once the body is valid, and `settle` with what the request spent.
 */
export interface AccessGuard {
  admit(event: APIGatewayProxyEventV2, context: Context): Promise<void>;
  reserve(event: APIGatewayProxyEventV2, context: Context, estimate: Partial<Usage>): Promise<void>;
  settle(event: APIGatewayProxyEventV2, spent: Partial<Usage> | undefined): Promise<void>;
  /** The id of the key the request was admitted for. */
  keyOf(event: APIGatewayProxyEventV2): string | undefined;
}

/**
 * How long before the function's own timeout a request gives up with a JSON 504, so that the client gets
 * the suite's error rather than the runtime's (API Gateway's bare 503, serverless-offline's stack trace).
 */
export const TIMEOUT_MARGIN_MS = 250;

export interface RouteRequest<Body, Params = undefined> {
  readonly body: Body;
  /** The validated path parameters. */
  readonly params: Params;
  readonly event: APIGatewayProxyEventV2;
  /** The Lambda context: its remaining time bounds work that a route hands on (/chat's dispatch). */
  readonly context: Context;
  readonly requestId: string;
  readonly logger: Logger;
}

/**
 * What a route spent, where it knows: tokens (in all, and as input and output) and images, for the key's
 * budgets and the metrics, and the GPU service's time, for the cost estimate.
 */
export interface RouteUsage {
  readonly tokens?: number;
  readonly tokensIn?: number;
  readonly tokensOut?: number;
  readonly images?: number;
  /** Sampler steps run (or queued, for a job): steps × images. */
  readonly steps?: number;
  readonly gpuMs?: number;
}

/** A route answers a body (200) or a full response; `usage` is what it spent. */
export type RouteResult =
  | HttpResponse
  | {
      readonly body: unknown;
      readonly statusCode?: number;
      /** Where the answer's resource is (a job's status URL): the `Location` header. */
      readonly location?: string;
      readonly usage?: RouteUsage;
    };

export interface RouteDefinition<
  S extends z.core.$ZodType,
  P extends z.core.$ZodType = z.ZodMiniType<undefined>,
> {
  readonly name: string;
  /** Schema of the JSON body; routes without a body leave it out. */
  readonly body?: S;
  /** Schema of the path parameters (`/documents/{id}`). */
  readonly params?: P;
  /** The most a request can spend, for its budget reservation (default: its body's bytes as tokens). */
  readonly reserve?: (body: z.output<S>) => Partial<Usage>;
  readonly handle: (request: RouteRequest<z.output<S>, z.output<P>>) => Promise<RouteResult>;
}

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

type Internal = {
  startedAt: number;
};

function requestContext(logger: Logger, route: string): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  const finish = (request: {
    event: APIGatewayProxyEventV2;
    context: Context;
    response: HttpResponse | null;
    internal: Internal;
  }) => {
    const requestId = requestIdOf(request.event, request.context);
    const { startedAt } = request.internal;
    if (request.response)
      request.response.headers = { ...request.response.headers, 'x-request-id': requestId };
    logger.info('request', {
      route,
      method: requestMethod(request.event),
      path: routePath(request.event),
      status: request.response?.statusCode,
      durationMs: Math.round(performance.now() - startedAt),
    });
    logger.removeKeys(['requestId']);
  };
  return {
    before: (request) => {
      (request.internal as Internal).startedAt = performance.now();
      logger.appendKeys({ requestId: requestIdOf(request.event, request.context) });
    },
    after: (request) => finish(request as never),
    onError: (request) => finish(request as never),
  };
}

function accessControl(
  access: AccessGuard,
  spent: WeakMap<APIGatewayProxyEventV2, RouteUsage>,
  measured: WeakMap<APIGatewayProxyEventV2, Measurement>,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  const settle = async (request: { event: APIGatewayProxyEventV2 }) => {
    const used = spent.get(request.event);
    const computeMs = measured.get(request.event)?.computeMs;
    await access.settle(request.event, {
      ...(used?.tokens !== undefined ? { tokens: used.tokens } : {}),
      ...(used?.images !== undefined ? { images: used.images } : {}),
      ...(computeMs !== undefined ? { computeMs } : {}),
    });
  };
  return {
    before: async (request) => {
      await access.admit(request.event, request.context);
    },
    after: settle,
    onError: settle,
  };
}

/** How the filters judged a request, and what it asked (for an audit that keeps content), for its records. */
interface RequestRecord {
  verdicts: SafetyVerdict[];
  content?: unknown;
}

/** The model (`model: {id, profile}`) and prompt template (`prompt: {name, version}`) a response names. */
function namedIn(response: HttpResponse | null): {
  model?: { id: string; profile?: string };
  prompt?: { name: string; version: string };
} {
  const body = jsonObjectOf(response);
  const model = body?.model as { id?: unknown; profile?: unknown } | undefined;
  const prompt = body?.prompt as { name?: unknown; version?: unknown } | undefined;
  return {
    ...(typeof model?.id === 'string'
      ? { model: { id: model.id, ...(typeof model.profile === 'string' ? { profile: model.profile } : {}) } }
      : {}),
    ...(typeof prompt?.name === 'string' && typeof prompt.version === 'string'
      ? { prompt: { name: prompt.name, version: prompt.version } }
      : {}),
  };
}

/** What the audit record and the metrics both read of a finished request, read once for each. */
function outcomeOf(
  request: {
    event: APIGatewayProxyEventV2;
    response: HttpResponse | null;
    error: unknown;
    internal: Internal;
  },
  state: {
    records: WeakMap<APIGatewayProxyEventV2, RequestRecord>;
    spent: WeakMap<APIGatewayProxyEventV2, RouteUsage>;
    measured: WeakMap<APIGatewayProxyEventV2, Measurement>;
  },
) {
  return {
    status: request.response?.statusCode ?? 500,
    error: request.error instanceof HttpError ? request.error : undefined,
    kept: state.records.get(request.event),
    used: state.spent.get(request.event),
    cost: state.measured.get(request.event)?.cost,
    latencyMs: Math.round(performance.now() - request.internal.startedAt),
    cache: request.response?.headers['x-cache'],
  };
}

/**
 * One structured audit record per request (`message: "audit"`): who (the key id), which route and model,
 * what the safety filters found, what it spent, how it ended and how long it took, under its request id.
 * The request's content only when AUDIT_LOG_CONTENT is on.
 */
function requestAudit(
  logger: Logger,
  route: string,
  options: HttpOptions,
  records: WeakMap<APIGatewayProxyEventV2, RequestRecord>,
  spent: WeakMap<APIGatewayProxyEventV2, RouteUsage>,
  measured: WeakMap<APIGatewayProxyEventV2, Measurement>,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  const audit = (request: {
    event: APIGatewayProxyEventV2;
    context: Context;
    response: HttpResponse | null;
    error: unknown;
    internal: Internal;
  }) => {
    const { status, error, kept, used, cost, latencyMs, cache } = outcomeOf(request, {
      records,
      spent,
      measured,
    });
    const { model, prompt } = namedIn(request.response);
    logger.info('audit', {
      audit: {
        request_id: requestIdOf(request.event, request.context),
        key_id: options.access?.keyOf(request.event) ?? null,
        route,
        method: requestMethod(request.event),
        status,
        ...(error && status >= 400 ? { error_type: error.type } : {}),
        latency_ms: latencyMs,
        ...(model ? { model } : {}),
        ...(prompt ? { prompt } : {}),
        safety: (kept?.verdicts ?? [])
          .filter((v) => v.verdict !== 'pass')
          .map((v) => ({
            filter: v.filter,
            direction: v.direction,
            verdict: v.verdict,
            findings: v.findings,
          })),
        ...(error?.type === 'content_blocked' && error.fields ? { blocked: error.fields } : {}),
        usage: {
          tokens: used?.tokens ?? 0,
          images: used?.images ?? 0,
          ...(used?.tokensIn !== undefined ? { tokens_in: used.tokensIn } : {}),
          ...(used?.tokensOut !== undefined ? { tokens_out: used.tokensOut } : {}),
        },
        ...(cost ? { cost } : {}),
        ...(cache ? { cache } : {}),
        ...(options.auditContent && kept?.content !== undefined ? { content: kept.content } : {}),
      },
    });
  };
  return {
    after: (request) => audit(request as never),
    onError: (request) => audit(request as never),
  };
}

function requestMetrics(
  recorder: MetricsRecorder,
  route: string,
  records: WeakMap<APIGatewayProxyEventV2, RequestRecord>,
  spent: WeakMap<APIGatewayProxyEventV2, RouteUsage>,
  measured: WeakMap<APIGatewayProxyEventV2, Measurement>,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  const record = (request: {
    event: APIGatewayProxyEventV2;
    response: HttpResponse | null;
    error: unknown;
    internal: Internal;
  }) => {
    const { status, error, kept, used, cost, latencyMs, cache } = outcomeOf(request, {
      records,
      spent,
      measured,
    });
    const blocked =
      error?.type === 'content_blocked' && error.fields
        ? [{ ...error.fields, verdict: 'blocked' } as unknown as SafetyVerdict]
        : [];
    recorder.record({
      route,
      status,
      ...(status >= 400 ? { errorType: error?.type ?? 'internal_error' } : {}),
      latencyMs,
      ...(used?.tokens ? { tokens: used.tokens } : {}),
      ...(used?.images ? { images: used.images } : {}),
      ...(used?.steps ? { steps: used.steps } : {}),
      ...(used?.tokensIn ? { tokensIn: used.tokensIn } : {}),
      ...(used?.tokensOut ? { tokensOut: used.tokensOut } : {}),
      ...(cost ? { costUsd: cost.usd } : {}),
      ...(cache ? { cache } : {}),
      safety: [...(kept?.verdicts ?? []), ...blocked],
    });
  };
  return {
    after: (request) => record(request as never),
    onError: (request) => record(request as never),
  };
}

function errorMapping(
  logger: Logger,
  render: ErrorRenderer,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    onError: (request) => {
      request.response = render(request.error, requestIdOf(request.event, request.context), logger);
    },
  };
}

/** The output verdicts a screened response body carries. */
function outputVerdicts(body: unknown): SafetyVerdict[] {
  const safety = (body as { safety?: { output?: SafetyVerdict[] } } | null)?.safety;
  return Array.isArray(safety?.output) ? safety.output : [];
}

export function createHttpHandler<
  S extends z.core.$ZodType,
  P extends z.core.$ZodType = z.ZodMiniType<undefined>,
>(route: RouteDefinition<S, P>, options: HttpOptions): HttpHandler {
  const { logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { access, safety, cache } = options;
  const records = new WeakMap<APIGatewayProxyEventV2, RequestRecord>();
  const keep = (event: APIGatewayProxyEventV2) => {
    let kept = records.get(event);
    if (!kept) {
      kept = { verdicts: [] };
      records.set(event, kept);
    }
    return kept;
  };
  const spent = new WeakMap<APIGatewayProxyEventV2, RouteUsage>();
  const measured = new WeakMap<APIGatewayProxyEventV2, Measurement>();
  const handler = middy<APIGatewayProxyEventV2, HttpResponse, Error, Context, Internal>({
    timeoutEarlyInMillis: TIMEOUT_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new GatewayTimeoutError(
        `${route.name} did not finish within the function's time limit; retry, or send less work`,
      );
    },
  })
    .use(
      httpCors({
        origins: [...(options.corsOrigins ?? ['*'])],
        methods: 'GET,POST,DELETE,OPTIONS',
        headers: 'Content-Type,Authorization,X-Api-Key,X-Request-Id',
        exposeHeaders: 'X-Request-Id,Retry-After,X-Cache,X-Cost-Usd',
      }),
    )
    .use(requestContext(logger, route.name))
    .use(options.metrics ? [requestMetrics(options.metrics, route.name, records, spent, measured)] : [])
    .use(requestAudit(logger, route.name, options, records, spent, measured))
    .use([
      errorMapping(logger, options.renderError ?? errorResponse),
      ...(access ? [accessControl(access, spent, measured)] : []),
      // Last, so that it measures first: settlement, the audit and the metrics read its figures.
      requestCost(options.memoryMb ?? DEFAULT_FUNCTION_MEMORY_MB, spent, measured),
    ])
    .handler(async (event, context) => {
      const params = route.params ? validate(route.params, event.pathParameters ?? {}) : undefined;
      const parsed = route.body ? validate(route.body, parseJsonBody(event, maxBodyBytes)) : undefined;
      const input = safety ? await safety.screenInput(parsed) : { body: parsed, verdicts: [] };
      keep(event).verdicts.push(...input.verdicts);
      if (options.auditContent) keep(event).content = input.body;
      const body = input.body;
      await access?.reserve(event, context, route.reserve?.(body as z.output<S>) ?? {});
      const answer = async (): Promise<HttpResponse> => {
        const result = await route.handle({
          body: body as z.output<S>,
          params: params as z.output<P>,
          event,
          context,
          requestId: requestIdOf(event, context),
          logger,
        });
        if ('headers' in result && typeof result.statusCode === 'number') {
          const response = result as HttpResponse;
          if (
            !safety ||
            !/json/i.test(response.headers['content-type'] ?? '') ||
            typeof response.body !== 'string'
          )
            return response;
          const screened = await safety.screenOutput(JSON.parse(response.body), input.verdicts);
          keep(event).verdicts.push(...outputVerdicts(screened));
          return { ...response, body: JSON.stringify(screened) };
        }
        const answered = result as Exclude<RouteResult, HttpResponse>;
        if (answered.usage) spent.set(event, answered.usage);
        const screened = safety ? await safety.screenOutput(answered.body, input.verdicts) : answered.body;
        keep(event).verdicts.push(...outputVerdicts(screened));
        return jsonResponse(
          answered.statusCode ?? 200,
          screened,
          answered.location ? { location: answered.location } : {},
        );
      };
      const cacheKey = cache?.keyOf(body, event.body);
      if (!cache || !cacheKey) return answer();
      const bypass = /no-cache/i.test(headerValue(event, 'cache-control') ?? '');
      const hit = bypass ? undefined : await cache.get(cacheKey);
      if (hit) {
        // A hit spends no tokens or images: nothing ran.
        spent.set(event, { tokens: 0, images: 0 });
        return { ...hit, headers: { ...hit.headers, 'x-cache': 'hit' } };
      }
      const response = await answer();
      await cache
        .put(cacheKey, response)
        .catch((error: unknown) =>
          logger.warn('the response could not be cached', { error: error as Error }),
        );
      return { ...response, headers: { ...response.headers, 'x-cache': bypass ? 'bypass' : 'miss' } };
    });
  return handler as unknown as HttpHandler;
}
