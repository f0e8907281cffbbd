/**
 * Image generation and its jobs. The generator is the GPU container when one is configured, else
 * Stable Diffusion in this process, whose code (and onnxruntime) is loaded only when a job first runs here:
 * the job-status function can run a recovered job locally without paying for it at cold start.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { resolveDiffusionModelDir } from '../diffusion/diffusion-model';
import {
  createLocalImageGenerator,
  createRemoteImageGenerator,
  type ImageGenerator,
} from '../diffusion/image-generator';
import { createImageJobService, type ImageJobService } from '../jobs/image-jobs';
import { createInProcessDispatcher, createSqsDispatcher, type JobDispatcher } from '../jobs/job-dispatcher';
import { createBlobJobStore } from '../jobs/job-store';
import type { BlobStore } from '../storage/blob-store';
import type { BaseDependencies } from './base';
import { composeDocumentBlobs } from './document-blobs';

export function composeImageGenerator({ config, logger }: BaseDependencies): ImageGenerator {
  if (config.jobs.gpuServiceUrl) {
    return createRemoteImageGenerator({
      url: config.jobs.gpuServiceUrl,
      timeoutMs: config.jobs.gpuTimeoutMs,
    });
  }
  return createLocalImageGenerator({
    modelDir: () => resolveDiffusionModelDir({ profile: config.modelProfile, modelRoot: config.modelRoot }),
    logger,
    retryAfterSeconds: config.retryAfterSeconds,
  });
}

export function composeImageJobs(
  base: BaseDependencies,
  parts: { blobs: BlobStore; imageGenerator: ImageGenerator },
): ImageJobService {
  const { config, logger } = base;
  let dispatcher: JobDispatcher | undefined;
  const imageJobs: ImageJobService = createImageJobService({
    store: createBlobJobStore({ blobs: parts.blobs }),
    blobs: parts.blobs,
    generator: parts.imageGenerator,
    dispatcher: () => {
      dispatcher ??= config.jobs.queueUrl
        ? createSqsDispatcher({ client: new SQSClient({}), queueUrl: config.jobs.queueUrl })
        : createInProcessDispatcher((id) => imageJobs.run(id), {
            sweep: { run: () => imageJobs.recover(), everyMs: config.jobs.heartbeatTimeoutMs / 4 },
          });
      return dispatcher;
    },
    settings: {
      syncMaxPixelSteps: config.jobs.syncMaxPixelSteps,
      timeouts: { heartbeatMs: config.jobs.heartbeatTimeoutMs, queuedMs: config.jobs.queuedTimeoutMs },
      maxAttempts: config.jobs.maxAttempts,
      // A Lambda function without the queue must not run jobs itself: it only re-queues them.
      dispatchMode: config.jobs.queueUrl ? 'queue' : config.runningOnLambda ? 'none' : 'in-process',
    },
    logger,
  });
  return imageJobs;
}

/** Everything the image routes and the worker use: the blob store, the generator and the job service. */
export function composeImageWork(base: BaseDependencies) {
  const blobs = composeDocumentBlobs(base.config);
  const imageGenerator = composeImageGenerator(base);
  return { ...base, blobs, imageGenerator, imageJobs: composeImageJobs(base, { blobs, imageGenerator }) };
}
