/** What `GET /jobs/{id}` and `POST /generate-image` answer about a job, with links to its images. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { publicBaseUrl } from '../http/request-route';
import type { BlobStore } from '../storage/blob-store';
import type { ImageJob } from './image-jobs';

const LINK_SECONDS = 3600;

export async function jobView(job: ImageJob, event: APIGatewayProxyEventV2, blobs: BlobStore) {
  const origin = publicBaseUrl(event);
  const images = job.result
    ? await Promise.all(
        job.result.images.map(async (key, index) => ({
          url: blobs.signedUrl
            ? await blobs.signedUrl(key, LINK_SECONDS)
            : `${origin}/jobs/${job.id}/images/${index}`,
          width: job.result?.width,
          height: job.result?.height,
        })),
      )
    : undefined;
  return {
    jobId: job.id,
    status: job.status,
    statusUrl: `${origin}/jobs/${job.id}`,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    ...(job.progress ? { progress: job.progress } : {}),
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    request: job.request,
    ...(images
      ? {
          images,
          seed: job.result?.seed,
          executionProvider: job.result?.executionProvider,
          stepMs: job.result?.stepMs,
        }
      : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}
