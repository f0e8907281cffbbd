/**
 * Tiny random-weight ONNX graphs with the exact input/output contracts transformers.js uses for the real exports
 * (optimum layout): decoder-only with KV cache, encoder-only, and a merged seq2seq decoder.
 */
import {
  attend,
  causalBias,
  expandOverBatch,
  feedForwardBlock,
  layerNorm,
  maskBias,
  mergeHeads,
  patchTokens,
  positionsFromPast,
  selfAttentionBlock,
  splitHeads,
} from './blocks';
import { DType, Graph, type WeightOptions } from './onnx-graph';

export interface TransformerSize {
  /** vocabulary size */
  V: number;
  /** hidden size */
  H: number;
  /** attention heads */
  nh: number;
  /** layers */
  L: number;
  /** position embeddings (the context window) */
  P: number;
  /** feed-forward width; absent in the tiny models, which have attention only */
  F?: number;
  seed: number;
}

/**
 * GPT-2 `model.onnx`: `input_ids`, `attention_mask`, `position_ids`, `past_key_values.{l}.{key,value}` ->
 * `logits`, `present.{l}.{key,value}`. Cache dims for heads and head size must be fixed integers:
 * transformers.js reads them to build the empty cache.
 */
export function gpt2DecoderGraph(
  size: TransformerSize,
  logitBias: Float32Array = new Float32Array(size.V),
  weights: WeightOptions = {},
): Uint8Array {
  const { V, H, nh, L, P, F, seed } = size;
  const g = new Graph('gpt2', { seed, weights });
  const hd = H / nh;
  const B = 'batch_size';
  const S = 'sequence_length';
  g.input('input_ids', DType.INT64, [B, S]);
  g.input('attention_mask', DType.INT64, [B, 'total_sequence_length']);
  g.input('position_ids', DType.INT64, [B, S]);
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value'])
      g.input(`past_key_values.${l}.${kv}`, DType.FLOAT, [B, nh, 'past_sequence_length', hd]);
  }
  g.output('logits', DType.FLOAT, [B, S, V]);
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value'])
      g.output(`present.${l}.${kv}`, DType.FLOAT, [B, nh, 'total_sequence_length', hd]);
  }

  let h = g.op('Add', [g.embedding('wte', [V, H], 'input_ids'), g.embedding('wpe', [P, H], 'position_ids')]);
  const bias = g.op('Add', [
    maskBias(g, 'attention_mask'),
    causalBias(g, 'past_key_values.0.key', 'input_ids'),
  ]);
  for (let l = 0; l < L; l++) {
    const x = layerNorm(g, h, `h.${l}.1`, H);
    const project = (w: string) => splitHeads(g, g.matmul(x, `h.${l}.${w}`, [H, H]), nh, hd);
    const k = g.op('Concat', [`past_key_values.${l}.key`, project('k')], { axis: 2 }, `present.${l}.key`);
    const v = g.op('Concat', [`past_key_values.${l}.value`, project('v')], { axis: 2 }, `present.${l}.value`);
    const ctx = attend(g, project('q'), k, v, hd, bias);
    h = g.op('Add', [h, g.matmul(mergeHeads(g, ctx, H), `h.${l}.o`, [H, H])]);
    if (F) h = feedForwardBlock(g, layerNorm(g, h, `h.${l}.2`, H), { prefix: `h.${l}.mlp`, H, F });
  }
  // A logit bias (see readableLogitBias) keeps the output of a random model readable.
  const logits = g.matmul(layerNorm(g, h, 'ln_f', H), 'lm_head', [H, V], 2.0);
  g.op('Add', [logits, g.initializer('lm_bias', [V], logitBias)], {}, 'logits');
  return g.toBytes();
}

/**
 * BERT-family encoder `model.onnx` (or BART's `encoder_model.onnx`): `input_ids`, `attention_mask`
 * (+ `token_type_ids`) -> `last_hidden_state`, or `logits` [B, numLabels] with a classification head on [CLS],
 * or `start_logits` and `end_logits` [B, S] with an extractive question-answering head on every token.
 */
export function encoderGraph(
  size: TransformerSize,
  options: {
    tokenTypes?: boolean;
    numLabels?: number;
    questionAnswering?: boolean;
    weights?: WeightOptions;
  } = {},
): Uint8Array {
  const { V, H, nh, L, P, F, seed } = size;
  const g = new Graph('encoder', { seed, weights: options.weights ?? {} });
  const B = 'batch_size';
  const S = 'sequence_length';
  g.input('input_ids', DType.INT64, [B, S]);
  g.input('attention_mask', DType.INT64, [B, S]);
  if (options.tokenTypes) g.input('token_type_ids', DType.INT64, [B, S]);
  if (options.questionAnswering) {
    g.output('start_logits', DType.FLOAT, [B, S]);
    g.output('end_logits', DType.FLOAT, [B, S]);
  } else if (options.numLabels) g.output('logits', DType.FLOAT, [B, options.numLabels]);
  else g.output('last_hidden_state', DType.FLOAT, [B, S, H]);

  const seqLen = g.op('Gather', [g.op('Shape', ['input_ids']), g.int64Scalar(1)]);
  const positions = g.op('Range', [g.int64Scalar(0), seqLen, g.int64Scalar(1)]);
  let h = g.op('Add', [g.embedding('wte', [V, H], 'input_ids'), g.embedding('wpe', [P, H], positions)]);
  if (options.tokenTypes) h = g.op('Add', [h, g.op('Gather', [g.random('wtt', [2, H]), 'token_type_ids'])]);
  const bias = maskBias(g, 'attention_mask');
  for (let l = 0; l < L; l++) {
    h = layerNorm(g, selfAttentionBlock(g, h, { prefix: `layer.${l}`, H, nh, bias }), `layer.${l}`, H);
    if (F) h = layerNorm(g, feedForwardBlock(g, h, { prefix: `layer.${l}.ffn`, H, F }), `layer.${l}.ffn`, H);
  }
  if (options.questionAnswering) {
    for (const side of ['start', 'end']) {
      const logits = g.op('MatMul', [h, g.random(`qa_outputs.${side}`, [H, 1], 2.0)]);
      g.op('Squeeze', [logits, g.int64s([2])], {}, `${side}_logits`);
    }
    return g.toBytes();
  }
  if (!options.numLabels) {
    g.op('Identity', [h], {}, 'last_hidden_state');
    return g.toBytes();
  }
  const cls = g.op('Gather', [h, g.int64Scalar(0)], { axis: 1 });
  const pre = g.op('Relu', [g.matmul(cls, 'pre_classifier', [H, H])]);
  const logits = g.matmul(pre, 'classifier.w', [H, options.numLabels], 2.0);
  g.op('Add', [logits, g.random('classifier.b', [options.numLabels])], {}, 'logits');
  return g.toBytes();
}

/**
 * BART `decoder_model_merged.onnx` (optimum's merged decoder): cross-attention K/V come from the cache when
 * `use_cache_branch` is true, else are projected from `encoder_hidden_states`, through an `If` node.
 */
export function seq2seqMergedDecoderGraph(
  size: TransformerSize,
  logitBias: Float32Array = new Float32Array(size.V),
  weights: WeightOptions = {},
): Uint8Array {
  const { V, H, nh, L, P, F, seed } = size;
  const g = new Graph('seq2seq_decoder_merged', { seed, weights });
  const hd = H / nh;
  const B = 'batch_size';
  const encShape = [B, nh, 'encoder_sequence_length_out', hd];
  g.input('encoder_attention_mask', DType.INT64, [B, 'encoder_sequence_length']);
  g.input('input_ids', DType.INT64, [B, 'decoder_sequence_length']);
  g.input('encoder_hidden_states', DType.FLOAT, [B, 'encoder_sequence_length', H]);
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) {
      g.input(`past_key_values.${l}.decoder.${kv}`, DType.FLOAT, [B, nh, 'past_decoder_sequence_length', hd]);
    }
    for (const kv of ['key', 'value']) g.input(`past_key_values.${l}.encoder.${kv}`, DType.FLOAT, encShape);
  }
  g.input('use_cache_branch', DType.BOOL, [1]);
  g.output('logits', DType.FLOAT, [B, 'decoder_sequence_length', V]);
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) {
      g.output(`present.${l}.decoder.${kv}`, DType.FLOAT, [B, nh, 'present_decoder_sequence_length', hd]);
    }
    for (const kv of ['key', 'value']) g.output(`present.${l}.encoder.${kv}`, DType.FLOAT, encShape);
  }

  const useCache = g.subgraph('use_cache');
  const noCache = g.subgraph('no_cache');
  const encoderOutputs: string[] = [];
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) {
      encoderOutputs.push(`present.${l}.encoder.${kv}`);
      useCache.output(useCache.op('Identity', [`past_key_values.${l}.encoder.${kv}`]), DType.FLOAT, encShape);
      noCache.output(
        splitHeads(noCache, noCache.matmul('encoder_hidden_states', `l${l}.cross.${kv}`, [H, H]), nh, hd),
        DType.FLOAT,
        encShape,
      );
    }
  }
  g.opMulti(
    'If',
    ['use_cache_branch'],
    { then_branch: useCache.asAttribute(), else_branch: noCache.asAttribute() },
    encoderOutputs,
  );

  const positions = positionsFromPast(g, 'past_key_values.0.decoder.key', 'input_ids');
  let h = g.op('Add', [
    g.embedding('embed_tokens', [V, H], 'input_ids'),
    g.embedding('embed_positions', [P, H], positions),
  ]);
  const encoderBias = maskBias(g, 'encoder_attention_mask');
  for (let l = 0; l < L; l++) {
    const project = (w: string, src: string) => splitHeads(g, g.matmul(src, `l${l}.${w}`, [H, H]), nh, hd);
    const k = g.op(
      'Concat',
      [`past_key_values.${l}.decoder.key`, project('k', h)],
      { axis: 2 },
      `present.${l}.decoder.key`,
    );
    const v = g.op(
      'Concat',
      [`past_key_values.${l}.decoder.value`, project('v', h)],
      { axis: 2 },
      `present.${l}.decoder.value`,
    );
    const selfCtx = mergeHeads(g, attend(g, project('q', h), k, v, hd), H);
    h = layerNorm(g, g.op('Add', [h, g.matmul(selfCtx, `l${l}.o`, [H, H])]), `l${l}.self`, H);
    const crossCtx = attend(
      g,
      project('xq', h),
      `present.${l}.encoder.key`,
      `present.${l}.encoder.value`,
      hd,
      encoderBias,
    );
    h = layerNorm(
      g,
      g.op('Add', [h, g.matmul(mergeHeads(g, crossCtx, H), `l${l}.xo`, [H, H])]),
      `l${l}.cross`,
      H,
    );
    if (F) h = layerNorm(g, feedForwardBlock(g, h, { prefix: `l${l}.ffn`, H, F }), `l${l}.ffn`, H);
  }
  const logits = g.matmul(h, 'lm_head', [H, V], 2.0);
  g.op('Add', [logits, g.initializer('lm_bias', [V], logitBias)], {}, 'logits');
  return g.toBytes();
}

/**
 * The vision-encoder-decoder GPT-2 `decoder_model_merged.onnx`: `input_ids`, `encoder_hidden_states`, the
 * cache and `use_cache_branch` -> `logits` and `present.*`; no attention mask or position ids (positions come
 * from the cache length), cross-attention over the image patches in every layer.
 */
export function gpt2CrossAttentionDecoderGraph(
  size: TransformerSize,
  logitBias: Float32Array = new Float32Array(size.V),
  weights: WeightOptions = {},
): Uint8Array {
  const { V, H, nh, L, P, F, seed } = size;
  const g = new Graph('gpt2_cross', { seed, weights });
  const hd = H / nh;
  const B = 'batch_size';
  const S = 'sequence_length';
  g.input('input_ids', DType.INT64, [B, S]);
  g.input('encoder_hidden_states', DType.FLOAT, [B, 'encoder_sequence_length', H]);
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value'])
      g.input(`past_key_values.${l}.${kv}`, DType.FLOAT, [B, nh, 'past_sequence_length', hd]);
  }
  g.input('use_cache_branch', DType.BOOL, [1]);
  g.output('logits', DType.FLOAT, [B, S, V]);
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value'])
      g.output(`present.${l}.${kv}`, DType.FLOAT, [B, nh, 'total_sequence_length', hd]);
  }
  const positions = positionsFromPast(g, 'past_key_values.0.key', 'input_ids');
  let h = g.op('Add', [g.embedding('wte', [V, H], 'input_ids'), g.embedding('wpe', [P, H], positions)]);
  const causal = causalBias(g, 'past_key_values.0.key', 'input_ids');
  for (let l = 0; l < L; l++) {
    const x = layerNorm(g, h, `h.${l}.1`, H);
    const project = (w: string, src: string) => splitHeads(g, g.matmul(src, `h.${l}.${w}`, [H, H]), nh, hd);
    const k = g.op('Concat', [`past_key_values.${l}.key`, project('k', x)], { axis: 2 }, `present.${l}.key`);
    const v = g.op(
      'Concat',
      [`past_key_values.${l}.value`, project('v', x)],
      { axis: 2 },
      `present.${l}.value`,
    );
    h = g.op('Add', [
      h,
      g.matmul(mergeHeads(g, attend(g, project('q', x), k, v, hd, causal), H), `h.${l}.o`, [H, H]),
    ]);
    const y = layerNorm(g, h, `h.${l}.x`, H);
    const cross = attend(
      g,
      project('xq', y),
      project('xk', 'encoder_hidden_states'),
      project('xv', 'encoder_hidden_states'),
      hd,
    );
    h = g.op('Add', [h, g.matmul(mergeHeads(g, cross, H), `h.${l}.xo`, [H, H])]);
    if (F) h = feedForwardBlock(g, layerNorm(g, h, `h.${l}.2`, H), { prefix: `h.${l}.mlp`, H, F });
  }
  const logits = g.matmul(layerNorm(g, h, 'ln_f', H), 'lm_head', [H, V], 2.0);
  g.op('Add', [logits, g.initializer('lm_bias', [V], logitBias)], {}, 'logits');
  return g.toBytes();
}

/** ViT `encoder_model.onnx`: `pixel_values` [B,3,img,img] -> `last_hidden_state` [B, patches + 1, H]. */
export function vitEncoderGraph({
  H,
  image,
  patch,
  seed,
  nh = 4,
  L = 1,
  F,
  weights = {},
  numLabels,
}: {
  H: number;
  image: number;
  patch: number;
  seed: number;
  nh?: number;
  L?: number;
  F?: number;
  weights?: WeightOptions;
  /** With labels, `logits` [B, numLabels] from the [CLS] token (ViTForImageClassification). */
  numLabels?: number;
}): Uint8Array {
  const g = new Graph('vit', { seed, weights });
  const patches = (image / patch) ** 2;
  g.input('pixel_values', DType.FLOAT, ['batch_size', 3, image, image]);
  if (numLabels) g.output('logits', DType.FLOAT, ['batch_size', numLabels]);
  else g.output('last_hidden_state', DType.FLOAT, ['batch_size', patches + 1, H]);
  const tokens = patchTokens(g, 'pixel_values', { hidden: H, patch });
  const cls = expandOverBatch(g, 'cls', 'pixel_values', 1, H);
  let h = g.op('Add', [g.op('Concat', [cls, tokens], { axis: 1 }), g.random('pos', [1, patches + 1, H])]);
  for (let l = 0; l < L; l++) {
    h = layerNorm(g, selfAttentionBlock(g, h, { prefix: `layer.${l}`, H, nh }), `layer.${l}`, H);
    if (F) h = layerNorm(g, feedForwardBlock(g, h, { prefix: `layer.${l}.ffn`, H, F }), `layer.${l}.ffn`, H);
  }
  if (numLabels) {
    const cls = g.op('Gather', [h, g.int64Scalar(0)], { axis: 1 });
    const logits = g.op('MatMul', [cls, g.random('classifier.w', [H, numLabels], 2.0)]);
    g.op('Add', [logits, g.random('classifier.b', [numLabels])], {}, 'logits');
    return g.toBytes();
  }
  g.op('Identity', [h], {}, 'last_hidden_state');
  return g.toBytes();
}

/**
 * A text classifier whose verdict chosen tokens drive: each token looks up a row of `table` [V, labels], and
 * the logits are the largest row over the sequence, so a text is classified by the strongest token it holds
 * (padding looks up the neutral row like any other token). `input_ids`, `attention_mask` -> `logits`.
 */
export function triggerClassifierGraph(
  vocabSize: number,
  table: Float32Array,
  numLabels: number,
): Uint8Array {
  const g = new Graph('trigger-classifier', { seed: 9 });
  g.input('input_ids', DType.INT64, ['batch_size', 'sequence_length']);
  g.input('attention_mask', DType.INT64, ['batch_size', 'sequence_length']);
  g.output('logits', DType.FLOAT, ['batch_size', numLabels]);
  const rows = g.op('Gather', [g.initializer('token_logits', [vocabSize, numLabels], table), 'input_ids']);
  g.op('ReduceMax', [rows], { axes: [1], keepdims: 0 }, 'logits');
  return g.toBytes();
}
