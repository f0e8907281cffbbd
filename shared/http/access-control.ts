/**
 * API keys in the HTTP layer, for the routes that declare `access: apiKeyAccess` (shared/http/guardrails.ts).
 * Off (every route open) unless `API_KEYS_TABLE` is set; its DynamoDB client loads with the first request,
 * never at cold start.
 *
 * Deployed, the Lambda authorizer has authenticated the key and checked its scope before the function runs
 * (API Gateway caches that decision), and hands its identity in `requestContext.authorizer.lambda`; locally
 * (serverless-offline runs without authorizers) this layer runs the same `authenticate`. Either way the
 * function then takes a token of the key's rate, reserves the most the request can spend of its budgets, and
 * settles the reservation with what it spent.
 */

import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  API_KEY_HEADER,
  AuthorizerContext,
  authenticate,
  contextOf,
  createUsageGuard,
  identityOf,
  type Reservation,
  type UsageGuard,
} from '../access/access-control';
import type { AccessStore, Usage } from '../access/access-store';
import type { KeyIdentity } from '../access/api-key';
import type { BaseDependencies } from '../app/base';
import { loadOnce } from '../load-once';
import type { AccessGuard } from './handler';
import { headerValue } from './json-body';

/**
 * Authorizer contexts this process admitted, shared by every function of a local server (a global, since
 * each function has its own module state): /chat's in-process dispatch hands the same context object on,
 * whereas a client-made one (serverless-offline reads a context from a request header) is never in it.
 */
const ADMITTED_KEY = Symbol.for('genai-endpoints.admitted-authorizer-contexts');
const processGlobals = globalThis as Record<symbol, WeakSet<object> | undefined>;
processGlobals[ADMITTED_KEY] ??= new WeakSet<object>();
const admitted: WeakSet<object> = processGlobals[ADMITTED_KEY];

interface RequestAccess {
  readonly identity: KeyIdentity;
  /** Admitted and counted already, by the /chat turn that dispatched this request. */
  readonly counted: boolean;
  readonly startedAt: number;
  reservation?: Reservation;
}

type EventWithAuthorizer = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { lambda?: unknown } };
};

/** The authorizer context the function may trust: API Gateway's on Lambda, only its own locally. */
function trustedContext(event: APIGatewayProxyEventV2, onLambda: boolean): AuthorizerContext | undefined {
  const authorizer = (event as EventWithAuthorizer).requestContext.authorizer;
  if (!authorizer || !(onLambda || admitted.has(authorizer))) return undefined;
  const parsed = AuthorizerContext.safeParse(authorizer.lambda);
  return parsed.success ? parsed.data : undefined;
}

/** The most a request may spend: its route's estimate, and at most the time the function has left. */
function reservationOf(event: APIGatewayProxyEventV2, context: Context, estimate: Partial<Usage>): Usage {
  return {
    // Input tokens never outnumber the body's bytes (byte-level and word-piece tokenizers alike).
    tokens: estimate.tokens ?? Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
    images: estimate.images ?? 0,
    computeMs: Math.max(0, Math.ceil(context.getRemainingTimeInMillis())),
  };
}

/** Builds the key checks from the store it is given (tests), or from the configured table. */
export function createAccessGuard(
  base: BaseDependencies,
  load: () => Promise<{ store: AccessStore; guard: UsageGuard }>,
): AccessGuard {
  const { logger, config } = base;
  const loaded = loadOnce(load);
  const requests = new WeakMap<APIGatewayProxyEventV2, RequestAccess>();

  return {
    async admit(event) {
      const startedAt = performance.now();
      const { store, guard } = await loaded();
      const trusted = trustedContext(event, config.runningOnLambda);
      const identity = trusted
        ? identityOf(trusted)
        : await authenticate(store, headerValue(event, API_KEY_HEADER), event.routeKey);
      const counted = trusted?.dispatched === true;
      if (!counted) await guard.takeToken(identity);
      requests.set(event, { identity, counted, startedAt });
      // What this request dispatches (/chat) carries its identity, already counted.
      const handedOn = { lambda: { ...contextOf(identity), dispatched: true } };
      admitted.add(handedOn);
      (event as EventWithAuthorizer).requestContext.authorizer = handedOn;
      logger.appendKeys({ keyId: identity.keyId });
    },

    async reserve(event, context, estimate) {
      const request = requests.get(event);
      if (!request || request.counted) return;
      const { guard } = await loaded();
      request.reservation = await guard.reserve(request.identity, reservationOf(event, context, estimate));
    },

    keyOf: (event) => requests.get(event)?.identity.keyId,

    async settle(event, spent) {
      const request = requests.get(event);
      logger.removeKeys(['keyId']);
      if (!request?.reservation) return;
      const { reservation } = request;
      const { guard } = await loaded();
      // The HTTP layer's one measurement of the request (the same seconds its cost is estimated from).
      const computeMs = spent?.computeMs ?? Math.ceil(performance.now() - request.startedAt);
      try {
        await guard.settle(request.identity, reservation, {
          // A route that does not count its tokens is charged its estimate.
          tokens: spent?.tokens ?? reservation.amount.tokens,
          images: spent?.images ?? reservation.amount.images,
          computeMs,
        });
      } catch (error) {
        logger.warn('usage could not be settled; the reservation stays counted', { error: error as Error });
      }
    },
  };
}

/** API keys from `API_KEYS_TABLE` (and `DYNAMODB_ENDPOINT`); undefined (open) when unset. */
export function apiKeyGuard(base: BaseDependencies): AccessGuard | undefined {
  const settings = base.config.access;
  if (!settings) return undefined;
  return createAccessGuard(base, async () => {
    const { createDynamoAccessStore, createDynamoClient } = await import('../access/dynamo-access-store');
    const store = createDynamoAccessStore({ client: createDynamoClient(settings), table: settings.table });
    return { store, guard: createUsageGuard({ store }) };
  });
}
