/**
 * Writes random-weight models in the exact architectures of the catalog's standard models, under their
 * standard ids, in the dtype the catalog serves (q8 as optimum's dynamically quantized `_quantized` files,
 * fp32 for Stable Diffusion with the UNet's weights in external data), so that the suite's own loading code
 * reads them as it would read the real exports. A `true-size.json` beside them records what was written and
 * the multiply-adds of the diffusion graphs, counted while they were built.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import * as z from '../../shared/schema';
import { tinyStableDiffusion } from '../tiny-models/diffusion';
import { writeFolderAtomically } from '../tiny-models/generate';
import { TINY_MODELS } from '../tiny-models/models';
import type { ExternalDataSink, WeightOptions } from '../tiny-models/onnx-graph';
import {
  DIFFUSION_ARCHITECTURE,
  PIPELINE_ARCHITECTURES,
  type Scale,
  scaledSize,
  scaledUnet,
  scaledVae,
  scaledVision,
  TRUE_SIZE_KEYS,
  type TrueSizeKey,
} from './configs';
import { type BuiltGraph, unetGraph, vaeDecoderGraph } from './unet';

/** The UNet's external data file, as diffusers' ONNX export names it (shared/diffusion/diffusion-model.ts). */
export const UNET_EXTERNAL_DATA = 'weights.pb';
/** Latent side of a 512×512 image. */
export const LATENT_SIDE = 64;

export const defaultTrueSizeRoot = () =>
  process.env.TRUE_SIZE_MODEL_ROOT || path.join(os.homedir(), '.cache', 'genai-endpoints', 'true-size');

export const TrueSizeManifest = z.object({
  scale: z.nullable(z.object({ widthDivisor: z.number(), maxLayers: z.number() })),
  models: z.record(
    z.string(),
    z.object({
      id: z.string(),
      bytes: z.number(),
      ms: z.number(),
      /** Multiply-adds of one UNet call and one VAE decode per sample at LATENT_SIDE. */
      unetMacs: z.optional(z.number()),
      vaeMacs: z.optional(z.number()),
    }),
  ),
});
export type TrueSizeManifest = z.output<typeof TrueSizeManifest>;

export const manifestPath = (root: string) => path.join(root, 'true-size.json');

export async function readTrueSizeManifest(root: string): Promise<TrueSizeManifest | undefined> {
  const text = await fs.readFile(manifestPath(root), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : TrueSizeManifest.parse(JSON.parse(text));
}

/** Appends to a file through one descriptor, returning each write's offset. */
function fileSink(file: string): ExternalDataSink & { close(): void } {
  const fd = openSync(file, 'w');
  let offset = 0;
  return {
    location: path.basename(file),
    append(bytes) {
      const at = offset;
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written);
      offset += bytes.byteLength;
      return at;
    },
    close: () => closeSync(fd),
  };
}

export interface TrueSizeResult {
  readonly key: TrueSizeKey;
  readonly id: string;
  readonly dir: string;
  readonly bytes: number;
  readonly ms: number;
  readonly unetMacs?: number;
  readonly vaeMacs?: number;
}

async function writeDiffusion(dir: string, scale?: Scale) {
  const arch = DIFFUSION_ARCHITECTURE;
  const graphs: { unet?: BuiltGraph; vae?: BuiltGraph } = {};
  const textSize = scale
    ? { ...arch.textEncoder, ...scaledSize({ ...arch.textEncoder }, scale) }
    : arch.textEncoder;
  const files = tinyStableDiffusion('diffusers', {
    textEncoder: { size: textSize, weights: { fanInScale: true } },
    unet: (file) => {
      const sink = fileSink(path.join(path.dirname(file), UNET_EXTERNAL_DATA));
      try {
        graphs.unet = unetGraph(scaledUnet(arch.unet, scale), {
          latentSide: LATENT_SIDE,
          weights: { externalData: sink },
        });
      } finally {
        sink.close();
      }
      return graphs.unet.bytes;
    },
    vaeDecoder: () => {
      graphs.vae = vaeDecoderGraph(scaledVae(arch.vae, scale), { latentSide: LATENT_SIDE });
      return graphs.vae.bytes;
    },
  });
  const bytes = await writeFolderAtomically(dir, files);
  return { bytes, unetMacs: graphs.unet?.macs, vaeMacs: graphs.vae?.macs };
}

/**
 * Generates the true-size models for `keys` under `root` (each in its standard id's folder), scaled down by
 * `scale` when given (the generator's own test), and merges them into the root's manifest.
 */
export async function generateTrueSizeModels(
  root: string,
  keys: readonly TrueSizeKey[] = TRUE_SIZE_KEYS,
  options: { scale?: Scale; log?: (result: TrueSizeResult) => void } = {},
): Promise<TrueSizeResult[]> {
  const results: TrueSizeResult[] = [];
  for (const key of keys) {
    const started = performance.now();
    const id = MODEL_CATALOG[key].standard.id;
    const dir = path.join(root, id);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    let result: TrueSizeResult;
    if (key === 'diffusion') {
      const { bytes, unetMacs, vaeMacs } = await writeDiffusion(dir, options.scale);
      result = {
        key,
        id,
        dir,
        bytes,
        ms: performance.now() - started,
        ...(unetMacs ? { unetMacs } : {}),
        ...(vaeMacs ? { vaeMacs } : {}),
      };
    } else {
      const entry = MODEL_CATALOG[key];
      const arch = PIPELINE_ARCHITECTURES[key];
      const quantized = entry.standard.dtype === 'q8';
      const weights: WeightOptions = { fanInScale: true, quantize: quantized };
      const vision = scaledVision(arch.vision, options.scale);
      const files = TINY_MODELS[entry.tiny.generator]({
        size: scaledSize(arch.size, options.scale),
        ...(vision ? { vision } : {}),
        weights,
        suffix: quantized ? '_quantized' : '',
      });
      const bytes = await writeFolderAtomically(dir, files);
      result = { key, id, dir, bytes, ms: performance.now() - started };
    }
    options.log?.(result);
    results.push(result);
  }
  const previous = (await readTrueSizeManifest(root))?.models ?? {};
  const manifest: TrueSizeManifest = {
    scale: options.scale ?? null,
    models: {
      ...previous,
      ...Object.fromEntries(results.map(({ key, dir: _dir, ...rest }) => [key, rest])),
    },
  };
  await fs.writeFile(manifestPath(root), JSON.stringify(manifest, null, 2));
  return results;
}
