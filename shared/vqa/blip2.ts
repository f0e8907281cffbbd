/**
 * BLIP-2 visual question answering on onnxruntime-node, over the four-graph split documented in
 * infra/gpu/README.md: image -> query embeddings (vision model, Q-Former, language projection), the prompt's
 * token embeddings appended, the T5 encoder over both, then greedy decoding with the merged decoder's KV cache.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor as HfTensor, PreTrainedTokenizer } from '@huggingface/transformers';
import type * as Ort from 'onnxruntime-node';
import sharp from 'sharp';
import { RequestValidationError } from '../errors';
import {
  createOnnxSession,
  type ExecutionProvider,
  type OnnxRuntime,
  type OnnxSessionOptions,
  onnxRuntime,
} from '../models/onnx-sessions';
import { VQA_BLIP2_PROMPT } from '../prompts/vqa-blip2';
import * as z from '../schema';

const Blip2Config = z.object({
  num_query_tokens: z.number().check(z.int(), z.positive()),
  text_config: z.object({
    num_heads: z.number().check(z.int(), z.positive()),
    d_kv: z.number().check(z.int(), z.positive()),
    num_decoder_layers: z.number().check(z.int(), z.positive()),
  }),
  decoder_start_token_id: z.number().check(z.int()),
  eos_token_id: z.number().check(z.int()),
});

const ImageProcessorConfig = z.object({
  size: z.object({
    height: z.number().check(z.int(), z.positive()),
    width: z.number().check(z.int(), z.positive()),
  }),
  image_mean: z.tuple([z.number(), z.number(), z.number()]),
  image_std: z.tuple([z.number(), z.number(), z.number()]),
  rescale_factor: z._default(z.number(), 1 / 255),
});

export interface VqaAnswer {
  readonly answer: string;
  readonly tokens: number;
  readonly executionProvider: ExecutionProvider;
}

export interface Blip2 {
  readonly executionProvider: ExecutionProvider;
  answer(image: Buffer, question: string, options?: { maxNewTokens?: number }): Promise<VqaAnswer>;
  dispose(): Promise<void>;
}

/** The LAVIS prompt the BLIP-2 T5 checkpoints were tuned with (the `vqa-blip2` template). */
export const vqaPrompt = (question: string) => VQA_BLIP2_PROMPT.render({ question }).text;

const int64 = (ort: OnnxRuntime, values: readonly number[], dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);

/**
 * Loads the export in `dir`. transformers.js (for the tokenizer) and onnxruntime-node are imported here, at
 * the first load, so that a function that only reaches the GPU service never loads them.
 */
export async function loadBlip2(dir: string, options: OnnxSessionOptions = {}): Promise<Blip2> {
  const [ort, { AutoTokenizer }] = await Promise.all([onnxRuntime(), import('@huggingface/transformers')]);
  const readJson = async (file: string): Promise<unknown> =>
    JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  const [config, processor, tokenizer] = await Promise.all([
    readJson('config.json').then((c) => Blip2Config.parse(c)),
    readJson('preprocessor_config.json').then((c) => ImageProcessorConfig.parse(c)),
    AutoTokenizer.from_pretrained(dir, { local_files_only: true }) as Promise<PreTrainedTokenizer>,
  ]);
  const open = (name: string) => createOnnxSession(path.join(dir, 'onnx', `${name}.onnx`), options);
  const [vision, embed, encoder, decoder] = await Promise.all([
    open('vision_qformer'),
    open('embed_tokens'),
    open('encoder_model'),
    open('decoder_model_merged'),
  ]);
  // The decoder runs once per answer token; where it runs is where the work is done.
  const executionProvider = decoder.executionProvider;
  const { num_heads: heads, d_kv: headDim, num_decoder_layers: layers } = config.text_config;

  async function pixelValues(image: Buffer): Promise<Ort.Tensor> {
    const { height, width } = processor.size;
    const { data } = await sharp(image, { pages: 1 })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch((error: unknown) => {
        // A header that reads well with pixels that do not: a truncated or corrupt file.
        throw new RequestValidationError([
          { path: 'image', message: `the image cannot be decoded: ${(error as Error).message}` },
        ]);
      });
    const plane = width * height;
    const pixels = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const mean = processor.image_mean[c] as number;
        const std = processor.image_std[c] as number;
        pixels[c * plane + p] = ((data[p * 3 + c] as number) * processor.rescale_factor - mean) / std;
      }
    }
    return new ort.Tensor('float32', pixels, [1, 3, height, width]);
  }

  return {
    executionProvider,
    async answer(image, question, answerOptions = {}) {
      const maxNewTokens = answerOptions.maxNewTokens ?? 20;
      const { query_embeds } = await vision.session.run({ pixel_values: await pixelValues(image) });
      const queries = query_embeds as Ort.Tensor;
      const promptIds =
        ((tokenizer(vqaPrompt(question)).input_ids as HfTensor).tolist() as bigint[][])[0]?.map(Number) ?? [];
      const { inputs_embeds } = await embed.session.run({
        input_ids: int64(ort, promptIds, [1, promptIds.length]),
      });
      const text = inputs_embeds as Ort.Tensor;
      const dModel = queries.dims[2] as number;
      const length = config.num_query_tokens + promptIds.length;
      const joined = new Float32Array(length * dModel);
      joined.set(queries.data as Float32Array, 0);
      joined.set(text.data as Float32Array, config.num_query_tokens * dModel);
      const mask = int64(ort, Array(length).fill(1), [1, length]);
      const { last_hidden_state } = await encoder.session.run({
        inputs_embeds: new ort.Tensor('float32', joined, [1, length, dModel]),
        attention_mask: mask,
      });

      const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
      let past: Record<string, Ort.Tensor> = {};
      for (let l = 0; l < layers; l++) {
        for (const part of ['decoder', 'encoder']) {
          for (const kv of ['key', 'value']) past[`past_key_values.${l}.${part}.${kv}`] = empty();
        }
      }
      const generated: number[] = [];
      let next = config.decoder_start_token_id;
      for (let step = 0; step < maxNewTokens; step++) {
        const outputs = await decoder.session.run({
          input_ids: int64(ort, [next], [1, 1]),
          encoder_hidden_states: last_hidden_state as Ort.Tensor,
          encoder_attention_mask: mask,
          use_cache_branch: new ort.Tensor('bool', Uint8Array.of(step > 0 ? 1 : 0), [1]),
          ...past,
        });
        const logits = (outputs.logits as Ort.Tensor).data as Float32Array;
        let best = 0;
        for (let i = 1; i < logits.length; i++)
          if ((logits[i] as number) > (logits[best] as number)) best = i;
        if (best === config.eos_token_id) break;
        generated.push(best);
        next = best;
        past = Object.fromEntries(
          Object.entries(outputs)
            .filter(([name]) => name.startsWith('present.'))
            .map(([name, tensor]) => [name.replace('present.', 'past_key_values.'), tensor as Ort.Tensor]),
        );
      }
      return {
        answer: tokenizer.decode(generated, { skip_special_tokens: true }).trim(),
        tokens: generated.length,
        executionProvider,
      };
    },
    async dispose() {
      await Promise.all([vision, embed, encoder, decoder].map(({ session }) => session.release()));
    },
  };
}
