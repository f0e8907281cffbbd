/**
 * The job services of a route that answers most requests itself and only some as jobs (`/summarize`'s long
 * texts, `/researcher`'s whole articles): composed, their code loaded, with the first job the route submits,
 * never at cold start. A failed composition is dropped, so the next job tries again.
 */
import type { JobService } from '../jobs/job-service';
import type { BlobStore } from '../storage/blob-store';
import type { BaseDependencies } from './base';

/** Where the route's jobs are submitted and stored. */
export type LazyJobWork = () => Promise<{ readonly jobs: JobService; readonly blobs: BlobStore }>;

export function lazyJobWork(base: BaseDependencies): LazyJobWork {
  let work: ReturnType<LazyJobWork> | undefined;
  return () => {
    work ??= import('./jobs')
      .then(({ composeJobWork }) => composeJobWork(base))
      .catch((error: unknown) => {
        work = undefined;
        throw error;
      });
    return work;
  };
}
