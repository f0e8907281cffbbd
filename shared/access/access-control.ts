/**
 * Who may call, how often, and how much: the checks the Lambda authorizer and the HTTP layer share. The
 * authorizer (deployed) authenticates a key and checks its scope, and API Gateway caches that decision;
 * the rate and the budgets are counted by the function on every request, since a cached decision is not a
 * count. Locally the HTTP layer runs both, with the same code.
 */
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../errors';
import * as z from '../schema';
import { type AccessStore, secondsUntilReset, type Usage, usageDay } from './access-store';
import { inScope, type KeyIdentity, parseApiKey, secretMatches } from './api-key';

/** The header a client sends its key in (and the authorizer's identity source). */
export const API_KEY_HEADER = 'x-api-key';

/** The key's identity and limits, or a 401 (no key) or 403 (unknown, revoked, or out of scope). */
export async function authenticate(
  store: AccessStore,
  apiKey: string | undefined,
  routeKey: string,
): Promise<KeyIdentity> {
  if (!apiKey)
    throw new UnauthorizedError(`this route needs an API key, sent in the ${API_KEY_HEADER} header`);
  const parsed = parseApiKey(apiKey);
  const record = parsed ? await store.getKey(parsed.keyId) : undefined;
  if (!parsed || !record || record.status !== 'active' || !secretMatches(parsed.secret, record.secretHash))
    throw new ForbiddenError('the API key is not valid, or has been revoked');
  if (!inScope(record.scopes, routeKey))
    throw new ForbiddenError(`the API key '${record.name}' may not call ${routeKey}`);
  const { keyId, name, ratePerSecond, burst, budgets } = record;
  return { keyId, name, ratePerSecond, burst, budgets };
}

/** The authorizer's context as API Gateway hands it to the function (`requestContext.authorizer.lambda`). */
export const AuthorizerContext = z.object({
  key_id: z.string().check(z.minLength(1)),
  key_name: z.string(),
  rate_per_second: z.number(),
  burst: z.number(),
  budget_tokens: z.optional(z.number()),
  budget_images: z.optional(z.number()),
  budget_compute_seconds: z.optional(z.number()),
  /** Set on the events /chat hands on: the turn was admitted and counted once, by /chat. */
  dispatched: z.optional(z.boolean()),
});
export type AuthorizerContext = z.output<typeof AuthorizerContext>;

export function contextOf(identity: KeyIdentity): AuthorizerContext {
  const { budgets } = identity;
  return {
    key_id: identity.keyId,
    key_name: identity.name,
    rate_per_second: identity.ratePerSecond,
    burst: identity.burst,
    ...(budgets.tokens === undefined ? {} : { budget_tokens: budgets.tokens }),
    ...(budgets.images === undefined ? {} : { budget_images: budgets.images }),
    ...(budgets.computeSeconds === undefined ? {} : { budget_compute_seconds: budgets.computeSeconds }),
  };
}

export function identityOf(context: AuthorizerContext): KeyIdentity {
  return {
    keyId: context.key_id,
    name: context.key_name,
    ratePerSecond: context.rate_per_second,
    burst: context.burst,
    budgets: {
      ...(context.budget_tokens === undefined ? {} : { tokens: context.budget_tokens }),
      ...(context.budget_images === undefined ? {} : { images: context.budget_images }),
      ...(context.budget_compute_seconds === undefined
        ? {}
        : { computeSeconds: context.budget_compute_seconds }),
    },
  };
}

/** A request's hold on a budget: what it reserved, on which day, to be settled with what it spent. */
export interface Reservation {
  readonly day: string;
  readonly amount: Usage;
}

export interface UsageGuard {
  /** One token of the key's bucket, or a 429 `rate_limited` with the seconds until the next one. */
  takeToken(identity: KeyIdentity): Promise<void>;
  /** Reserves the most the request can spend, or a 429 `budget_exhausted` until the budgets reset. */
  reserve(identity: KeyIdentity, amount: Usage): Promise<Reservation>;
  /** Replaces the reservation by what the request spent. */
  settle(identity: KeyIdentity, reservation: Reservation, spent: Usage): Promise<void>;
}

export function createUsageGuard(deps: { store: AccessStore; now?: () => number }): UsageGuard {
  const now = deps.now ?? Date.now;
  return {
    async takeToken(identity) {
      const result = await deps.store.takeToken(identity.keyId, identity, now());
      if (!result.ok)
        throw new TooManyRequestsError(
          'rate_limited',
          `the API key '${identity.name}' is over its rate of ${identity.ratePerSecond} requests per second ` +
            `(bursts of ${identity.burst}); retry after the time Retry-After gives`,
          result.retryAfterSeconds,
        );
    },
    async reserve(identity, amount) {
      const at = now();
      const day = usageDay(at);
      const result = await deps.store.reserve(identity.keyId, day, amount, identity.budgets);
      if (!result.ok)
        throw new TooManyRequestsError(
          'budget_exhausted',
          `the API key '${identity.name}' has spent its daily ${result.budget} budget ` +
            `(${result.used} of ${result.limit}, with requests in flight) or this request could exceed it; ` +
            'budgets reset at midnight UTC',
          secondsUntilReset(at),
          { budget: result.budget, used: result.used, limit: result.limit },
        );
      return { day, amount };
    },
    async settle(identity, reservation, spent) {
      await deps.store.adjust(identity.keyId, reservation.day, {
        tokens: spent.tokens - reservation.amount.tokens,
        images: spent.images - reservation.amount.images,
        computeMs: spent.computeMs - reservation.amount.computeMs,
      });
    },
  };
}
