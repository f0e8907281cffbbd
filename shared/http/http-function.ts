/**
 * The one helper that turns an HTTP route into a Lambda function: a handler file is its route definition
 * and nothing else. The definition says what the route needs (`compose`, whose return type is the
 * handler's dependency type), and how it answers (`handle`); this helper composes it once per container,
 * starts its models' warm-up when configured, and wraps `handle` in the HTTP layer (request ids, CORS,
 * body parsing, validation, errors, time limit).
 */

import type { Usage } from '../access/access-store';
import { type BaseDependencies, baseDependencies } from '../app/base';
import { ServiceUnavailableError } from '../errors';
import type * as z from '../schema';
import { containerHandler } from './container-handler';
import { errorResponse } from './error-response';
import {
  type AccessDeclaration,
  type CachedDeclaration,
  type GuardrailDeclarations,
  guardrailsOn,
  loadGuardrails,
  type SafetyDeclaration,
} from './guardrails';
import {
  createHttpHandler,
  type HttpHandler,
  type HttpOptions,
  type RouteRequest,
  type RouteResult,
} from './handler';
import { openAiErrorResponse } from './openai-error-response';
import { requestIdOf } from './request-id';
import { createMetricsRecorder } from './request-metrics';
export interface HttpFunctionDefinition<
  Deps extends BaseDependencies,
  S extends z.core.$ZodType,
  P extends z.core.$ZodType = z.ZodMiniType<undefined>,
> {
  readonly name: string;
  /** Schema of the JSON body; routes without a body leave it out. */
  readonly body?: S;
  /** Schema of the path parameters (`/documents/{id}`). */
  readonly params?: P;
  /** The shape of error answers: the suite's own, or OpenAI's (the `/v1` routes). */
  readonly errors?: 'suite' | 'openai';
  /**
   * Who may call: `apiKeyAccess` (shared/http/guardrails.ts) for API keys, rates and budgets when they are
   * configured, or `'open'` (the health check, the catch-all 404).
   */
  readonly access: AccessDeclaration;
  /** The most a request can spend, for its key's budget reservation (default: its body's bytes as tokens). */
  readonly reserve?: (body: z.output<S>) => Partial<Usage>;
  /**
   * The top-level fields of the request and the response that hold text, for the safety filters that
   * `SAFETY_POLICIES` turns on (`screened({ input: ['text'], output: ['summary'] })`).
   */
  readonly safety?: SafetyDeclaration;
  /**
   * Which requests are deterministic and which models answer them, for the response cache
   * (`cached({ models: ['sentiment'] })`).
   */
  readonly cache?: CachedDeclaration<z.output<S>>;
  /** Builds, once per container, exactly what this route uses. */
  readonly compose: (base: BaseDependencies) => Deps;
  /** Starts loading what the first request would wait for, when `MODEL_WARMUP` is on. */
  readonly warmUp?: (deps: Deps) => Promise<unknown>;
  /** Runs once when the container starts (after composing), such as a watch over unfinished jobs. */
  readonly start?: (deps: Deps) => void;
  readonly handle: (request: RouteRequest<z.output<S>, z.output<P>>, deps: Deps) => Promise<RouteResult>;
}

export interface HttpFunction<Deps> {
  /** The Lambda handler: composed on first import, once per container. */
  readonly handler: HttpHandler;
  /** The same route over given dependencies (tests, and orchestrating routes that call it in-process). */
  readonly create: (deps: Deps) => HttpHandler;
}

export function httpFunction<
  Deps extends BaseDependencies,
  S extends z.core.$ZodType,
  P extends z.core.$ZodType = z.ZodMiniType<undefined>,
>(definition: HttpFunctionDefinition<Deps, S, P>): HttpFunction<Deps> {
  const create = (deps: Deps): HttpHandler => {
    const route = {
      name: definition.name,
      ...(definition.body ? { body: definition.body } : {}),
      ...(definition.params ? { params: definition.params } : {}),
      ...(definition.reserve ? { reserve: definition.reserve } : {}),
      handle: (request: RouteRequest<z.output<S>, z.output<P>>) => definition.handle(request, deps),
    };
    const options: HttpOptions = {
      logger: deps.logger,
      corsOrigins: deps.config.corsOrigins,
      maxBodyBytes: deps.config.maxBodyBytes,
      ...(definition.errors === 'openai' ? { renderError: openAiErrorResponse } : {}),
      metrics: createMetricsRecorder({ functionName: definition.name }),
      auditContent: deps.config.auditContent,
      memoryMb: deps.config.functionMemoryMb,
    };
    const on = guardrailsOn(definition.name, definition as GuardrailDeclarations<never>, deps.config);
    if (!on.access && !on.safety && !on.cache) return createHttpHandler<S, P>(route, options);
    // The guardrails' code arrives with the first request (chunks of their own in the bundle). A load that
    // fails is answered as the route answers errors (503), never run without its guardrails, and retried.
    let guarded: Promise<HttpHandler> | undefined;
    return async (event, context) => {
      guarded ??= loadGuardrails(definition.name, definition, deps).then((guardrails) =>
        createHttpHandler<S, P>(route, { ...options, ...guardrails }),
      );
      let guardedHandler: HttpHandler;
      try {
        guardedHandler = await guarded;
      } catch (error) {
        guarded = undefined;
        const unavailable = new ServiceUnavailableError('The service is starting; try again shortly', {
          retryAfterSeconds: 1,
          cause: error,
        });
        return (options.renderError ?? errorResponse)(unavailable, requestIdOf(event, context), deps.logger);
      }
      return guardedHandler(event, context);
    };
  };
  const handler = containerHandler(() => {
    const deps = definition.compose(baseDependencies());
    definition.start?.(deps);
    if (deps.config.warmUp && definition.warmUp) {
      definition
        .warmUp(deps)
        .catch((error: unknown) =>
          deps.logger.warn('warm-up failed; the first request will retry', { error: error as Error }),
        );
    }
    return create(deps);
  });
  return { handler, create };
}
