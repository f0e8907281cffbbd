/**
 * What `GET /jobs/{id}` answers about a job, and what a route that starts a job answers: the fields of every
 * job, then those of its kind (an image job's links to its images; a classic generator's PNGs, a summary or a
 * research answer, exactly as the synchronous answer carries them). Links start at the API's public base URL, which the HTTP layer reads
 * from the request: a job never sees one.
 */

import {
  CLASSIC_JOB_KINDS,
  classicJobResult,
  DiffusionJobRequest,
  EbmJobRequest,
} from '../classic/classic-jobs';
import { GeneratedImages } from '../classic/schema';
import { DiffusionParameters } from '../diffusion/schema';
import { RESEARCH_JOB_KIND, researchJobResult } from '../research/research-jobs';
import { ResearcherRequest, ResearcherResponseBody } from '../research/researcher-service';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import { SummarizeRequest, SummarizeResponse } from '../summarization/schema';
import { SUMMARY_JOB_KIND, summaryJobResult } from '../summarization/summary-jobs';
import { asImageJob, IMAGE_JOB_KIND, type ImageJob } from './image-jobs';
import { JOB_STATUSES, type Job } from './job';

const LINK_SECONDS = 3600;

const JobFields = {
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
  /** Public by construction: a job's status never carries a cause's internal text. */
  error: z.optional(z.object({ type: z.string(), message: z.string() })),
};

/** A Stable Diffusion job (`POST /generate-image`). */
export const ImageJobView = z.object({
  kind: z.literal(IMAGE_JOB_KIND),
  ...JobFields,
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
});
export type ImageJobView = z.output<typeof ImageJobView>;

/** A long run of `/diffusion/generate` or `/ebm/generate`. */
export const ClassicJobView = z.object({
  kind: z.enum(CLASSIC_JOB_KINDS),
  ...JobFields,
  /** The request the job runs, its seed drawn when the request had none. */
  request: z.union([DiffusionJobRequest, EbmJobRequest]),
  /** When it succeeded: the answer of the synchronous path for the same request and seed. */
  result: z.optional(GeneratedImages),
});
export type ClassicJobView = z.output<typeof ClassicJobView>;

/** A job a route took instead of answering at once: its request, and when it succeeded the answer's shape. */
const routeJobView = <K extends string, Q extends z.ZodMiniType, A extends z.ZodMiniType>(
  kind: K,
  request: Q,
  answer: A,
) => z.object({ kind: z.literal(kind), ...JobFields, request, result: z.optional(answer) });

/** A summary of a text longer than one request can afford (`POST /summarize`). */
export const SummaryJobView = routeJobView(SUMMARY_JOB_KIND, SummarizeRequest, SummarizeResponse);
export type SummaryJobView = z.output<typeof SummaryJobView>;

/** The researcher over a whole article (`POST /researcher` with `read: "full"`). */
export const ResearchJobView = routeJobView(RESEARCH_JOB_KIND, ResearcherRequest, ResearcherResponseBody);
export type ResearchJobView = z.output<typeof ResearchJobView>;

export const JobView = z.union([ImageJobView, ClassicJobView, SummaryJobView, ResearchJobView]);
export type JobView = z.output<typeof JobView>;

function commonView(job: Job, baseUrl: string) {
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
    ...(job.error ? { error: job.error } : {}),
  };
}

/** An image job as the API shows it; `baseUrl` is the API's public address, stage included (no trailing slash). */
export async function imageJobView(job: ImageJob, baseUrl: string, blobs: BlobStore): Promise<ImageJobView> {
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
    kind: IMAGE_JOB_KIND,
    ...commonView(job, baseUrl),
    request: job.request,
    ...(result && images
      ? {
          images,
          seed: result.seed,
          execution_provider: result.executionProvider,
          step_ms: result.stepMs,
        }
      : {}),
  };
}

function classicJobView(job: Job, kind: ClassicJobView['kind'], baseUrl: string): ClassicJobView {
  const result = job.status === 'succeeded' ? classicJobResult(job) : undefined;
  return {
    kind,
    ...commonView(job, baseUrl),
    request: (kind === 'diffusion-generate' ? DiffusionJobRequest : EbmJobRequest).parse(job.request),
    ...(result ? { result } : {}),
  };
}

const isClassicKind = (kind: string): kind is ClassicJobView['kind'] =>
  (CLASSIC_JOB_KINDS as readonly string[]).includes(kind);

export function summaryJobView(job: Job, baseUrl: string): SummaryJobView {
  const result = summaryJobResult(job);
  return {
    kind: SUMMARY_JOB_KIND,
    ...commonView(job, baseUrl),
    request: SummarizeRequest.parse(job.request),
    ...(result ? { result } : {}),
  };
}

export function researchJobView(job: Job, baseUrl: string): ResearchJobView {
  const result = researchJobResult(job);
  return {
    kind: RESEARCH_JOB_KIND,
    ...commonView(job, baseUrl),
    request: ResearcherRequest.parse(job.request),
    ...(result ? { result } : {}),
  };
}

/** Any job as the API shows it, by its kind. */
export async function jobView(job: Job, baseUrl: string, blobs: BlobStore): Promise<JobView> {
  const image = asImageJob(job);
  if (image) return imageJobView(image, baseUrl, blobs);
  if (isClassicKind(job.kind)) return classicJobView(job, job.kind, baseUrl);
  if (job.kind === SUMMARY_JOB_KIND) return summaryJobView(job, baseUrl);
  if (job.kind === RESEARCH_JOB_KIND) return researchJobView(job, baseUrl);
  throw new Error(`job ${job.id} is of an unknown kind '${job.kind}'`);
}
