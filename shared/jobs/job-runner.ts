/**
 * Runs one job: claim it (queued -> running, conditionally, so a second delivery finds it taken and does
 * nothing), execute it with heartbeats at every progress report, then record the result or the error.
 * A running job whose heartbeat is older than the timeout is marked failed, never left running forever and
 * never started again behind anyone's back.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { HttpError } from '../http/errors';
import { isFinished, type Job } from './job';
import type { JobStore } from './job-store';

export type ProgressReporter = (step: number, steps: number) => Promise<void>;
export type JobExecutor = (job: Job, progress: ProgressReporter) => Promise<unknown>;

export type RunOutcome = 'succeeded' | 'failed' | 'skipped';

const now = () => new Date().toISOString();

export async function runJob(
  id: string,
  deps: {
    store: JobStore;
    execute: JobExecutor;
    logger: Logger;
    workerId?: string;
    heartbeatEveryMs?: number;
  },
): Promise<RunOutcome> {
  const workerId = deps.workerId ?? randomUUID();
  // A claim may be retried after losing a race: whether it was won is read from the stored job, never
  // from a flag that an earlier, failed attempt may have set.
  const job = await deps.store.update(id, (current) => {
    if (current.status !== 'queued') return undefined;
    const at = now();
    return {
      ...current,
      status: 'running',
      workerId,
      startedAt: at,
      heartbeatAt: at,
      attempts: current.attempts + 1,
    };
  });
  if (!job) {
    deps.logger.error('job to run does not exist', { jobId: id });
    return 'skipped';
  }
  if (job.status !== 'running' || job.workerId !== workerId) {
    deps.logger.warn('job not run: it is not queued (a duplicate delivery)', {
      jobId: id,
      status: job.status,
      workerId: job.workerId,
    });
    return 'skipped';
  }

  let lastBeat = 0;
  const progress: ProgressReporter = async (step, steps) => {
    if (step < steps && Date.now() - lastBeat < (deps.heartbeatEveryMs ?? 250)) return;
    lastBeat = Date.now();
    await deps.store.update(id, (current) =>
      current.status === 'running' && current.workerId === workerId
        ? { ...current, progress: { step, steps }, heartbeatAt: now() }
        : undefined,
    );
  };

  try {
    const result = await deps.execute(job, progress);
    await deps.store.update(id, (current) =>
      current.workerId === workerId && current.status === 'running'
        ? { ...current, status: 'succeeded', result, finishedAt: now() }
        : undefined,
    );
    deps.logger.info('job succeeded', { jobId: id });
    return 'succeeded';
  } catch (error) {
    const type = error instanceof HttpError ? error.type : 'job_failed';
    const message =
      error instanceof HttpError && error.expose
        ? error.message
        : `the job failed: ${(error as Error).message}`;
    await deps.store.update(id, (current) =>
      current.workerId === workerId && current.status === 'running'
        ? { ...current, status: 'failed', error: { type, message }, finishedAt: now() }
        : undefined,
    );
    deps.logger.error('job failed', { jobId: id, error: error as Error });
    return 'failed';
  }
}

export interface JobTimeouts {
  /** A running job whose last heartbeat is older than this has lost its worker. */
  readonly heartbeatMs: number;
  /** A queued job that no worker claimed within this was lost on its way to one. */
  readonly queuedMs: number;
}

/**
 * Marks a job that can no longer finish as failed (its worker stopped reporting, or no worker ever took it);
 * returns the job as it now stands.
 */
export async function expireIfStale(store: JobStore, job: Job, timeouts: JobTimeouts): Promise<Job> {
  if (isFinished(job)) return job;
  const running = job.status === 'running';
  const lastSign = Date.parse(running ? (job.heartbeatAt ?? job.startedAt ?? job.createdAt) : job.createdAt);
  const limit = running ? timeouts.heartbeatMs : timeouts.queuedMs;
  if (Date.now() - lastSign <= limit) return job;
  const seconds = Math.round(limit / 1000);
  const error = running
    ? {
        type: 'worker_timeout',
        message: `the worker stopped reporting progress for over ${seconds} s; submit the job again`,
      }
    : { type: 'not_started', message: `no worker started the job within ${seconds} s; submit it again` };
  const expired = await store.update(job.id, (current) =>
    current.status === job.status && current.heartbeatAt === job.heartbeatAt
      ? { ...current, status: 'failed', finishedAt: now(), error }
      : undefined,
  );
  return expired ?? job;
}
