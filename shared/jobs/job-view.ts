/**
 * What `GET /jobs/{id}` and `POST /generate-image` answer about a job, with links to its images. The links
 * start at the API's public base URL, which the HTTP layer reads from the request: a job never sees one.
 */
import { z } from 'zod';
import { DiffusionParameters } from '../diffusion/schema';
import type { BlobStore } from '../storage/blob-store';
import type { ImageJob } from './image-jobs';
import { JOB_STATUSES } from './job';

const LINK_SECONDS = 3600;

export const JobView = z.object({
  job_id: z.string(),
  status: z.enum(JOB_STATUSES),
  status_url: z.string(),
  /** Claims so far, and how many are allowed before a job whose workers keep dying is failed. */
  attempts: z.number().int().min(0),
  max_attempts: z.number().int().min(1),
  progress: z.object({ step: z.number().int(), steps: z.number().int() }).optional(),
  created_at: z.string(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  /** The parameters the job runs with, its seed drawn when the request had none. */
  request: DiffusionParameters,
  images: z
    .array(z.object({ url: z.string(), width: z.number().int(), height: z.number().int() }))
    .optional(),
  seed: z.number().int().optional(),
  execution_provider: z.string().optional(),
  step_ms: z.number().optional(),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
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
