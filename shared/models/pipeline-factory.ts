/**
 * The one place transformers.js pipelines are created. Local models are loaded from their folder by absolute
 * path (no global `env.localModelPath`), remote ones through the hub into a cache directory with a bounded
 * fetch, so that an unreachable hub fails fast instead of hanging a cold start.
 */
import type {
  FeatureExtractionPipeline,
  ImageClassificationPipeline,
  ImageToTextPipeline,
  QuestionAnsweringPipeline,
  SummarizationPipeline,
  TextClassificationPipeline,
  TextGenerationPipeline,
} from '@huggingface/transformers';
import type { ModelDtype, ModelKey } from './catalog';

export interface PipelineByKey {
  'text-generation': TextGenerationPipeline;
  summarization: SummarizationPipeline;
  sentiment: TextClassificationPipeline;
  embeddings: FeatureExtractionPipeline;
  captioning: ImageToTextPipeline;
  'question-answering': QuestionAnsweringPipeline;
  'image-classification': ImageClassificationPipeline;
  toxicity: TextClassificationPipeline;
  'prompt-injection': TextClassificationPipeline;
}

export type AnyPipeline = PipelineByKey[ModelKey];

export interface PipelineRequest {
  readonly task: string;
  /** An absolute folder for a local model, or a hub id for a remote one. */
  readonly location: string;
  readonly revision: string;
  readonly dtype: ModelDtype;
  /** Remote loads only: where downloaded files are kept. */
  readonly cacheDir?: string;
  readonly remote: boolean;
  /** Remote loads only: bytes loaded of the model's files so far, as the download goes. */
  readonly onProgress?: (loaded: number, total: number) => void;
}

export type PipelineFactory = (request: PipelineRequest) => Promise<AnyPipeline>;

export interface PipelineFactoryOptions {
  /** Longest wait for any one hub request. */
  readonly remoteTimeoutMs: number;
  /** The hub (or a mirror) to download from; transformers.js's default when absent. */
  readonly remoteHost?: string;
  /** onnxruntime's intra-op threads per session; its own choice when absent. */
  readonly threads?: number;
}

type Transformers = typeof import('@huggingface/transformers');

let defaultRemoteHost: string | undefined;

/**
 * transformers.js keeps its hub settings in one process-wide `env`; every remote load sets them first, so the
 * last factory's settings never leak into another's load.
 */
function applyRemoteOptions({ env }: Transformers, options: PipelineFactoryOptions): void {
  defaultRemoteHost ??= env.remoteHost;
  env.remoteHost = options.remoteHost ?? defaultRemoteHost;
  env.fetch = (input: string | URL, init?: RequestInit) =>
    fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(options.remoteTimeoutMs) });
}

/**
 * The production factory over transformers.js, which it imports on the first load: a function that composes
 * a model runtime but serves no model in a request (a delete, say) never pays for the library.
 */
export function createTransformersPipelineFactory(options: PipelineFactoryOptions): PipelineFactory {
  return async (request) => {
    const transformers = await import('@huggingface/transformers');
    if (request.remote) applyRemoteOptions(transformers, options);
    const created = await transformers.pipeline(request.task as 'text-generation', request.location, {
      dtype: request.dtype,
      revision: request.revision,
      device: 'cpu',
      local_files_only: !request.remote,
      ...(options.threads ? { session_options: { intraOpNumThreads: options.threads } } : {}),
      ...(request.cacheDir ? { cache_dir: request.cacheDir } : {}),
      ...(request.onProgress
        ? {
            progress_callback: (info: { status: string; loaded?: number; total?: number }) => {
              if (info.status === 'progress_total') request.onProgress?.(info.loaded ?? 0, info.total ?? 0);
            },
          }
        : {}),
    });
    return created as unknown as AnyPipeline;
  };
}
