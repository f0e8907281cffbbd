/**
 * Runs one job: claim it, execute it while a heartbeat says the worker lives, then record the result or the
 * error. The claim is a conditional write that succeeds for a queued job, or for a running job whose worker
 * was lost (no heartbeat for the heartbeat timeout) while attempts remain: so a redelivered message takes
 * over from a dead worker, and of two deliveries at once only one wins. A job out of attempts is failed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { HttpError } from '../errors';
import { redactInternals } from '../http/public-text';
import { hasLostWorker, type Job, type JobError, workerLostError } from './job';
import type { JobStore } from './job-store';

export type ProgressReporter = (step: number, steps: number) => Promise<void>;
export type JobExecutor = (job: Job, progress: ProgressReporter) => Promise<unknown>;

/**
 * `held`: another worker holds the job and is alive (a duplicate delivery, to look at again later).
 * `skipped`: nothing to do (finished, unknown, or just failed for running out of attempts).
 * `superseded`: this worker was presumed dead and another took over; its result was not recorded.
 */
export type RunOutcome = 'succeeded' | 'failed' | 'skipped' | 'held' | 'superseded';

export interface JobTimeouts {
  /** A running job whose last heartbeat is older than this has lost its worker. */
  readonly heartbeatMs: number;
  /** A queued job that no worker claimed within this was lost on its way to one (queue mode). */
  readonly queuedMs: number;
}

const now = () => new Date().toISOString();

/** What a job's status may say about an error: an exposed message without internals, else a generic one. */
function publicJobError(error: unknown, jobId: string): JobError {
  if (error instanceof HttpError && error.expose) {
    return { type: error.type, message: redactInternals(error.message) };
  }
  return {
    type: error instanceof HttpError ? error.type : 'job_failed',
    message: `the job failed; quote job ${jobId} when reporting it (the cause is in the service's logs)`,
  };
}

export async function runJob(
  id: string,
  deps: {
    store: JobStore;
    execute: JobExecutor;
    logger: Logger;
    timeouts: JobTimeouts;
    workerId?: string;
    /** How often a live worker writes its heartbeat (a quarter of the heartbeat timeout by default). */
    heartbeatEveryMs?: number;
    /** Least time between two progress writes (the last step is always written). */
    progressEveryMs?: number;
  },
): Promise<RunOutcome> {
  const workerId = deps.workerId ?? randomUUID();
  const { heartbeatMs } = deps.timeouts;
  let lostWorker: string | undefined;
  // Whether the claim was won is read from the stored job, never from what an earlier, lost try of the
  // change function saw.
  const job = await deps.store.update(id, (current) => {
    lostWorker = undefined;
    const takeover = hasLostWorker(current, heartbeatMs);
    if (current.status !== 'queued' && !takeover) return undefined;
    const at = now();
    if (current.attempts >= current.maxAttempts) {
      return { ...current, status: 'failed', finishedAt: at, error: workerLostError(current, heartbeatMs) };
    }
    if (takeover) lostWorker = current.workerId;
    return {
      ...current,
      status: 'running',
      workerId,
      startedAt: at,
      heartbeatAt: at,
      attempts: current.attempts + 1,
      progress: undefined,
      error: undefined,
    };
  });
  if (!job) {
    deps.logger.error('job to run does not exist', { jobId: id });
    return 'skipped';
  }
  if (job.status === 'running' && job.workerId !== workerId) {
    deps.logger.info('job not run: another worker holds it and is alive', {
      jobId: id,
      holder: job.workerId,
    });
    return 'held';
  }
  if (job.status !== 'running') {
    deps.logger.warn('job not run: it is not queued', { jobId: id, status: job.status, error: job.error });
    return 'skipped';
  }
  if (lostWorker !== undefined) {
    deps.logger.warn('job taken over from a lost worker', { jobId: id, lostWorker, attempt: job.attempts });
  }

  const ours = (current: Job) => current.status === 'running' && current.workerId === workerId;
  let claimLost = false;
  const heartbeat = startHeartbeat(
    deps.heartbeatEveryMs ?? Math.max(50, heartbeatMs / 4),
    async () => {
      const stored = await deps.store.update(id, (current) =>
        ours(current) ? { ...current, heartbeatAt: now() } : undefined,
      );
      if (stored && ours(stored)) return true;
      claimLost = true;
      deps.logger.warn('job claim lost: another worker took the job over', { jobId: id, workerId });
      return false;
    },
    deps.logger,
  );

  let lastProgress = 0;
  const progress: ProgressReporter = async (step, steps) => {
    if (step < steps && Date.now() - lastProgress < (deps.progressEveryMs ?? 250)) return;
    lastProgress = Date.now();
    await deps.store.update(id, (current) =>
      ours(current) ? { ...current, progress: { step, steps }, heartbeatAt: now() } : undefined,
    );
  };

  const finish = async (outcome: 'succeeded' | 'failed', fields: Partial<Job>): Promise<RunOutcome> => {
    heartbeat.stop();
    const stored = await deps.store.update(id, (current) =>
      ours(current) ? { ...current, ...fields, status: outcome, finishedAt: now() } : undefined,
    );
    if (stored?.workerId === workerId && stored.status === outcome) return outcome;
    deps.logger.warn('job outcome not recorded: another worker took the job over', {
      jobId: id,
      outcome,
      claimLost,
    });
    return 'superseded';
  };

  try {
    const result = await deps.execute(job, progress);
    const outcome = await finish('succeeded', { result });
    if (outcome === 'succeeded') deps.logger.info('job succeeded', { jobId: id, attempt: job.attempts });
    return outcome;
  } catch (error) {
    deps.logger.error('job failed', { jobId: id, attempt: job.attempts, error: error as Error });
    return finish('failed', { error: publicJobError(error, id) });
  } finally {
    heartbeat.stop();
  }
}

/**
 * Calls `beat` every `everyMs` until it answers false or `stop()` is called; one beat at a time, so a slow
 * store never piles them up. A failed beat is logged and the next one tried: one lost write must not cost
 * the job its worker.
 */
function startHeartbeat(everyMs: number, beat: () => Promise<boolean>, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      const alive = await beat().catch((error: unknown) => {
        logger.warn('heartbeat not written', { error: error as Error });
        return true;
      });
      if (alive) schedule();
    }, everyMs);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
