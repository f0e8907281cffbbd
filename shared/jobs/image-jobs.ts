/**
 * Image generation as jobs: the job is stored (queued) before anything runs, then handed to a worker; small
 * requests may run at once when synchronous mode allows them. Images are written to the BlobStore under
 * `generated/<jobId>/` and the job records their keys.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ImageGenerator } from '../diffusion/image-generator';
import type { DiffusionParameters, GenerateImageRequest } from '../diffusion/schema';
import { NotFoundError, ServiceUnavailableError } from '../http/errors';
import type { BlobStore } from '../storage/blob-store';
import type { Job } from './job';
import type { JobDispatcher } from './job-dispatcher';
import { expireIfStale, type JobTimeouts, runJob } from './job-runner';
import type { JobStore } from './job-store';

export interface ImageJobResult {
  readonly images: string[];
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly executionProvider: string;
  readonly stepMs: number;
}

export type ImageJob = Job<DiffusionParameters, ImageJobResult>;

export interface ImageJobSettings {
  /** Largest width × height × steps × images run synchronously when a request asks for it (0: never). */
  readonly syncMaxPixelSteps: number;
  readonly timeouts: JobTimeouts;
}

export interface ImageJobService {
  /** Stores the job and dispatches it, or runs it now in synchronous mode. */
  submit(request: GenerateImageRequest): Promise<{ job: ImageJob; ranSynchronously: boolean }>;
  /** The job as it stands (a job whose worker died is reported failed). 404 for an unknown id. */
  status(id: string): Promise<ImageJob>;
  /** Runs a stored job: the worker's entry point. */
  run(id: string): Promise<string>;
  /** One generated image of a finished job. */
  image(id: string, index: number): Promise<Buffer>;
  /** Resolves when the jobs this process dispatched to itself have finished. */
  settled(): Promise<void>;
}

export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
    const parameters = job.request as DiffusionParameters;
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

  const run = (id: string) => runJob(id, { store: deps.store, execute, logger: deps.logger });

  async function load(id: string): Promise<ImageJob> {
    const job = JOB_ID.test(id) ? await deps.store.get(id) : undefined;
    if (!job) throw new NotFoundError(`No job '${id}'`);
    return (await expireIfStale(deps.store, job, deps.settings.timeouts)) as ImageJob;
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
        attempts: 0,
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
        throw new ServiceUnavailableError(`the job could not be queued: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return { job, ranSynchronously: false };
    },
    status: load,
    run,
    settled: () => deps.dispatcher().idle(),
    async image(id, index) {
      const job = await load(id);
      const key = job.status === 'succeeded' ? job.result?.images[index] : undefined;
      const object = key ? await deps.blobs.get(key) : undefined;
      if (!object) throw new NotFoundError(`Job '${id}' has no image ${index}`);
      return object.body;
    },
  };
}
