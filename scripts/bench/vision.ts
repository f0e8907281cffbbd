/**
 * Vision figures on the tiny generated models: UNet step time and whole-pipeline time at two sizes, image
 * preprocessing throughput (sniff, bound, decode, resize), and job overhead (submit to done for a 1-step job,
 * against the generation alone).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import type { DiffusionParameters } from '../../shared/diffusion/schema';
import { loadStableDiffusion } from '../../shared/diffusion/stable-diffusion';
import { readImageRequest } from '../../shared/http/image-upload';
import { DEFAULT_IMAGE_LIMITS, decodeRgb } from '../../shared/vision/image-input';
import { silentLogger } from '../../test/helpers/dependencies';
import { httpEvent } from '../../test/helpers/events';
import { PROJECT_ROOT } from '../local-server';
import { generateTinyComponentModels } from '../tiny-models/generate';
import { ms, printTable, summarize } from './stats';

export async function benchVision(options: { runs: number }) {
  const modelRoot = path.join(PROJECT_ROOT, '.tmp', 'bench-models');
  await generateTinyComponentModels(modelRoot);
  const sd = await loadStableDiffusion(path.join(modelRoot, 'tiny-random/stable-diffusion'));
  const rows: string[][] = [];
  for (const side of [64, 256]) {
    const parameters: DiffusionParameters = {
      prompt: 'a lighthouse at dusk',
      negative_prompt: '',
      steps: 10,
      guidance_scale: 7.5,
      width: side,
      height: side,
      seed: 1,
      num_images: 1,
      scheduler: 'ddim',
    };
    await sd.generate(parameters);
    const steps: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const started = performance.now();
      const result = await sd.generate({ ...parameters, seed: i });
      totals.push(performance.now() - started);
      steps.push(result.stepMs);
    }
    const step = summarize(steps);
    const total = summarize(totals);
    rows.push([`${side}×${side}`, '10', ms(step.medianMs), ms(total.medianMs), ms(total.p95Ms)]);
  }
  await sd.dispose();
  printTable(
    `Stable Diffusion on the tiny export (CPU, guidance 7.5 so the UNet runs on batch 2; ${options.runs} runs)`,
    [
      'size',
      'steps',
      'denoising step median ms (UNet + guidance + scheduler)',
      'pipeline median ms',
      'pipeline p95 ms',
    ],
    rows,
  );

  const photo = await sharp({ create: { width: 1024, height: 768, channels: 3, background: '#447799' } })
    .composite([
      {
        input: Buffer.from(
          '<svg width="1024" height="768"><circle cx="512" cy="384" r="300" fill="#ffcc00"/></svg>',
        ),
        top: 0,
        left: 0,
      },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
  const event = httpEvent('POST', '/caption-image', {
    rawBody: photo.toString('base64'),
    isBase64Encoded: true,
    headers: { 'content-type': 'image/jpeg' },
  });
  const samples: number[] = [];
  for (let i = 0; i < 3 * options.runs + 5; i++) {
    const started = performance.now();
    const { image } = await readImageRequest(event);
    await decodeRgb(image, DEFAULT_IMAGE_LIMITS, 512);
    if (i >= 5) samples.push(performance.now() - started);
  }
  const pre = summarize(samples);
  printTable(
    'Image preprocessing (1024×768 JPEG: sniff, bounds, decode, resize to 512)',
    ['n', 'median ms', 'p95 ms', 'images/s'],
    [[String(pre.n), ms(pre.medianMs), ms(pre.p95Ms), (1000 / pre.meanMs).toFixed(0)]],
  );

  const deps = createDependencies(
    loadConfig({
      ...process.env,
      MODEL_PROFILE: 'tiny',
      MODEL_ROOT: modelRoot,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bench-jobs-')),
    }),
    { logger: silentLogger() },
  );
  const request = {
    prompt: 'a lighthouse',
    negative_prompt: '',
    steps: 1,
    guidance_scale: 7.5,
    width: 64,
    height: 64,
    num_images: 1,
    scheduler: 'ddim' as const,
    sync: false,
  };
  await deps.imageJobs.submit(request);
  await deps.imageJobs.settled();
  const endToEnd: number[] = [];
  const generation: number[] = [];
  for (let i = 0; i < options.runs * 2; i++) {
    let started = performance.now();
    await deps.imageGenerator.generate({ ...request, seed: i });
    generation.push(performance.now() - started);
    started = performance.now();
    const { job } = await deps.imageJobs.submit({ ...request, seed: i });
    await deps.imageJobs.settled();
    if ((await deps.imageJobs.status(job.id)).status !== 'succeeded') throw new Error('bench job failed');
    endToEnd.push(performance.now() - started);
  }
  const e2e = summarize(endToEnd);
  const gen = summarize(generation);
  printTable(
    'Job overhead, 1-step 64×64 job (in-process worker, local job store)',
    ['measure', 'median ms', 'p95 ms'],
    [
      ['generation alone', ms(gen.medianMs), ms(gen.p95Ms)],
      ['submit to succeeded', ms(e2e.medianMs), ms(e2e.p95Ms)],
      ['overhead (difference of medians)', ms(e2e.medianMs - gen.medianMs), ''],
    ],
  );
  await deps.imageGenerator.dispose();
}
