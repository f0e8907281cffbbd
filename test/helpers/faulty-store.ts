/**
 * A fault-injecting decorator around a real VectorStore: each operation can be delayed (network jitter) and
 * made to fail before it reaches the store, half-way through it (half of the records written or deleted), or
 * after the store applied it (the answer was lost). Rules can be changed while the store is in use.
 */

import { VectorStoreUnavailableError } from '../../shared/errors';
import type { VectorStore } from '../../shared/vectors/vector-store';

export type FaultPoint = 'before' | 'during' | 'after';

export interface FaultRule {
  /** The VectorStore method to fail ('upsert', 'query', ...). */
  readonly operation: string;
  readonly when: FaultPoint;
  /** How many calls fail; every one when absent. */
  times?: number;
}

export interface FaultControls {
  rules: FaultRule[];
  /** Milliseconds each call waits first. */
  delayMs: () => number;
  /** Calls that failed on purpose so far. */
  readonly injected: { operation: string; when: FaultPoint }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function faultyStore(
  store: VectorStore,
  controls: Partial<FaultControls> = {},
): VectorStore & { faults: FaultControls } {
  const faults: FaultControls = { rules: [], delayMs: () => 0, injected: [], ...controls };
  const fail = (operation: string, when: FaultPoint): never => {
    faults.injected.push({ operation, when });
    throw new VectorStoreUnavailableError(`${store.name} ${operation} failed: injected fault (${when})`, {
      retryAfterSeconds: 1,
    });
  };
  const ruleFor = (operation: string) => {
    const rule = faults.rules.find(
      (r) => r.operation === operation && (r.times === undefined || r.times > 0),
    );
    if (rule && rule.times !== undefined) rule.times--;
    return rule;
  };
  const wrapped = Object.fromEntries(
    Object.entries(store).map(([name, value]) => {
      if (typeof value !== 'function') return [name, value];
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return [
        name,
        async (...args: unknown[]) => {
          const delay = faults.delayMs();
          if (delay > 0) await sleep(delay);
          const rule = ruleFor(name);
          if (rule?.when === 'before') fail(name, 'before');
          if (rule?.when === 'during') {
            const [first, ...rest] = args;
            if (Array.isArray(first)) await method(first.slice(0, Math.ceil(first.length / 2)), ...rest);
            fail(name, 'during');
          }
          const result = await method(...args);
          if (rule?.when === 'after') fail(name, 'after');
          return result;
        },
      ];
    }),
  );
  return { ...(wrapped as unknown as VectorStore), name: store.name, faults };
}
