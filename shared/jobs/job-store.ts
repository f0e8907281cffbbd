/**
 * Jobs as JSON objects in a BlobStore (S3 in AWS, a local folder by default). Creation is exclusive
 * (If-None-Match) and every change is a conditional read-modify-write, so two workers cannot both claim a job.
 */
import { type BlobStore, PreconditionFailedError } from '../storage/blob-store';
import type { Job } from './job';

export interface JobStore {
  create(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /**
   * Applies `change` to the current job and writes it if nobody wrote in between (re-reading and re-applying
   * otherwise). `change` returns undefined to leave the job as it is. Returns the job as stored afterwards.
   */
  update(id: string, change: (job: Job) => Job | undefined): Promise<Job | undefined>;
}

export function createBlobJobStore(deps: {
  blobs: BlobStore;
  prefix?: string;
  maxAttempts?: number;
}): JobStore {
  const keyOf = (id: string) => `${deps.prefix ?? 'jobs/'}${id}.json`;
  const read = async (id: string) => {
    const object = await deps.blobs.get(keyOf(id));
    return object ? { job: JSON.parse(object.body.toString('utf8')) as Job, etag: object.etag } : undefined;
  };
  return {
    async create(job) {
      await deps.blobs.put(keyOf(job.id), JSON.stringify(job), {
        ifNoneMatch: '*',
        contentType: 'application/json',
      });
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
          return stamped;
        } catch (error) {
          if (!(error instanceof PreconditionFailedError)) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
        }
      }
      throw new Error(`job ${id} kept changing under concurrent updates`);
    },
  };
}
