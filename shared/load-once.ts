/**
 * A load shared by every caller: the first call starts `load`, later calls get its promise; a failed load is
 * forgotten, so the next call tries again (a cold start's transient failure is not kept for the container's
 * life).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
