/**
 * A tiny Stable Diffusion 1.5 ONNX export with the real components' input/output names: CLIP text encoder
 * (`input_ids` -> `last_hidden_state`, `pooler_output`), UNet (`sample`, `timestep`, `encoder_hidden_states` ->
 * `out_sample`), VAE decoder (`latent_sample` -> `sample`, 8× upsampling), the CLIP-style tokenizer padded to
 * 77 and the PNDM scheduler config. Two exporter variants: the diffusers script (int32 ids, int64 timestep
 * [B]) and optimum (int64 ids, float32 scalar timestep).
 */
import { feedForwardBlock, layerNorm, selfAttentionBlock } from './blocks';
import type { LazyGraph, ModelFiles } from './models';
import { DType, Graph, type WeightOptions } from './onnx-graph';
import { byteLevelBpe } from './tokenizers';

export type DiffusionExportVariant = 'diffusers' | 'optimum';

const TOKENS = 77;
const HIDDEN = 32;
const LATENT_CHANNELS = 4;

/** The CLIP text encoder's dimensions: tiny by default, CLIP ViT-L/14's for the true-size models. */
export interface TextEncoderSize {
  readonly V?: number;
  readonly H: number;
  readonly nh: number;
  readonly L: number;
  readonly F?: number;
}

const TINY_TEXT_ENCODER: TextEncoderSize = { H: HIDDEN, nh: 4, L: 1 };

export function textEncoderGraph(
  vocab: number,
  variant: DiffusionExportVariant,
  size: TextEncoderSize = TINY_TEXT_ENCODER,
  weights: WeightOptions = {},
): Uint8Array {
  const { H, nh, L, F } = size;
  const g = new Graph('text_encoder', { seed: 21, weights });
  g.input('input_ids', variant === 'diffusers' ? DType.INT32 : DType.INT64, ['batch', 'sequence']);
  g.output('last_hidden_state', DType.FLOAT, ['batch', 'sequence', H]);
  g.output('pooler_output', DType.FLOAT, ['batch', H]);
  const ids = g.op('Cast', ['input_ids'], { to: DType.INT64 });
  const length = g.op('Gather', [g.op('Shape', [ids]), g.int64Scalar(1)]);
  const positions = g.op('Range', [g.int64Scalar(0), length, g.int64Scalar(1)]);
  let h = g.op('Add', [
    g.op('Gather', [g.random('token_embedding', [size.V ?? vocab, H]), ids]),
    g.op('Gather', [g.random('position_embedding', [TOKENS, H]), positions]),
  ]);
  for (let l = 0; l < L; l++) {
    h = selfAttentionBlock(g, h, { prefix: `layer.${l}`, H, nh });
    if (F) h = feedForwardBlock(g, layerNorm(g, h, `layer.${l}.2`, H), { prefix: `layer.${l}.mlp`, H, F });
  }
  h = layerNorm(g, h, 'final', H);
  g.op('Identity', [h], {}, 'last_hidden_state');
  g.op('Gather', [h, g.int64Scalar(0)], { axis: 1 }, 'pooler_output');
  return g.toBytes();
}

const conv3x3 = (g: Graph, x: string, name: string, inChannels: number, outChannels: number, scale = 0.3) =>
  g.op(
    'Conv',
    [
      x,
      g.random(`${name}.w`, [outChannels, inChannels, 3, 3], scale),
      g.random(`${name}.b`, [outChannels], 0.05),
    ],
    {
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
    },
  );

const silu = (g: Graph, x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);

function unet(variant: DiffusionExportVariant): Uint8Array {
  const g = new Graph('unet', { seed: 22 });
  const channels = 16;
  g.input('sample', DType.FLOAT, ['batch', LATENT_CHANNELS, 'height', 'width']);
  g.input(
    'timestep',
    variant === 'diffusers' ? DType.INT64 : DType.FLOAT,
    variant === 'diffusers' ? ['steps'] : [],
  );
  g.input('encoder_hidden_states', DType.FLOAT, ['batch', 'sequence', HIDDEN]);
  g.output('out_sample', DType.FLOAT, ['batch', LATENT_CHANNELS, 'height', 'width']);
  let h = conv3x3(g, 'sample', 'conv_in', LATENT_CHANNELS, channels);
  // timestep embedding: sin(t · w), broadcast over batch and pixels
  const t = g.op('Reshape', [g.op('Cast', ['timestep'], { to: DType.FLOAT }), g.int64s([-1, 1, 1, 1])]);
  h = g.op('Add', [h, g.op('Sin', [g.op('Mul', [t, g.random('time.w', [1, channels, 1, 1], 0.01)])])]);
  // text conditioning: the mean token state projected to a per-channel shift
  const text = g.op('ReduceMean', ['encoder_hidden_states'], { axes: [1], keepdims: 0 });
  const shift = g.op('Reshape', [
    g.op('MatMul', [text, g.random('text.w', [HIDDEN, channels], 0.8)]),
    g.int64s([-1, channels, 1, 1]),
  ]);
  h = silu(g, g.op('Add', [h, shift]));
  h = silu(g, conv3x3(g, h, 'mid', channels, channels));
  g.op('Identity', [conv3x3(g, h, 'conv_out', channels, LATENT_CHANNELS, 0.2)], {}, 'out_sample');
  return g.toBytes();
}

function vaeDecoder(): Uint8Array {
  const g = new Graph('vae_decoder', { seed: 23 });
  const channels = 8;
  g.input('latent_sample', DType.FLOAT, ['batch', LATENT_CHANNELS, 'latent_height', 'latent_width']);
  g.output('sample', DType.FLOAT, ['batch', 3, 'height', 'width']);
  let h = silu(g, conv3x3(g, 'latent_sample', 'conv_in', LATENT_CHANNELS, channels, 0.5));
  h = g.op('Resize', [h, '', g.initializer('scales', [4], Float32Array.of(1, 1, 8, 8))], { mode: 'nearest' });
  h = silu(g, conv3x3(g, h, 'up', channels, channels, 0.4));
  g.op('Tanh', [conv3x3(g, h, 'conv_out', channels, 3, 0.6)], {}, 'sample');
  return g.toBytes();
}

/** Graphs replacing the tiny ones (the true-size generator's). */
export interface DiffusionGraphs {
  readonly textEncoder?: { readonly size: TextEncoderSize; readonly weights?: WeightOptions };
  readonly unet?: LazyGraph;
  readonly vaeDecoder?: LazyGraph;
}

export function tinyStableDiffusion(
  variant: DiffusionExportVariant = 'diffusers',
  graphs: DiffusionGraphs = {},
): ModelFiles {
  const specials = ['<|startoftext|>', '<|endoftext|>'];
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const tok = byteLevelBpe({
    specials,
    specialsLast: true,
    postProcessor: {
      type: 'TemplateProcessing',
      single: [special('<|startoftext|>'), { Sequence: { id: 'A', type_id: 0 } }, special('<|endoftext|>')],
      pair: [
        special('<|startoftext|>'),
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        special('<|endoftext|>'),
      ],
      special_tokens: Object.fromEntries(specials.map((s) => [s, { id: s, ids: [0], tokens: [s] }])),
    },
  });
  const json = tok.json as { post_processor: { special_tokens: Record<string, { ids: number[] }> } };
  for (const s of specials)
    (json.post_processor.special_tokens[s] as { ids: number[] }).ids = [tok.vocab[s] as number];
  return {
    'model_index.json': {
      _class_name: 'OnnxStableDiffusionPipeline',
      _diffusers_version: '0.8.0',
      text_encoder: ['diffusers', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'OnnxRuntimeModel'],
      vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
      scheduler: ['diffusers', 'PNDMScheduler'],
    },
    'scheduler/scheduler_config.json': {
      _class_name: 'PNDMScheduler',
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      num_train_timesteps: 1000,
      steps_offset: 1,
      skip_prk_steps: true,
      set_alpha_to_one: false,
      clip_sample: false,
      prediction_type: 'epsilon',
      timestep_spacing: 'leading',
    },
    'tokenizer/tokenizer.json': tok.json,
    'tokenizer/tokenizer_config.json': {
      tokenizer_class: 'CLIPTokenizer',
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      model_max_length: TOKENS,
    },
    'tokenizer/config.json': { model_type: 'clip_text_model' },
    'text_encoder/model.onnx': () =>
      textEncoderGraph(tok.vocabSize, variant, graphs.textEncoder?.size, graphs.textEncoder?.weights),
    'unet/model.onnx': graphs.unet ?? (() => unet(variant)),
    'vae_decoder/model.onnx': graphs.vaeDecoder ?? vaeDecoder,
  };
}
