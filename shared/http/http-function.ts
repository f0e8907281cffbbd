/**
 * The one helper that turns an HTTP route into a Lambda function: a handler file is its route definition
 * and nothing else. The definition says what the route needs (`compose`, whose return type is the
 * handler's dependency type), and how it answers (`handle`); this helper composes it once per container,
 * starts its models' warm-up when configured, and wraps `handle` in the HTTP layer (request ids, CORS,
 * body parsing, validation, errors, time limit).
 */

import type { Usage } from '../access/access-store';
import { type BaseDependencies, baseDependencies } from '../app/base';
import type { SafetyClassifiers } from '../safety/safety-screen';
import type * as z from '../schema';
import type { AccessControl } from './access-control';
import { containerHandler } from './container-handler';
import {
  createHttpHandler,
  type HttpHandler,
  type RouteRequest,
  type RouteResult,
  type SafetyScreening,
} from './handler';
import { openAiErrorResponse } from './openai-error-response';
import { createMetricsRecorder } from './request-metrics';
import type { ResponseCache } from './response-cache';

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
   * Who may call: `apiKeyAccess` (shared/http/access-control.ts) for API keys, rates and budgets when they
   * are configured, or `'open'` (the health check, the catch-all 404).
   */
  readonly access: AccessControl | 'open';
  /** The most a request can spend, for its key's budget reservation (default: its body's bytes as tokens). */
  readonly reserve?: (body: z.output<S>) => Partial<Usage>;
  /**
   * The top-level fields of the request and the response that hold text, for the safety filters that
   * `SAFETY_POLICIES` turns on (`safetyControl` of shared/http/safety-control.ts builds them).
   */
  readonly safety?: SafetyDeclaration<Deps>;
  /**
   * Which requests are deterministic and which models answer them, for the response cache
   * (`cached({ models: ['sentiment'] })` of shared/http/response-cache.ts).
   */
  readonly cache?: { readonly build: (route: string, base: BaseDependencies) => ResponseCache | undefined };
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

/** A route's text fields, the guard builder, and the classifiers its composition offers. */
export interface SafetyDeclaration<Deps> {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly guard: (
    route: string,
    fields: { readonly input: readonly string[]; readonly output: readonly string[] },
    deps: BaseDependencies,
    classifiers?: SafetyClassifiers,
  ) => SafetyScreening | undefined;
  readonly classifiers?: (deps: Deps) => SafetyClassifiers;
}

function safetyOf<Deps extends BaseDependencies>(
  name: string,
  declaration: SafetyDeclaration<Deps> | undefined,
  deps: Deps,
) {
  const guard = declaration?.guard(name, declaration, deps, declaration.classifiers?.(deps));
  return guard ? { safety: guard } : {};
}

function cacheOf(
  name: string,
  declaration:
    | { readonly build: (route: string, base: BaseDependencies) => ResponseCache | undefined }
    | undefined,
  deps: BaseDependencies,
) {
  const cache = declaration?.build(name, deps);
  return cache ? { cache } : {};
}

function accessOf(access: AccessControl | 'open', deps: BaseDependencies) {
  const guard = access === 'open' ? undefined : access(deps);
  return guard ? { access: guard } : {};
}

export function httpFunction<
  Deps extends BaseDependencies,
  S extends z.core.$ZodType,
  P extends z.core.$ZodType = z.ZodMiniType<undefined>,
>(definition: HttpFunctionDefinition<Deps, S, P>): HttpFunction<Deps> {
  const create = (deps: Deps): HttpHandler =>
    createHttpHandler<S, P>(
      {
        name: definition.name,
        ...(definition.body ? { body: definition.body } : {}),
        ...(definition.params ? { params: definition.params } : {}),
        ...(definition.reserve ? { reserve: definition.reserve } : {}),
        handle: (request) => definition.handle(request, deps),
      },
      {
        logger: deps.logger,
        corsOrigins: deps.config.corsOrigins,
        maxBodyBytes: deps.config.maxBodyBytes,
        ...(definition.errors === 'openai' ? { renderError: openAiErrorResponse } : {}),
        ...accessOf(definition.access, deps),
        ...safetyOf(definition.name, definition.safety, deps),
        ...cacheOf(definition.name, definition.cache, deps),
        metrics: createMetricsRecorder({ functionName: definition.name }),
        auditContent: deps.config.auditContent,
        memoryMb: deps.config.functionMemoryMb,
      },
    );
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
