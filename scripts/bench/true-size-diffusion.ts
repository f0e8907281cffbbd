/**
 * Stable Diffusion 1.5 at 512×512 on the true-size export, in a fresh process: the export loaded by the
 * suite's loader and one whole 1-step generation (text encoder twice, one guided UNet step, VAE decode), then
 * the UNet alone, opened by the suite's session factory and run at batch 2 (classifier-free guidance) as every
 * step runs it. Prints one JSON line (`DiffusionProbeResult`).
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadStableDiffusion } from '../../shared/diffusion/stable-diffusion';
import { createOnnxSession } from '../../shared/models/onnx-sessions';
import * as z from '../../shared/schema';
import { summarize } from './stats';

export const DiffusionProbeResult = z.object({
  executionProvider: z.string(),
  loadMs: z.number(),
  oneStepMs: z.number(),
  unetLoadMs: z.number(),
  unetStep: z.object({ n: z.number(), medianMs: z.number(), p95Ms: z.number(), meanMs: z.number() }),
  peakRssMiB: z.number(),
});
export type DiffusionProbeResult = z.output<typeof DiffusionProbeResult>;

export async function runDiffusionProbe(dir: string, unetRuns: number): Promise<DiffusionProbeResult> {
  let started = performance.now();
  const sd = await loadStableDiffusion(dir);
  const loadMs = performance.now() - started;
  started = performance.now();
  await sd.generate({
    prompt: 'a lighthouse at dusk',
    negative_prompt: '',
    steps: 1,
    guidance_scale: 7.5,
    width: 512,
    height: 512,
    seed: 1,
    num_images: 1,
    scheduler: 'ddim',
  });
  const oneStepMs = performance.now() - started;
  const executionProvider = sd.executionProvider;
  await sd.dispose();

  started = performance.now();
  const { session } = await createOnnxSession(path.join(dir, 'unet', 'model.onnx'));
  const unetLoadMs = performance.now() - started;
  const feeds = {
    sample: new ort.Tensor('float32', new Float32Array(2 * 4 * 64 * 64).fill(0.1), [2, 4, 64, 64]),
    timestep: new ort.Tensor('int64', BigInt64Array.of(981n, 981n), [2]),
    encoder_hidden_states: new ort.Tensor('float32', new Float32Array(2 * 77 * 768).fill(0.01), [2, 77, 768]),
  };
  const samples: number[] = [];
  for (let i = 0; i < unetRuns; i++) {
    const t = performance.now();
    await session.run(feeds);
    samples.push(performance.now() - t);
  }
  await session.release();
  return {
    executionProvider,
    loadMs,
    oneStepMs,
    unetLoadMs,
    unetStep: summarize(samples),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (import.meta.filename === process.argv[1]) {
  const [dir, runs] = process.argv.slice(2);
  console.log(JSON.stringify(await runDiffusionProbe(dir as string, Number(runs ?? 2))));
}
