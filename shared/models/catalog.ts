/**
 * The model catalog: for each capability, the standard model served in production and the tiny generated
 * model with the same input/output contract used by tests and offline demos.
 */
import type { PipelineType } from '@huggingface/transformers';

export const MODEL_KEYS = [
  'text-generation',
  'summarization',
  'sentiment',
  'embeddings',
  'captioning',
] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];

/** Where a deployment gets a standard model's files from. */
export type ModelSource = 'layer' | 's3';

export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';

export interface ModelRef {
  readonly id: string;
  readonly revision: string;
  readonly dtype: ModelDtype;
}

export interface CatalogEntry {
  readonly task: PipelineType;
  readonly standard: ModelRef & {
    /** Small models ship in the Lambda layer; large ones are copied from S3 into /tmp at cold start. */
    readonly source: ModelSource;
  };
  readonly tiny: ModelRef & { readonly generator: TinyGenerator };
}

/** Names of the tiny model builders in `scripts/tiny-models`. */
export type TinyGenerator = 'gpt2' | 'distilbert' | 'bert' | 'bart' | 'vit-gpt2';

export const MODEL_CATALOG: Readonly<Record<ModelKey, CatalogEntry>> = {
  'text-generation': {
    task: 'text-generation',
    standard: {
      id: 'Xenova/distilgpt2',
      revision: 'main',
      dtype: 'q8',
      source: 'layer',
    },
    tiny: { id: 'tiny-random/gpt2', revision: 'main', dtype: 'fp32', generator: 'gpt2' },
  },
  summarization: {
    task: 'summarization',
    standard: {
      id: 'Xenova/bart-large-cnn',
      revision: 'main',
      dtype: 'q8',
      source: 's3',
    },
    tiny: { id: 'tiny-random/bart', revision: 'main', dtype: 'fp32', generator: 'bart' },
  },
  sentiment: {
    task: 'text-classification',
    standard: {
      id: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
      revision: 'main',
      dtype: 'q8',
      source: 'layer',
    },
    tiny: { id: 'tiny-random/distilbert-sst2', revision: 'main', dtype: 'fp32', generator: 'distilbert' },
  },
  embeddings: {
    task: 'feature-extraction',
    standard: {
      id: 'Xenova/all-MiniLM-L6-v2',
      revision: 'main',
      dtype: 'q8',
      source: 'layer',
    },
    tiny: { id: 'tiny-random/bert', revision: 'main', dtype: 'fp32', generator: 'bert' },
  },
  captioning: {
    task: 'image-to-text',
    standard: {
      id: 'Xenova/vit-gpt2-image-captioning',
      revision: 'main',
      dtype: 'q8',
      source: 'layer',
    },
    tiny: { id: 'tiny-random/vit-gpt2', revision: 'main', dtype: 'fp32', generator: 'vit-gpt2' },
  },
};
