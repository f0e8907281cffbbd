/**
 * The response cache of deterministic requests (greedy or seeded generation, summaries, sentiment,
 * embeddings, captions): a response is stored in the blob store (`cache/<route>/<hash>.json`) under the hash
 * of the route, its normalized body, the id, revision and profile of each model that answers it, the prompt
 * template and version it is rendered with, and the safety policies it was screened with, and served again,
 * byte for byte but for its own `cost`, until it expires. `x-cache` says `hit` or `miss`; a request with
 * `Cache-Control: no-cache` is answered afresh (`x-cache: bypass`) and stored. Off unless
 * RESPONSE_CACHE_TTL_SECONDS is above 0.
 */
import { createHash } from 'node:crypto';
import type { BaseDependencies } from '../app/base';
import { composeDocumentBlobs } from '../app/document-blobs';
import { MODEL_CATALOG } from '../models/catalog';
import { describeModels } from '../models/model-plan';
import { policiesFor } from '../safety/policy';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import type { CacheDeclaration } from './guardrails';
import type { HttpResponse } from './response';

/** Where cached responses are kept in the documents store. */
export const CACHE_PREFIX = 'cache/';

export interface ResponseCache {
  /** The key of a cacheable request, or undefined. */
  keyOf(body: unknown, rawBody: string | undefined): string | undefined;
  get(key: string): Promise<HttpResponse | undefined>;
  put(key: string, response: HttpResponse): Promise<void>;
}

const CachedResponse = z.object({
  expires_at: z.number(),
  status_code: z.number(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});

/** JSON with object keys sorted, so that two bodies that differ only in key order share an entry. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, normalized((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** Headers that belong to one answer, not to the cached response. */
const PER_REQUEST_HEADERS = new Set(['x-request-id', 'x-cache']);

export function createResponseCache<Body>(options: {
  readonly route: string;
  readonly declaration: CacheDeclaration<Body>;
  readonly base: BaseDependencies;
  readonly blobs: BlobStore;
  readonly ttlSeconds: number;
  readonly now?: () => number;
}): ResponseCache {
  const { route, declaration, base, blobs, ttlSeconds } = options;
  const now = options.now ?? Date.now;
  const plans = describeModels(base.config);
  const models = declaration.models.map((key) => {
    const plan = plans.find((p) => p.key === key);
    const entry = MODEL_CATALOG[key];
    const ref = plan?.profile === 'tiny' ? entry.tiny : entry.standard;
    return { key, id: ref.id, revision: ref.revision, dtype: ref.dtype, profile: plan?.profile };
  });
  const safety = policiesFor(base.config.safety, route);
  return {
    keyOf(body, rawBody) {
      if (declaration.when && !declaration.when(body as Body)) return undefined;
      const material = JSON.stringify({
        route,
        body:
          body === undefined
            ? createHash('sha256')
                .update(rawBody ?? '')
                .digest('hex')
            : normalized(body),
        models,
        prompt: declaration.prompt?.(body as Body) ?? null,
        safety,
      });
      return `${CACHE_PREFIX}${route}/${createHash('sha256').update(material).digest('hex')}.json`;
    },
    async get(key) {
      const blob = await blobs.get(key).catch(() => undefined);
      if (!blob) return undefined;
      const parsed = CachedResponse.safeParse(JSON.parse(blob.body.toString('utf8')));
      if (!parsed.success || parsed.data.expires_at <= now()) return undefined;
      return { statusCode: parsed.data.status_code, headers: parsed.data.headers, body: parsed.data.body };
    },
    async put(key, response) {
      if (response.statusCode !== 200 || typeof response.body !== 'string' || response.isBase64Encoded)
        return;
      const headers = Object.fromEntries(
        Object.entries(response.headers).filter(([name]) => !PER_REQUEST_HEADERS.has(name.toLowerCase())),
      );
      const stored = {
        expires_at: now() + ttlSeconds * 1000,
        status_code: response.statusCode,
        headers,
        body: response.body,
      };
      await blobs.put(key, JSON.stringify(stored), { contentType: 'application/json' });
    },
  };
}

/** The route's cache when RESPONSE_CACHE_TTL_SECONDS is above 0, in the documents' blob store. */
export function responseCacheFor<Body>(
  route: string,
  declaration: CacheDeclaration<Body> | undefined,
  base: BaseDependencies,
  blobs: () => BlobStore,
): ResponseCache | undefined {
  const ttlSeconds = base.config.responseCacheTtlSeconds;
  if (!declaration || ttlSeconds <= 0) return undefined;
  return createResponseCache({ route, declaration, base, blobs: blobs(), ttlSeconds });
}

/** The route's cache in the documents' blob store, when RESPONSE_CACHE_TTL_SECONDS is above 0. */
export function routeResponseCache<Body>(
  route: string,
  declaration: CacheDeclaration<Body> | undefined,
  base: BaseDependencies,
): ResponseCache | undefined {
  return responseCacheFor(route, declaration, base, () => composeDocumentBlobs(base.config));
}
