/**
 * Long runs of /diffusion/generate and /ebm/generate as jobs: 202, then GET /jobs/{id} with the same PNG
 * bytes as the synchronous answer for the same seed, run in process or by the queue's worker; a job that
 * fails shows a public error only.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as diffusionGenerate } from '../../functions/diffusion-generate/handler';
import { createHandler as ebmGenerate } from '../../functions/ebm-generate/handler';
import { createHandler as getJob } from '../../functions/jobs-get/handler';
import { createHandler as worker } from '../../functions/jobs-worker/handler';
import { composeJobs } from '../../shared/app/jobs';
import type { ClassicGenerators } from '../../shared/classic/generators';
import { createBlobJobStore } from '../../shared/jobs/job-store';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';

interface Images {
  images: { index: number; png_base64: string }[];
  seed: number;
}
interface View {
  kind: string;
  job_id: string;
  status: string;
  status_url: string;
  progress?: { step: number; steps: number };
  request: Record<string, unknown>;
  result?: Images;
  error?: { type: string; message: string };
}

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'classic-jobs-'));
/** Runs above 40 steps × images are jobs here; the other graph answers everything at once. */
const jobs = testDependencies({ DATA_DIR: dataDir(), CLASSIC_SYNC_MAX_WORK: '40' });
const sync = testDependencies({ DATA_DIR: dataDir(), CLASSIC_SYNC_MAX_WORK: '100000' });
afterAll(() => Promise.all([jobs.runtime.dispose(), sync.runtime.dispose()]));

const post = <T>(handler: ReturnType<typeof ebmGenerate>, route: string, body: unknown) =>
  invoke<T>(handler, httpEvent('POST', route, { body, headers: { host: '127.0.0.1:3000' } }));
const status = (deps: typeof jobs, id: string) =>
  invoke<View>(getJob(deps), {
    ...httpEvent('GET', `/jobs/${id}`, { headers: { host: '127.0.0.1:3000' } }),
    pathParameters: { id },
  });

const routes = [
  [
    '/diffusion/generate',
    diffusionGenerate,
    { count: 2, sampler: 'ddpm', steps: 25, seed: 9 },
    'diffusion-generate',
  ],
  ['/ebm/generate', ebmGenerate, { count: 3, steps: 30, step_size: 0.2, seed: 4 }, 'ebm-generate'],
] as const;

describe('long classic runs as jobs', () => {
  it.each(routes)(
    '%s: 202 above the threshold, then the job answers the PNG bytes of the synchronous path',
    async (route, create, body, kind) => {
      const accepted = await post<View>(create(jobs), route, body);
      expect(accepted.statusCode).toBe(202);
      expect(accepted.body).toMatchObject({ kind, status: 'queued', request: body });
      expect(accepted.headers.location).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.job_id}`);
      await jobs.jobs.settled();

      const done = await status(jobs, accepted.body.job_id);
      expect(done.statusCode).toBe(200);
      expect(done.body).toMatchObject({ kind, status: 'succeeded', progress: { step: body.steps } });
      const now = await post<Images>(create(sync), route, body);
      expect(now.statusCode).toBe(200);
      expect(done.body.result?.images).toHaveLength(body.count);
      expect(done.body.result?.images).toEqual(now.body.images);
      expect(done.body.result?.seed).toBe(body.seed);
    },
  );

  it('answers small runs at once, and draws the seed of a job that has none before storing it', async () => {
    const small = await post<Images>(diffusionGenerate(jobs), '/diffusion/generate', { count: 2, steps: 20 });
    expect(small.statusCode).toBe(200);
    expect(small.body.images).toHaveLength(2);
    const large = await post<View>(ebmGenerate(jobs), '/ebm/generate', { count: 1, steps: 41 });
    expect(large.statusCode).toBe(202);
    const seed = large.body.request.seed;
    expect(Number.isInteger(seed)).toBe(true);
    await jobs.jobs.settled();
    const done = await status(jobs, large.body.job_id);
    const again = await post<Images>(ebmGenerate(sync), '/ebm/generate', { count: 1, steps: 41, seed });
    expect(done.body.result?.images).toEqual(again.body.images);
  });

  it('runs a classic job from a queue message: the worker picks the executor by the job kind', async () => {
    const id = randomUUID();
    const at = new Date().toISOString();
    const request = { count: 1, steps: 12, step_size: 0.1, noise: 0.5, seed: 21 };
    await createBlobJobStore({ blobs: jobs.blobs }).create({
      id,
      kind: 'ebm-generate',
      status: 'queued',
      request,
      createdAt: at,
      updatedAt: at,
      attempts: 0,
      maxAttempts: 3,
    });
    const records = [{ messageId: 'm1', body: JSON.stringify({ jobId: id }) }] as SQSEvent['Records'];
    expect(await worker(jobs)({ Records: records })).toEqual({ batchItemFailures: [] });
    const done = await status(jobs, id);
    const now = await post<Images>(ebmGenerate(sync), '/ebm/generate', request);
    expect(done.body.status).toBe('succeeded');
    expect(done.body.result?.images).toEqual(now.body.images);
  });

  it('fails a job whose generator throws with a public error that quotes the job, never the cause', async () => {
    const broken: ClassicGenerators = {
      ...jobs.generators,
      async diffusion(_request, onStep) {
        await onStep?.(1, 50);
        throw new Error('onnxruntime: failed to allocate at /opt/models/user/ddpm-32/unet.onnx');
      },
    };
    const deps = { ...jobs, generators: broken, ...composeJobs(jobs, { ...jobs, generators: broken }) };
    const accepted = await post<View>(diffusionGenerate(deps), '/diffusion/generate', { steps: 50 });
    expect(accepted.statusCode).toBe(202);
    await deps.jobs.settled();
    const failed = await status(deps, accepted.body.job_id);
    expect(failed.body).toMatchObject({ status: 'failed', error: { type: 'job_failed' } });
    expect(failed.body.error?.message).toContain(accepted.body.job_id);
    expect(JSON.stringify(failed.body)).not.toMatch(/onnxruntime|allocate|\/opt|unet/);
    expect(failed.body.result).toBeUndefined();
  });

  it('fails a job of a kind no executor knows, with the generic error', async () => {
    const id = randomUUID();
    const at = new Date().toISOString();
    await createBlobJobStore({ blobs: jobs.blobs }).create({
      id,
      kind: 'gan-generate',
      status: 'queued',
      request: {},
      createdAt: at,
      updatedAt: at,
      attempts: 0,
      maxAttempts: 3,
    });
    expect(await jobs.jobs.run(id)).toBe('failed');
    const job = await createBlobJobStore({ blobs: jobs.blobs }).get(id);
    expect(job?.error).toEqual({
      type: 'job_failed',
      message: `the job failed; quote job ${id} when reporting it (the cause is in the service's logs)`,
    });
  });
});
