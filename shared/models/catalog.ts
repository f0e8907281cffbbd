/**
 * The model catalog, the one home of every model the suite serves: for each capability, the standard model
 * served in production, the tiny generated model with the same input/output contract used by tests and
 * offline demos, and where a deployment gets the standard model's files. The transformers.js pipelines and
 * the two models that run on onnxruntime directly (Stable Diffusion, BLIP-2) are described side by side, so
 * that one resolution (`model-plan.ts`) picks the model of every capability for a profile.
 */
import type { PipelineType } from '@huggingface/transformers';

/** Capabilities served by transformers.js pipelines (`pipeline-factory.ts`), in every function's bundle. */
export const MODEL_KEYS = [
  'text-generation',
  'summarization',
  'sentiment',
  'embeddings',
  'captioning',
  'question-answering',
  'image-classification',
  'toxicity',
  'prompt-injection',
] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];

/**
 * Capabilities whose graphs run on onnxruntime directly (`onnx-sessions.ts`): Stable Diffusion and BLIP-2
 * in the GPU container (or in process), and the small classic models in the function's own process.
 */
export const ONNX_MODEL_KEYS = ['diffusion', 'vqa', 'cifar-cnn', 'gan', 'ddpm', 'ebm'] as const;
export type OnnxModelKey = (typeof ONNX_MODEL_KEYS)[number];

/** Every model of the catalog, in the order /health lists them. */
export const CATALOG_KEYS = [...MODEL_KEYS, ...ONNX_MODEL_KEYS] as const;
export type CatalogKey = (typeof CATALOG_KEYS)[number];

/**
 * Where a deployment gets a standard model's files from: small models ship in a Lambda layer, large ones
 * are copied from S3 into /tmp at cold start, and the GPU container's models are in its /models folder. The
 * choice follows the measured sizes (docs/deployment.md): a model goes in a layer when every function that
 * loads it still fits Lambda's 250 MB with it beside the runtime (and FAISS) layers.
 */
export type ModelSource = 'layer' | 's3' | 'gpu-container';

export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';

export interface ModelRef {
  readonly id: string;
  readonly revision: string;
  readonly dtype: ModelDtype;
}

/** Names of the tiny model builders in `scripts/tiny-models`. */
export type TinyGenerator =
  | 'gpt2'
  | 'distilbert'
  | 'distilbert-qa'
  | 'bert'
  | 'bart'
  | 'vit-gpt2'
  | 'vit-classifier'
  | 'toxicity-triggers'
  | 'injection-triggers';

export interface PipelineCatalogEntry {
  readonly runtime: 'transformers.js';
  readonly task: PipelineType;
  readonly standard: ModelRef & { readonly source: 'layer' | 's3' };
  readonly tiny: ModelRef & { readonly generator: TinyGenerator };
}

export interface OnnxCatalogEntry {
  readonly runtime: 'onnxruntime';
  readonly standard: ModelRef & {
    /**
     * `gpu-container`: the GPU container holds it (and runs it when GPU_SERVICE_URL is set); `model-root`: a
     * graph the operator exports from their own trained weights into MODEL_ROOT, run in the function.
     */
    readonly source: 'gpu-container' | 'model-root';
    /** What an operator runs to put the standard model under MODEL_ROOT. */
    readonly howToGet: string;
  };
  readonly tiny: ModelRef;
  /** The file, relative to the model's folder, whose presence says the folder holds the model. */
  readonly marker: string;
}

export type CatalogEntry = PipelineCatalogEntry | OnnxCatalogEntry;

/** transformers.js reads a model folder's config.json first; a folder without one holds no model. */
export const PIPELINE_MODEL_MARKER = 'config.json';

/** The file whose presence in a folder says that the folder holds the entry's model. */
export const markerOf = (entry: CatalogEntry): string =>
  entry.runtime === 'onnxruntime' ? entry.marker : PIPELINE_MODEL_MARKER;

type Catalog = { readonly [K in ModelKey]: PipelineCatalogEntry } & {
  readonly [K in OnnxModelKey]: OnnxCatalogEntry;
};

export const MODEL_CATALOG: Catalog = {
  'text-generation': {
    runtime: 'transformers.js',
    task: 'text-generation',
    // 117 MiB at q8: beside the runtime, FAISS and MiniLM layers (the RAG query functions) it passes 250 MB.
    standard: { id: 'Xenova/distilgpt2', revision: 'main', dtype: 'q8', source: 's3' },
    tiny: { id: 'tiny-random/gpt2', revision: 'main', dtype: 'fp32', generator: 'gpt2' },
  },
  summarization: {
    runtime: 'transformers.js',
    task: 'summarization',
    standard: { id: 'Xenova/bart-large-cnn', revision: 'main', dtype: 'q8', source: 's3' },
    tiny: { id: 'tiny-random/bart', revision: 'main', dtype: 'fp32', generator: 'bart' },
  },
  sentiment: {
    runtime: 'transformers.js',
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
    runtime: 'transformers.js',
    task: 'feature-extraction',
    standard: { id: 'Xenova/all-MiniLM-L6-v2', revision: 'main', dtype: 'q8', source: 'layer' },
    tiny: { id: 'tiny-random/bert', revision: 'main', dtype: 'fp32', generator: 'bert' },
  },
  captioning: {
    runtime: 'transformers.js',
    task: 'image-to-text',
    // 269 MiB at q8: more than a layer can hold.
    standard: { id: 'Xenova/vit-gpt2-image-captioning', revision: 'main', dtype: 'q8', source: 's3' },
    tiny: { id: 'tiny-random/vit-gpt2', revision: 'main', dtype: 'fp32', generator: 'vit-gpt2' },
  },
  'question-answering': {
    runtime: 'transformers.js',
    task: 'question-answering',
    // The uncased SQuAD distillation: its WordPiece vocabulary is the one the tiny models tokenize with.
    standard: {
      id: 'Xenova/distilbert-base-uncased-distilled-squad',
      revision: 'main',
      dtype: 'q8',
      source: 'layer',
    },
    tiny: { id: 'tiny-random/distilbert-squad', revision: 'main', dtype: 'fp32', generator: 'distilbert-qa' },
  },
  'image-classification': {
    runtime: 'transformers.js',
    task: 'image-classification',
    standard: { id: 'Xenova/vit-base-patch16-224', revision: 'main', dtype: 'q8', source: 'layer' },
    tiny: { id: 'tiny-random/vit-classifier', revision: 'main', dtype: 'fp32', generator: 'vit-classifier' },
  },
  // The safety filters' classifiers (shared/safety): `npm run layer:build` makes a layer of each, for the
  // functions whose routes turn the filter on (docs/operations.md).
  toxicity: {
    runtime: 'transformers.js',
    task: 'text-classification',
    standard: { id: 'Xenova/toxic-bert', revision: 'main', dtype: 'q8', source: 'layer' },
    tiny: {
      id: 'tiny-random/toxicity-triggers',
      revision: 'main',
      dtype: 'fp32',
      generator: 'toxicity-triggers',
    },
  },
  'prompt-injection': {
    runtime: 'transformers.js',
    task: 'text-classification',
    standard: {
      id: 'protectai/deberta-v3-base-prompt-injection-v2',
      revision: 'main',
      dtype: 'fp32',
      source: 'layer',
    },
    tiny: {
      id: 'tiny-random/injection-triggers',
      revision: 'main',
      dtype: 'fp32',
      generator: 'injection-triggers',
    },
  },
  diffusion: {
    runtime: 'onnxruntime',
    // SD 1.5 exported to ONNX: text_encoder/, unet/ (with weights.pb), vae_decoder/, tokenizer/, scheduler/.
    standard: {
      id: 'onnx-community/stable-diffusion-v1-5-ONNX',
      revision: 'main',
      dtype: 'fp32',
      source: 'gpu-container',
      howToGet: 'run `npm run models:fetch -- diffusion`',
    },
    tiny: { id: 'tiny-random/stable-diffusion', revision: 'main', dtype: 'fp32' },
    marker: 'unet/model.onnx',
  },
  vqa: {
    runtime: 'onnxruntime',
    // BLIP-2 flan-t5-xl in the four-graph layout of infra/gpu/export_blip2.py (no public ONNX export exists).
    standard: {
      id: 'genai-endpoints/blip2-flan-t5-xl-onnx',
      revision: 'main',
      dtype: 'fp32',
      source: 'gpu-container',
      howToGet: 'export it with infra/gpu/export_blip2.py (see infra/gpu/README.md)',
    },
    tiny: { id: 'tiny-random/blip2', revision: 'main', dtype: 'fp32' },
    marker: 'onnx/vision_qformer.onnx',
  },
  'cifar-cnn': {
    runtime: 'onnxruntime',
    // Two convolutions with max pooling and two fully connected layers over 64×64 RGB, ten CIFAR-10 labels.
    standard: {
      id: 'user/cifar10-cnn',
      revision: 'main',
      dtype: 'fp32',
      source: 'model-root',
      howToGet: 'export your trained CNN with infra/classic/export_cnn.py into MODEL_ROOT/user/cifar10-cnn',
    },
    tiny: { id: 'tiny-random/cifar10-cnn', revision: 'main', dtype: 'fp32' },
    marker: 'model.onnx',
  },
  gan: {
    runtime: 'onnxruntime',
    // A DCGAN-style generator: latent 100 to 28×28 grayscale in [-1, 1].
    standard: {
      id: 'user/dcgan-mnist',
      revision: 'main',
      dtype: 'fp32',
      source: 'model-root',
      howToGet:
        'export your trained generator with infra/classic/export_gan.py into MODEL_ROOT/user/dcgan-mnist',
    },
    tiny: { id: 'tiny-random/dcgan', revision: 'main', dtype: 'fp32' },
    marker: 'generator.onnx',
  },
  ddpm: {
    runtime: 'onnxruntime',
    // A UNet predicting the noise of 32×32 RGB samples, trained on an offset cosine schedule.
    standard: {
      id: 'user/ddpm-32',
      revision: 'main',
      dtype: 'fp32',
      source: 'model-root',
      howToGet: 'export your trained UNet with infra/classic/export_ddpm.py into MODEL_ROOT/user/ddpm-32',
    },
    tiny: { id: 'tiny-random/ddpm', revision: 'main', dtype: 'fp32' },
    marker: 'unet.onnx',
  },
  ebm: {
    runtime: 'onnxruntime',
    // An energy network over 28×28 grayscale, with a second graph for the energy's gradient (Langevin dynamics).
    standard: {
      id: 'user/ebm-mnist',
      revision: 'main',
      dtype: 'fp32',
      source: 'model-root',
      howToGet:
        'export your trained energy network with infra/classic/export_ebm.py into MODEL_ROOT/user/ebm-mnist',
    },
    tiny: { id: 'tiny-random/ebm', revision: 'main', dtype: 'fp32' },
    marker: 'gradient.onnx',
  },
};
