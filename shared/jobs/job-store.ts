/**
 * Jobs as JSON objects in a BlobStore (S3 in AWS, a local folder by default). Creation is exclusive
 * (If-None-Match) and every change is a conditional read-modify-write, so two workers cannot both claim a job.
 * Each unfinished job also has an empty marker under `<prefix>active/`, so that a sweep for jobs whose worker
 * died lists only those, however many finished jobs the store holds.
 */

import { PreconditionFailedError } from '../errors';
import type { BlobStore } from '../storage/blob-store';
import { isFinished, type Job, StoredJob } from './job';

/** Where job records live in the blob store. */
export const JOBS_PREFIX = 'jobs/';

export interface JobStore {
  create(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /**
   * Applies `change` to the current job and writes it if nobody wrote in between (re-reading and re-applying
   * otherwise). `change` returns undefined to leave the job as it is. Returns the job as stored afterwards.
   */
  update(id: string, change: (job: Job) => Job | undefined): Promise<Job | undefined>;
  /** The jobs that are not finished (queued or running), as stored now. */
  unfinished(): Promise<Job[]>;
}

export function createBlobJobStore(deps: {
  blobs: BlobStore;
  prefix?: string;
  maxAttempts?: number;
}): JobStore {
  const prefix = deps.prefix ?? JOBS_PREFIX;
  const keyOf = (id: string) => `${prefix}${id}.json`;
  const activePrefix = `${prefix}active/`;
  const read = async (id: string) => {
    const object = await deps.blobs.get(keyOf(id));
    if (!object) return undefined;
    const job: Job = StoredJob.parse(JSON.parse(object.body.toString('utf8')));
    return { job, etag: object.etag };
  };
  const forget = (id: string) => deps.blobs.delete(`${activePrefix}${id}`).catch(() => undefined);
  return {
    async create(job) {
      await deps.blobs.put(keyOf(job.id), JSON.stringify(job), {
        ifNoneMatch: '*',
        contentType: 'application/json',
      });
      if (!isFinished(job)) await deps.blobs.put(`${activePrefix}${job.id}`, '');
    },
    get: async (id) => (await read(id))?.job,
    async update(id, change) {
      for (let attempt = 0; attempt < (deps.maxAttempts ?? 10); attempt++) {
        const current = await read(id);
        if (!current) return undefined;
        const next = change(current.job);
        if (!next) return current.job;
        const stamped = { ...next, updatedAt: new Date().toISOString() };
        try {
          await deps.blobs.put(keyOf(id), JSON.stringify(stamped), {
            ifMatch: current.etag,
            contentType: 'application/json',
          });
          if (isFinished(stamped)) await forget(id);
          return stamped;
        } catch (error) {
          if (!(error instanceof PreconditionFailedError)) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
        }
      }
      throw new Error(`job ${id} kept changing under concurrent updates`);
    },
    async unfinished() {
      const keys = await deps.blobs.list(activePrefix);
      const ids = keys.map((key) => key.slice(activePrefix.length)).filter((id) => !id.includes('/'));
      const jobs = await Promise.all(
        ids.map(async (id) => {
          const stored = await read(id).then(
            (found) => ({ job: found?.job }),
            () => undefined,
          );
          if (!stored) return undefined; // unreadable now: the next sweep looks again
          if (stored.job && !isFinished(stored.job)) return stored.job;
          await forget(id);
          return undefined;
        }),
      );
      return jobs.filter((job): job is Job => job !== undefined);
    },
  };
}
