/**
 * What a route declares of the guardrails (API keys, safety filters, the response cache): plain data, and
 * the import of each guardrail's own code (the key checks and their DynamoDB client, the screens, the cache
 * and its blob store). The declarations cost nothing at cold start: a guardrail's code is imported with the
 * first request of a function whose configuration turns it on, and only a function that declares it
 * carries it at all. Each declaration lives in a module of its own (access-declaration.ts,
 * safety-declaration.ts, cache-declaration.ts), since a bundle carries every module a module it holds
 * imports, lazily or not.
 */
import type { BaseDependencies } from '../app/base';
import type { AppConfig } from '../config/environment';
import type { ModelKey } from '../models/catalog';
import type { PromptRef } from '../prompts/prompt-template';
import { anyFilterOn, policiesFor } from '../safety/policy';
import type { HttpOptions } from './handler';

/** API keys on a route (`apiKeyAccess` of access-declaration.ts), and how to import their checks. */
export interface ApiKeyDeclaration {
  readonly kind: 'api-key';
  readonly load: () => Promise<typeof import('./access-control')>;
}

/** Who may call: `apiKeyAccess`, or `'open'` (the health check, the API's description, the catch-all 404). */
export type AccessDeclaration = ApiKeyDeclaration | 'open';

/**
 * The fields of the request and of the response that hold text (a string, or strings): top-level names
 * (`prompt`), or paths through objects and arrays (`messages.*.content`; `*` is every element).
 */
export interface SafetyFields {
  readonly input: readonly string[];
  readonly output: readonly string[];
}

export interface SafetyDeclaration extends SafetyFields {
  readonly load: () => Promise<typeof import('./safety-control')>;
}

export interface CacheDeclaration<Body> {
  /** The models whose answer the response is: their ids and revisions are part of the key. */
  readonly models: readonly ModelKey[];
  /** Whether this request is deterministic (greedy, or seeded); every request when absent. */
  readonly when?: (body: Body) => boolean;
  /**
   * The prompt template and version the request is answered with (its pin, else the newest), for routes
   * that render one: a new version never serves the answers of the one before.
   */
  readonly prompt?: (body: Body) => PromptRef | undefined;
}

export interface CachedDeclaration<Body> extends CacheDeclaration<Body> {
  readonly load: () => Promise<typeof import('./response-cache')>;
}

export interface GuardrailDeclarations<Body> {
  readonly access: AccessDeclaration;
  readonly safety?: SafetyDeclaration;
  readonly cache?: CachedDeclaration<Body>;
}

/**
 * The guardrails a route's configuration turns on, each built from its own module, imported now (the
 * first request): undefined where a guardrail is off.
 */
export async function loadGuardrails<Body>(
  route: string,
  declared: GuardrailDeclarations<Body>,
  base: BaseDependencies,
): Promise<Pick<HttpOptions, 'access' | 'safety' | 'cache'>> {
  const on = guardrailsOn(route, declared as GuardrailDeclarations<never>, base.config);
  const [access, safety, cache] = await Promise.all([
    on.access && declared.access !== 'open'
      ? declared.access.load().then((m) => m.apiKeyGuard(base))
      : undefined,
    on.safety && declared.safety
      ? declared.safety.load().then((m) => m.safetyGuardFor(route, declared.safety, base))
      : undefined,
    on.cache && declared.cache
      ? declared.cache.load().then((m) => m.routeResponseCache(route, declared.cache, base))
      : undefined,
  ]);
  return { ...(access ? { access } : {}), ...(safety ? { safety } : {}), ...(cache ? { cache } : {}) };
}

/** Which of a route's declared guardrails its configuration turns on. */
export function guardrailsOn(
  route: string,
  declared: GuardrailDeclarations<never>,
  config: AppConfig,
): { readonly access: boolean; readonly safety: boolean; readonly cache: boolean } {
  return {
    access: declared.access !== 'open' && config.access !== undefined,
    safety: declared.safety !== undefined && anyFilterOn(policiesFor(config.safety, route)),
    cache: declared.cache !== undefined && config.responseCacheTtlSeconds > 0,
  };
}
