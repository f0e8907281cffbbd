/**
 * Image generation as jobs: the job is stored (queued) before anything runs, then handed to a worker; small
 * requests may run at once when synchronous mode allows them. Images are written to the BlobStore under
 * `generated/<jobId>/`, all of them before the job records their keys and says it succeeded. A job whose
 * worker died is noticed by its status request or by the in-process sweep, and retried or failed.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ImageGenerator } from '../diffusion/image-generator';
import { DiffusionParameters, type GenerateImageRequest } from '../diffusion/schema';
import { NotFoundError, ServiceUnavailableError } from '../errors';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import type { Job } from './job';
import type { JobDispatcher } from './job-dispatcher';
import { type JobDispatchMode, recoverJob } from './job-recovery';
import { type JobTimeouts, type RunOutcome, runJob } from './job-runner';
import type { JobStore } from './job-store';

/** What a finished image job records; read back through this schema. */
export const ImageJobResult = z.object({
  images: z.array(z.string().check(z.minLength(1))),
  width: z.number().check(z.int()),
  height: z.number().check(z.int()),
  seed: z.number().check(z.int()),
  executionProvider: z.string(),
  stepMs: z.number(),
});
export type ImageJobResult = z.output<typeof ImageJobResult>;

export type ImageJob = Job<DiffusionParameters, ImageJobResult>;

export interface ImageJobSettings {
  /** Largest width × height × steps × images run synchronously when a request asks for it (0: never). */
  readonly syncMaxPixelSteps: number;
  readonly timeouts: JobTimeouts;
  /** Claims a job may have: a job whose worker dies on every one of them is failed (`worker_lost`). */
  readonly maxAttempts: number;
  /** How a recovered job is dispatched again from here. */
  readonly dispatchMode: JobDispatchMode;
}

export interface ImageJobService {
  /** Stores the job and dispatches it, or runs it now in synchronous mode. */
  submit(request: GenerateImageRequest): Promise<{ job: ImageJob; ranSynchronously: boolean }>;
  /**
   * The job as it stands; a job whose worker died is queued again (and dispatched) while attempts remain,
   * else failed. 404 for an unknown id.
   */
  status(id: string): Promise<ImageJob>;
  /** Runs a stored job: the worker's entry point. */
  run(id: string): Promise<RunOutcome>;
  /** One sweep over the unfinished jobs, recovering those whose worker died (the in-process dispatcher's timer). */
  recover(): Promise<void>;
  /**
   * Starts the in-process sweep now rather than at the first dispatch, so that a local server that restarted
   * recovers the jobs of the process that died without waiting for their status to be asked. With a queue,
   * nothing to do: SQS redelivers.
   */
  watch(): void;
  /** One generated image of a finished job. */
  image(id: string, index: number): Promise<Buffer>;
  /** Resolves when the jobs this process dispatched to itself have finished. */
  settled(): Promise<void>;
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createImageJobService(deps: {
  store: JobStore;
  blobs: BlobStore;
  generator: ImageGenerator;
  dispatcher: () => JobDispatcher;
  settings: ImageJobSettings;
  logger: Logger;
}): ImageJobService {
  async function execute(
    job: Job,
    progress: (step: number, steps: number) => Promise<void>,
  ): Promise<ImageJobResult> {
    const parameters = DiffusionParameters.parse(job.request);
    const result = await deps.generator.generate(parameters, progress);
    const images: string[] = [];
    for (const [index, png] of result.images.entries()) {
      const key = `generated/${job.id}/${index}.png`;
      await deps.blobs.put(key, png, { contentType: 'image/png' });
      images.push(key);
    }
    return {
      images,
      width: parameters.width,
      height: parameters.height,
      seed: result.seed,
      executionProvider: result.executionProvider,
      stepMs: Math.round(result.stepMs * 100) / 100,
    };
  }

  const { timeouts, dispatchMode: mode } = deps.settings;
  const run = (id: string) => runJob(id, { store: deps.store, execute, logger: deps.logger, timeouts });

  /** Recovers the job if its worker is gone, dispatching it again when it went back to the queue. */
  async function recovered(job: Job): Promise<Job> {
    const { job: current, dispatch } = await recoverJob(deps.store, job, { timeouts, mode });
    if (current.status !== job.status || current.attempts !== job.attempts)
      deps.logger.warn('job recovered from a lost worker', {
        jobId: job.id,
        status: current.status,
        attempts: current.attempts,
        error: current.error,
      });
    if (dispatch) {
      // Best effort: a job left queued is dispatched again by the next status request or sweep.
      await deps
        .dispatcher()
        .dispatch(job.id)
        .catch((error: unknown) =>
          deps.logger.error('job could not be dispatched again', { jobId: job.id, error: error as Error }),
        );
    }
    return current;
  }

  async function load(id: string): Promise<ImageJob> {
    const job = JOB_ID.test(id) ? await deps.store.get(id) : undefined;
    if (!job) throw new NotFoundError(`No job '${id}'`);
    const current = await recovered(job);
    return {
      ...current,
      request: DiffusionParameters.parse(current.request),
      result: current.result === undefined ? undefined : ImageJobResult.parse(current.result),
    };
  }

  return {
    async submit(request) {
      const { sync, seed, ...rest } = request;
      const parameters: DiffusionParameters = { ...rest, seed: seed ?? randomInt(0, 2 ** 32) };
      const at = new Date().toISOString();
      const job: ImageJob = {
        id: randomUUID(),
        kind: 'generate-image',
        status: 'queued',
        request: parameters,
        createdAt: at,
        updatedAt: at,
        queuedAt: at,
        attempts: 0,
        maxAttempts: deps.settings.maxAttempts,
      };
      await deps.store.create(job);
      const size = parameters.width * parameters.height * parameters.steps * parameters.num_images;
      if (sync && size <= deps.settings.syncMaxPixelSteps) {
        await run(job.id);
        return { job: await load(job.id), ranSynchronously: true };
      }
      try {
        await deps.dispatcher().dispatch(job.id);
      } catch (error) {
        await deps.store.update(job.id, (current) =>
          current.status === 'queued'
            ? {
                ...current,
                status: 'failed',
                finishedAt: new Date().toISOString(),
                error: { type: 'dispatch_failed', message: 'the job could not be queued' },
              }
            : undefined,
        );
        deps.logger.error('job could not be dispatched', { jobId: job.id, error: error as Error });
        throw new ServiceUnavailableError(`job ${job.id} could not be queued; submit it again`, {
          cause: error,
        });
      }
      return { job, ranSynchronously: false };
    },
    status: load,
    run,
    async recover() {
      for (const job of await deps.store.unfinished()) {
        await recovered(job).catch((error: unknown) =>
          deps.logger.error('job recovery failed', { jobId: job.id, error: error as Error }),
        );
      }
    },
    settled: () => deps.dispatcher().idle(),
    watch() {
      if (mode === 'in-process') deps.dispatcher();
    },
    async image(id, index) {
      const job = await load(id);
      const key = job.status === 'succeeded' ? job.result?.images[index] : undefined;
      const object = key ? await deps.blobs.get(key) : undefined;
      if (!object) throw new NotFoundError(`Job '${id}' has no image ${index}`);
      return object.body;
    },
  };
}
