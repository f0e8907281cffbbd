/**
 * Where keys, rate buckets and daily usage live. Every count changes by a conditional write, so that
 * concurrent requests, in any number of containers, never take a token or a budget twice.
 */
import type { ApiKeyRecord, DailyBudgets } from './api-key';

/** What a request spends; compute in milliseconds of the function's wall time. */
export interface Usage {
  readonly tokens: number;
  readonly images: number;
  readonly computeMs: number;
}

export const NO_USAGE: Usage = { tokens: 0, images: 0, computeMs: 0 };

export type BudgetName = 'tokens' | 'images' | 'compute_seconds';

export type TokenResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

export type ReserveResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly budget: BudgetName;
      /** Spent (and reserved by requests in flight) today, in the budget's unit. */
      readonly used: number;
      readonly limit: number;
    };

export interface AccessStore {
  /** Stores a new key; fails if the id exists. */
  putKey(record: ApiKeyRecord): Promise<void>;
  getKey(keyId: string): Promise<ApiKeyRecord | undefined>;
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when there is no such key. */
  revokeKey(keyId: string): Promise<boolean>;
  /** Takes one token from the key's bucket, refilled at `ratePerSecond` up to `burst`. */
  takeToken(
    keyId: string,
    bucket: { readonly ratePerSecond: number; readonly burst: number },
    nowMs: number,
  ): Promise<TokenResult>;
  /**
   * Adds `amount` to the day's usage only if every budget still holds it (usage + amount <= limit), in one
   * conditional write: requests in flight have their amount reserved, so none can spend what another holds.
   */
  reserve(keyId: string, day: string, amount: Usage, budgets: DailyBudgets): Promise<ReserveResult>;
  /** Corrects the day's usage once a request's real spending is known (the delta may be negative). */
  adjust(keyId: string, day: string, delta: Usage): Promise<void>;
  usage(keyId: string, day: string): Promise<Usage>;
}

/** The UTC day a usage counter belongs to. */
export const usageDay = (nowMs: number): string => new Date(nowMs).toISOString().slice(0, 10);

/** Seconds until the daily budgets reset (the next UTC midnight). */
export function secondsUntilReset(nowMs: number): number {
  const next = new Date(nowMs);
  next.setUTCHours(24, 0, 0, 0);
  return Math.ceil((next.getTime() - nowMs) / 1000);
}
