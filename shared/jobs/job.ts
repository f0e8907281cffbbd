/**
 * A long-running piece of work, stored before it starts so that it is never lost or silently run twice.
 * Stored jobs are read back through `StoredJob`, so a record written by another version (or by hand) is
 * checked rather than trusted.
 */
import * as z from '../schema';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobError {
  readonly type: string;
  readonly message: string;
}

export interface Job<Request = unknown, Result = unknown> {
  readonly id: string;
  readonly kind: string;
  readonly status: JobStatus;
  readonly request: Request;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the job was last put in the queue (its creation, or a retry after its worker was lost). */
  readonly queuedAt?: string;
  /** When the current attempt started. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Written by the worker while it lives; a running job whose heartbeat is too old has lost its worker. */
  readonly heartbeatAt?: string;
  readonly workerId?: string;
  /** Claims so far: the first run, then one more for each worker that took over from a lost one. */
  readonly attempts: number;
  /** Claims allowed before a job whose workers keep dying is failed (`worker_lost`). */
  readonly maxAttempts: number;
  readonly progress?: { readonly step: number; readonly steps: number };
  readonly result?: Result;
  readonly error?: JobError;
}

const Timestamp = z.iso.datetime();

/** A job as stored. Records written before attempts were bounded allowed one run: `maxAttempts` 1. */
export const StoredJob = z.object({
  id: z.string().check(z.minLength(1)),
  kind: z.string().check(z.minLength(1)),
  status: z.enum(JOB_STATUSES),
  request: z.unknown(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  queuedAt: z.optional(Timestamp),
  startedAt: z.optional(Timestamp),
  finishedAt: z.optional(Timestamp),
  heartbeatAt: z.optional(Timestamp),
  workerId: z.optional(z.string().check(z.minLength(1))),
  attempts: z.number().check(z.int(), z.minimum(0)),
  maxAttempts: z._default(z.number().check(z.int(), z.minimum(1)), 1),
  progress: z.optional(
    z.object({
      step: z.number().check(z.int(), z.minimum(0)),
      steps: z.number().check(z.int(), z.minimum(0)),
    }),
  ),
  result: z.optional(z.unknown()),
  error: z.optional(z.object({ type: z.string(), message: z.string() })),
});

export const isFinished = (job: Job) => job.status === 'succeeded' || job.status === 'failed';

/** The last sign of life of a running job's worker. */
const lastHeartbeat = (job: Job) => Date.parse(job.heartbeatAt ?? job.startedAt ?? job.createdAt);

/** Whether `job` is running on a worker that has not sent a heartbeat for longer than `heartbeatMs`. */
export function hasLostWorker(job: Job, heartbeatMs: number, now = Date.now()): boolean {
  return job.status === 'running' && now - lastHeartbeat(job) > heartbeatMs;
}

/** The error of a job whose workers were lost on every attempt it was allowed. */
export function workerLostError(job: Job, heartbeatMs: number): JobError {
  const attempts = `${job.attempts} ${job.attempts === 1 ? 'attempt' : 'attempts'}`;
  const silence = `${Math.round(heartbeatMs / 1000)} s`;
  return {
    type: 'worker_lost',
    message: `the worker was lost after ${attempts} (no heartbeat for ${silence} each time); submit the job again`,
  };
}
