/**
 * The GPU service's credential: a shared secret its clients send as `Authorization: Bearer <secret>`. Compared
 * in constant time (both sides hashed to the same length first, so neither the secret's length nor a prefix
 * leaks through timing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether an `Authorization` header carries the secret. */
export function carriesSecret(authorization: string | undefined, secret: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  const given = match?.[1] ?? '';
  // Compared even when absent, so that a missing header costs what a wrong one does.
  return timingSafeEqual(digest(given), digest(secret)) && given.length > 0;
}

/** Whether the service, bound to `host`, can be reached from this machine only. */
export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
