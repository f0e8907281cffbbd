/**
 * Jobs of every kind: a job is stored (queued) before anything runs, then handed to a worker, or run at once
 * when its submitter asks. The worker runs the executor registered for the job's kind; a job of a kind that
 * nobody here can run fails with the generic public error, like any other internal failure. A job whose
 * worker died is noticed by its status request or by the in-process sweep, and retried or failed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { NotFoundError, ServiceUnavailableError } from '../errors';
import type { Job } from './job';
import type { JobDispatcher } from './job-dispatcher';
import { type JobDispatchMode, recoverJob } from './job-recovery';
import { type JobExecutor, type JobTimeouts, type RunOutcome, runJob } from './job-runner';
import type { JobStore } from './job-store';

export const JOB_KINDS = [
  'generate-image',
  'diffusion-generate',
  'ebm-generate',
  'summarize',
  'research',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** How each kind of job is run; a kind left out is failed if one of its jobs reaches this worker. */
export type JobExecutors = Readonly<Partial<Record<JobKind, JobExecutor>>>;

export interface JobSettings {
  readonly timeouts: JobTimeouts;
  /** Claims a job may have: a job whose worker dies on every one of them is failed (`worker_lost`). */
  readonly maxAttempts: number;
  /** How a recovered job is dispatched again from here. */
  readonly dispatchMode: JobDispatchMode;
}

export interface JobService {
  /**
   * Stores the job, then runs it now (`runNow`, the synchronous mode of a small request) or dispatches it.
   * A job that could not be dispatched is failed and answered 503.
   */
  submit(kind: JobKind, request: unknown, options?: { runNow?: boolean }): Promise<Job>;
  /**
   * The job as it stands; a job whose worker died is queued again (and dispatched) while attempts remain,
   * else failed. 404 for an unknown id.
   */
  status(id: string): Promise<Job>;
  /** Runs a stored job with the executor of its kind: the worker's entry point. */
  run(id: string): Promise<RunOutcome>;
  /** One sweep over the unfinished jobs, recovering those whose worker died (the in-process dispatcher's timer). */
  recover(): Promise<void>;
  /**
   * Starts the in-process sweep now rather than at the first dispatch, so that a local server that restarted
   * recovers the jobs of the process that died without waiting for their status to be asked. With a queue,
   * nothing to do: SQS redelivers.
   */
  watch(): void;
  /** Resolves when the jobs this process dispatched to itself have finished. */
  settled(): Promise<void>;
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createJobService(deps: {
  store: JobStore;
  executors: JobExecutors;
  dispatcher: () => JobDispatcher;
  settings: JobSettings;
  logger: Logger;
}): JobService {
  const { timeouts, dispatchMode: mode } = deps.settings;

  const execute: JobExecutor = (job, progress) => {
    const executor = deps.executors[job.kind as JobKind];
    if (!executor) throw new Error(`no executor for jobs of kind '${job.kind}' in this function`);
    return executor(job, progress);
  };
  const run = (id: string) => runJob(id, { store: deps.store, execute, logger: deps.logger, timeouts });

  /** Recovers the job if its worker is gone, dispatching it again when it went back to the queue. */
  async function recovered(job: Job): Promise<Job> {
    const { job: current, dispatch } = await recoverJob(deps.store, job, { timeouts, mode });
    if (current.status !== job.status || current.attempts !== job.attempts)
      deps.logger.warn('job recovered from a lost worker', {
        jobId: job.id,
        status: current.status,
        attempts: current.attempts,
        error: current.error,
      });
    if (dispatch) {
      // Best effort: a job left queued is dispatched again by the next status request or sweep.
      await deps
        .dispatcher()
        .dispatch(job.id)
        .catch((error: unknown) =>
          deps.logger.error('job could not be dispatched again', { jobId: job.id, error: error as Error }),
        );
    }
    return current;
  }

  async function status(id: string): Promise<Job> {
    const job = JOB_ID.test(id) ? await deps.store.get(id) : undefined;
    if (!job) throw new NotFoundError(`No job '${id}'`);
    return recovered(job);
  }

  return {
    async submit(kind, request, options = {}) {
      const at = new Date().toISOString();
      const job: Job = {
        id: randomUUID(),
        kind,
        status: 'queued',
        request,
        createdAt: at,
        updatedAt: at,
        queuedAt: at,
        attempts: 0,
        maxAttempts: deps.settings.maxAttempts,
      };
      await deps.store.create(job);
      if (options.runNow) {
        await run(job.id);
        return status(job.id);
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
        deps.logger.error('job could not be dispatched', { jobId: job.id, error: error as Error });
        throw new ServiceUnavailableError(`job ${job.id} could not be queued; submit it again`, {
          cause: error,
        });
      }
      return job;
    },
    status,
    run,
    async recover() {
      for (const job of await deps.store.unfinished()) {
        await recovered(job).catch((error: unknown) =>
          deps.logger.error('job recovery failed', { jobId: job.id, error: error as Error }),
        );
      }
    },
    settled: () => deps.dispatcher().idle(),
    watch() {
      if (mode === 'in-process') deps.dispatcher();
    },
  };
}
