/**
 * The standard models' architectures, as their `config.json` files on the hub give them: layer counts, widths,
 * heads, feed-forward sizes, vocabularies and positions (the last two come from the real tokenizers and
 * STANDARD_CONTEXT in the tiny-model builders, so only the rest is listed here), and the dtype the catalog
 * serves each in. Random weights in these shapes have the real models' sizes, load times, memory and compute.
 */
import type { CatalogKey, ModelKey } from '../../shared/models/catalog';
import type { TextEncoderSize } from '../tiny-models/diffusion';
import type { BuildOptions } from '../tiny-models/models';
import { SD15_UNET, SD15_VAE, type UnetConfig, type VaeDecoderConfig } from './unet';

export interface PipelineArchitecture {
  readonly key: ModelKey;
  /** The standard model it stands for. */
  readonly standardId: string;
  readonly size: NonNullable<BuildOptions['size']>;
  readonly vision?: BuildOptions['vision'];
}

/** Scales every width by `1 / factor` and caps layers at `layers` (a scaled-down check of the generator). */
export interface Scale {
  readonly widthDivisor: number;
  readonly maxLayers: number;
}

/**
 * The transformers.js models generated at true size. Question answering, image classification and the
 * safety classifiers are not among them yet: their builders write the tiny contract only.
 */
export type TrueSizePipelineKey = Exclude<
  ModelKey,
  'question-answering' | 'image-classification' | 'toxicity' | 'prompt-injection'
>;

export const PIPELINE_ARCHITECTURES: Record<TrueSizePipelineKey, PipelineArchitecture> = {
  // distilgpt2: n_embd 768, n_head 12, n_layer 6, n_inner 4 × 768
  'text-generation': {
    key: 'text-generation',
    standardId: 'Xenova/distilgpt2',
    size: { H: 768, nh: 12, L: 6, F: 3072 },
  },
  // bart-large-cnn: d_model 1024, 16 heads, 12 encoder and 12 decoder layers, ffn 4096
  summarization: {
    key: 'summarization',
    standardId: 'Xenova/bart-large-cnn',
    size: { H: 1024, nh: 16, L: 12, F: 4096 },
  },
  // distilbert-base-uncased-finetuned-sst-2-english: dim 768, 12 heads, 6 layers, hidden_dim 3072
  sentiment: {
    key: 'sentiment',
    standardId: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
    size: { H: 768, nh: 12, L: 6, F: 3072 },
  },
  // all-MiniLM-L6-v2: hidden 384, 12 heads, 6 layers, intermediate 1536
  embeddings: {
    key: 'embeddings',
    standardId: 'Xenova/all-MiniLM-L6-v2',
    size: { H: 384, nh: 12, L: 6, F: 1536 },
  },
  // vit-gpt2-image-captioning: ViT-base/16 at 224 (768, 12 heads, 12 layers, 3072) and GPT-2 small with
  // cross-attention (768, 12 heads, 12 layers, 3072)
  captioning: {
    key: 'captioning',
    standardId: 'Xenova/vit-gpt2-image-captioning',
    size: { H: 768, nh: 12, L: 12, F: 3072 },
    vision: { H: 768, nh: 12, L: 12, F: 3072, image: 224, patch: 16 },
  },
};

export interface DiffusionArchitecture {
  readonly standardId: string;
  /** CLIP ViT-L/14's text model: vocabulary 49,408, 77 positions, 768 wide, 12 heads, 12 layers, 3072. */
  readonly textEncoder: TextEncoderSize;
  readonly unet: UnetConfig;
  readonly vae: VaeDecoderConfig;
}

export const DIFFUSION_ARCHITECTURE: DiffusionArchitecture = {
  standardId: 'onnx-community/stable-diffusion-v1-5-ONNX',
  textEncoder: { V: 49408, H: 768, nh: 12, L: 12, F: 3072 },
  unet: SD15_UNET,
  vae: SD15_VAE,
};

/** The keys the generator writes: every pipeline model and Stable Diffusion (BLIP-2 is left out, see docs). */
export const TRUE_SIZE_KEYS = [
  'text-generation',
  'summarization',
  'sentiment',
  'embeddings',
  'captioning',
  'diffusion',
] as const satisfies readonly CatalogKey[];
export type TrueSizeKey = (typeof TRUE_SIZE_KEYS)[number];

const scaleWidth = (width: number, heads: number, scale?: Scale) => {
  if (!scale) return width;
  const scaled = Math.max(heads, Math.round(width / scale.widthDivisor / heads) * heads);
  return scaled;
};

/** An architecture's dimensions, scaled down when `scale` is given (heads kept, widths divided, layers capped). */
export function scaledSize(size: PipelineArchitecture['size'], scale?: Scale): PipelineArchitecture['size'] {
  if (!scale) return size;
  return {
    H: scaleWidth(size.H, size.nh, scale),
    nh: size.nh,
    L: Math.min(size.L, scale.maxLayers),
    ...(size.F ? { F: scaleWidth(size.F, size.nh, scale) } : {}),
  };
}

export function scaledVision(vision: BuildOptions['vision'], scale?: Scale): BuildOptions['vision'] {
  if (!vision || !scale) return vision;
  return {
    ...vision,
    H: scaleWidth(vision.H, vision.nh, scale),
    F: scaleWidth(vision.F, vision.nh, scale),
    L: Math.min(vision.L, scale.maxLayers),
  };
}

export function scaledUnet(cfg: UnetConfig, scale?: Scale): UnetConfig {
  if (!scale) return cfg;
  const channel = (c: number) =>
    Math.max(cfg.groups, Math.round(c / scale.widthDivisor / cfg.groups) * cfg.groups);
  return {
    ...cfg,
    channels: cfg.channels.map(channel),
    layersPerBlock: Math.min(cfg.layersPerBlock, scale.maxLayers),
    timeDim: channel(cfg.timeDim),
    crossDim: scaleWidth(cfg.crossDim, 12, scale),
  };
}

export function scaledVae(cfg: VaeDecoderConfig, scale?: Scale): VaeDecoderConfig {
  if (!scale) return cfg;
  const channel = (c: number) =>
    Math.max(cfg.groups, Math.round(c / scale.widthDivisor / cfg.groups) * cfg.groups);
  return {
    ...cfg,
    channels: cfg.channels.map(channel),
    layersPerBlock: Math.min(cfg.layersPerBlock, scale.maxLayers),
  };
}
