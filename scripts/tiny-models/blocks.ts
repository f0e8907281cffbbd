/**
 * Transformer building blocks for tiny graphs. Shapes: B batch, S query length, T key length,
 * H hidden size, nh heads, hd = H / nh.
 */
import { DType, float, type Graph } from './onnx-graph';

/** [B,S,H] -> [B,nh,S,hd] */
export const splitHeads = (g: Graph, x: string, nh: number, hd: number): string =>
  g.op('Transpose', [g.op('Reshape', [x, g.int64s([0, 0, nh, hd])])], { perm: [0, 2, 1, 3] });

/** [B,nh,S,hd] -> [B,S,H] */
export const mergeHeads = (g: Graph, x: string, H: number): string =>
  g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, H])]);

/** int64 mask [B,T] (1 = keep) -> additive float bias [B,1,1,T] (0 or -1e4). */
export function maskBias(g: Graph, mask: string): string {
  const keep = g.op('Cast', [mask], { to: DType.FLOAT });
  const drop = g.op('Sub', [g.scalar(1), keep]);
  return g.op('Unsqueeze', [g.op('Mul', [drop, g.scalar(-1e4)]), g.int64s([1, 2])]);
}

/** softmax(q kᵀ / √hd + bias) v, with q [B,nh,S,hd] and k, v [B,nh,T,hd]. */
export function attend(g: Graph, q: string, k: string, v: string, hd: number, bias?: string): string {
  const kT = g.op('Transpose', [k], { perm: [0, 1, 3, 2] });
  let scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(1 / Math.sqrt(hd))]);
  if (bias) scores = g.op('Add', [scores, bias]);
  return g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
}

/** x + Wo·attention(x) without a cache. */
export function selfAttentionBlock(
  g: Graph,
  x: string,
  { prefix, H, nh, bias }: { prefix: string; H: number; nh: number; bias?: string },
): string {
  const hd = H / nh;
  const project = (w: string) => splitHeads(g, g.matmul(x, `${prefix}.${w}`, [H, H]), nh, hd);
  const ctx = attend(g, project('q'), project('k'), project('v'), hd, bias);
  return g.op('Add', [x, g.matmul(mergeHeads(g, ctx, H), `${prefix}.o`, [H, H])]);
}

/** GELU as the exporters write it out (x · ½ · (1 + erf(x / √2))), which onnxruntime fuses. */
export function gelu(g: Graph, x: string): string {
  const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [erf, g.scalar(1)])]);
}

/** x + W2·gelu(W1·x + b1) + b2: the feed-forward half of a transformer layer, H -> F -> H. */
export function feedForwardBlock(
  g: Graph,
  x: string,
  { prefix, H, F }: { prefix: string; H: number; F: number },
) {
  const inner = g.op('Add', [g.matmul(x, `${prefix}.fc1`, [H, F]), g.random(`${prefix}.fc1.b`, [F], 0.02)]);
  const out = g.op('Add', [
    g.matmul(gelu(g, inner), `${prefix}.fc2`, [F, H]),
    g.random(`${prefix}.fc2.b`, [H], 0.02),
  ]);
  return g.op('Add', [x, out]);
}

export function layerNorm(g: Graph, x: string, prefix: string, H: number): string {
  const gamma = g.initializer(`${prefix}.ln.g`, [H], new Float32Array(H).fill(1));
  const beta = g.initializer(`${prefix}.ln.b`, [H], new Float32Array(H));
  return g.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: float(1e-5) });
}

/** Length of `tensor` along `axis`, as an int64 scalar. */
const dimOf = (g: Graph, tensor: string, axis: number): string =>
  g.op('Gather', [g.op('Shape', [tensor]), g.int64Scalar(axis)]);

/** arange(start, end) as int64. */
const range = (g: Graph, start: string, end: string): string => g.op('Range', [start, end, g.int64Scalar(1)]);

/** Positions [S] = past_len + arange(S), past_len read from dim 2 of a cache tensor (merged decoders). */
export function positionsFromPast(g: Graph, pastTensor: string, ids: string): string {
  const pastLen = dimOf(g, pastTensor, 2);
  return range(g, pastLen, g.op('Add', [pastLen, dimOf(g, ids, 1)]));
}

/** Causal bias [S,T]: 0 where key position <= query position, else -1e4; T = past_len + S. */
export function causalBias(g: Graph, pastTensor: string, ids: string): string {
  const queryPositions = positionsFromPast(g, pastTensor, ids);
  const total = g.op('Add', [dimOf(g, pastTensor, 2), dimOf(g, ids, 1)]);
  const keyPositions = range(g, g.int64Scalar(0), total);
  const allowed = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPositions, g.int64s([0])]),
    g.op('Unsqueeze', [queryPositions, g.int64s([1])]),
  ]);
  return g.op('Where', [allowed, g.scalar(0), g.scalar(-1e4)]);
}

/** Non-overlapping patches of an image [B,3,S,S] embedded as tokens [B, (S/patch)², hidden] (a strided Conv). */
export function patchTokens(
  g: Graph,
  pixels: string,
  { hidden, patch }: { hidden: number; patch: number },
): string {
  const conv = g.op(
    'Conv',
    [pixels, g.random('patch.w', [hidden, 3, patch, patch], 0.1), g.random('patch.b', [hidden])],
    {
      kernel_shape: [patch, patch],
      strides: [patch, patch],
    },
  );
  return g.op('Transpose', [g.op('Reshape', [conv, g.int64s([0, 0, -1])])], { perm: [0, 2, 1] });
}

/** A learned [1, n, hidden] parameter repeated over the batch of `like` (dim 0). */
export function expandOverBatch(g: Graph, name: string, like: string, n: number, hidden: number): string {
  const batch = g.op('Gather', [g.op('Shape', [like]), g.int64s([0])]);
  return g.op('Expand', [
    g.random(name, [1, n, hidden]),
    g.op('Concat', [batch, g.int64s([n, hidden])], { axis: 0 }),
  ]);
}
