/** A long-running piece of work, stored before it starts so that it is never lost or silently run twice. */

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
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Written by the worker at every progress report; a running job whose heartbeat is too old has died. */
  readonly heartbeatAt?: string;
  readonly workerId?: string;
  /** Claims so far (more than 1 means a redelivery found it still queued after a failed claim). */
  readonly attempts: number;
  readonly progress?: { readonly step: number; readonly steps: number };
  readonly result?: Result;
  readonly error?: JobError;
}

export const isFinished = (job: Job) => job.status === 'succeeded' || job.status === 'failed';
