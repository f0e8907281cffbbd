/** Creating and describing keys, for `npm run keys` and the tests that need a key. */
import { ROUTES } from '../http/routes';
import type { AccessStore } from './access-store';
import { type ApiKeyRecord, type DailyBudgets, generateApiKey } from './api-key';

export interface NewKeyOptions {
  readonly name: string;
  /** Route keys (`POST /sentiment`) or `*`; each must be a route the suite serves. */
  readonly scopes: readonly string[];
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly budgets?: DailyBudgets;
}

export const ROUTE_KEYS: readonly string[] = ROUTES.map((route) => `${route.method} ${route.path}`);

/** Stores a new key and returns it: the full key exists only in this answer, never in the store. */
export async function createKey(
  store: AccessStore,
  options: NewKeyOptions,
  now = new Date(),
): Promise<{ key: string; record: ApiKeyRecord }> {
  const unknown = options.scopes.filter((scope) => scope !== '*' && !ROUTE_KEYS.includes(scope));
  if (unknown.length > 0 || options.scopes.length === 0)
    throw new Error(
      `scopes must be '*' or routes of the suite (${ROUTE_KEYS.join(', ')}); got ${unknown.join(', ') || 'none'}`,
    );
  if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
    throw new Error('the rate must be above 0 requests per second, and the burst at least 1');
  const { key, keyId, secretHash } = generateApiKey();
  const record: ApiKeyRecord = {
    keyId,
    name: options.name,
    secretHash,
    scopes: [...options.scopes],
    ratePerSecond: options.ratePerSecond,
    burst: options.burst,
    budgets: options.budgets ?? {},
    status: 'active',
    createdAt: now.toISOString(),
  };
  await store.putKey(record);
  return { key, record };
}

/** One line per key, without its hash. */
export function describeKey(record: ApiKeyRecord): string {
  const { budgets } = record;
  const daily = [
    budgets.tokens === undefined ? undefined : `${budgets.tokens} tokens`,
    budgets.images === undefined ? undefined : `${budgets.images} images`,
    budgets.computeSeconds === undefined ? undefined : `${budgets.computeSeconds} compute seconds`,
  ].filter(Boolean);
  return [
    record.keyId,
    record.status,
    `'${record.name}'`,
    `scopes: ${record.scopes.join(', ')}`,
    `rate: ${record.ratePerSecond}/s, burst ${record.burst}`,
    `daily: ${daily.length > 0 ? daily.join(', ') : 'unlimited'}`,
    `created ${record.createdAt}`,
  ].join('  ');
}
