/**
 * Routes that can answer as a stream of server-sent events (`"stream": true`) as tokens are generated.
 * One handler writes the bytes to a `ResponseSink`: deployed, Lambda response streaming on a function URL
 * (`awslambda.streamifyResponse`, see `lambdaStreamingHandler`); under `npm start`, the local server's
 * Node response (scripts/streaming-server.ts). The bytes are the same: the status and headers first, then
 * each event as it is ready. Without `"stream": true` the same route answers its JSON in one piece. A sink
 * whose client went away aborts its signal, and the generation stops at the next token. A JSON answer, and
 * the suite's `done` event, carry the request's `cost` as the HTTP layer's answers do.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Usage } from '../access/access-store';
import { type BaseDependencies, baseDependencies } from '../app/base';
import { estimateCost } from '../costs/cost-estimate';
import { HttpError, MethodNotAllowedError, NotFoundError } from '../errors';
import type * as z from '../schema';
import { apiKeyGuard } from './access-control';
import { errorResponse } from './error-response';
import { guardrailsOn, type SafetyDeclaration } from './guardrails';
import type { ErrorRenderer } from './handler';
import { DEFAULT_MAX_BODY_BYTES, headerValue, parseJsonBody } from './json-body';
import { openAiErrorResponse } from './openai-error-response';
import { requestIdOf } from './request-id';
import { createMetricsRecorder } from './request-metrics';
import { requestMethod, routePath } from './request-route';
import type { HttpResponse } from './response';
import { validate } from './validate';

/** What the routes served on the HTTP API answer to `"stream": true`: streams come from the streaming URL. */
export const STREAMING_REFUSAL =
  'stream: true is answered by the streaming endpoint: the function URL of the `stream` function where ' +
  'the suite is deployed (the same host and port under npm start); this endpoint answers in one piece';

/** Where a streamed answer is written. */
export interface ResponseSink {
  /** Sends the status and headers; called once, before any write. */
  start(statusCode: number, headers: Record<string, string>): void;
  write(chunk: string): void;
  end(): Promise<void>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

/** What a streaming route hands its events to. */
export interface EventStream {
  emit(data: unknown): void;
  readonly signal: AbortSignal;
}

export interface StreamingRoute<Deps, S extends z.core.$ZodType> {
  /** The route's function name (`hello-llm`, `v1-chat-completions`): the one SAFETY_POLICIES names. */
  readonly name: string;
  readonly body: S;
  /** The request's texts, screened as on the route's own function (its output streams unscreened). */
  readonly safety?: SafetyDeclaration;
  /** The most a request can spend, for its key's budget reservation (default: its body's bytes as tokens). */
  readonly reserve?: (body: z.output<S>) => Partial<Usage>;
  /** OpenAI's events (`data: {...}` then `data: [DONE]`) and errors, or the suite's (`event: token|done|error`). */
  readonly dialect: 'openai' | 'suite';
  /** Answers the request; with `stream`, also emits its events as they are ready. */
  readonly respond: (body: z.output<S>, deps: Deps, stream?: EventStream) => Promise<unknown>;
}

export interface StreamingFunctionDefinition<Deps extends BaseDependencies> {
  readonly name: string;
  readonly compose: (base: BaseDependencies) => Deps;
  // biome-ignore lint/suspicious/noExplicitAny: each route has its own body schema
  readonly routes: Readonly<Record<string, StreamingRoute<Deps, any>>>;
}

export type StreamingHandler = (
  event: APIGatewayProxyEventV2,
  sink: ResponseSink,
  context?: Context,
) => Promise<void>;

/** One server-sent event; `event` names it (the suite's dialect), OpenAI's events are unnamed. */
export const sseEvent = (data: unknown, event?: string): string =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** CORS headers for the request's origin: every origin when `*` is allowed, else only a listed one. */
function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  const allow = allowed.includes('*') ? '*' : origin && allowed.includes(origin) ? origin : undefined;
  return allow
    ? {
        'access-control-allow-origin': allow,
        'access-control-expose-headers': 'X-Request-Id,Retry-After',
        ...(allow === '*' ? {} : { vary: 'Origin' }),
      }
    : {};
}

function writeResponse(sink: ResponseSink, response: HttpResponse, extra: Record<string, string>) {
  sink.start(response.statusCode, { ...response.headers, ...extra });
  if (response.body) sink.write(response.body);
}

export function createStreamingHandler<Deps extends BaseDependencies>(
  definition: StreamingFunctionDefinition<Deps>,
  deps: Deps,
): StreamingHandler {
  const logger: Logger = deps.logger;
  // The function URL has no authorizer in front of it: the key, its scope, rate and budgets are checked here.
  const access = apiKeyGuard(deps);
  const metrics = createMetricsRecorder({ functionName: definition.name });
  const costSoFar = (startedAt: number) =>
    estimateCost({ memoryMb: deps.config.functionMemoryMb, computeMs: performance.now() - startedAt });
  /** An answer with its cost estimate, where the answer is a JSON object. */
  const withCost = (result: unknown, startedAt: number) =>
    result && typeof result === 'object' && !Array.isArray(result)
      ? { ...result, cost: costSoFar(startedAt) }
      : result;
  return async (event, sink, context) => {
    const startedAt = performance.now();
    const cors = corsHeaders(deps.config.corsOrigins, headerValue(event, 'origin'));
    const requestId = requestIdOf(event, context as Context);
    const common = { ...cors, 'x-request-id': requestId };
    const path = routePath(event);
    const route = definition.routes[path];
    const render: ErrorRenderer = route?.dialect === 'openai' ? openAiErrorResponse : errorResponse;
    let streaming = false;
    let status = 200;
    let errorType: string | undefined;
    // A function URL's events name no route; a key's scopes name the route it streams.
    const routed = { ...event, routeKey: `POST ${path}` } as APIGatewayProxyEventV2;
    // Locally no Lambda context comes with the request: the function's own time limit stands in for it.
    const lambdaContext = (context ?? { getRemainingTimeInMillis: () => LOCAL_TIME_LIMIT_MS }) as Context;
    try {
      if (!route)
        throw new NotFoundError(
          `No streaming route ${path}; use ${Object.keys(definition.routes).join(', ')}`,
        );
      if (requestMethod(event) !== 'POST')
        throw new MethodNotAllowedError(requestMethod(event), path, ['POST']);
      if (access) await access.admit(routed, lambdaContext);
      const valid = validate(
        route.body,
        parseJsonBody(event, deps.config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
      );
      const body = (await screenedInput(route, valid, deps)) as { stream?: boolean | null };
      if (access) await access.reserve(routed, lambdaContext, route.reserve?.(body) ?? {});
      if (!body.stream) {
        const result = await route.respond(body, deps);
        writeResponse(
          sink,
          {
            statusCode: 200,
            headers: { 'content-type': 'application/json; charset=utf-8' },
            body: JSON.stringify(withCost(result, startedAt)),
          },
          common,
        );
        return;
      }
      sink.start(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        ...common,
      });
      streaming = true;
      const emit = (data: unknown) => {
        if (!sink.signal.aborted)
          sink.write(route.dialect === 'openai' ? sseEvent(data) : sseEvent(data, 'token'));
      };
      const started = performance.now();
      const result = await route.respond(body, deps, { emit, signal: sink.signal });
      if (sink.signal.aborted) {
        logger.info('stream ended by the client', {
          route: path,
          durationMs: Math.round(performance.now() - started),
        });
      } else {
        // OpenAI's events have no place for it: only the suite's `done` event carries the cost.
        sink.write(
          route.dialect === 'openai' ? sseEvent('[DONE]') : sseEvent(withCost(result, startedAt), 'done'),
        );
      }
    } catch (error) {
      const response = render(error, requestId, logger);
      // A stream that fails after its 200 keeps that status; its error event names the type.
      if (!streaming) status = response.statusCode;
      errorType = error instanceof HttpError ? error.type : 'internal_error';
      if (!streaming) writeResponse(sink, response, common);
      else if (!sink.signal.aborted)
        sink.write(
          route?.dialect === 'openai'
            ? sseEvent(response.body ?? '{}')
            : sseEvent(response.body ?? '{}', 'error'),
        );
    } finally {
      const computeMs = Math.ceil(performance.now() - startedAt);
      const cost = estimateCost({ memoryMb: deps.config.functionMemoryMb, computeMs });
      const name = route?.name ?? definition.name;
      metrics.record({
        route: name,
        status,
        ...(errorType ? { errorType } : {}),
        latencyMs: computeMs,
        costUsd: cost.usd,
      });
      logger.info('audit', {
        audit: {
          request_id: requestId,
          key_id: access?.keyOf(routed) ?? null,
          route: name,
          method: requestMethod(event),
          status,
          ...(errorType ? { error_type: errorType } : {}),
          latency_ms: computeMs,
          streamed: streaming,
          cost,
        },
      });
      // A stream is charged the tokens it reserved (they are not counted as they leave), and its time.
      if (access) await access.settle(routed, { computeMs });
      await sink.end();
    }
  };
}

/** The stream function's time limit in serverless.yml, for the budget reservation of a local request. */
const LOCAL_TIME_LIMIT_MS = 120_000;

/** The body with its texts screened where SAFETY_POLICIES turns a filter on for the route (or a 422). */
async function screenedInput(
  route: Pick<StreamingRoute<never, z.core.$ZodType>, 'name' | 'safety'>,
  body: unknown,
  deps: BaseDependencies,
): Promise<unknown> {
  if (
    !route.safety ||
    !guardrailsOn(route.name, { access: 'open', safety: route.safety }, deps.config).safety
  )
    return body;
  const guard = (await route.safety.load()).safetyGuardFor(route.name, route.safety, deps);
  return guard ? (await guard.screenInput(body)).body : body;
}

/** Lambda's response-streaming globals, present in the Node.js runtime only. */
interface AwsLambdaStreaming {
  streamifyResponse(
    handler: (
      event: APIGatewayProxyEventV2,
      stream: NodeJS.WritableStream,
      context: Context,
    ) => Promise<void>,
  ): unknown;
  HttpResponseStream: {
    from(
      stream: NodeJS.WritableStream,
      metadata: { statusCode: number; headers: Record<string, string> },
    ): NodeJS.WritableStream;
  };
}

/** A sink over Lambda's response stream: the metadata prelude, then the bytes as they are written. */
export function lambdaSink(aws: AwsLambdaStreaming, responseStream: NodeJS.WritableStream): ResponseSink {
  const controller = new AbortController();
  const abort = () => controller.abort();
  responseStream.on('error', abort);
  responseStream.on('close', abort);
  let stream = responseStream;
  return {
    start(statusCode, headers) {
      stream = aws.HttpResponseStream.from(responseStream, { statusCode, headers });
    },
    write(chunk) {
      stream.write(chunk);
    },
    end: () =>
      new Promise<void>((resolve) => {
        responseStream.off('close', abort);
        stream.end(() => resolve());
      }),
    signal: controller.signal,
  };
}

const isStreamingRuntime = (aws: Partial<AwsLambdaStreaming> | undefined): aws is AwsLambdaStreaming =>
  typeof aws?.streamifyResponse === 'function' && typeof aws.HttpResponseStream?.from === 'function';

/**
 * A streaming function's parts: `handler` for Lambda (composed at cold start, streamed through the runtime's
 * `awslambda` global), and `create` over given dependencies (the local server and tests).
 */
export function streamingFunction<Deps extends BaseDependencies>(
  definition: StreamingFunctionDefinition<Deps>,
) {
  const create = (deps: Deps) => createStreamingHandler(definition, deps);
  const aws = (globalThis as { awslambda?: Partial<AwsLambdaStreaming> }).awslambda;
  const handler = isStreamingRuntime(aws)
    ? (() => {
        const streaming = create(definition.compose(baseDependencies()));
        return aws.streamifyResponse((event, responseStream, context) =>
          streaming(event, lambdaSink(aws, responseStream), context),
        );
      })()
    : undefined;
  return { handler, create, compose: definition.compose, paths: Object.keys(definition.routes) };
}
