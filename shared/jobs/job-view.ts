/**
 * What `GET /jobs/{id}` and `POST /generate-image` answer about a job, with links to its images. The links
 * start at the API's public base URL, which the HTTP layer reads from the request: a job never sees one.
 */

import { DiffusionParameters } from '../diffusion/schema';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import type { ImageJob } from './image-jobs';
import { JOB_STATUSES } from './job';

const LINK_SECONDS = 3600;

export const JobView = z.object({
  job_id: z.string(),
  status: z.enum(JOB_STATUSES),
  status_url: z.string(),
  /** Claims so far, and how many are allowed before a job whose workers keep dying is failed. */
  attempts: z.number().check(z.int(), z.minimum(0)),
  max_attempts: z.number().check(z.int(), z.minimum(1)),
  progress: z.optional(z.object({ step: z.number().check(z.int()), steps: z.number().check(z.int()) })),
  created_at: z.string(),
  started_at: z.optional(z.string()),
  finished_at: z.optional(z.string()),
  /** The parameters the job runs with, its seed drawn when the request had none. */
  request: DiffusionParameters,
  images: z.optional(
    z.array(
      z.object({ url: z.string(), width: z.number().check(z.int()), height: z.number().check(z.int()) }),
    ),
  ),
  seed: z.optional(z.number().check(z.int())),
  execution_provider: z.optional(z.string()),
  step_ms: z.optional(z.number()),
  error: z.optional(z.object({ type: z.string(), message: z.string() })),
});
export type JobView = z.output<typeof JobView>;

/** The job as the API shows it; `baseUrl` is the API's public address, stage included (no trailing slash). */
export async function jobView(job: ImageJob, baseUrl: string, blobs: BlobStore): Promise<JobView> {
  const { result } = job;
  const images = result
    ? await Promise.all(
        result.images.map(async (key, index) => ({
          url: blobs.signedUrl
            ? await blobs.signedUrl(key, LINK_SECONDS)
            : `${baseUrl}/jobs/${job.id}/images/${index}`,
          width: result.width,
          height: result.height,
        })),
      )
    : undefined;
  return {
    job_id: job.id,
    status: job.status,
    status_url: `${baseUrl}/jobs/${job.id}`,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    ...(job.progress ? { progress: job.progress } : {}),
    created_at: job.createdAt,
    ...(job.startedAt ? { started_at: job.startedAt } : {}),
    ...(job.finishedAt ? { finished_at: job.finishedAt } : {}),
    request: job.request,
    ...(result && images
      ? {
          images,
          seed: result.seed,
          execution_provider: result.executionProvider,
          step_ms: result.stepMs,
        }
      : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}
