/**
 * Stable Diffusion 1.5 on onnxruntime-node: CLIP tokenizer (transformers.js), text encoder, UNet with
 * classifier-free guidance under a DDIM or Euler scheduler, VAE decoder, PNG through sharp. Input dtypes
 * (int32/int64 ids, int64 [B] or float32 scalar timestep) are read from the sessions, so exports from the
 * diffusers script and from optimum both run. CUDA when onnxruntime offers it, else CPU; results say which.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor as HfTensor, PreTrainedTokenizer } from '@huggingface/transformers';
import type * as Ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  createOnnxSession,
  type ExecutionProvider,
  type OnnxSessionOptions,
  onnxRuntime,
} from '../models/onnx-sessions';
import { seededGaussian } from './gaussian';
import { createScheduler, SchedulerConfig } from './schedulers';
import type { DiffusionParameters } from './schema';

const VAE_SCALE = 0.18215;

export interface DiffusionResult {
  readonly images: Buffer[];
  readonly seed: number;
  readonly executionProvider: ExecutionProvider;
  readonly stepMs: number;
}

export type ProgressListener = (step: number, steps: number) => void | Promise<void>;

export interface StableDiffusion {
  readonly executionProvider: ExecutionProvider;
  generate(parameters: DiffusionParameters, onProgress?: ProgressListener): Promise<DiffusionResult>;
  dispose(): Promise<void>;
}

const inputType = (session: Ort.InferenceSession, name: string) => {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta?.isTensor ? { type: meta.type, shape: meta.shape } : undefined;
};

/**
 * Loads the export in `dir`. transformers.js (for the tokenizer) and onnxruntime-node are imported here, at
 * the first load, so that a function that only reaches the GPU service never loads them.
 */
export async function loadStableDiffusion(
  dir: string,
  options: OnnxSessionOptions = {},
): Promise<StableDiffusion> {
  const [ort, { AutoTokenizer }] = await Promise.all([onnxRuntime(), import('@huggingface/transformers')]);
  const [tokenizer, schedulerConfig, text, unet, vae] = await Promise.all([
    AutoTokenizer.from_pretrained(path.join(dir, 'tokenizer'), {
      local_files_only: true,
    }) as Promise<PreTrainedTokenizer>,
    readFile(path.join(dir, 'scheduler', 'scheduler_config.json'), 'utf8').then((s) =>
      SchedulerConfig.parse(JSON.parse(s)),
    ),
    createOnnxSession(path.join(dir, 'text_encoder', 'model.onnx'), options),
    createOnnxSession(path.join(dir, 'unet', 'model.onnx'), options),
    createOnnxSession(path.join(dir, 'vae_decoder', 'model.onnx'), options),
  ]);
  // The UNet runs every step; where it runs is where the work is done.
  const executionProvider = unet.executionProvider;
  const idsType = inputType(text.session, 'input_ids')?.type === 'int32' ? 'int32' : 'int64';
  const timestepInput = inputType(unet.session, 'timestep');
  const scalarFloatTimestep = timestepInput?.type === 'float32' || timestepInput?.type === 'float16';

  async function encode(prompts: readonly string[]): Promise<Ort.Tensor> {
    const { input_ids } = tokenizer([...prompts], {
      padding: 'max_length',
      max_length: 77,
      truncation: true,
    }) as {
      input_ids: HfTensor;
    };
    const ids = (input_ids.tolist() as bigint[][]).flat();
    const dims = input_ids.dims as number[];
    const tensor =
      idsType === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(ids, Number), dims)
        : new ort.Tensor('int64', BigInt64Array.from(ids), dims);
    const { last_hidden_state } = await text.session.run({ input_ids: tensor });
    return last_hidden_state as Ort.Tensor;
  }

  const timestepTensor = (t: number, batch: number) =>
    scalarFloatTimestep
      ? new ort.Tensor('float32', Float32Array.of(t), [])
      : new ort.Tensor('int64', new BigInt64Array(batch).fill(BigInt(t)), [batch]);

  async function toPng(sample: Float32Array, index: number, width: number, height: number): Promise<Buffer> {
    const plane = width * height;
    const offset = index * 3 * plane;
    const pixels = Buffer.alloc(plane * 3);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const value = (sample[offset + c * plane + p] as number) / 2 + 0.5;
        pixels[p * 3 + c] = Math.round(Math.min(1, Math.max(0, value)) * 255);
      }
    }
    return sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
  }

  return {
    executionProvider,
    async generate(parameters, onProgress) {
      const n = parameters.num_images;
      const guided = parameters.guidance_scale > 1;
      const prompts = [...Array(n).fill(parameters.prompt)];
      const conditional = await encode(prompts);
      const unconditional = guided ? await encode(Array(n).fill(parameters.negative_prompt)) : undefined;
      const textStates = unconditional
        ? new ort.Tensor(
            'float32',
            Float32Array.from([
              ...(unconditional.data as Float32Array),
              ...(conditional.data as Float32Array),
            ]),
            [2 * n, ...conditional.dims.slice(1)],
          )
        : conditional;

      const latentHeight = parameters.height / 8;
      const latentWidth = parameters.width / 8;
      const perImage = 4 * latentHeight * latentWidth;
      const scheduler = createScheduler(parameters.scheduler, schedulerConfig, parameters.steps);
      const noise = seededGaussian(parameters.seed);
      let latents: Float32Array = Float32Array.from(
        { length: n * perImage },
        () => noise() * scheduler.initNoiseSigma,
      );

      const started = performance.now();
      for (let i = 0; i < scheduler.timesteps.length; i++) {
        const input = scheduler.scaleModelInput(latents, i);
        const batch = guided ? 2 * n : n;
        const sample = guided ? Float32Array.from([...input, ...input]) : input;
        const { out_sample } = await unet.session.run({
          sample: new ort.Tensor('float32', sample, [batch, 4, latentHeight, latentWidth]),
          timestep: timestepTensor(scheduler.timesteps[i] as number, batch),
          encoder_hidden_states: textStates,
        });
        const predicted = (out_sample as Ort.Tensor).data as Float32Array;
        const guidedNoise = guided
          ? Float32Array.from({ length: n * perImage }, (_, j) => {
              const u = predicted[j] as number;
              return u + parameters.guidance_scale * ((predicted[n * perImage + j] as number) - u);
            })
          : predicted;
        latents = scheduler.step(guidedNoise, i, latents);
        await onProgress?.(i + 1, scheduler.timesteps.length);
      }
      const stepMs = (performance.now() - started) / scheduler.timesteps.length;

      const { sample } = await vae.session.run({
        latent_sample: new ort.Tensor(
          'float32',
          latents.map((x) => x / VAE_SCALE),
          [n, 4, latentHeight, latentWidth],
        ),
      });
      const decoded = (sample as Ort.Tensor).data as Float32Array;
      const images = await Promise.all(
        Array.from({ length: n }, (_, i) => toPng(decoded, i, parameters.width, parameters.height)),
      );
      return { images, seed: parameters.seed, executionProvider, stepMs };
    },
    async dispose() {
      await Promise.all([text.session.release(), unet.session.release(), vae.session.release()]);
    },
  };
}
