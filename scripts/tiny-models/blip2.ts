/**
 * A tiny BLIP-2 (flan-t5 flavour) split into four ONNX graphs, the layout the GPU container serves:
 * - `vision_qformer.onnx`: `pixel_values` [B,3,S,S] -> `query_embeds` [B,Q,D] (vision model, Q-Former and
 *   language projection in one graph);
 * - `embed_tokens.onnx`: `input_ids` [B,T] -> `inputs_embeds` [B,T,D];
 * - `encoder_model.onnx`: `inputs_embeds` [B,S,D], `attention_mask` [B,S] -> `last_hidden_state`;
 * - `decoder_model_merged.onnx`: optimum's merged seq2seq decoder (`input_ids`, `encoder_hidden_states`,
 *   `encoder_attention_mask`, `past_key_values.*`, `use_cache_branch` -> `logits`, `present.*`).
 */
import {
  attend,
  expandOverBatch,
  layerNorm,
  maskBias,
  mergeHeads,
  patchTokens,
  selfAttentionBlock,
  splitHeads,
} from './blocks';
import { seq2seqMergedDecoderGraph } from './graphs';
import type { ModelFiles } from './models';
import { DType, Graph } from './onnx-graph';
import { byteLevelBpe, readableLogitBias } from './tokenizers';

const IMAGE = 32;
const PATCH = 8;
const VISION = 32;
const QUERIES = 8;
const D_MODEL = 32;
const HEADS = 4;

function visionQformer(): Uint8Array {
  const g = new Graph('vision_qformer', { seed: 31 });
  const patches = (IMAGE / PATCH) ** 2;
  g.input('pixel_values', DType.FLOAT, ['batch_size', 3, IMAGE, IMAGE]);
  g.output('query_embeds', DType.FLOAT, ['batch_size', QUERIES, D_MODEL]);
  let image = patchTokens(g, 'pixel_values', { hidden: VISION, patch: PATCH });
  image = g.op('Add', [image, g.random('pos', [1, patches, VISION])]);
  image = layerNorm(
    g,
    selfAttentionBlock(g, image, { prefix: 'vision', H: VISION, nh: HEADS }),
    'vision',
    VISION,
  );
  // Q-Former: learned queries cross-attend to the image tokens
  const queries = expandOverBatch(g, 'queries', 'pixel_values', QUERIES, VISION);
  const hd = VISION / HEADS;
  const project = (w: string, x: string) =>
    splitHeads(g, g.op('MatMul', [x, g.random(`qformer.${w}`, [VISION, VISION])]), HEADS, hd);
  const cross = mergeHeads(
    g,
    attend(g, project('q', queries), project('k', image), project('v', image), hd),
    VISION,
  );
  const q = layerNorm(g, g.op('Add', [queries, cross]), 'qformer', VISION);
  g.op('MatMul', [q, g.random('language_projection', [VISION, D_MODEL])], {}, 'query_embeds');
  return g.toBytes();
}

function embedTokens(vocab: number): Uint8Array {
  const g = new Graph('embed_tokens', { seed: 32 });
  g.input('input_ids', DType.INT64, ['batch_size', 'sequence_length']);
  g.output('inputs_embeds', DType.FLOAT, ['batch_size', 'sequence_length', D_MODEL]);
  g.op('Gather', [g.random('shared', [vocab, D_MODEL]), 'input_ids'], {}, 'inputs_embeds');
  return g.toBytes();
}

function encoder(): Uint8Array {
  const g = new Graph('t5_encoder', { seed: 33 });
  g.input('inputs_embeds', DType.FLOAT, ['batch_size', 'encoder_sequence_length', D_MODEL]);
  g.input('attention_mask', DType.INT64, ['batch_size', 'encoder_sequence_length']);
  g.output('last_hidden_state', DType.FLOAT, ['batch_size', 'encoder_sequence_length', D_MODEL]);
  const bias = maskBias(g, 'attention_mask');
  const h = selfAttentionBlock(g, 'inputs_embeds', { prefix: 'encoder', H: D_MODEL, nh: HEADS, bias });
  g.op('Identity', [layerNorm(g, h, 'encoder', D_MODEL)], {}, 'last_hidden_state');
  return g.toBytes();
}

export function tinyBlip2(): ModelFiles {
  const tok = byteLevelBpe({
    specials: ['<pad>', '</s>', '<unk>'],
    specialsLast: false,
    postProcessor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
  });
  const size = { V: tok.vocabSize, H: D_MODEL, nh: HEADS, L: 1, P: 64, seed: 34 };
  return {
    'config.json': {
      model_type: 'blip-2',
      num_query_tokens: QUERIES,
      text_config: {
        model_type: 't5',
        d_model: D_MODEL,
        num_heads: HEADS,
        d_kv: D_MODEL / HEADS,
        num_decoder_layers: 1,
        vocab_size: size.V,
      },
      decoder_start_token_id: 0,
      eos_token_id: 1,
      pad_token_id: 0,
    },
    'preprocessor_config.json': {
      image_processor_type: 'BlipImageProcessor',
      size: { height: IMAGE, width: IMAGE },
      resample: 3,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      do_convert_rgb: true,
    },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': {
      tokenizer_class: 'T5Tokenizer',
      pad_token: '<pad>',
      eos_token: '</s>',
      unk_token: '<unk>',
      model_max_length: 64,
    },
    'onnx/vision_qformer.onnx': visionQformer(),
    'onnx/embed_tokens.onnx': embedTokens(size.V),
    'onnx/encoder_model.onnx': encoder(),
    'onnx/decoder_model_merged.onnx': seq2seqMergedDecoderGraph(size, readableLogitBias(tok)),
  };
}
