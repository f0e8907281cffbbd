/** POST /generate-image and GET /jobs/{id}: the job lifecycle, workers that fail or die, the GPU service. */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
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
import { resolveDiffusionModelDir } from '../../shared/diffusion/diffusion-model';
import {
  createLocalImageGenerator,
  createRemoteImageGenerator,
  type ImageGenerator,
} from '../../shared/diffusion/image-generator';
import { createBlobJobStore } from '../../shared/jobs/job-store';
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
  jobId: string;
  status: string;
  statusUrl: string;
  progress?: { step: number; steps: number };
  images?: { url: string; width: number; height: number }[];
  seed?: number;
  executionProvider?: string;
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
    expect(accepted.headers.location).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.jobId}`);
    await deps.imageJobs.settled();
    const done = await invoke<View>(getJob(deps), jobEvent(accepted.body.jobId));
    expect(done.body).toMatchObject({
      status: 'succeeded',
      progress: { step: 3, steps: 3 },
      seed: 7,
      executionProvider: 'cpu',
    });
    expect(done.body.images?.[0]?.url).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.jobId}/images/0`);
    const png = await getJobImage(deps)(imageEvent(accepted.body.jobId, 0), {} as never);
    expect(png.headers['content-type']).toBe('image/png');
    const meta = await sharp(Buffer.from(png.body ?? '', 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([64, 64]);
  });

  it('makes the same bytes for the same seed and other bytes for another', async () => {
    const run = async (seed: number) => {
      const { body } = await submit(deps, { ...small, seed });
      await deps.imageJobs.settled();
      const response = await getJobImage(deps)(imageEvent(body.jobId, 0), {} as never);
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
  it('records the error of a worker that fails mid-job, with the progress it reached', async () => {
    const failing: ImageGenerator = {
      location: 'test',
      async generate(_parameters, onProgress) {
        await onProgress?.(1, 3);
        throw new Error('CUDA out of memory');
      },
      async dispose() {},
    };
    const deps = depsWith({}, failing);
    const { body } = await submit(deps, small);
    await deps.imageJobs.settled();
    const job = await invoke<View>(getJob(deps), jobEvent(body.jobId));
    expect(job.body).toMatchObject({
      status: 'failed',
      progress: { step: 1, steps: 3 },
      error: { type: 'job_failed' },
    });
    expect(job.body.error?.message).toMatch(/CUDA out of memory/);
    expect(job.body.images).toBeUndefined();
  });

  it('marks a job failed when its worker stopped reporting, and one that no worker took', async () => {
    const deps = depsWith({ JOB_HEARTBEAT_TIMEOUT_SECONDS: '1', JOB_QUEUED_TIMEOUT_SECONDS: '1' });
    const store = createBlobJobStore({ blobs: deps.blobs });
    const old = new Date(Date.now() - 60_000).toISOString();
    const base = {
      kind: 'generate-image',
      request: { ...small, negative_prompt: '', guidance_scale: 7.5, num_images: 1, scheduler: 'ddim' },
      createdAt: old,
      updatedAt: old,
      attempts: 1,
    };
    await store.create({
      ...base,
      id: '11111111-1111-4111-8111-111111111111',
      status: 'running',
      startedAt: old,
      heartbeatAt: old,
      workerId: 'gone',
    });
    await store.create({
      ...base,
      id: '22222222-2222-4222-8222-222222222222',
      status: 'queued',
      attempts: 0,
    });
    const dead = await invoke<View>(getJob(deps), jobEvent('11111111-1111-4111-8111-111111111111'));
    const lost = await invoke<View>(getJob(deps), jobEvent('22222222-2222-4222-8222-222222222222'));
    expect(dead.body).toMatchObject({ status: 'failed', error: { type: 'worker_timeout' } });
    expect(lost.body).toMatchObject({ status: 'failed', error: { type: 'not_started' } });
    // a late worker finds the job finished and does not run it
    expect(await deps.imageJobs.run('11111111-1111-4111-8111-111111111111')).toBe('skipped');
  });

  it('never runs a job twice: a second delivery finds it taken', async () => {
    const real = depsWith().imageGenerator;
    const generate = vi.fn<ImageGenerator['generate']>((p, progress) => real.generate(p, progress));
    const counting = depsWith({}, { location: 'counting', generate, dispose: async () => undefined });
    const store = createBlobJobStore({ blobs: counting.blobs });
    const at = new Date().toISOString();
    await store.create({
      id: '33333333-3333-4333-8333-333333333333',
      kind: 'generate-image',
      status: 'queued',
      request: { ...small, negative_prompt: '', guidance_scale: 7.5, num_images: 1, scheduler: 'ddim' },
      createdAt: at,
      updatedAt: at,
      attempts: 0,
    });
    const outcomes = await Promise.all([
      counting.imageJobs.run('33333333-3333-4333-8333-333333333333'),
      counting.imageJobs.run('33333333-3333-4333-8333-333333333333'),
    ]);
    expect(outcomes.sort()).toEqual(['skipped', 'succeeded']);
    expect(generate).toHaveBeenCalledTimes(1);
  });

  it('runs jobs from queue messages, ignores redeliveries and reports messages it cannot read', async () => {
    const deps = depsWith();
    const store = createBlobJobStore({ blobs: deps.blobs });
    const at = new Date().toISOString();
    const id = '44444444-4444-4444-8444-444444444444';
    await store.create({
      id,
      kind: 'generate-image',
      status: 'queued',
      request: { ...small, negative_prompt: '', guidance_scale: 7.5, num_images: 1, scheduler: 'euler' },
      createdAt: at,
      updatedAt: at,
      attempts: 0,
    });
    const message = (messageId: string, body: string) => ({ messageId, body }) as SQSEvent['Records'][number];
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
});

describe('the GPU service', () => {
  it('generates over HTTP with streamed progress, as the API functions use it', async () => {
    const local = createLocalImageGenerator({
      modelDir: () =>
        resolveDiffusionModelDir({ profile: 'tiny', modelRoot: process.env.MODEL_ROOT as string }),
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
      const job = await invoke<View>(getJob(deps), jobEvent(body.jobId));
      expect(job.body).toMatchObject({
        status: 'succeeded',
        progress: { step: 4, steps: 4 },
        executionProvider: 'cpu',
      });

      const inProcess = depsWith();
      const same = await submit(inProcess, { ...small, steps: 4, sync: true });
      const remoteImage = await getJobImage(deps)(imageEvent(body.jobId, 0), {} as never);
      const localImage = await getJobImage(inProcess)(imageEvent(same.body.jobId, 0), {} as never);
      expect(remoteImage.body).toBe(localImage.body);
      expect(
        (await fetch(`${url}/v1/images/generations`, { method: 'POST', body: '{"prompt":""}' })).status,
      ).toBe(422);
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
    const job = await invoke<View>(getJob(deps), jobEvent(body.jobId));
    expect(job.body).toMatchObject({ status: 'failed', error: { type: 'service_unavailable' } });
    expect(job.body.error?.message).toMatch(/GPU service .* cannot be reached/);
  });
});
