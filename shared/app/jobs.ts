/**
 * Jobs of every kind, composed alike wherever one may run: a function that runs jobs in process (locally) or
 * takes one over from a lost worker can meet a job of any kind, so each composes every executor. The
 * executors are cheap until they run: Stable Diffusion, the classic models and the summarizer load on a job's
 * first step, and the researcher's workflow (its code included) with the first research job.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type ClassicGeneration,
  classicJobExecutors,
  createClassicGeneration,
} from '../classic/classic-jobs';
import type { ClassicGenerators } from '../classic/generators';
import type { ImageGenerator } from '../diffusion/image-generator';
import {
  createImageJobService,
  IMAGE_JOB_KIND,
  type ImageJobService,
  imageJobExecutor,
} from '../jobs/image-jobs';
import { createInProcessDispatcher, createSqsDispatcher, type JobDispatcher } from '../jobs/job-dispatcher';
import { createJobService, type JobService } from '../jobs/job-service';
import { createBlobJobStore } from '../jobs/job-store';
import { loadOnce } from '../load-once';
import type { ModelRuntime } from '../models/model-runtime';
import { RESEARCH_JOB_KIND, RESEARCHER_SCREENED, researchJobExecutor } from '../research/research-jobs';
import type { ResearcherService } from '../research/researcher-service';
import type { BlobStore } from '../storage/blob-store';
import {
  createSummarizationService,
  type SummarizationService,
} from '../summarization/summarization-service';
import { SUMMARIZE_SCREENED, SUMMARY_JOB_KIND, summaryJobExecutor } from '../summarization/summary-jobs';
import type { BaseDependencies } from './base';
import { composeClassicGenerators } from './classic-models';
import { composeDocumentBlobs } from './document-blobs';
import { composeImageGenerator } from './image-jobs';
import { composeBucketModelRuntime } from './model-bucket';
import { screenedJobExecutor } from './screened-jobs';

export interface JobParts {
  readonly jobs: JobService;
  readonly imageJobs: ImageJobService;
  readonly classicGeneration: ClassicGeneration;
}

/** The research jobs' workflow, composed (and its code loaded) with the first one; a failure is tried again. */
function lazyResearcher(
  base: BaseDependencies,
  parts: { blobs: BlobStore; runtime: ModelRuntime; summarization: SummarizationService },
): () => Promise<ResearcherService> {
  return loadOnce(async () => (await import('./research-jobs')).composeResearchJobs(base, parts));
}

export function composeJobs(
  base: BaseDependencies,
  parts: {
    blobs: BlobStore;
    imageGenerator: ImageGenerator;
    generators: ClassicGenerators;
    runtime: ModelRuntime;
    summarization: SummarizationService;
  },
): JobParts {
  const { config, logger } = base;
  let dispatcher: JobDispatcher | undefined;
  const jobs: JobService = createJobService({
    store: createBlobJobStore({ blobs: parts.blobs }),
    executors: {
      [IMAGE_JOB_KIND]: imageJobExecutor({ generator: parts.imageGenerator, blobs: parts.blobs }),
      ...classicJobExecutors(parts.generators),
      // Screened on output as their routes screen an answer (their input was screened when submitted).
      [SUMMARY_JOB_KIND]: screenedJobExecutor(
        base,
        SUMMARIZE_SCREENED,
        summaryJobExecutor(parts.summarization),
      ),
      [RESEARCH_JOB_KIND]: screenedJobExecutor(
        base,
        RESEARCHER_SCREENED,
        researchJobExecutor(lazyResearcher(base, parts)),
      ),
    },
    dispatcher: () => {
      dispatcher ??= config.jobs.queueUrl
        ? createSqsDispatcher({ client: new SQSClient({}), queueUrl: config.jobs.queueUrl })
        : createInProcessDispatcher((id) => jobs.run(id), {
            sweep: { run: () => jobs.recover(), everyMs: config.jobs.heartbeatTimeoutMs / 4 },
          });
      return dispatcher;
    },
    settings: {
      timeouts: { heartbeatMs: config.jobs.heartbeatTimeoutMs, queuedMs: config.jobs.queuedTimeoutMs },
      maxAttempts: config.jobs.maxAttempts,
      // A Lambda function without the queue must not run jobs itself: it only re-queues them.
      dispatchMode: config.jobs.queueUrl ? 'queue' : config.runningOnLambda ? 'none' : 'in-process',
    },
    logger,
  });
  return {
    jobs,
    imageJobs: createImageJobService({
      jobs,
      blobs: parts.blobs,
      syncMaxPixelSteps: config.jobs.syncMaxPixelSteps,
    }),
    classicGeneration: createClassicGeneration({
      generators: parts.generators,
      jobs,
      syncMaxWork: config.jobs.classicSyncMaxWork,
    }),
  };
}

/** Everything the job routes and the worker use: the blob store, the generators and the job services. */
export function composeJobWork(base: BaseDependencies) {
  const blobs = composeDocumentBlobs(base.config);
  const imageGenerator = composeImageGenerator(base);
  const { generators } = composeClassicGenerators(base);
  // The summarizer's model (from the model bucket deployed) loads with a summary or research job's first
  // chunk; a research job's classifier (from its layer) in the same runtime.
  const runtime = composeBucketModelRuntime(base);
  const summarization = createSummarizationService({ runtime });
  return {
    ...base,
    blobs,
    imageGenerator,
    generators,
    runtime,
    summarization,
    ...composeJobs(base, { blobs, imageGenerator, generators, runtime, summarization }),
  };
}
