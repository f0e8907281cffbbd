/**
 * API keys: what a key is, how it is written, and how it is checked. A key is `gek_<id>_<secret>`: the id
 * finds its record, and only the SHA-256 of the secret is stored. The secret is 256 random bits, so a fast
 * hash is enough (nothing to guess a dictionary from), and a stolen table holds no usable key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A key's limits: a token bucket for its rate, and what it may spend per UTC day (absent: unlimited). */
export interface KeyLimits {
  /** Requests per second the bucket refills with. */
  readonly ratePerSecond: number;
  /** The bucket's size: how many requests may arrive at once. */
  readonly burst: number;
  readonly budgets: DailyBudgets;
}

export interface DailyBudgets {
  readonly tokens?: number;
  readonly images?: number;
  readonly computeSeconds?: number;
}

export interface ApiKeyRecord extends KeyLimits {
  readonly keyId: string;
  readonly name: string;
  /** SHA-256 of the secret, hex. */
  readonly secretHash: string;
  /** Route keys (`POST /sentiment`, `GET /jobs/{id}`) the key may call; `*` is every route. */
  readonly scopes: readonly string[];
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
}

/** The caller a request was admitted for, as the authorizer hands it to the function. */
export interface KeyIdentity extends KeyLimits {
  readonly keyId: string;
  readonly name: string;
}

const KEY_PATTERN = /^gek_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** A new key: the full key (shown once) and the id and hash that are stored. */
export function generateApiKey(): { key: string; keyId: string; secretHash: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `gek_${keyId}_${secret}`, keyId, secretHash: hashSecret(secret) };
}

/** The id and secret of a well-formed key; undefined for anything else. */
export function parseApiKey(key: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key.trim());
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : undefined;
}

/** Compares in constant time, so that response times tell nothing about the stored hash. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** Whether a key with these scopes may call `routeKey` (`METHOD /path` as API Gateway names the route). */
export function inScope(scopes: readonly string[], routeKey: string): boolean {
  return scopes.some((scope) => scope === '*' || scope === routeKey);
}
