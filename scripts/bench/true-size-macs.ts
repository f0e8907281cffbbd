/**
 * Multiply-adds of each route's work, counted from the architectures the true-size models are built in
 * (scripts/true-size-models/configs.ts): projections, feed-forward layers, attention over the sequence and the
 * language-model head. Norms, softmax and other element-wise work are left out (a few percent), so a route's
 * achieved throughput reads as a lower bound against the MatMul peak.
 */
import type { PipelineArchitecture } from '../true-size-models/configs';

type Size = PipelineArchitecture['size'];

/** One encoder pass over `S` tokens (per sequence). */
export function encoderMacs({ H, L, F = 4 * H }: Size, S: number): number {
  return L * (4 * S * H * H + 2 * S * H * F + 2 * S * S * H);
}

/**
 * A decoder-only generation (GPT-2): the prompt of `P` tokens in one pass (logits for every position, as
 * transformers.js computes them), then `N` steps of one token against a growing cache.
 */
export function causalGenerationMacs(size: Size, vocab: number, P: number, N: number): number {
  const { H, L, F = 4 * H } = size;
  let total = encoderMacs(size, P) + P * H * vocab;
  for (let i = 1; i < N; i++) total += L * (4 * H * H + 2 * H * F + 2 * (P + i) * H) + H * vocab;
  return total;
}

/**
 * An encoder-decoder generation (BART; the vision-encoder-decoder GPT-2 with `crossEveryStep`, which projects
 * the encoder's states again at every step): the encoder's own cost is added by the caller.
 */
export function crossDecoderMacs(
  size: Size,
  vocab: number,
  encoderTokens: number,
  N: number,
  { crossEveryStep = false }: { crossEveryStep?: boolean } = {},
): number {
  const { H, L, F = 4 * H } = size;
  const crossKv = L * 2 * encoderTokens * H * H;
  let total = crossEveryStep ? 0 : crossKv;
  for (let t = 1; t <= N; t++) {
    total += L * (4 * H * H + 2 * H * F + 2 * t * H + 2 * H * H + 2 * encoderTokens * H) + H * vocab;
    if (crossEveryStep) total += crossKv;
  }
  return total;
}

/** A ViT encoder over an image: the patch embedding plus the encoder over patches + [CLS]. */
export function vitMacs(vision: NonNullable<PipelineArchitecture['vision']>): number {
  const patches = (vision.image / vision.patch) ** 2;
  return patches * vision.H * 3 * vision.patch ** 2 + encoderMacs(vision, patches + 1);
}
