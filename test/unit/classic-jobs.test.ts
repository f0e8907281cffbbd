import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classicWork, createClassicGeneration } from '../../shared/classic/classic-jobs';
import type { ClassicGenerators } from '../../shared/classic/generators';
import type {
  DiffusionGenerateRequest,
  EbmGenerateRequest,
  GeneratedImages,
} from '../../shared/classic/schema';
import { loadConfig } from '../../shared/config/environment';
import type { Job } from '../../shared/jobs/job';
import { createInProcessDispatcher } from '../../shared/jobs/job-dispatcher';
import { createJobService, type JobKind, type JobService } from '../../shared/jobs/job-service';
import { createBlobJobStore } from '../../shared/jobs/job-store';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { silentLogger } from '../helpers/dependencies';

const images: GeneratedImages = {
  images: [{ index: 0, png_base64: 'AA==' }],
  seed: 1,
  width: 32,
  height: 32,
  model: { id: 'test', profile: 'tiny' },
  timing_ms: 1,
};

/** Generators that answer at once, and a job service that records what it was asked to submit. */
function fakes() {
  const ran: string[] = [];
  const submitted: { kind: JobKind; request: unknown }[] = [];
  const generators: ClassicGenerators = {
    gan: async () => images,
    async diffusion() {
      ran.push('diffusion');
      return images;
    },
    async ebm() {
      ran.push('ebm');
      return images;
    },
  };
  const jobs = {
    async submit(kind: JobKind, request: unknown) {
      submitted.push({ kind, request });
      return { id: 'job', kind, status: 'queued', request } as Job;
    },
  } as unknown as JobService;
  return { ran, submitted, generators, jobs };
}

const diffusion = (steps: number, count: number, seed?: number): DiffusionGenerateRequest => ({
  steps,
  count,
  sampler: 'ddim',
  ...(seed === undefined ? {} : { seed }),
});
const ebm = (steps: number, count: number): EbmGenerateRequest => ({
  steps,
  count,
  step_size: 0.1,
  noise: 0.5,
});

describe('classic runs: at once or as a job', () => {
  it('estimates the work as sampler steps × images', () => {
    expect(classicWork({ steps: 50, count: 4 })).toBe(200);
  });

  it('answers at once up to the threshold, and submits a job of the route’s kind above it', async () => {
    // Prepare
    const { ran, submitted, generators, jobs } = fakes();
    const generation = createClassicGeneration({ generators, jobs, syncMaxWork: 100 });

    // Act
    const atLimit = await generation.diffusion(diffusion(50, 2));
    const above = await generation.diffusion(diffusion(51, 2, 7));
    const ebmAbove = await generation.ebm(ebm(101, 1));

    // Assess
    expect(atLimit.images).toBe(images);
    expect(ran).toEqual(['diffusion']);
    expect(above.job?.kind).toBe('diffusion-generate');
    expect(ebmAbove.job?.kind).toBe('ebm-generate');
    expect(submitted[0]?.request).toEqual({ steps: 51, count: 2, sampler: 'ddim', seed: 7 });
    const drawn = (submitted[1]?.request as { seed: number } | undefined)?.seed ?? -1;
    expect(Number.isInteger(drawn) && drawn >= 0 && drawn < 2 ** 32).toBe(true);
  });

  it('makes every run a job with a threshold of 0', async () => {
    const { ran, generators, jobs } = fakes();
    const generation = createClassicGeneration({ generators, jobs, syncMaxWork: 0 });
    expect((await generation.ebm(ebm(1, 1))).job).toBeDefined();
    expect(ran).toEqual([]);
  });

  it('keeps typical runs synchronous by default: the routes’ defaults up to four images', () => {
    const { jobs } = loadConfig({});
    expect(classicWork({ steps: 50, count: 4 })).toBeLessThanOrEqual(jobs.classicSyncMaxWork);
    expect(classicWork({ steps: 60, count: 4 })).toBeLessThanOrEqual(jobs.classicSyncMaxWork);
    expect(classicWork({ steps: 1000, count: 1 })).toBeGreaterThan(jobs.classicSyncMaxWork);
  });
});

describe('the job service', () => {
  it('runs each job with the executor of its kind', async () => {
    // Prepare
    const store = createBlobJobStore({
      blobs: createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'job-kinds-')) }),
    });
    const seen: string[] = [];
    const service: JobService = createJobService({
      store,
      executors: {
        'diffusion-generate': async (job) => {
          seen.push(`diffusion ${JSON.stringify(job.request)}`);
          return 1;
        },
        'ebm-generate': async (job) => {
          seen.push(`ebm ${JSON.stringify(job.request)}`);
          return 2;
        },
      },
      dispatcher: () => dispatcher,
      settings: {
        timeouts: { heartbeatMs: 60_000, queuedMs: 60_000 },
        maxAttempts: 1,
        dispatchMode: 'in-process',
      },
      logger: silentLogger(),
    });
    const dispatcher = createInProcessDispatcher((id) => service.run(id));

    // Act
    const a = await service.submit('ebm-generate', { n: 1 });
    const b = await service.submit('diffusion-generate', { n: 2 }, { runNow: true });
    await service.settled();

    // Assess
    expect(b.status).toBe('succeeded');
    expect((await service.status(a.id)).result).toBe(2);
    expect((await service.status(b.id)).result).toBe(1);
    expect(seen.sort()).toEqual(['diffusion {"n":2}', 'ebm {"n":1}']);
  });
});
