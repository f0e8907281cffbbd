/**
 * The production object graph, built once per container (cold start) and shared by every handler in it.
 * Tests build their own with `createDependencies` and never touch the module-level instance.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type CaptioningService, createCaptioningService } from '../captioning/captioning-service';
import { createSentimentService, type SentimentService } from '../classification/sentiment-service';
import { type AppConfig, loadConfig } from '../config/environment';
import { lazySecret } from '../config/secrets';
import {
  createLocalImageGenerator,
  createRemoteImageGenerator,
  type ImageGenerator,
} from '../diffusion/image-generator';
import { createEmbeddingService, type EmbeddingService } from '../embeddings/embedding-service';
import {
  createTextGenerationService,
  type TextGenerationService,
} from '../generation/text-generation-service';
import { createImageJobService, type ImageJobService } from '../jobs/image-jobs';
import { createInProcessDispatcher, createSqsDispatcher, type JobDispatcher } from '../jobs/job-dispatcher';
import { createBlobJobStore } from '../jobs/job-store';
import type { ModelKey } from '../models/catalog';
import { modelLocations } from '../models/model-plan';
import { createModelRuntime, type ModelRuntime } from '../models/model-runtime';
import { createTransformersPipelineFactory, type PipelineFactory } from '../models/pipeline-factory';
import { createS3ModelStore } from '../models/s3-model-store';
import { type AnswerService, createAnswerService } from '../rag/answer-service';
import { createCommittedVersions } from '../rag/committed-versions';
import { createDocumentRegistry, type DocumentRegistry } from '../rag/document-registry';
import { createDocumentVersionStore, type DocumentVersionStore } from '../rag/document-versions';
import { createIngestionService, type IngestionService } from '../rag/ingestion-service';
import type { BlobStore } from '../storage/blob-store';
import { createLocalBlobStore } from '../storage/local-blob-store';
import { createS3BlobStore } from '../storage/s3-blob-store';
import { createS3Client } from '../storage/s3-client';
import {
  createSummarizationService,
  type SummarizationService,
} from '../summarization/summarization-service';
import type { VectorStore } from '../vectors/vector-store';
import {
  createGeminiProvider,
  createLocalBlip2Provider,
  createRemoteBlip2Provider,
  type VqaProvider,
  type VqaProviderName,
} from '../vqa/vqa-providers';
import { createVqaService, type VqaService } from '../vqa/vqa-service';
import { createVectorStores, type VectorStores } from './vector-stores';

export interface AppDependencies {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly runtime: ModelRuntime;
  readonly textGeneration: TextGenerationService;
  readonly summarization: SummarizationService;
  readonly sentiment: SentimentService;
  readonly embeddings: EmbeddingService;
  /** Documents, the FAISS index and the document registry: the documents bucket, or the data directory. */
  readonly blobs: BlobStore;
  readonly vectorStores: VectorStores;
  /** Which version of each document is committed: the source of truth every store converges to. */
  readonly registry: DocumentRegistry;
  /** The text and chunks of each version, for repair. */
  readonly documentVersions: DocumentVersionStore;
  readonly documents: IngestionService;
  readonly rag: AnswerService;
  readonly captioning: CaptioningService;
  readonly imageGenerator: ImageGenerator;
  readonly imageJobs: ImageJobService;
  readonly vqa: VqaService;
  /** The VQA providers by name (each releases its sessions with dispose()). */
  readonly vqaProviders: Partial<Record<VqaProviderName, VqaProvider>>;
}

export const SERVICE_NAME = 'genai-endpoints';

/** The documents bucket when one is configured, else a directory under DATA_DIR. */
export function documentBlobStore(config: AppConfig): BlobStore {
  return config.rag.documentsBucket
    ? createS3BlobStore({ client: createS3Client(config.s3), bucket: config.rag.documentsBucket })
    : createLocalBlobStore({ root: config.rag.dataDir });
}

/** Where the text of each document version is kept: beside the registry, not under it. */
export const versionsPrefix = (registryPrefix: string) => `${registryPrefix.replace(/\/+$/, '')}-versions/`;

export function createDependencies(
  config: AppConfig,
  overrides: {
    logger?: Logger;
    createPipeline?: PipelineFactory;
    blobs?: BlobStore;
    imageGenerator?: ImageGenerator;
    /** Wraps every vector store this graph creates. */
    decorateVectorStore?: (store: VectorStore) => VectorStore;
  } = {},
): AppDependencies {
  const logger = overrides.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const runtime = createModelRuntime({
    profile: config.modelProfile,
    modelRoot: config.modelRoot,
    cacheDir: config.modelCacheDir,
    allowRemote: config.allowRemoteModels,
    retryAfterSeconds: config.retryAfterSeconds,
    ...(config.modelS3Uri
      ? { modelStore: createS3ModelStore({ client: createS3Client(config.s3), uri: config.modelS3Uri }) }
      : {}),
    createPipeline:
      overrides.createPipeline ??
      createTransformersPipelineFactory({
        remoteTimeoutMs: config.remoteTimeoutMs,
        ...(config.modelHubUrl ? { remoteHost: config.modelHubUrl } : {}),
      }),
    logger,
  });
  const textGeneration = createTextGenerationService({ runtime });
  const embeddings = createEmbeddingService({ runtime });
  const blobs = overrides.blobs ?? documentBlobStore(config);
  const vectorStores = createVectorStores({
    config,
    blobs,
    logger,
    ...(overrides.decorateVectorStore ? { decorate: overrides.decorateVectorStore } : {}),
  });
  const { rag } = config;
  const registry = createDocumentRegistry({ blobs, prefix: rag.registryPrefix });
  const documentVersions = createDocumentVersionStore({ blobs, prefix: versionsPrefix(rag.registryPrefix) });
  const imageGenerator =
    overrides.imageGenerator ??
    (config.jobs.gpuServiceUrl
      ? createRemoteImageGenerator({ url: config.jobs.gpuServiceUrl, timeoutMs: config.jobs.gpuTimeoutMs })
      : createLocalImageGenerator({
          locations: modelLocations(config),
          logger,
          retryAfterSeconds: config.retryAfterSeconds,
        }));
  let dispatcher: JobDispatcher | undefined;
  const imageJobs: ImageJobService = createImageJobService({
    store: createBlobJobStore({ blobs }),
    blobs,
    generator: imageGenerator,
    dispatcher: () => {
      dispatcher ??= config.jobs.queueUrl
        ? createSqsDispatcher({ client: new SQSClient({}), queueUrl: config.jobs.queueUrl })
        : createInProcessDispatcher((id) => imageJobs.run(id), {
            sweep: { run: () => imageJobs.recover(), everyMs: config.jobs.heartbeatTimeoutMs / 4 },
          });
      return dispatcher;
    },
    settings: {
      syncMaxPixelSteps: config.jobs.syncMaxPixelSteps,
      timeouts: { heartbeatMs: config.jobs.heartbeatTimeoutMs, queuedMs: config.jobs.queuedTimeoutMs },
      maxAttempts: config.jobs.maxAttempts,
      // A Lambda function without the queue (GET /jobs) must not run jobs itself: it only re-queues them.
      dispatchMode: config.jobs.queueUrl ? 'queue' : config.runningOnLambda ? 'none' : 'in-process',
    },
    logger,
  });
  const vqaProviders: Partial<Record<VqaProviderName, VqaProvider>> = {
    blip2: config.jobs.gpuServiceUrl
      ? createRemoteBlip2Provider({ url: config.jobs.gpuServiceUrl, timeoutMs: config.jobs.gpuTimeoutMs })
      : createLocalBlip2Provider({
          locations: modelLocations(config),
          logger,
          retryAfterSeconds: config.retryAfterSeconds,
        }),
    ...(config.vqa.gemini
      ? {
          gemini: createGeminiProvider({
            ...config.vqa.gemini,
            apiKey: lazySecret(config.vqa.gemini.apiKey),
            timeoutMs: config.remoteTimeoutMs,
          }),
        }
      : {}),
  };
  return {
    config,
    logger,
    runtime,
    vqaProviders,
    vqa: createVqaService({ providers: vqaProviders, defaultProvider: config.vqa.defaultProvider }),
    textGeneration,
    summarization: createSummarizationService({ runtime }),
    sentiment: createSentimentService({ runtime }),
    embeddings,
    blobs,
    vectorStores,
    registry,
    documentVersions,
    documents: createIngestionService({
      embeddings,
      stores: () => vectorStores.all(),
      registry,
      versions: documentVersions,
      chunking: {
        chunkTokens: rag.chunkTokens,
        overlapTokens: rag.overlapTokens,
        embedBatch: rag.embedBatch,
      },
      logger,
    }),
    captioning: createCaptioningService({ runtime, limits: config.images }),
    imageGenerator,
    imageJobs,
    rag: createAnswerService({
      embeddings,
      generator: textGeneration,
      committed: createCommittedVersions({ registry }),
      settings: { minScore: rag.minScore, maxAnswerTokens: rag.maxAnswerTokens },
    }),
  };
}

let defaults: AppDependencies | undefined;

/** The container-wide dependencies, created on first use from the environment. */
export function defaultDependencies(): AppDependencies {
  defaults ??= createDependencies(loadConfig());
  return defaults;
}

/** Forgets the container-wide dependencies (tests that exercise the production handlers call this). */
export async function resetDefaultDependencies(): Promise<void> {
  const current = defaults;
  defaults = undefined;
  await current?.runtime.dispose();
}

/**
 * Starts loading a function's model during the init phase, when the config asks for it, so that the first
 * request does not pay for it. A failure is logged and retried by the first request.
 */
export function warmUp(deps: AppDependencies, ...keys: ModelKey[]): void {
  if (!deps.config.warmUp) return;
  for (const key of keys) deps.runtime.load(key).catch(() => undefined);
}
