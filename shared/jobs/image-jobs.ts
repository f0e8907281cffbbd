/**
 * Stable Diffusion image generation as jobs of kind `generate-image`; small requests may run at once when
 * synchronous mode allows them. Images are written to the BlobStore under `generated/<jobId>/`, all of them
 * before the job records their keys and says it succeeded.
 */
import { randomInt } from 'node:crypto';
import type { ImageGenerator } from '../diffusion/image-generator';
import { DiffusionParameters, type GenerateImageRequest } from '../diffusion/schema';
import { NotFoundError } from '../errors';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import type { Job } from './job';
import type { JobExecutor } from './job-runner';
import type { JobService } from './job-service';

export const IMAGE_JOB_KIND = 'generate-image';
/** Where image jobs write their images. */
export const GENERATED_PREFIX = 'generated/';

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

export interface ImageJobService extends Pick<JobService, 'run' | 'recover' | 'watch' | 'settled'> {
  /** Stores the job and dispatches it, or runs it now in synchronous mode. */
  submit(request: GenerateImageRequest): Promise<{ job: ImageJob; ranSynchronously: boolean }>;
  /** The image job as it stands (see `JobService.status`); 404 for an unknown id or a job of another kind. */
  status(id: string): Promise<ImageJob>;
  /** One generated image of a finished job. */
  image(id: string, index: number): Promise<Buffer>;
}

/** The stored job read back as an image job, or undefined for a job of another kind. */
export function asImageJob(job: Job): ImageJob | undefined {
  if (job.kind !== IMAGE_JOB_KIND) return undefined;
  return {
    ...job,
    request: DiffusionParameters.parse(job.request),
    result: job.result === undefined ? undefined : ImageJobResult.parse(job.result),
  };
}

/** Runs an image job: generates, then stores every image before the result names them. */
export function imageJobExecutor(deps: { generator: ImageGenerator; blobs: BlobStore }): JobExecutor {
  return async (job, progress): Promise<ImageJobResult> => {
    const parameters = DiffusionParameters.parse(job.request);
    const result = await deps.generator.generate(parameters, progress);
    const images: string[] = [];
    for (const [index, png] of result.images.entries()) {
      const key = `${GENERATED_PREFIX}${job.id}/${index}.png`;
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
  };
}

export function createImageJobService(deps: {
  jobs: JobService;
  blobs: BlobStore;
  /** Largest width × height × steps × images run synchronously when a request asks for it (0: never). */
  syncMaxPixelSteps: number;
}): ImageJobService {
  const { jobs } = deps;
  async function status(id: string): Promise<ImageJob> {
    const job = asImageJob(await jobs.status(id));
    if (!job) throw new NotFoundError(`No image job '${id}'`);
    return job;
  }
  return {
    async submit(request) {
      const { sync, seed, ...rest } = request;
      const parameters: DiffusionParameters = { ...rest, seed: seed ?? randomInt(0, 2 ** 32) };
      const size = parameters.width * parameters.height * parameters.steps * parameters.num_images;
      const runNow = sync && size <= deps.syncMaxPixelSteps;
      const job = await jobs.submit(IMAGE_JOB_KIND, parameters, { runNow });
      return { job: asImageJob(job) as ImageJob, ranSynchronously: runNow };
    },
    status,
    run: jobs.run,
    recover: jobs.recover,
    watch: jobs.watch,
    settled: jobs.settled,
    async image(id, index) {
      const job = await status(id);
      const key = job.status === 'succeeded' ? job.result?.images[index] : undefined;
      const object = key ? await deps.blobs.get(key) : undefined;
      if (!object) throw new NotFoundError(`Job '${id}' has no image ${index}`);
      return object.body;
    },
  };
}
