/**
 * What becomes of a job whose worker is gone, decided by whoever notices first (a status request, the
 * in-process sweep): a running job without a heartbeat for the heartbeat timeout goes back to the queue
 * while attempts remain and is failed (`worker_lost`) after the last; a queued job is dispatched again when
 * jobs run in process (its dispatch died with its process), or failed (`not_started`) when a queue should
 * have delivered it long ago. Every change is conditional on the job as it was seen, so two observers at
 * once change it once, and only the one whose change was written dispatches it.
 */
import { hasLostWorker, isFinished, type Job, workerLostError } from './job';
import type { JobTimeouts } from './job-runner';
import type { JobStore } from './job-store';

/**
 * How jobs reach workers from here: `in-process` (dispatched at once, so a job still queued after the
 * heartbeat timeout lost its dispatch and is dispatched again), `queue` (SQS; a queued job waits its turn
 * until `queuedMs`), or `none` (a Lambda function without the queue: it may re-queue a job, which the next
 * delivery of its message claims, but cannot dispatch it).
 */
export type JobDispatchMode = 'in-process' | 'queue' | 'none';

export interface RecoveryPolicy {
  readonly timeouts: JobTimeouts;
  readonly mode: JobDispatchMode;
}

export interface Recovery {
  /** The job as it now stands. */
  readonly job: Job;
  /** Whether the caller must dispatch it (it was queued again by this call). */
  readonly dispatch: boolean;
}

const now = () => new Date().toISOString();
const queuedSince = (job: Job) => Date.parse(job.queuedAt ?? job.createdAt);

export async function recoverJob(store: JobStore, job: Job, policy: RecoveryPolicy): Promise<Recovery> {
  const { heartbeatMs, queuedMs } = policy.timeouts;
  const inProcess = policy.mode === 'in-process';
  if (isFinished(job)) return { job, dispatch: false };
  let requeuedAt: string | undefined;
  const change = (current: Job): Job | undefined => {
    requeuedAt = undefined;
    if (current.status !== job.status || current.workerId !== job.workerId) return undefined;
    if (current.status === 'running') {
      if (!hasLostWorker(current, heartbeatMs)) return undefined;
      if (current.attempts >= current.maxAttempts) {
        return {
          ...current,
          status: 'failed',
          finishedAt: now(),
          error: workerLostError(current, heartbeatMs),
        };
      }
      requeuedAt = now();
      return {
        ...current,
        status: 'queued',
        queuedAt: requeuedAt,
        workerId: undefined,
        heartbeatAt: undefined,
        startedAt: undefined,
        progress: undefined,
      };
    }
    const waited = Date.now() - queuedSince(current);
    if (inProcess && waited > heartbeatMs) {
      requeuedAt = now();
      return { ...current, queuedAt: requeuedAt };
    }
    if (!inProcess && waited > queuedMs) {
      const seconds = Math.round(queuedMs / 1000);
      return {
        ...current,
        status: 'failed',
        finishedAt: now(),
        error: {
          type: 'not_started',
          message: `no worker started the job within ${seconds} s; submit it again`,
        },
      };
    }
    return undefined;
  };
  const stale =
    job.status === 'running'
      ? hasLostWorker(job, heartbeatMs)
      : Date.now() - queuedSince(job) > (inProcess ? heartbeatMs : queuedMs);
  if (!stale) return { job, dispatch: false };
  const stored = (await store.update(job.id, change)) ?? job;
  const requeued = stored.status === 'queued' && requeuedAt !== undefined && stored.queuedAt === requeuedAt;
  return { job: stored, dispatch: requeued && policy.mode !== 'none' };
}
