/**
 * Configuration from environment variables, validated once at cold start. Defaults differ between a Lambda
 * container (standard models from the layer, caches under /tmp) and a local run (auto profile, ./models).
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../errors';
import type { SecretSource } from './secrets';

export const MODEL_PROFILES = ['standard', 'tiny', 'auto'] as const;
export type ModelProfile = (typeof MODEL_PROFILES)[number];

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

/** The researcher's variables (Wikipedia client and the workflow), declared together. */
const ResearchEnvironment = {
  WIKIPEDIA_API_URL: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL; {lang} stands for the language code')
    .default('https://{lang}.wikipedia.org/w/api.php'),
  WIKIPEDIA_USER_AGENT: z.string().min(1).optional(),
  WIKIPEDIA_TIMEOUT_MS: positiveInt.default(8_000),
  WIKIPEDIA_MAX_ATTEMPTS: positiveInt.max(10).default(3),
  RESEARCHER_MAX_ARTICLE_CHARS: positiveInt.max(100_000).default(100_000),
  RESEARCHER_STATE_MACHINE_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:states:/, 'must be a state machine ARN')
    .optional(),
} as const;

const EnvironmentSchema = z.object({
  MODEL_PROFILE: z.enum(MODEL_PROFILES).optional(),
  MODEL_ROOT: z.string().min(1).optional(),
  MODEL_CACHE_DIR: z.string().min(1).optional(),
  MODEL_ALLOW_REMOTE: booleanFlag.optional(),
  MODEL_HUB_URL: z.url().optional(),
  MODEL_S3_URI: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/, 'must look like s3://bucket/prefix')
    .optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: booleanFlag.optional(),
  MODEL_REMOTE_TIMEOUT_MS: positiveInt.default(15_000),
  MODEL_RETRY_AFTER_SECONDS: positiveInt.default(30),
  MODEL_WARMUP: booleanFlag.optional(),
  MAX_BODY_BYTES: positiveInt.default(256 * 1024),
  JOBS_QUEUE_URL: z.url().optional(),
  GPU_SERVICE_URL: z.url().optional(),
  GPU_SERVICE_TIMEOUT_SECONDS: positiveInt.default(600),
  JOB_HEARTBEAT_TIMEOUT_SECONDS: positiveInt.default(120),
  JOB_QUEUED_TIMEOUT_SECONDS: positiveInt.default(900),
  JOB_MAX_ATTEMPTS: positiveInt.max(10).default(3),
  GENERATE_SYNC_MAX_PIXEL_STEPS: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 64 * 10 * 4),
  VQA_PROVIDER: z.enum(['blip2', 'gemini']).optional(),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_API_KEY_PARAMETER: z.string().min(1).optional(),
  GEMINI_MODEL: z.string().min(1).default('gemini-2.5-flash'),
  GEMINI_BASE_URL: z.url().optional(),
  IMAGE_MAX_BYTES: positiveInt.default(5 * 1024 * 1024),
  IMAGE_MAX_PIXELS: positiveInt.default(25_000_000),
  CORS_ORIGIN: z.string().min(1).default('*'),
  DATA_DIR: z.string().min(1).optional(),
  DOCUMENTS_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  DOCUMENTS_PREFIX: z.string().default('documents/'),
  REGISTRY_PREFIX: z.string().default('registry/'),
  FAISS_INDEX_KEY: z.string().min(1).default('faiss/index.bin'),
  FAISS_INDEX_KIND: z.enum(['flat', 'ivf']).default('flat'),
  FAISS_IVF_NLIST: z.coerce.number().int().min(0).default(0),
  FAISS_IVF_NPROBE: positiveInt.default(16),
  FAISS_IVF_MIN_VECTORS: positiveInt.default(10_000),
  FAISS_REFRESH_SECONDS: z.coerce.number().min(0).default(5),
  FAISS_CACHE_DIR: z.string().min(1).optional(),
  CHROMA_URL: z.url().optional(),
  CHROMA_COLLECTION: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$/,
      'must be 3-512 characters of letters, digits, . _ -',
    )
    .default('documents'),
  PINECONE_API_KEY: z.string().min(1).optional(),
  PINECONE_API_KEY_PARAMETER: z.string().min(1).optional(),
  PINECONE_INDEX_HOST: z.string().min(1).optional(),
  PINECONE_NAMESPACE: z.string().default('default'),
  RAG_STORE: z.enum(['pinecone', 'chroma']).optional(),
  RAG_MIN_SCORE: z.coerce.number().min(-1).max(1).default(0.3),
  RAG_MAX_ANSWER_TOKENS: positiveInt.default(96),
  CHUNK_TOKENS: positiveInt.default(200),
  CHUNK_OVERLAP_TOKENS: z.coerce.number().int().min(0).default(40),
  EMBED_BATCH: positiveInt.default(32),
  ...ResearchEnvironment,
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  IS_OFFLINE: z.string().optional(),
});

export interface AppConfig {
  readonly runningOnLambda: boolean;
  readonly modelProfile: ModelProfile;
  /** Where model folders are looked up by id: the layer's /opt/models on Lambda, ./models locally. */
  readonly modelRoot: string;
  /** Where models downloaded at run time are written (must be writable: /tmp on Lambda). */
  readonly modelCacheDir: string;
  readonly allowRemoteModels: boolean;
  /** `s3://bucket/prefix` holding standard models by id (large ones that no layer can carry). */
  readonly modelS3Uri: string | undefined;
  readonly s3: { readonly endpoint?: string; readonly forcePathStyle?: boolean };
  readonly remoteTimeoutMs: number;
  /** The model hub, or a mirror of it, that remote loads and `models:fetch` download from. */
  readonly modelHubUrl: string | undefined;
  readonly retryAfterSeconds: number;
  /** Load a function's model at cold start rather than on its first request. */
  readonly warmUp: boolean;
  readonly maxBodyBytes: number;
  readonly corsOrigin: string;
  /** Limits on uploaded images: encoded bytes, and width × height against decompression bombs. */
  readonly images: { readonly maxBytes: number; readonly maxPixels: number };
  readonly vqa: {
    readonly defaultProvider: 'blip2' | 'gemini';
    readonly gemini:
      | { readonly apiKey: SecretSource; readonly model: string; readonly baseUrl?: string }
      | undefined;
  };
  readonly jobs: {
    /** SQS queue that a worker function consumes; jobs run in this process when unset. */
    readonly queueUrl: string | undefined;
    /** The GPU container; images are generated in this process when unset. */
    readonly gpuServiceUrl: string | undefined;
    readonly gpuTimeoutMs: number;
    /** A running job without a heartbeat for this long has lost its worker: it is retried or failed. */
    readonly heartbeatTimeoutMs: number;
    readonly queuedTimeoutMs: number;
    /** Claims a job may have before a job whose workers keep dying is failed. */
    readonly maxAttempts: number;
    readonly syncMaxPixelSteps: number;
  };
  readonly rag: RagConfig;
  readonly research: ResearchConfig;
}

export interface ResearchConfig {
  /** The MediaWiki Action API endpoint; `{lang}` is replaced by the requested language code. */
  readonly wikipediaApiUrl: string;
  /** Wikimedia's policy asks every client to say who it is and how to reach its operator. */
  readonly userAgent: string;
  readonly timeoutMs: number;
  /** Attempts of one Wikipedia request (429 and 5xx are retried with backoff) before the step fails. */
  readonly maxAttempts: number;
  /** Most characters of an article that are read, summarized and classified. */
  readonly maxArticleChars: number;
  /** Deployed: the Express state machine started synchronously; unset, the definition runs in-process. */
  readonly stateMachineArn: string | undefined;
}

/** Used when WIKIPEDIA_USER_AGENT is unset; a deployment should set one with its operator's contact. */
export const DEFAULT_WIKIPEDIA_USER_AGENT =
  'genai-endpoints-researcher/0.1 (Wikipedia summaries and sentiment; operator contact: set WIKIPEDIA_USER_AGENT)';

export interface RagConfig {
  /** Local directory for documents, the FAISS index and the registry, when no bucket is set. */
  readonly dataDir: string;
  readonly documentsBucket: string | undefined;
  readonly documentsPrefix: string;
  readonly registryPrefix: string;
  readonly faiss: {
    readonly key: string;
    readonly kind: 'flat' | 'ivf';
    readonly ivfNlist: number;
    readonly ivfNprobe: number;
    readonly ivfMinVectors: number;
    readonly refreshMs: number;
    /** Where the index object is copied for reuse across invocations (/tmp on Lambda). */
    readonly cacheDir: string;
  };
  readonly chroma: { readonly url: string; readonly collection: string } | undefined;
  readonly pinecone:
    | {
        readonly indexHost: string;
        readonly namespace: string;
        /** The key itself (local runs) or the SSM SecureString parameter holding it (AWS). */
        readonly apiKey: SecretSource;
      }
    | undefined;
  /** The store /rag-query uses when the request names none. */
  readonly defaultStore: 'pinecone' | 'chroma' | undefined;
  readonly minScore: number;
  readonly maxAnswerTokens: number;
  readonly chunkTokens: number;
  readonly overlapTokens: number;
  readonly embedBatch: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means unset: serverless.yml passes unset variables through as ''.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvironmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const runningOnLambda = Boolean(e.AWS_LAMBDA_FUNCTION_NAME) && !e.IS_OFFLINE;
  const modelRoot = path.resolve(e.MODEL_ROOT ?? (runningOnLambda ? '/opt/models' : 'models'));
  const geminiKey: SecretSource | undefined = e.GEMINI_API_KEY
    ? { value: e.GEMINI_API_KEY }
    : e.GEMINI_API_KEY_PARAMETER
      ? { parameter: e.GEMINI_API_KEY_PARAMETER }
      : undefined;
  return {
    runningOnLambda,
    modelProfile: e.MODEL_PROFILE ?? (runningOnLambda ? 'standard' : 'auto'),
    modelRoot,
    modelCacheDir: path.resolve(e.MODEL_CACHE_DIR ?? (runningOnLambda ? '/tmp/models' : modelRoot)),
    allowRemoteModels: e.MODEL_ALLOW_REMOTE ?? !runningOnLambda,
    modelS3Uri: e.MODEL_S3_URI,
    s3: {
      ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
      ...(e.S3_FORCE_PATH_STYLE === undefined ? {} : { forcePathStyle: e.S3_FORCE_PATH_STYLE }),
    },
    remoteTimeoutMs: e.MODEL_REMOTE_TIMEOUT_MS,
    modelHubUrl: e.MODEL_HUB_URL,
    retryAfterSeconds: e.MODEL_RETRY_AFTER_SECONDS,
    warmUp: e.MODEL_WARMUP ?? runningOnLambda,
    maxBodyBytes: e.MAX_BODY_BYTES,
    corsOrigin: e.CORS_ORIGIN,
    images: { maxBytes: e.IMAGE_MAX_BYTES, maxPixels: e.IMAGE_MAX_PIXELS },
    vqa: {
      defaultProvider: e.VQA_PROVIDER ?? (geminiKey ? 'gemini' : 'blip2'),
      gemini: geminiKey
        ? {
            apiKey: geminiKey,
            model: e.GEMINI_MODEL,
            ...(e.GEMINI_BASE_URL ? { baseUrl: e.GEMINI_BASE_URL } : {}),
          }
        : undefined,
    },
    jobs: {
      queueUrl: e.JOBS_QUEUE_URL,
      gpuServiceUrl: e.GPU_SERVICE_URL,
      gpuTimeoutMs: e.GPU_SERVICE_TIMEOUT_SECONDS * 1000,
      heartbeatTimeoutMs: e.JOB_HEARTBEAT_TIMEOUT_SECONDS * 1000,
      queuedTimeoutMs: e.JOB_QUEUED_TIMEOUT_SECONDS * 1000,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      syncMaxPixelSteps: e.GENERATE_SYNC_MAX_PIXEL_STEPS,
    },
    rag: ragConfig(e, runningOnLambda),
    research: {
      wikipediaApiUrl: e.WIKIPEDIA_API_URL,
      userAgent: e.WIKIPEDIA_USER_AGENT ?? DEFAULT_WIKIPEDIA_USER_AGENT,
      timeoutMs: e.WIKIPEDIA_TIMEOUT_MS,
      maxAttempts: e.WIKIPEDIA_MAX_ATTEMPTS,
      maxArticleChars: e.RESEARCHER_MAX_ARTICLE_CHARS,
      stateMachineArn: e.RESEARCHER_STATE_MACHINE_ARN,
    },
  };
}

function ragConfig(e: z.output<typeof EnvironmentSchema>, runningOnLambda: boolean): RagConfig {
  const pineconeKey = e.PINECONE_API_KEY
    ? { value: e.PINECONE_API_KEY }
    : e.PINECONE_API_KEY_PARAMETER
      ? { parameter: e.PINECONE_API_KEY_PARAMETER }
      : undefined;
  if (pineconeKey && !e.PINECONE_INDEX_HOST) {
    throw new ConfigurationError(
      'Invalid configuration: PINECONE_INDEX_HOST is required with a Pinecone API key',
    );
  }
  const pinecone =
    pineconeKey && e.PINECONE_INDEX_HOST
      ? { indexHost: e.PINECONE_INDEX_HOST, namespace: e.PINECONE_NAMESPACE, apiKey: pineconeKey }
      : undefined;
  const chroma = e.CHROMA_URL ? { url: e.CHROMA_URL, collection: e.CHROMA_COLLECTION } : undefined;
  if (e.RAG_STORE === 'pinecone' && !pinecone) {
    throw new ConfigurationError(
      'Invalid configuration: RAG_STORE=pinecone needs PINECONE_API_KEY (or _PARAMETER) and PINECONE_INDEX_HOST',
    );
  }
  if (e.RAG_STORE === 'chroma' && !chroma) {
    throw new ConfigurationError('Invalid configuration: RAG_STORE=chroma needs CHROMA_URL');
  }
  const dataDir = path.resolve(e.DATA_DIR ?? (runningOnLambda ? '/tmp/data' : 'data'));
  return {
    dataDir,
    documentsBucket: e.DOCUMENTS_BUCKET,
    documentsPrefix: e.DOCUMENTS_PREFIX,
    registryPrefix: e.REGISTRY_PREFIX,
    faiss: {
      key: e.FAISS_INDEX_KEY,
      kind: e.FAISS_INDEX_KIND,
      ivfNlist: e.FAISS_IVF_NLIST,
      ivfNprobe: e.FAISS_IVF_NPROBE,
      ivfMinVectors: e.FAISS_IVF_MIN_VECTORS,
      refreshMs: e.FAISS_REFRESH_SECONDS * 1000,
      cacheDir: path.resolve(
        e.FAISS_CACHE_DIR ?? (runningOnLambda ? '/tmp/faiss' : path.join(dataDir, '.faiss-cache')),
      ),
    },
    chroma,
    pinecone,
    defaultStore: e.RAG_STORE ?? (pinecone ? 'pinecone' : chroma ? 'chroma' : undefined),
    minScore: e.RAG_MIN_SCORE,
    maxAnswerTokens: e.RAG_MAX_ANSWER_TOKENS,
    chunkTokens: e.CHUNK_TOKENS,
    overlapTokens: Math.min(e.CHUNK_OVERLAP_TOKENS, Math.floor(e.CHUNK_TOKENS / 2)),
    embedBatch: e.EMBED_BATCH,
  };
}
