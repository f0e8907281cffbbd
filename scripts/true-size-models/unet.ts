/**
 * Stable Diffusion 1.5's UNet and VAE decoder as ONNX graphs in diffusers' exact architecture (channels,
 * ResNet blocks, cross-attention transformers, skip connections, group norms written out as the exporter
 * writes them), with the real export's inputs and outputs. Each builder also counts the multiply-adds of one
 * call at a given latent size, walking the same structure it builds, so the benchmarks read their throughput
 * from the graph they run.
 */
import { attend, gelu, mergeHeads, splitHeads } from '../tiny-models/blocks';
import { DType, float, Graph, type WeightOptions } from '../tiny-models/onnx-graph';

export interface UnetConfig {
  /** Output channels of the down blocks (the up blocks mirror them). */
  readonly channels: readonly number[];
  /** Which down blocks have cross-attention transformers (the up blocks mirror them). */
  readonly attention: readonly boolean[];
  readonly layersPerBlock: number;
  readonly heads: number;
  readonly crossDim: number;
  readonly timeDim: number;
  readonly groups: number;
  readonly inChannels: number;
}

/** runwayml/stable-diffusion-v1-5 `unet/config.json`. */
export const SD15_UNET: UnetConfig = {
  channels: [320, 640, 1280, 1280],
  attention: [true, true, true, false],
  layersPerBlock: 2,
  heads: 8,
  crossDim: 768,
  timeDim: 1280,
  groups: 32,
  inChannels: 4,
};

export interface VaeDecoderConfig {
  /** Block channels from the encoder's side (the decoder runs them in reverse). */
  readonly channels: readonly number[];
  readonly layersPerBlock: number;
  readonly groups: number;
  readonly latentChannels: number;
}

/** runwayml/stable-diffusion-v1-5 `vae/config.json`. */
export const SD15_VAE: VaeDecoderConfig = {
  channels: [128, 256, 512, 512],
  layersPerBlock: 2,
  groups: 32,
  latentChannels: 4,
};

/** Counts multiply-adds at the current spatial side while a graph is built. */
class Macs {
  total = 0;
  constructor(public side: number) {}
  conv(cin: number, cout: number, k: number) {
    this.total += this.side * this.side * cin * cout * k * k;
  }
  linear(tokens: number, k: number, n: number) {
    this.total += tokens * k * n;
  }
}

interface Ctx {
  readonly g: Graph;
  readonly macs: Macs;
  readonly groups: number;
}

function conv(c: Ctx, x: string, name: string, cin: number, cout: number, k: number, stride = 1): string {
  if (stride > 1) c.macs.side /= stride;
  c.macs.conv(cin, cout, k);
  const pad = Math.floor(k / 2);
  return c.g.op(
    'Conv',
    [
      x,
      c.g.random(`${name}.weight`, [cout, cin, k, k], Math.sqrt(3 / (cin * k * k))),
      c.g.random(`${name}.bias`, [cout], 0.02),
    ],
    { kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [stride, stride] },
  );
}

/** GroupNorm as torch exports it: reshape to [B, groups, -1], InstanceNormalization, reshape, affine. */
function groupNorm(c: Ctx, x: string, name: string, channels: number): string {
  const { g, groups } = c;
  const grouped = g.op('Reshape', [x, g.int64s([0, groups, -1])]);
  const normalized = g.op(
    'InstanceNormalization',
    [
      grouped,
      g.initializer(g.uniqueName('ones'), [groups], new Float32Array(groups).fill(1)),
      g.initializer(g.uniqueName('zeros'), [groups], new Float32Array(groups)),
    ],
    { epsilon: float(1e-5) },
  );
  const back = g.op('Reshape', [normalized, g.op('Shape', [x])]);
  const gamma = g.initializer(`${name}.weight`, [channels, 1, 1], new Float32Array(channels).fill(1));
  const beta = g.initializer(`${name}.bias`, [channels, 1, 1], new Float32Array(channels));
  return g.op('Add', [g.op('Mul', [back, gamma]), beta]);
}

const silu = (g: Graph, x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);

function linear(c: Ctx, x: string, name: string, k: number, n: number, tokens: number, bias = true): string {
  c.macs.linear(tokens, k, n);
  const out = c.g.matmul(x, name, [k, n]);
  return bias ? c.g.op('Add', [out, c.g.random(`${name}.bias`, [n], 0.02)]) : out;
}

function layerNorm(c: Ctx, x: string, name: string, channels: number): string {
  const { g } = c;
  const gamma = g.initializer(`${name}.weight`, [channels], new Float32Array(channels).fill(1));
  const beta = g.initializer(`${name}.bias`, [channels], new Float32Array(channels));
  return g.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: float(1e-5) });
}

function resnet(
  c: Ctx,
  x: string,
  name: string,
  cin: number,
  cout: number,
  temb?: string,
  timeDim = 0,
): string {
  const { g } = c;
  let h = conv(c, silu(g, groupNorm(c, x, `${name}.norm1`, cin)), `${name}.conv1`, cin, cout, 3);
  if (temb) {
    const t = linear(c, silu(g, temb), `${name}.time_emb_proj`, timeDim, cout, 1);
    h = g.op('Add', [h, g.op('Unsqueeze', [t, g.int64s([2, 3])])]);
  }
  h = conv(c, silu(g, groupNorm(c, h, `${name}.norm2`, cout)), `${name}.conv2`, cout, cout, 3);
  const shortcut = cin === cout ? x : conv(c, x, `${name}.conv_shortcut`, cin, cout, 1);
  return g.op('Add', [shortcut, h]);
}

/** [B,C,h,w] -> [B,h·w,C] */
const toTokens = (g: Graph, x: string, channels: number) =>
  g.op('Transpose', [g.op('Reshape', [x, g.int64s([0, channels, -1])])], { perm: [0, 2, 1] });
/** [B,h·w,C] -> the shape of `like` */
const fromTokens = (g: Graph, t: string, like: string) =>
  g.op('Reshape', [g.op('Transpose', [t], { perm: [0, 2, 1] }), g.op('Shape', [like])]);

function attention(
  c: Ctx,
  x: string,
  name: string,
  {
    channels,
    heads,
    context,
    contextDim,
    contextTokens,
  }: { channels: number; heads: number; context?: string; contextDim?: number; contextTokens?: number },
): string {
  const tokens = c.macs.side * c.macs.side;
  const source = context ?? x;
  const sourceDim = contextDim ?? channels;
  const sourceTokens = contextTokens ?? tokens;
  const hd = channels / heads;
  const q = splitHeads(c.g, linear(c, x, `${name}.to_q`, channels, channels, tokens, false), heads, hd);
  const k = splitHeads(
    c.g,
    linear(c, source, `${name}.to_k`, sourceDim, channels, sourceTokens, false),
    heads,
    hd,
  );
  const v = splitHeads(
    c.g,
    linear(c, source, `${name}.to_v`, sourceDim, channels, sourceTokens, false),
    heads,
    hd,
  );
  c.macs.total += 2 * tokens * sourceTokens * channels;
  return linear(
    c,
    mergeHeads(c.g, attend(c.g, q, k, v, hd), channels),
    `${name}.to_out`,
    channels,
    channels,
    tokens,
  );
}

/** diffusers' Transformer2DModel with one BasicTransformerBlock (self-attention, cross-attention, GEGLU). */
function transformer(
  c: Ctx,
  x: string,
  name: string,
  channels: number,
  heads: number,
  context: string,
  cfg: UnetConfig,
): string {
  const { g } = c;
  const tokens = c.macs.side * c.macs.side;
  let t = toTokens(
    g,
    conv(c, groupNorm(c, x, `${name}.norm`, channels), `${name}.proj_in`, channels, channels, 1),
    channels,
  );
  const block = `${name}.transformer_blocks.0`;
  t = g.op('Add', [
    t,
    attention(c, layerNorm(c, t, `${block}.norm1`, channels), `${block}.attn1`, { channels, heads }),
  ]);
  t = g.op('Add', [
    t,
    attention(c, layerNorm(c, t, `${block}.norm2`, channels), `${block}.attn2`, {
      channels,
      heads,
      context,
      contextDim: cfg.crossDim,
      contextTokens: 77,
    }),
  ]);
  const projected = linear(
    c,
    layerNorm(c, t, `${block}.norm3`, channels),
    `${block}.ff.proj`,
    channels,
    8 * channels,
    tokens,
  );
  const [value, gate] = [g.uniqueName('geglu_value'), g.uniqueName('geglu_gate')];
  g.opMulti('Split', [projected, g.int64s([4 * channels, 4 * channels])], { axis: -1 }, [value, gate]);
  const ff = linear(
    c,
    g.op('Mul', [value, gelu(g, gate)]),
    `${block}.ff.out`,
    4 * channels,
    channels,
    tokens,
  );
  t = g.op('Add', [t, ff]);
  return g.op('Add', [x, conv(c, fromTokens(g, t, x), `${name}.proj_out`, channels, channels, 1)]);
}

function upsample(c: Ctx, x: string, name: string, channels: number): string {
  const { g } = c;
  const scales = g.initializer(g.uniqueName('scales'), [4], Float32Array.of(1, 1, 2, 2));
  c.macs.side *= 2;
  return conv(c, g.op('Resize', [x, '', scales], { mode: 'nearest' }), `${name}.conv`, channels, channels, 3);
}

export interface BuiltGraph {
  readonly bytes: Uint8Array;
  /** Multiply-adds of one call for one sample at the latent side the builder was given. */
  readonly macs: number;
  /** Bytes of the weights (inline and external). */
  readonly weightBytes: number;
}

/**
 * The UNet (`sample` [B,4,h,w], `timestep` int64 [B], `encoder_hidden_states` [B,77,768] -> `out_sample`), as
 * diffusers' ONNX export script writes it.
 */
export function unetGraph(
  cfg: UnetConfig,
  {
    latentSide = 64,
    weights = {},
    seed = 22,
  }: { latentSide?: number; weights?: WeightOptions; seed?: number } = {},
): BuiltGraph {
  const g = new Graph('unet', { seed, weights: { fanInScale: true, ...weights } });
  const c: Ctx = { g, macs: new Macs(latentSide), groups: cfg.groups };
  g.input('sample', DType.FLOAT, ['batch', cfg.inChannels, 'height', 'width']);
  g.input('timestep', DType.INT64, ['steps']);
  g.input('encoder_hidden_states', DType.FLOAT, ['batch', 'sequence', cfg.crossDim]);
  g.output('out_sample', DType.FLOAT, ['batch', cfg.inChannels, 'height', 'width']);
  const first = cfg.channels[0] as number;

  // sinusoidal timestep embedding (flip_sin_to_cos), then the time MLP
  const half = first / 2;
  const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const t = g.op('Unsqueeze', [g.op('Cast', ['timestep'], { to: DType.FLOAT }), g.int64s([1])]);
  const angles = g.op('Mul', [t, g.initializer('time_freqs', [1, half], freqs)]);
  const sinusoid = g.op('Concat', [g.op('Cos', [angles]), g.op('Sin', [angles])], { axis: -1 });
  const temb = linear(
    c,
    silu(g, linear(c, sinusoid, 'time_embedding.linear_1', first, cfg.timeDim, 1)),
    'time_embedding.linear_2',
    cfg.timeDim,
    cfg.timeDim,
    1,
  );

  const context = 'encoder_hidden_states';
  let h = conv(c, 'sample', 'conv_in', cfg.inChannels, first, 3);
  const skips: { name: string; channels: number }[] = [{ name: h, channels: first }];
  let channels = first;
  cfg.channels.forEach((out, b) => {
    for (let l = 0; l < cfg.layersPerBlock; l++) {
      h = resnet(c, h, `down_blocks.${b}.resnets.${l}`, channels, out, temb, cfg.timeDim);
      channels = out;
      if (cfg.attention[b])
        h = transformer(c, h, `down_blocks.${b}.attentions.${l}`, out, cfg.heads, context, cfg);
      skips.push({ name: h, channels: out });
    }
    if (b < cfg.channels.length - 1) {
      h = conv(c, h, `down_blocks.${b}.downsamplers.0.conv`, out, out, 3, 2);
      skips.push({ name: h, channels: out });
    }
  });

  h = resnet(c, h, 'mid_block.resnets.0', channels, channels, temb, cfg.timeDim);
  h = transformer(c, h, 'mid_block.attentions.0', channels, cfg.heads, context, cfg);
  h = resnet(c, h, 'mid_block.resnets.1', channels, channels, temb, cfg.timeDim);

  const reversed = [...cfg.channels].reverse();
  const reversedAttention = [...cfg.attention].reverse();
  reversed.forEach((out, b) => {
    for (let l = 0; l <= cfg.layersPerBlock; l++) {
      const skip = skips.pop();
      if (!skip) throw new Error('UNet skip connections do not match its blocks');
      h = g.op('Concat', [h, skip.name], { axis: 1 });
      h = resnet(c, h, `up_blocks.${b}.resnets.${l}`, channels + skip.channels, out, temb, cfg.timeDim);
      channels = out;
      if (reversedAttention[b])
        h = transformer(c, h, `up_blocks.${b}.attentions.${l}`, out, cfg.heads, context, cfg);
    }
    if (b < reversed.length - 1) h = upsample(c, h, `up_blocks.${b}.upsamplers.0`, out);
  });

  h = silu(g, groupNorm(c, h, 'conv_norm_out', channels));
  g.op('Identity', [conv(c, h, 'conv_out', channels, cfg.inChannels, 3)], {}, 'out_sample');
  return {
    bytes: g.toBytes(17, 'genai-endpoints-true-size-models'),
    macs: c.macs.total,
    weightBytes: g.weightBytes,
  };
}

/** The VAE decoder (`latent_sample` [B,4,h,w] -> `sample` [B,3,8h,8w]), post_quant_conv included. */
export function vaeDecoderGraph(
  cfg: VaeDecoderConfig,
  {
    latentSide = 64,
    weights = {},
    seed = 23,
  }: { latentSide?: number; weights?: WeightOptions; seed?: number } = {},
): BuiltGraph {
  const g = new Graph('vae_decoder', { seed, weights: { fanInScale: true, ...weights } });
  const c: Ctx = { g, macs: new Macs(latentSide), groups: cfg.groups };
  g.input('latent_sample', DType.FLOAT, ['batch', cfg.latentChannels, 'latent_height', 'latent_width']);
  g.output('sample', DType.FLOAT, ['batch', 3, 'height', 'width']);
  const reversed = [...cfg.channels].reverse();
  let channels = reversed[0] as number;
  let h = conv(c, 'latent_sample', 'post_quant_conv', cfg.latentChannels, cfg.latentChannels, 1);
  h = conv(c, h, 'decoder.conv_in', cfg.latentChannels, channels, 3);
  h = resnet(c, h, 'decoder.mid_block.resnets.0', channels, channels);
  const tokens = toTokens(
    g,
    groupNorm(c, h, 'decoder.mid_block.attentions.0.group_norm', channels),
    channels,
  );
  const attended = attention(c, tokens, 'decoder.mid_block.attentions.0', { channels, heads: 1 });
  h = g.op('Add', [h, fromTokens(g, attended, h)]);
  h = resnet(c, h, 'decoder.mid_block.resnets.1', channels, channels);
  reversed.forEach((out, b) => {
    for (let l = 0; l <= cfg.layersPerBlock; l++) {
      h = resnet(c, h, `decoder.up_blocks.${b}.resnets.${l}`, channels, out);
      channels = out;
    }
    if (b < reversed.length - 1) h = upsample(c, h, `decoder.up_blocks.${b}.upsamplers.0`, out);
  });
  h = silu(g, groupNorm(c, h, 'decoder.conv_norm_out', channels));
  g.op('Identity', [conv(c, h, 'decoder.conv_out', channels, 3, 3)], {}, 'sample');
  return {
    bytes: g.toBytes(17, 'genai-endpoints-true-size-models'),
    macs: c.macs.total,
    weightBytes: g.weightBytes,
  };
}
