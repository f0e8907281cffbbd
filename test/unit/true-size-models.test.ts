/**
 * The true-size generator on a scaled-down configuration (widths / 16, two layers; vocabularies, positions,
 * heads, file layout and dtypes as at true size): every folder loads through the suite's own loading code
 * (the model runtime's transformers.js factory for the catalog's q8 files, the Stable Diffusion loader for
 * the fp32 export with the UNet's external data) and runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawImage } from '@huggingface/transformers';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_ARCHITECTURES } from '../../scripts/true-size-models/configs';
import {
  generateTrueSizeModels,
  readTrueSizeManifest,
  type TrueSizeResult,
  UNET_EXTERNAL_DATA,
} from '../../scripts/true-size-models/generate';
import { loadStableDiffusion } from '../../shared/diffusion/stable-diffusion';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import { createModelRuntime, type ModelRuntime } from '../../shared/models/model-runtime';
import { createTransformersPipelineFactory } from '../../shared/models/pipeline-factory';
import { silentLogger } from '../helpers/dependencies';

const SCALE = { widthDivisor: 16, maxLayers: 2 };
let root: string;
let results: TrueSizeResult[];
let runtime: ModelRuntime;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'true-size-'));
  results = await generateTrueSizeModels(root, undefined, { scale: SCALE });
  runtime = createModelRuntime({
    profile: 'standard',
    modelRoot: root,
    cacheDir: root,
    allowRemote: false,
    retryAfterSeconds: 1,
    createPipeline: createTransformersPipelineFactory({ remoteTimeoutMs: 1000 }),
    logger: silentLogger(),
  });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const folder = (key: keyof typeof MODEL_CATALOG) => path.join(root, MODEL_CATALOG[key].standard.id);
const config = (key: keyof typeof MODEL_CATALOG) =>
  JSON.parse(readFileSync(path.join(folder(key), 'config.json'), 'utf8')) as Record<string, unknown>;

describe('true-size model generator, scaled down', () => {
  it('writes each model under its standard id, in the q8 files transformers.js loads, and says how much', async () => {
    expect(results.map((r) => r.key)).toEqual([
      'text-generation',
      'summarization',
      'sentiment',
      'embeddings',
      'captioning',
      'diffusion',
    ]);
    for (const r of results) expect(r.bytes).toBeGreaterThan(1_000_000);
    expect(existsSync(path.join(folder('text-generation'), 'onnx/model_quantized.onnx'))).toBe(true);
    expect(existsSync(path.join(folder('summarization'), 'onnx/decoder_model_merged_quantized.onnx'))).toBe(
      true,
    );
    const manifest = await readTrueSizeManifest(root);
    expect(manifest?.scale).toEqual(SCALE);
    expect(manifest?.models.diffusion?.unetMacs).toBeGreaterThan(0);
  });

  it('keeps the real vocabularies, positions, heads and layer counts (capped) in each config', () => {
    expect(config('text-generation')).toMatchObject({
      vocab_size: 50257,
      n_positions: 1024,
      n_head: 12,
      n_layer: 2,
    });
    expect(config('summarization')).toMatchObject({ vocab_size: 50265, max_position_embeddings: 1024 });
    expect(config('embeddings')).toMatchObject({ vocab_size: 30522, max_position_embeddings: 512 });
    expect(PIPELINE_ARCHITECTURES.summarization.size).toEqual({ H: 1024, nh: 16, L: 12, F: 4096 });
  });

  it('quantizes as optimum does: uint8 weights through MatMulInteger', () => {
    const bytes = readFileSync(path.join(folder('sentiment'), 'onnx/model_quantized.onnx'));
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    const ops = new Set(model.graph?.node?.map((n) => n.opType));
    expect(ops.has('MatMulInteger')).toBe(true);
    expect(ops.has('DynamicQuantizeLinear')).toBe(true);
    expect(ops.has('MatMul')).toBe(true); // attention scores stay fp32
    const uint8 = model.graph?.initializer?.filter((t) => t.dataType === 2) ?? [];
    expect(uint8.length).toBeGreaterThan(10);
  });

  it('runs every pipeline model through the model runtime', async () => {
    const gen = await runtime.load('text-generation');
    const out = (await gen.pipeline('the lighthouse', { max_new_tokens: 4, do_sample: false })) as {
      generated_text: string;
    }[];
    expect(out[0]?.generated_text.startsWith('the lighthouse')).toBe(true);
    const sum = await runtime.load('summarization');
    expect(await sum.pipeline('The keeper lit the lamp every night.', { max_new_tokens: 4 })).toHaveLength(1);
    const sentiment = await runtime.load('sentiment');
    expect((await sentiment.pipeline('lovely'))[0]).toHaveProperty('label');
    const embed = await runtime.load('embeddings');
    const vectors = await embed.pipeline(['a', 'b'], { pooling: 'mean', normalize: true });
    expect(vectors.dims).toEqual([2, 384 / 16]);
    const caption = await runtime.load('captioning');
    const image = new RawImage(new Uint8ClampedArray(32 * 32 * 3).fill(128), 32, 32, 3);
    expect(await caption.pipeline(image, { max_new_tokens: 3 })).toHaveLength(1);
    expect(config('captioning')).toMatchObject({ encoder: { image_size: 224, patch_size: 16 } });
  }, 60_000);

  it('writes the UNet weights as external data and the Stable Diffusion loader runs the export', async () => {
    const unet = path.join(folder('diffusion'), 'unet');
    expect(statSync(path.join(unet, UNET_EXTERNAL_DATA)).size).toBeGreaterThan(
      statSync(path.join(unet, 'model.onnx')).size,
    );
    const sd = await loadStableDiffusion(folder('diffusion'));
    try {
      const result = await sd.generate({
        prompt: 'a lighthouse',
        negative_prompt: '',
        steps: 1,
        guidance_scale: 7.5,
        width: 64,
        height: 64,
        seed: 1,
        num_images: 1,
        scheduler: 'ddim',
      });
      expect(result.images).toHaveLength(1);
    } finally {
      await sd.dispose();
    }
  }, 60_000);
});
