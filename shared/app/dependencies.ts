/**
 * The whole object graph: every service of the suite over one model runtime and one blob store. No
 * function composes this (each composes only its own route's path, see `functions/*`); tests, the
 * benchmarks and the maintenance scripts do, from the same factories the functions use.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type CaptioningService, createCaptioningService } from '../captioning/captioning-service';
import type { ClassicGenerators } from '../classic/generators';
import { createSentimentService, type SentimentService } from '../classification/sentiment-service';
import type { AppConfig } from '../config/environment';
import type { ImageGenerator } from '../diffusion/image-generator';
import { createEmbeddingService, type EmbeddingService } from '../embeddings/embedding-service';
import {
  createTextGenerationService,
  type TextGenerationService,
} from '../generation/text-generation-service';
import type { ModelRuntime } from '../models/model-runtime';
import type { PipelineFactory } from '../models/pipeline-factory';
import type { NgramService } from '../ngram/ngram-service';
import { createOpenAiCompletions, type OpenAiCompletions } from '../openai/completions-service';
import type { AnswerService } from '../rag/answer-service';
import type { IngestionService } from '../rag/ingestion-service';
import type { BlobStore } from '../storage/blob-store';
import {
  createSummarizationService,
  type SummarizationService,
} from '../summarization/summarization-service';
import type { VectorStore } from '../vectors/vector-store';
import { type BaseDependencies, SERVICE_NAME } from './base';
import { composeClassicGenerators } from './classic-models';
import { composeAnswers } from './document-answering';
import { composeDocumentRecords, type DocumentRecords } from './document-records';
import { composeIngestion, composeVectorStores } from './documents';
import { composeImageGenerator } from './image-jobs';
import { composeJobs, type JobParts } from './jobs';
import { composeModelBucket } from './model-bucket';
import { composeModelRuntime } from './model-runtime';
import { composeNgram } from './ngram';
import type { VectorStores } from './vector-stores';
import { composeVqa, type VqaParts } from './vqa';

export interface AppDependencies extends BaseDependencies, DocumentRecords, VqaParts, JobParts {
  readonly runtime: ModelRuntime;
  readonly textGeneration: TextGenerationService;
  readonly summarization: SummarizationService;
  readonly sentiment: SentimentService;
  readonly embeddings: EmbeddingService;
  readonly openai: OpenAiCompletions;
  readonly vectorStores: VectorStores;
  readonly documents: IngestionService;
  readonly rag: AnswerService;
  readonly captioning: CaptioningService;
  readonly imageGenerator: ImageGenerator;
  readonly generators: ClassicGenerators;
  readonly ngram: NgramService;
}

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
  const base: BaseDependencies = {
    config,
    logger: overrides.logger ?? new Logger({ serviceName: SERVICE_NAME }),
  };
  const modelStore = composeModelBucket(config);
  const runtime = composeModelRuntime(base, {
    ...(overrides.createPipeline ? { createPipeline: overrides.createPipeline } : {}),
    ...(modelStore ? { modelStore } : {}),
  });
  const textGeneration = createTextGenerationService({ runtime });
  const embeddings = createEmbeddingService({ runtime });
  const records = composeDocumentRecords(base, overrides.blobs);
  const vectorStores = composeVectorStores(base, records.blobs, overrides.decorateVectorStore);
  const imageGenerator = overrides.imageGenerator ?? composeImageGenerator(base);
  const { generators } = composeClassicGenerators(base);
  const summarization = createSummarizationService({ runtime });
  return {
    ...base,
    ...records,
    ...composeVqa(base),
    runtime,
    textGeneration,
    summarization,
    sentiment: createSentimentService({ runtime }),
    embeddings,
    openai: createOpenAiCompletions({ runtime, textGeneration, embeddings }),
    vectorStores,
    documents: composeIngestion(base, { ...records, vectorStores, embeddings }),
    captioning: createCaptioningService({ runtime, limits: config.images }),
    imageGenerator,
    generators,
    ...composeJobs(base, { blobs: records.blobs, imageGenerator, generators, runtime, summarization }),
    rag: composeAnswers(base, { registry: records.registry, embeddings, generator: textGeneration }),
    ngram: composeNgram(base, records.blobs),
  };
}
