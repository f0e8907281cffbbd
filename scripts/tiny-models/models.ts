/**
 * The tiny model folders: config, tokenizer and ONNX files laid out exactly as transformers.js expects a hub
 * model (`<root>/<id>/config.json`, `<root>/<id>/onnx/model.onnx`, ...). Each has its standard model's
 * tokenizer and context window (see STANDARD_CONTEXT), so token counts, chunking and limits are the same on
 * both profiles; only the weights are tiny and random.
 */

import type { TinyGenerator } from '../../shared/models/catalog';
import {
  encoderGraph,
  gpt2CrossAttentionDecoderGraph,
  gpt2DecoderGraph,
  seq2seqMergedDecoderGraph,
  type TransformerSize,
  triggerClassifierGraph,
  vitEncoderGraph,
} from './graphs';
import type { WeightOptions } from './onnx-graph';
import { bartVocabulary, gpt2Vocabulary } from './standard-vocabularies';
import { type ByteLevelTokenizer, readableLogitBias, standardByteLevelBpe, wordPiece } from './tokenizers';

/**
 * An ONNX file built when it is written, so that a folder of large graphs never sits in memory at once. It is
 * given the file's path (where external data goes beside it) and returns the graph's protobuf.
 */
export type LazyGraph = (file: string) => Uint8Array;

/**
 * A model folder's files by relative path: JSON objects are serialized, bytes written as they are, lazy
 * graphs built then written.
 */
export type ModelFiles = Record<string, Record<string, unknown> | Uint8Array | LazyGraph>;

/**
 * How a model folder is built: the tiny models take the defaults; the true-size generator passes the standard
 * model's dimensions, its weight storage and the file suffix of the dtype the catalog serves.
 */
export interface BuildOptions {
  /** Dimensions replacing the tiny ones (vocabulary and positions always come from the tokenizer and context). */
  readonly size?: Pick<TransformerSize, 'H' | 'nh' | 'L' | 'F'> & { readonly decoderL?: number };
  /** The ViT encoder of vit-gpt2. */
  readonly vision?: {
    readonly H: number;
    readonly nh: number;
    readonly L: number;
    readonly F: number;
    readonly image: number;
    readonly patch: number;
  };
  readonly weights?: WeightOptions;
  /** Appended to each ONNX file name: `_quantized` is what transformers.js loads for dtype q8. */
  readonly suffix?: string;
}

const onnxFile = (name: string, options: BuildOptions) => `onnx/${name}${options.suffix ?? ''}.onnx`;

/** ViTImageProcessor's config at `image`×`image` (vit-gpt2's and vit-base-patch16-224's). */
const vitPreprocessorConfig = (image: number) => ({
  image_processor_type: 'ViTImageProcessor',
  do_resize: true,
  size: { height: image, width: image },
  resample: 2,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
});

/** The tiny model builders: the catalog names each model's builder by these. */
export type TinyModelName = TinyGenerator;

/** Position embeddings of the standard models, which the tiny ones copy. */
export const STANDARD_CONTEXT = {
  /** distilgpt2 `n_positions` */
  gpt2: 1024,
  /** bart-large-cnn `max_position_embeddings` */
  bart: 1024,
  /** distilbert-base-uncased-finetuned-sst-2-english `max_position_embeddings` */
  distilbert: 512,
  /** distilbert-base-uncased-distilled-squad `max_position_embeddings` */
  'distilbert-qa': 512,
  /** all-MiniLM-L6-v2 `max_position_embeddings` (its tokenizer's `model_max_length` is 512 too) */
  bert: 512,
  /** vit-gpt2-image-captioning's GPT-2 decoder `n_positions` */
  'vit-gpt2': 1024,
  /** ViT has no text context; its patches are fixed by the image size */
  'vit-classifier': 0,
  /** toxic-bert `max_position_embeddings` */
  'toxicity-triggers': 512,
  /** deberta-v3-base-prompt-injection-v2 `max_position_embeddings` */
  'injection-triggers': 512,
} as const satisfies Record<TinyModelName, number>;

let gpt2TokenizerOnce: ByteLevelTokenizer | undefined;
/** GPT-2's tokenizer, built once: gpt2 and vit-gpt2 share it, and it is read from a 1 MB vocabulary. */
const gpt2Tokenizer = () => {
  gpt2TokenizerOnce ??= standardByteLevelBpe({ vocabulary: gpt2Vocabulary(), specials: ['<|endoftext|>'] });
  return gpt2TokenizerOnce;
};

/** GPT-2's tokenizer config: `<|endoftext|>` is its bos, eos and unk token. */
const gpt2TokenizerConfig = (maxLength: number) => ({
  tokenizer_class: 'GPT2Tokenizer',
  bos_token: '<|endoftext|>',
  eos_token: '<|endoftext|>',
  unk_token: '<|endoftext|>',
  model_max_length: maxLength,
});

function gpt2(options: BuildOptions = {}): ModelFiles {
  const tok = gpt2Tokenizer();
  const eos = tok.vocab['<|endoftext|>'] as number;
  const size = { V: tok.vocabSize, H: 32, nh: 4, L: 2, P: STANDARD_CONTEXT.gpt2, seed: 1, ...options.size };
  return {
    'config.json': {
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: size.V,
      n_embd: size.H,
      n_head: size.nh,
      n_layer: size.L,
      ...(size.F ? { n_inner: size.F } : {}),
      n_positions: size.P,
      n_ctx: size.P,
      bos_token_id: eos,
      eos_token_id: eos,
    },
    'generation_config.json': { bos_token_id: eos, eos_token_id: eos },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': {
      ...gpt2TokenizerConfig(size.P),
      add_prefix_space: false,
      clean_up_tokenization_spaces: false,
    },
    [onnxFile('model', options)]: () => gpt2DecoderGraph(size, readableLogitBias(tok), options.weights),
  };
}

function distilbert(options: BuildOptions = {}): ModelFiles {
  const tok = wordPiece();
  const size = {
    V: tok.vocabSize,
    H: 32,
    nh: 4,
    L: 1,
    P: STANDARD_CONTEXT.distilbert,
    seed: 2,
    ...options.size,
  };
  return {
    'config.json': {
      model_type: 'distilbert',
      architectures: ['DistilBertForSequenceClassification'],
      vocab_size: size.V,
      dim: size.H,
      n_heads: size.nh,
      n_layers: size.L,
      hidden_dim: size.F ?? 4 * size.H,
      max_position_embeddings: size.P,
      pad_token_id: 0,
      id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' },
      label2id: { NEGATIVE: 0, POSITIVE: 1 },
    },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': {
      tokenizer_class: 'DistilBertTokenizer',
      ...tok.config,
      model_max_length: size.P,
    },
    [onnxFile('model', options)]: () =>
      encoderGraph(size, { numLabels: 2, ...(options.weights ? { weights: options.weights } : {}) }),
  };
}

/** distilbert with a SQuAD head: start and end logits over the tokens of `[CLS] question [SEP] context [SEP]`. */
function distilbertQuestionAnswering(): ModelFiles {
  const tok = wordPiece();
  const size = { V: tok.vocabSize, H: 32, nh: 4, L: 1, P: STANDARD_CONTEXT['distilbert-qa'], seed: 8 };
  return {
    'config.json': {
      model_type: 'distilbert',
      architectures: ['DistilBertForQuestionAnswering'],
      vocab_size: size.V,
      dim: size.H,
      n_heads: size.nh,
      n_layers: size.L,
      hidden_dim: 4 * size.H,
      max_position_embeddings: size.P,
      pad_token_id: 0,
    },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': {
      tokenizer_class: 'DistilBertTokenizer',
      ...tok.config,
      model_max_length: size.P,
    },
    'onnx/model.onnx': encoderGraph(size, { questionAnswering: true }),
  };
}

function bert(options: BuildOptions = {}): ModelFiles {
  const tok = wordPiece();
  const size = { V: tok.vocabSize, H: 32, nh: 4, L: 1, P: STANDARD_CONTEXT.bert, seed: 3, ...options.size };
  return {
    'config.json': {
      model_type: 'bert',
      architectures: ['BertModel'],
      vocab_size: size.V,
      hidden_size: size.H,
      num_attention_heads: size.nh,
      num_hidden_layers: size.L,
      intermediate_size: size.F ?? 4 * size.H,
      max_position_embeddings: size.P,
      type_vocab_size: 2,
      pad_token_id: 0,
    },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': { tokenizer_class: 'BertTokenizer', ...tok.config, model_max_length: size.P },
    [onnxFile('model', options)]: () =>
      encoderGraph(size, { tokenTypes: true, ...(options.weights ? { weights: options.weights } : {}) }),
  };
}

function bart(options: BuildOptions = {}): ModelFiles {
  const tok = standardByteLevelBpe({
    vocabulary: bartVocabulary(),
    specials: ['<s>', '<pad>', '</s>', '<unk>', '<mask>'],
    postProcessor: {
      type: 'RobertaProcessing',
      sep: ['</s>', 2],
      cls: ['<s>', 0],
      trim_offsets: true,
      add_prefix_space: false,
    },
  });
  const size = { V: tok.vocabSize, H: 32, nh: 4, L: 1, P: STANDARD_CONTEXT.bart, seed: 4, ...options.size };
  const ids = { pad_token_id: 1, bos_token_id: 0, eos_token_id: 2, decoder_start_token_id: 2 };
  return {
    'config.json': {
      model_type: 'bart',
      architectures: ['BartForConditionalGeneration'],
      is_encoder_decoder: true,
      vocab_size: size.V,
      d_model: size.H,
      encoder_layers: size.L,
      decoder_layers: size.L,
      encoder_attention_heads: size.nh,
      decoder_attention_heads: size.nh,
      encoder_ffn_dim: size.F ?? 4 * size.H,
      decoder_ffn_dim: size.F ?? 4 * size.H,
      max_position_embeddings: size.P,
      forced_eos_token_id: 2,
      ...ids,
    },
    'generation_config.json': { ...ids, forced_bos_token_id: 0, forced_eos_token_id: 2 },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': {
      tokenizer_class: 'BartTokenizer',
      bos_token: '<s>',
      eos_token: '</s>',
      sep_token: '</s>',
      cls_token: '<s>',
      unk_token: '<unk>',
      pad_token: '<pad>',
      mask_token: '<mask>',
      model_max_length: size.P,
      add_prefix_space: false,
    },
    [onnxFile('encoder_model', options)]: () =>
      encoderGraph({ ...size, seed: 4 }, options.weights ? { weights: options.weights } : {}),
    [onnxFile('decoder_model_merged', options)]: () =>
      seq2seqMergedDecoderGraph({ ...size, seed: 5 }, readableLogitBias(tok), options.weights),
  };
}

function vitGpt2(options: BuildOptions = {}): ModelFiles {
  const tok = gpt2Tokenizer();
  const eos = tok.vocab['<|endoftext|>'] as number;
  const size = {
    V: tok.vocabSize,
    H: 32,
    nh: 4,
    L: 1,
    P: STANDARD_CONTEXT['vit-gpt2'],
    seed: 7,
    ...options.size,
  };
  const vision = options.vision ?? { H: size.H, nh: 4, L: 1, F: undefined, image: 32, patch: 8 };
  const { image, patch } = vision;
  return {
    'config.json': {
      model_type: 'vision-encoder-decoder',
      architectures: ['VisionEncoderDecoderModel'],
      is_encoder_decoder: true,
      decoder_start_token_id: eos,
      eos_token_id: eos,
      pad_token_id: eos,
      encoder: {
        model_type: 'vit',
        hidden_size: vision.H,
        num_attention_heads: vision.nh,
        num_hidden_layers: vision.L,
        ...(vision.F ? { intermediate_size: vision.F } : {}),
        image_size: image,
        patch_size: patch,
        num_channels: 3,
      },
      decoder: {
        model_type: 'gpt2',
        vocab_size: size.V,
        n_embd: size.H,
        n_head: size.nh,
        n_layer: size.L,
        ...(size.F ? { n_inner: size.F } : {}),
        n_positions: size.P,
        add_cross_attention: true,
        is_decoder: true,
        bos_token_id: eos,
        eos_token_id: eos,
      },
    },
    'generation_config.json': {
      decoder_start_token_id: eos,
      bos_token_id: eos,
      eos_token_id: eos,
      pad_token_id: eos,
    },
    'preprocessor_config.json': vitPreprocessorConfig(image),
    'tokenizer.json': tok.json,
    'tokenizer_config.json': gpt2TokenizerConfig(size.P),
    [onnxFile('encoder_model', options)]: () =>
      vitEncoderGraph({
        ...vision,
        seed: 6,
        ...(vision.F ? { F: vision.F } : {}),
        ...(options.weights ? { weights: options.weights } : {}),
      }),
    [onnxFile('decoder_model_merged', options)]: () =>
      gpt2CrossAttentionDecoderGraph(size, readableLogitBias(tok), options.weights),
  };
}

/** The first ten ImageNet classes, as vit-base-patch16-224's config names them. */
const IMAGENET_FIRST_LABELS = [
  'tench, Tinca tinca',
  'goldfish, Carassius auratus',
  'great white shark, white shark, man-eater, man-eating shark, Carcharodon carcharias',
  'tiger shark, Galeocerdo cuvieri',
  'hammerhead, hammerhead shark',
  'electric ray, crampfish, numbfish, torpedo',
  'stingray',
  'cock',
  'hen',
  'ostrich, Struthio camelus',
];

/** ViTForImageClassification (vit-base-patch16-224's contract): `pixel_values` -> `logits` over its labels. */
function vitClassifier(): ModelFiles {
  const image = 32;
  return {
    'config.json': {
      model_type: 'vit',
      architectures: ['ViTForImageClassification'],
      hidden_size: 32,
      num_attention_heads: 4,
      num_hidden_layers: 1,
      image_size: image,
      patch_size: 8,
      num_channels: 3,
      id2label: Object.fromEntries(IMAGENET_FIRST_LABELS.map((label, i) => [i, label])),
      label2id: Object.fromEntries(IMAGENET_FIRST_LABELS.map((label, i) => [label, i])),
    },
    'preprocessor_config.json': vitPreprocessorConfig(image),
    'onnx/model.onnx': vitEncoderGraph({
      H: 32,
      image,
      patch: 8,
      seed: 9,
      numLabels: IMAGENET_FIRST_LABELS.length,
    }),
  };
}

/**
 * The words that drive the tiny safety classifiers' verdicts (a text holding one is toxic, or an injection,
 * with probability about 0.998; any other text about 0.002), so tests choose each verdict.
 */
export const TOXICITY_TRIGGERS = ['idiot', 'stupid', 'hate'] as const;
export const INJECTION_TRIGGERS = ['disregard', 'bypass'] as const;

/** A word-piece text classifier over `labels`, `positive` labels high where a trigger word appears. */
function triggerClassifier(options: {
  readonly modelType: string;
  readonly architecture: string;
  readonly labels: readonly string[];
  readonly positive: readonly string[];
  readonly triggers: readonly string[];
  readonly problemType?: string;
  readonly context: number;
}): ModelFiles {
  const tok = wordPiece();
  const L = options.labels.length;
  const table = new Float32Array(tok.vocabSize * L);
  const isPositive = options.labels.map((label) => options.positive.includes(label));
  const triggerIds = new Set(options.triggers.map((word) => tok.vocab[word]));
  for (let token = 0; token < tok.vocabSize; token++) {
    const trigger = triggerIds.has(token);
    for (let label = 0; label < L; label++) table[token * L + label] = isPositive[label] === trigger ? 6 : -6;
  }
  return {
    'config.json': {
      model_type: options.modelType,
      architectures: [options.architecture],
      vocab_size: tok.vocabSize,
      max_position_embeddings: options.context,
      pad_token_id: 0,
      ...(options.problemType ? { problem_type: options.problemType } : {}),
      id2label: Object.fromEntries(options.labels.map((label, id) => [id, label])),
      label2id: Object.fromEntries(options.labels.map((label, id) => [label, id])),
    },
    'tokenizer.json': tok.json,
    'tokenizer_config.json': {
      tokenizer_class: 'BertTokenizer',
      ...tok.config,
      model_max_length: options.context,
    },
    'onnx/model.onnx': triggerClassifierGraph(tok.vocabSize, table, L),
  };
}

/** unitary/toxic-bert's contract: six labels, each its own sigmoid. */
const toxicityTriggers = () =>
  triggerClassifier({
    modelType: 'bert',
    architecture: 'BertForSequenceClassification',
    labels: ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate'],
    positive: ['toxic', 'insult'],
    triggers: TOXICITY_TRIGGERS,
    problemType: 'multi_label_classification',
    context: STANDARD_CONTEXT['toxicity-triggers'],
  });

/** protectai's prompt-injection classifier's contract: SAFE or INJECTION, a softmax over the two. */
const injectionTriggers = () =>
  triggerClassifier({
    modelType: 'bert',
    architecture: 'BertForSequenceClassification',
    labels: ['SAFE', 'INJECTION'],
    positive: ['INJECTION'],
    triggers: INJECTION_TRIGGERS,
    context: STANDARD_CONTEXT['injection-triggers'],
  });

/** The model folder builders by generator name (tiny by default; `BuildOptions` scales them). */
export const TINY_MODELS: Record<TinyModelName, (options?: BuildOptions) => ModelFiles> = {
  gpt2,
  distilbert,
  'distilbert-qa': distilbertQuestionAnswering,
  bert,
  bart,
  'vit-gpt2': vitGpt2,
  'vit-classifier': vitClassifier,
  'toxicity-triggers': toxicityTriggers,
  'injection-triggers': injectionTriggers,
};
