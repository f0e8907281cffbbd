import type { CacheDeclaration, CachedDeclaration } from './guardrails';

/** The route's deterministic requests, cached when `RESPONSE_CACHE_TTL_SECONDS` is above 0. */
export const cached = <Body>(declaration: CacheDeclaration<Body>): CachedDeclaration<Body> => ({
  ...declaration,
  load: () => import('./response-cache'),
});
