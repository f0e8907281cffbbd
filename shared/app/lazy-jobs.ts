/**
 * The job services of a route that answers most requests itself and only some as jobs (`/summarize`'s long
 * texts, `/researcher`'s whole articles): composed, their code loaded, with the first job the route submits,
 * never at cold start. A failed composition is dropped, so the next job tries again.
 */
import type { JobService } from '../jobs/job-service';
import { loadOnce } from '../load-once';
import type { BlobStore } from '../storage/blob-store';
import type { BaseDependencies } from './base';

/** Where the route's jobs are submitted and stored. */
export type LazyJobWork = () => Promise<{ readonly jobs: JobService; readonly blobs: BlobStore }>;

/** The route's job services, composed (their code loaded) with its first job. */
export const lazyJobWork = (base: BaseDependencies): LazyJobWork =>
  loadOnce(async () => (await import('./jobs')).composeJobWork(base));
