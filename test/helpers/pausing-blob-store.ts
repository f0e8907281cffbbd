/**
 * A BlobStore that stops for good at one chosen write: before or after the n-th put whose key matches a
 * pattern, it announces itself on stdout and never returns, so that a parent process can SIGKILL the writer
 * at exactly that point.
 */
import type { BlobStore } from '../../shared/storage/blob-store';

export interface PausePoint {
  /** A regular expression the key of the put must match. */
  readonly key: string;
  /** Which matching put (1 is the first). */
  readonly occurrence: number;
  readonly when: 'before' | 'after';
}

export const PAUSED_LINE = 'PAUSED';

export function pausingBlobStore(inner: BlobStore, point: PausePoint | undefined): BlobStore {
  const pattern = point ? new RegExp(point.key) : undefined;
  let seen = 0;
  const pause = async (): Promise<never> => {
    process.stdout.write(`${PAUSED_LINE}\n`);
    return new Promise<never>(() => undefined);
  };
  return {
    ...inner,
    location: inner.location,
    get: (key) => inner.get(key),
    etag: (key) => inner.etag(key),
    delete: (key) => inner.delete(key),
    list: (prefix) => inner.list(prefix),
    async put(key, body, options) {
      const stop = point && pattern?.test(key) && ++seen === point.occurrence;
      if (stop && point.when === 'before') await pause();
      const result = await inner.put(key, body, options);
      if (stop && point.when === 'after') await pause();
      return result;
    },
  };
}
