/** POST /generate-image and GET /jobs/{id}: the job lifecycle, workers that fail or die, the GPU service. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { SQSEvent } from 'aws-lambda';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createHandler as generateImage } from '../../functions/generate-image/handler';
import { createHandler as getJob } from '../../functions/jobs-get/handler';
import { createHandler as getJobImage } from '../../functions/jobs-image/handler';
import { createHandler as worker } from '../../functions/jobs-worker/handler';
import { createGpuServer } from '../../infra/gpu/server';
import { freePort } from '../../scripts/local-server';
import type { AppDependencies } from '../../shared/app/dependencies';
import { createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import {
  createLocalImageGenerator,
  createRemoteImageGenerator,
  type ImageGenerator,
} from '../../shared/diffusion/image-generator';
import type { Job } from '../../shared/jobs/job';
import { createBlobJobStore } from '../../shared/jobs/job-store';
import type { BlobStore } from '../../shared/storage/blob-store';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { silentLogger } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';

const created: AppDependencies[] = [];
function depsWith(env: Record<string, string> = {}, imageGenerator?: ImageGenerator): AppDependencies {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'jobs-')),
    ...env,
  });
  const deps = createDependencies(config, {
    logger: silentLogger(),
    ...(imageGenerator ? { imageGenerator } : {}),
  });
  created.push(deps);
  return deps;
}
afterAll(async () => {
  await Promise.all(created.map(async (d) => Promise.all([d.runtime.dispose(), d.imageGenerator.dispose()])));
});

const small = { prompt: 'a lighthouse at dusk', steps: 3, width: 64, height: 64, seed: 7 };
type View = {
  job_id: string;
  status: string;
  attempts?: number;
  max_attempts?: number;
  status_url: string;
  progress?: { step: number; steps: number };
  images?: { url: string; width: number; height: number }[];
  seed?: number;
  execution_provider?: string;
  error?: { type: string; message: string };
};
const jobEvent = (id: string) => ({
  ...httpEvent('GET', `/jobs/${id}`, { headers: { host: '127.0.0.1:3000' } }),
  pathParameters: { id },
});
const imageEvent = (id: string, index: number) => ({
  ...httpEvent('GET', `/jobs/${id}/images/${index}`),
  pathParameters: { id, index: String(index) },
});
const message = (messageId: string, body: string) => ({ messageId, body }) as SQSEvent['Records'][number];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job written straight to the store (queued unless `fields` say otherwise), as a worker would find it. */
/** A running job whose worker stopped reporting a minute ago. */
function lostWorker() {
  const old = new Date(Date.now() - 60_000).toISOString();
  return { status: 'running' as const, createdAt: old, startedAt: old, heartbeatAt: old, workerId: 'gone' };
}

async function storeJob(
  deps: AppDependencies,
  fields: Partial<Job> & { scheduler?: 'ddim' | 'euler' } = {},
): Promise<string> {
  const { scheduler = 'ddim', ...rest } = fields;
  const at = new Date().toISOString();
  const id = randomUUID();
  await createBlobJobStore({ blobs: deps.blobs }).create({
    id,
    kind: 'generate-image',
    status: 'queued',
    request: { ...small, negative_prompt: '', guidance_scale: 7.5, num_images: 1, scheduler },
    createdAt: at,
    updatedAt: at,
    attempts: 0,
    maxAttempts: 3,
    ...rest,
  });
  return id;
}

const jobIn = (deps: AppDependencies, id: string) => createBlobJobStore({ blobs: deps.blobs }).get(id);

const workers = new Set<ChildProcess>();
afterAll(() => {
  for (const child of workers) child.kill('SIGKILL');
});

/**
 * Starts a worker process that claims the job and hangs mid-job with its heartbeats running; `kill()`
 * SIGKILLs it (a real death: no cleanup, no last write) and resolves with the time it died.
 */
async function doomedWorker(deps: AppDependencies, id: string, workerId: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/helpers/doomed-worker.ts',
      deps.config.rag.dataDir,
      id,
      workerId,
      String(deps.config.jobs.heartbeatTimeoutMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  if (line !== 'working') {
    child.kill('SIGKILL');
    throw new Error(`the worker did not take the job: ${line}`);
  }
  return {
    async kill() {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      return Date.now();
    },
  };
}

const submit = (deps: AppDependencies, body: unknown) =>
  invoke<View>(
    generateImage(deps),
    httpEvent('POST', '/generate-image', { body, headers: { host: '127.0.0.1:3000' } }),
  );

describe('the job lifecycle', () => {
  const deps = depsWith();

  it('answers 202 with a job that is stored before it runs, then succeeds with progress and images', async () => {
    const accepted = await submit(deps, small);
    expect(accepted.statusCode).toBe(202);
    expect(accepted.body.status).toBe('queued');
    expect(accepted.headers.location).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.job_id}`);
    await deps.imageJobs.settled();
    const done = await invoke<View>(getJob(deps), jobEvent(accepted.body.job_id));
    expect(done.body).toMatchObject({
      status: 'succeeded',
      progress: { step: 3, steps: 3 },
      seed: 7,
      execution_provider: 'cpu',
    });
    expect(done.body.images?.[0]?.url).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.job_id}/images/0`);
    const png = await getJobImage(deps)(imageEvent(accepted.body.job_id, 0), {} as never);
    expect(png.headers['content-type']).toBe('image/png');
    const meta = await sharp(Buffer.from(png.body ?? '', 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([64, 64]);
  });

  it('makes the same bytes for the same seed and other bytes for another', async () => {
    const run = async (seed: number) => {
      const { body } = await submit(deps, { ...small, seed });
      await deps.imageJobs.settled();
      const response = await getJobImage(deps)(imageEvent(body.job_id, 0), {} as never);
      return response.body;
    };
    const [a, b, c] = [await run(11), await run(11), await run(12)];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('runs a small request synchronously when asked, and a large one as a job anyway', async () => {
    const now = await submit(deps, { ...small, sync: true });
    expect(now.statusCode).toBe(200);
    expect(now.body.status).toBe('succeeded');
    expect(now.body.images).toHaveLength(1);
    const large = await submit(deps, { ...small, width: 512, height: 512, steps: 30, sync: true });
    expect(large.statusCode).toBe(202);
    await deps.imageJobs.settled();
  });

  it('refuses invalid requests and unknown jobs', async () => {
    for (const body of [
      { ...small, width: 100 },
      { ...small, steps: 51 },
      { ...small, num_images: 5 },
      { prompt: '' },
      { ...small, scheduler: 'pndm' },
    ]) {
      expect((await submit(deps, body)).statusCode).toBe(422);
    }
    expect((await invoke(getJob(deps), jobEvent('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(
      404,
    );
    expect((await invoke(getJob(deps), jobEvent('not-a-job'))).statusCode).toBe(404);
  });
});

describe('workers that fail or die', () => {
  it('records a generic error, with the job id, for a worker that fails mid-job, with the progress it reached', async () => {
    const failing: ImageGenerator = {
      location: 'test',
      async generate(_parameters, onProgress) {
        await onProgress?.(1, 3);
        throw new Error('CUDA out of memory at /opt/gpu/kernels/unet.cu');
      },
      async dispose() {},
    };
    const deps = depsWith({}, failing);
    const { body } = await submit(deps, small);
    await deps.imageJobs.settled();
    const job = await invoke<View>(getJob(deps), jobEvent(body.job_id));
    expect(job.body).toMatchObject({
      status: 'failed',
      progress: { step: 1, steps: 3 },
      attempts: 1,
      error: { type: 'job_failed' },
    });
    expect(job.body.error?.message).toContain(body.job_id);
    expect(job.body.error?.message).not.toMatch(/CUDA|unet|\/opt/);
    expect(job.body.images).toBeUndefined();
  });

  it('retries, in process, a job whose worker stopped reporting, and fails one that used its last attempt', async () => {
    const deps = depsWith({ JOB_HEARTBEAT_TIMEOUT_SECONDS: '1' });
    const store = createBlobJobStore({ blobs: deps.blobs });
    const dead = lostWorker();
    const retried = await storeJob(deps, { ...dead, attempts: 1 });
    const exhausted = await storeJob(deps, { ...dead, attempts: 3 });
    const neverStarted = await storeJob(deps, { createdAt: dead.createdAt });

    const lost = await invoke<View>(getJob(deps), jobEvent(exhausted));
    expect(lost.body).toMatchObject({
      status: 'failed',
      attempts: 3,
      max_attempts: 3,
      error: { type: 'worker_lost' },
    });
    expect(lost.body.error?.message).toMatch(/3 attempts/);
    const again = await invoke<View>(getJob(deps), jobEvent(retried));
    expect(again.body).toMatchObject({ max_attempts: 3 });
    expect(again.body.status).not.toBe('failed');
    await invoke<View>(getJob(deps), jobEvent(neverStarted));
    await deps.imageJobs.settled();
    expect(await store.get(retried)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await store.get(neverStarted)).toMatchObject({ status: 'succeeded', attempts: 1 });
    // a late worker finds the job finished and does not run it
    expect(await deps.imageJobs.run(exhausted)).toBe('skipped');
  });

  it('only re-queues, in a Lambda function without the queue, a job whose worker died: the next delivery runs it', async () => {
    const real = depsWith().imageGenerator;
    const generate = vi.fn<ImageGenerator['generate']>((p, progress) => real.generate(p, progress));
    const deps = depsWith(
      { JOB_HEARTBEAT_TIMEOUT_SECONDS: '1', AWS_LAMBDA_FUNCTION_NAME: 'getJob' },
      { location: 'counting', generate, dispose: async () => undefined },
    );
    const id = await storeJob(deps, { ...lostWorker(), attempts: 1 });
    const view = await invoke<View>(getJob(deps), jobEvent(id));
    expect(view.body).toMatchObject({ status: 'queued', attempts: 1, max_attempts: 3 });
    await deps.imageJobs.settled();
    expect(generate).not.toHaveBeenCalled();
    const delivery = await worker(deps)({ Records: [message('m1', JSON.stringify({ jobId: id }))] });
    expect(delivery.batchItemFailures).toEqual([]);
    expect(await jobIn(deps, id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('fails a queued job that no worker took in time when a queue feeds the workers', async () => {
    const deps = depsWith({
      JOB_QUEUED_TIMEOUT_SECONDS: '1',
      JOBS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/image-jobs',
    });
    const id = await storeJob(deps, { createdAt: new Date(Date.now() - 60_000).toISOString() });
    const job = await invoke<View>(getJob(deps), jobEvent(id));
    expect(job.body).toMatchObject({ status: 'failed', error: { type: 'not_started' } });
  });

  it('never runs a job twice: a second delivery finds it held by a live worker', async () => {
    const real = depsWith().imageGenerator;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const generate = vi.fn<ImageGenerator['generate']>(async (p, progress) => {
      await gate;
      return real.generate(p, progress);
    });
    const counting = depsWith({}, { location: 'counting', generate, dispose: async () => undefined });
    const id = await storeJob(counting);
    const runs = [counting.imageJobs.run(id), counting.imageJobs.run(id)];
    expect(await Promise.race(runs)).toBe('held');
    release();
    const outcomes = await Promise.all(runs);
    expect(outcomes.sort()).toEqual(['held', 'succeeded']);
    expect(generate).toHaveBeenCalledTimes(1);
  });

  it('lets only one of two redeliveries take over from a dead worker', async () => {
    const real = depsWith().imageGenerator;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const generate = vi.fn<ImageGenerator['generate']>(async (p, progress) => {
      await gate;
      return real.generate(p, progress);
    });
    const counting = depsWith(
      { JOB_HEARTBEAT_TIMEOUT_SECONDS: '1' },
      { location: 'counting', generate, dispose: async () => undefined },
    );
    const id = await storeJob(counting, { ...lostWorker(), attempts: 1 });
    const runs = [counting.imageJobs.run(id), counting.imageJobs.run(id)];
    expect(await Promise.race(runs)).toBe('held');
    release();
    expect((await Promise.all(runs)).sort()).toEqual(['held', 'succeeded']);
    expect(generate).toHaveBeenCalledTimes(1);
    expect(await createBlobJobStore({ blobs: counting.blobs }).get(id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
  });

  it('runs jobs from queue messages, ignores redeliveries and reports messages it cannot read', async () => {
    const deps = depsWith();
    const store = createBlobJobStore({ blobs: deps.blobs });
    const id = await storeJob(deps, { scheduler: 'euler' });
    const result = await worker(deps)({
      Records: [
        message('m1', JSON.stringify({ jobId: id })),
        message('m2', JSON.stringify({ jobId: id })),
        message('m3', 'not json'),
      ],
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect((await store.get(id))?.status).toBe('succeeded');
  });

  it('writes the images before the job says it succeeded', async () => {
    const base = createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'order-')) });
    const violations: string[] = [];
    const checked: string[] = [];
    const blobs: BlobStore = {
      ...base,
      async put(key, body, options) {
        const text = typeof body === 'string' ? body : body.toString('utf8');
        if (/^jobs\/[^/]+\.json$/.test(key) && text.includes('"succeeded"')) {
          const job = JSON.parse(text) as { result?: { images?: string[] } };
          for (const image of job.result?.images ?? []) {
            checked.push(image);
            if (!(await base.get(image))) violations.push(image);
          }
        }
        return base.put(key, body, options);
      },
    };
    const deps = createDependencies(loadConfig({ ...process.env, DATA_DIR: base.location }), {
      logger: silentLogger(),
      blobs,
    });
    created.push(deps);
    const { body } = await submit(deps, { ...small, num_images: 2 });
    await deps.imageJobs.settled();
    expect((await invoke<View>(getJob(deps), jobEvent(body.job_id))).body.status).toBe('succeeded');
    expect(checked).toHaveLength(2);
    expect(violations).toEqual([]);
  });
});

describe('workers that die', () => {
  const beat = { JOB_HEARTBEAT_TIMEOUT_SECONDS: '1' };
  const heartbeatMs = 1_000;

  it('retries the job of a worker killed mid-job within the heartbeat timeout, and the retry succeeds', async () => {
    const deps = depsWith(beat);
    const id = await storeJob(deps);
    const doomed = await doomedWorker(deps, id, 'first');
    expect(await jobIn(deps, id)).toMatchObject({ status: 'running', attempts: 1, workerId: 'first' });
    const killedAt = await doomed.kill();
    let view = await invoke<View>(getJob(deps), jobEvent(id));
    while (view.body.status === 'running' && view.body.attempts === 1 && Date.now() - killedAt < 5_000) {
      await sleep(50);
      view = await invoke<View>(getJob(deps), jobEvent(id));
    }
    expect(Date.now() - killedAt).toBeLessThan(heartbeatMs + 1_000);
    expect(view.body).toMatchObject({ attempts: expect.any(Number), max_attempts: 3 });
    expect(view.body.status).not.toBe('failed');
    await deps.imageJobs.settled();
    const done = await invoke<View>(getJob(deps), jobEvent(id));
    expect(done.body).toMatchObject({ status: 'succeeded', attempts: 2, max_attempts: 3 });
    expect(done.body.images).toHaveLength(1);
  });

  it('recovers a dead worker’s job in a sweep, without anyone asking for its status', async () => {
    const deps = depsWith(beat);
    const id = await storeJob(deps);
    await (await doomedWorker(deps, id, 'first')).kill();
    await deps.imageJobs.recover();
    expect(await jobIn(deps, id)).toMatchObject({ status: 'running', attempts: 1, workerId: 'first' });
    await sleep(heartbeatMs + 100);
    await deps.imageJobs.recover();
    await deps.imageJobs.settled();
    expect(await jobIn(deps, id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('sweeps on its own in process: a dead worker’s job is retried within the heartbeat timeout and a sweep', async () => {
    const deps = depsWith(beat);
    const id = await storeJob(deps);
    const doomed = await doomedWorker(deps, id, 'first');
    // watching from here on: started earlier, a sweep could run the stored job itself before a worker
    // process (slow to start on a loaded machine) claims it
    deps.imageJobs.watch();
    const killedAt = await doomed.kill();
    let job = await jobIn(deps, id);
    while (job?.attempts === 1 && Date.now() - killedAt < 5_000) {
      await sleep(25);
      job = await jobIn(deps, id);
    }
    // one heartbeat timeout and one sweep period, with room for a loaded machine
    expect(Date.now() - killedAt).toBeLessThan(heartbeatMs + heartbeatMs / 4 + 2_500);
    expect(job).toMatchObject({ attempts: 2, maxAttempts: 3 });
    await deps.imageJobs.settled();
    expect(await jobIn(deps, id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('takes over from a dead worker on a queue redelivery; a delivery that finds a live worker comes back later', async () => {
    const deps = depsWith(beat);
    const id = await storeJob(deps);
    const doomed = await doomedWorker(deps, id, 'first');
    const early = await worker(deps)({ Records: [message('m1', JSON.stringify({ jobId: id }))] });
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    await doomed.kill();
    await sleep(heartbeatMs + 100);
    const redelivered = await worker(deps)({ Records: [message('m1', JSON.stringify({ jobId: id }))] });
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await jobIn(deps, id)).toMatchObject({ status: 'succeeded', attempts: 2, maxAttempts: 3 });
  });

  it('fails a job whose worker dies on every attempt, after the last one, with the count in its status', async () => {
    const deps = depsWith(beat);
    const id = await storeJob(deps);
    for (const [attempt, workerId] of ['first', 'second', 'third'].entries()) {
      const doomed = await doomedWorker(deps, id, workerId);
      expect(await jobIn(deps, id)).toMatchObject({ status: 'running', attempts: attempt + 1, workerId });
      await doomed.kill();
      await sleep(heartbeatMs + 100);
    }
    const lastDelivery = await worker(deps)({ Records: [message('m4', JSON.stringify({ jobId: id }))] });
    expect(lastDelivery.batchItemFailures).toEqual([]);
    const view = await invoke<View>(getJob(deps), jobEvent(id));
    expect(view.body).toMatchObject({
      status: 'failed',
      attempts: 3,
      max_attempts: 3,
      error: { type: 'worker_lost' },
    });
    expect(view.body.error?.message).toMatch(/3 attempts/);
    expect(view.body.images).toBeUndefined();
  });
});

describe('the GPU service', () => {
  it('generates over HTTP with streamed progress, as the API functions use it', async () => {
    const local = createLocalImageGenerator({
      locations: { profile: 'tiny', modelRoot: process.env.MODEL_ROOT as string },
      logger: silentLogger(),
    });
    const server = createGpuServer({ generator: local, logger: silentLogger() });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: 'ready' });
      const deps = depsWith({}, createRemoteImageGenerator({ url, timeoutMs: 30_000 }));
      const { body } = await submit(deps, { ...small, steps: 4 });
      await deps.imageJobs.settled();
      const job = await invoke<View>(getJob(deps), jobEvent(body.job_id));
      expect(job.body).toMatchObject({
        status: 'succeeded',
        progress: { step: 4, steps: 4 },
        execution_provider: 'cpu',
      });

      const inProcess = depsWith();
      const same = await submit(inProcess, { ...small, steps: 4, sync: true });
      const remoteImage = await getJobImage(deps)(imageEvent(body.job_id, 0), {} as never);
      const localImage = await getJobImage(inProcess)(imageEvent(same.body.job_id, 0), {} as never);
      expect(remoteImage.body).toBe(localImage.body);
      const invalid = await fetch(`${url}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"prompt":""}',
      });
      expect(invalid.status).toBe(422);
    } finally {
      server.close();
      await local.dispose();
    }
  });

  it('fails the job with a clear error when the GPU service cannot be reached', async () => {
    const deps = depsWith(
      {},
      createRemoteImageGenerator({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2_000 }),
    );
    const { body } = await submit(deps, small);
    await deps.imageJobs.settled();
    const job = await invoke<View>(getJob(deps), jobEvent(body.job_id));
    expect(job.body).toMatchObject({ status: 'failed', error: { type: 'service_unavailable' } });
    expect(job.body.error?.message).toMatch(/the GPU service cannot be reached/);
    expect(job.body.error?.message).not.toContain('127.0.0.1');
  });
});
