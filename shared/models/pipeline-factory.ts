/**
 * The one place transformers.js pipelines are created. Local models are loaded from their folder by absolute
 * path (no global `env.localModelPath`), remote ones through the hub into a cache directory with a bounded
 * fetch, so that an unreachable hub fails fast instead of hanging a cold start.
 */
import type {
  FeatureExtractionPipeline,
  ImageToTextPipeline,
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
}

export type PipelineFactory = (request: PipelineRequest) => Promise<AnyPipeline>;

export interface RemoteOptions {
  /** Longest wait for any one hub request. */
  readonly remoteTimeoutMs: number;
  /** The hub (or a mirror) to download from; transformers.js's default when absent. */
  readonly remoteHost?: string;
}

type Transformers = typeof import('@huggingface/transformers');

let defaultRemoteHost: string | undefined;

/**
 * transformers.js keeps its hub settings in one process-wide `env`; every remote load sets them first, so the
 * last factory's settings never leak into another's load.
 */
function applyRemoteOptions({ env }: Transformers, options: RemoteOptions): void {
  defaultRemoteHost ??= env.remoteHost;
  env.remoteHost = options.remoteHost ?? defaultRemoteHost;
  env.fetch = (input: string | URL, init?: RequestInit) =>
    fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(options.remoteTimeoutMs) });
}

/**
 * The production factory over transformers.js, which it imports on the first load: a function that composes
 * a model runtime but serves no model in a request (a delete, say) never pays for the library.
 */
export function createTransformersPipelineFactory(options: RemoteOptions): PipelineFactory {
  return async (request) => {
    const transformers = await import('@huggingface/transformers');
    if (request.remote) applyRemoteOptions(transformers, options);
    const created = await transformers.pipeline(request.task as 'text-generation', request.location, {
      dtype: request.dtype,
      revision: request.revision,
      device: 'cpu',
      local_files_only: !request.remote,
      ...(request.cacheDir ? { cache_dir: request.cacheDir } : {}),
    });
    return created as unknown as AnyPipeline;
  };
}
