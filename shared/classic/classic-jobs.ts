/**
 * /diffusion/generate and /ebm/generate answer at once while a run is small, and as a job above a threshold,
 * so that a long run never meets API Gateway's 29 s. The cost of a run is its sampler steps × images (one
 * graph evaluation per image and step); a run of more than `syncMaxWork` is stored as a job of kind
 * `diffusion-generate` or `ebm-generate` with its seed drawn, and the worker answers exactly what the
 * synchronous path answers for that seed (the same PNG bytes).
 */
import { randomInt } from 'node:crypto';
import { Seed } from '../http/common-fields';
import type { Job } from '../jobs/job';
import type { JobExecutor } from '../jobs/job-runner';
import type { JobExecutors, JobService } from '../jobs/job-service';
import * as z from '../schema';
import type { ClassicGenerators } from './generators';
import { DiffusionGenerateRequest, EbmGenerateRequest, GeneratedImages } from './schema';

export const CLASSIC_JOB_KINDS = ['diffusion-generate', 'ebm-generate'] as const;
export type ClassicJobKind = (typeof CLASSIC_JOB_KINDS)[number];

/** The requests as their jobs store them, the seed drawn; read back through these schemas. */
export const DiffusionJobRequest = z.extend(DiffusionGenerateRequest, { seed: Seed });
export const EbmJobRequest = z.extend(EbmGenerateRequest, { seed: Seed });

/** The estimated work of a run: sampler steps × images. */
export const classicWork = (request: { readonly steps: number; readonly count: number }) =>
  request.steps * request.count;

/** The images at once, or the job that makes them. */
export type ClassicOutcome =
  | { readonly images: GeneratedImages; readonly job?: undefined }
  | { readonly job: Job; readonly images?: undefined };

export interface ClassicGeneration {
  diffusion(request: DiffusionGenerateRequest): Promise<ClassicOutcome>;
  ebm(request: EbmGenerateRequest): Promise<ClassicOutcome>;
}

/** How the worker runs each classic kind: the same generator as the synchronous path, with progress. */
export function classicJobExecutors(generators: ClassicGenerators): JobExecutors {
  const diffusion: JobExecutor = (job, progress) =>
    generators.diffusion(DiffusionJobRequest.parse(job.request), progress);
  const ebm: JobExecutor = (job, progress) => generators.ebm(EbmJobRequest.parse(job.request), progress);
  return { 'diffusion-generate': diffusion, 'ebm-generate': ebm };
}

/** A finished classic job's images, read back through the schema of the synchronous answer. */
export const classicJobResult = (job: Job): GeneratedImages | undefined =>
  job.result === undefined ? undefined : GeneratedImages.parse(job.result);

export function createClassicGeneration(deps: {
  generators: ClassicGenerators;
  jobs: JobService;
  /** Largest steps × images answered synchronously; above, a job (0: every run is a job). */
  syncMaxWork: number;
}): ClassicGeneration {
  async function asJob(
    kind: ClassicJobKind,
    request: { seed?: number | undefined },
  ): Promise<ClassicOutcome> {
    const seeded = { ...request, seed: request.seed ?? randomInt(2 ** 32) };
    return { job: await deps.jobs.submit(kind, seeded) };
  }
  return {
    diffusion: async (request) =>
      classicWork(request) > deps.syncMaxWork
        ? asJob('diffusion-generate', request)
        : { images: await deps.generators.diffusion(request) },
    ebm: async (request) =>
      classicWork(request) > deps.syncMaxWork
        ? asJob('ebm-generate', request)
        : { images: await deps.generators.ebm(request) },
  };
}
