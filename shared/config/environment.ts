/**
 * Configuration from environment variables, validated once at cold start. Each variable is declared once,
 * in APP_VARIABLES (or SCRIPT_VARIABLES for those only the scripts and serverless.yml read): schema, default,
 * description. Defaults differ between a Lambda container (standard models from the layer, caches under
 * /tmp) and a local run (auto profile, ./models). `loadConfig` validates them all, reports every problem at
 * once, and builds the nested view (`config.rag.faiss.key`, `config.jobs.queueUrl`, ...) in one place.
 * The tables of docs/configuration.md are generated from these declarations (`npm run docs:config`).
 */

import path from 'node:path';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../costs/price-table';
import { parseSafetyPolicies, safetyPoliciesProblem } from '../safety/policy';
import * as z from '../schema';
import { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS } from '../summarization/limits';
import { lambdaVcpus } from './lambda-vcpus';
import type { SecretSource } from './secrets';
import { type CrossRule, readVariables, type Values, variable } from './variables';

export const MODEL_PROFILES = ['standard', 'tiny', 'auto'] as const;
export type ModelProfile = (typeof MODEL_PROFILES)[number];

const positiveInt = z.coerce.number().check(z.int(), z.positive());
const positiveIntUpTo = (max: number) => z.coerce.number().check(z.int(), z.positive(), z.maximum(max));
const nonNegativeInt = z.coerce.number().check(z.int(), z.minimum(0));
const port = z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65_535));
const nonEmpty = z.string().check(z.minLength(1));
const between = (min: number, max: number) => z.coerce.number().check(z.minimum(min), z.maximum(max));
const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));
const booleanFlag = z.pipe(
  z.enum(['true', 'false', '1', '0', 'yes', 'no']),
  z.transform((v: 'true' | 'false' | '1' | '0' | 'yes' | 'no') => v === 'true' || v === '1' || v === 'yes'),
);
/** A directory, made absolute against the working directory when the configuration is read. */
const directory = z.pipe(
  nonEmpty,
  z.transform((dir: string) => path.resolve(dir)),
);
const s3Bucket = matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');
export const LogLevelSchema = matching(
  /^(trace|debug|info|warn|error|critical|silent)$/i,
  'must be DEBUG, INFO, WARN, ERROR or SILENT',
);
const ModelProfileSchema = z.enum(MODEL_PROFILES);
/** Origins as a list: `*`, or comma-separated `https://app.example.com` (a `*` inside matches one label). */
const originList = z.pipe(
  nonEmpty,
  z.transform((value: string) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  ),
);

/** Used when WIKIPEDIA_USER_AGENT is unset; a deployment should set one with its operator's contact. */
export const DEFAULT_WIKIPEDIA_USER_AGENT =
  'genai-endpoints-researcher/0.1 (Wikipedia summaries and sentiment; operator contact: set WIKIPEDIA_USER_AGENT)';

/** Every variable the functions read, in the order docs/configuration.md lists them. */
export const APP_VARIABLES = {
  MODEL_PROFILE: variable({
    schema: ModelProfileSchema,
    default: { local: 'auto', lambda: 'standard' },
    configures: 'models',
    description: '`standard`, `tiny` or `auto` (standard when it loads, else tiny)',
  }),
  MODEL_ROOT: variable({
    schema: directory,
    default: { local: './models', lambda: '/opt/models' },
    configures: 'models',
    description: 'where model folders are looked up by id (the layer on Lambda)',
  }),
  MODEL_CACHE_DIR: variable({
    schema: directory,
    default: { lambda: '/tmp/models' },
    defaultText: '`MODEL_ROOT` / `/tmp/models`',
    configures: 'models',
    description: 'where downloaded and S3-copied models are written (must be writable)',
  }),
  MODEL_ALLOW_REMOTE: variable({
    schema: booleanFlag,
    default: { local: 'true', lambda: 'false' },
    configures: 'models',
    description: 'download missing standard models from the hub at run time',
  }),
  MODEL_HUB_URL: variable({
    schema: z.url(),
    defaultText: 'the Hugging Face hub',
    configures: 'models',
    description: 'a mirror for remote loads and `models:fetch`',
  }),
  MODEL_REMOTE_TIMEOUT_MS: variable({
    schema: positiveInt,
    default: '15000',
    configures: 'models',
    description: 'longest wait for one hub request',
  }),
  MODEL_S3_URI: variable({
    schema: matching(/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/, 'must look like s3://bucket/prefix'),
    defaultText: "unset / the stack's model bucket (summarize)",
    configures: 'models',
    description: '`s3://bucket/prefix` holding standard models by id (large ones that no layer can carry)',
  }),
  MODEL_WARMUP: variable({
    schema: booleanFlag,
    default: { local: 'false', lambda: 'true' },
    configures: 'models',
    description: "load the function's model at cold start rather than on its first request",
  }),
  MODEL_THREADS: variable({
    schema: positiveIntUpTo(64),
    defaultText: "the vCPUs Lambda grants at the function's memory; onnxruntime's choice elsewhere",
    configures: 'models',
    description: "onnxruntime's intra-op threads per model session",
  }),
  MODEL_RETRY_AFTER_SECONDS: variable({
    schema: positiveInt,
    default: '30',
    configures: 'models',
    description: '`Retry-After` on 503',
  }),
  MAX_BODY_BYTES: variable({
    schema: positiveInt,
    default: String(256 * 1024),
    configures: 'requests',
    description: 'request body limit (413 above it)',
  }),
  CORS_ORIGIN: variable({
    schema: originList,
    default: { local: '*', lambda: 'http://localhost:3000' },
    defaultText:
      "`*` / the stage's origins from serverless.yml (`http://localhost:3000` unless set), never `*`",
    configures: 'requests',
    description: 'origins browsers may call from, comma-separated, at the gateway and in the handlers',
  }),
  API_KEYS_TABLE: variable({
    schema: matching(
      /^[A-Za-z0-9_.-]{3,255}$/,
      'must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)',
    ),
    defaultText: "unset (open) / the stack's API keys table",
    configures: 'API keys',
    description:
      'DynamoDB table of API keys, rate buckets and daily usage; set, every route but `/health` needs a key',
  }),
  DYNAMODB_ENDPOINT: variable({
    schema: z.url(),
    defaultText: "AWS's; the embedded DynamoDB-compatible server under `npm start`",
    configures: 'API keys',
    description: 'a DynamoDB-compatible server for the API keys table (dynalite locally and in tests)',
  }),
  SAFETY_POLICIES: variable({
    schema: z.pipe(
      z.string().check(
        z.refine((value: string) => safetyPoliciesProblem(value) === undefined, {
          message:
            'must be comma-separated [route.]filter=policy: filters pii, injection, toxicity; policies block, redact, flag, off',
        }),
      ),
      z.transform(parseSafetyPolicies),
    ),
    defaultText: 'unset: every filter off',
    configures: 'safety',
    description:
      'what each route does with personal data, prompt injection and toxicity it finds: `pii=redact,injection=block,chat.toxicity=flag`',
  }),
  SAFETY_THRESHOLD: variable({
    schema: between(0, 1),
    default: '0.5',
    configures: 'safety',
    description: "a classifier's probability from which a text counts as toxic or an injection",
  }),
  AUDIT_LOG_CONTENT: variable({
    schema: booleanFlag,
    default: 'false',
    configures: 'audit',
    description: "add the request's body (validated, after any safety redaction) to its audit record",
  }),
  RESPONSE_CACHE_TTL_SECONDS: variable({
    schema: nonNegativeInt,
    default: '0',
    configures: 'cache',
    description:
      'how long deterministic responses are served from the cache (in the documents store, `cache/`); 0 turns it off',
  }),
  STREAMING_URL: variable({
    schema: z.url(),
    configures: 'requests',
    description:
      "the streaming function's URL, listed as a server in /openapi.json (serverless.yml sets it deployed)",
  }),
  DATA_DIR: variable({
    schema: directory,
    default: { local: './data', lambda: '/tmp/data' },
    configures: 'documents',
    description: 'documents, registry and FAISS index when no bucket is set',
  }),
  DOCUMENTS_BUCKET: variable({
    schema: s3Bucket,
    defaultText: "unset / the stack's documents bucket",
    configures: 'documents',
    description: 'S3 bucket for `documents/`, `faiss/`, `registry/`',
  }),
  DOCUMENTS_PREFIX: variable({
    schema: z.string(),
    default: 'documents/',
    configures: 'documents',
    description: 'where documents live in the bucket (S3 uploads there are ingested)',
  }),
  REGISTRY_PREFIX: variable({
    schema: z.string(),
    default: 'registry/',
    configures: 'documents',
    description: "where the document registry's entries live in the bucket",
  }),
  FAISS_INDEX_KEY: variable({
    schema: nonEmpty,
    default: 'faiss/index.bin',
    configures: 'FAISS',
    description: 'the key of the FAISS index object in the bucket (or the data folder)',
  }),
  FAISS_INDEX_KIND: variable({
    schema: z.enum(['flat', 'ivf']),
    default: 'ivf',
    configures: 'FAISS',
    description:
      '`ivf`: an approximate IVF index once the index holds `FAISS_IVF_MIN_VECTORS`, exact below; `flat`: always exact',
  }),
  FAISS_VECTOR_STORAGE: variable({
    schema: z.enum(['int8', 'float16', 'float32']),
    default: 'int8',
    configures: 'FAISS',
    description:
      'how the index object stores vectors: `int8` (8-bit codes + a 4-bit refinement, 2.5x smaller than float32), `float16` (2x) or `float32`; results match float32 search (recall@10 ≥ 0.99, scores within 0.001)',
  }),
  FAISS_IVF_NLIST: variable({
    schema: nonNegativeInt,
    default: '0',
    defaultText: '`0` (√n / 4)',
    configures: 'FAISS',
    description: 'IVF lists; `0` picks √n / 4 for n chunks (8 to 256)',
  }),
  FAISS_IVF_NPROBE: variable({
    schema: positiveInt,
    default: '16',
    configures: 'FAISS',
    description: 'IVF lists searched per query',
  }),
  FAISS_IVF_MIN_VECTORS: variable({
    schema: positiveInt,
    default: '200000',
    configures: 'FAISS',
    description: 'vectors below which an `ivf` index stays exact (docs/performance.md: where IVF pays off)',
  }),
  FAISS_REFRESH_SECONDS: variable({
    schema: z.coerce.number().check(z.minimum(0)),
    default: '5',
    configures: 'FAISS',
    description: 'how long a loaded index is trusted before its ETag is checked',
  }),
  FAISS_CACHE_DIR: variable({
    schema: directory,
    default: { lambda: '/tmp/faiss' },
    defaultText: '`DATA_DIR/.faiss-cache` / `/tmp/faiss`',
    configures: 'FAISS',
    description: 'the local copy of the index object, reused across invocations',
  }),
  CHROMA_URL: variable({
    schema: z.url(),
    defaultText: 'the embedded server (`npm start`) / unset',
    configures: 'Chroma',
    description: 'the Chroma server `/rag-query` may use',
  }),
  CHROMA_COLLECTION: variable({
    schema: matching(
      /^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$/,
      'must be 3-512 characters of letters, digits, . _ -',
    ),
    default: 'documents',
    configures: 'Chroma',
    description: 'the Chroma collection',
  }),
  PINECONE_INDEX_HOST: variable({
    schema: nonEmpty,
    configures: 'Pinecone',
    description: 'the Pinecone index host (required with a Pinecone key)',
  }),
  PINECONE_NAMESPACE: variable({
    schema: z.string(),
    default: 'default',
    configures: 'Pinecone',
    description: 'the Pinecone namespace (one per corpus)',
  }),
  PINECONE_API_KEY_PARAMETER: variable({
    schema: nonEmpty,
    configures: 'Pinecone',
    description: 'SSM SecureString holding the Pinecone key (deployed)',
  }),
  PINECONE_API_KEY: variable({
    schema: nonEmpty,
    secret: true,
    configures: 'Pinecone',
    description: 'the key itself, for local runs only',
  }),
  RAG_STORE: variable({
    schema: z.enum(['pinecone', 'chroma']),
    defaultText: '`pinecone` if configured, else `chroma` if configured',
    configures: 'answers',
    description: 'default store of `/rag-query`',
  }),
  RAG_MIN_SCORE: variable({
    schema: between(-1, 1),
    default: '0.3',
    configures: 'answers',
    description: 'lowest similarity a chunk needs to be used',
  }),
  RAG_MAX_ANSWER_TOKENS: variable({
    schema: positiveInt,
    default: '96',
    configures: 'answers',
    description: 'longest answer',
  }),
  CHUNK_TOKENS: variable({
    schema: positiveInt,
    default: '200',
    configures: 'ingestion',
    description: 'tokens per chunk',
  }),
  CHUNK_OVERLAP_TOKENS: variable({
    schema: nonNegativeInt,
    default: '40',
    configures: 'ingestion',
    description: 'tokens two chunks share (at most half of `CHUNK_TOKENS`)',
  }),
  EMBED_BATCH: variable({
    schema: positiveInt,
    default: '32',
    configures: 'ingestion',
    description: 'chunks embedded per batch',
  }),
  CHAT_RAG_MIN_SCORE: variable({
    schema: between(-1, 1),
    default: '0.5',
    configures: 'chat',
    description: 'lowest best-document score that sends a `/chat` message to RAG',
  }),
  CHAT_ROUTE_MIN_SIMILARITY: variable({
    schema: between(-1, 1),
    default: '0.6',
    configures: 'chat',
    description: 'lowest similarity to a labelled example that sends a message to its route (else the LLM)',
  }),
  CHAT_SESSION_MAX_TURNS: variable({
    schema: positiveIntUpTo(100),
    default: '10',
    configures: 'chat',
    description: 'turns a chat session keeps (1..100)',
  }),
  CHAT_SESSION_MAX_TOKENS: variable({
    schema: positiveInt,
    default: '768',
    configures: 'chat',
    description: "tokens of history a chat session keeps (the embedder's tokenizer counts them)",
  }),
  CHAT_SESSION_TTL_SECONDS: variable({
    schema: positiveInt,
    default: '86400',
    configures: 'chat',
    description: 'how long an unused chat session is kept',
  }),
  CHAT_FUNCTION_PREFIX: variable({
    schema: nonEmpty,
    defaultText: 'unset / `genai-endpoints-STAGE-`',
    configures: 'chat',
    description:
      'deployed function names are this plus their serverless.yml key; `/chat` invokes them (ignored under `npm start`, which calls the handlers in-process)',
  }),
  WIKIPEDIA_API_URL: variable({
    schema: matching(/^https?:\/\/\S+$/, 'must be an http(s) URL; {lang} stands for the language code'),
    default: 'https://{lang}.wikipedia.org/w/api.php',
    configures: 'researcher',
    description: 'the MediaWiki Action API `/researcher` reads; `{lang}` is replaced by the language code',
  }),
  WIKIPEDIA_USER_AGENT: variable({
    schema: nonEmpty,
    defaultText: 'a descriptive agent asking the operator to set one',
    configures: 'researcher',
    description: "the User-Agent sent to Wikipedia (its policy asks for the operator's contact)",
  }),
  WIKIPEDIA_TIMEOUT_MS: variable({
    schema: positiveInt,
    default: '8000',
    configures: 'researcher',
    description: 'longest wait for one Wikipedia request',
  }),
  WIKIPEDIA_MAX_ATTEMPTS: variable({
    schema: positiveIntUpTo(10),
    default: '3',
    configures: 'researcher',
    description: 'attempts of one Wikipedia request (429 and 5xx retried with backoff) before the step fails',
  }),
  RESEARCHER_MAX_ARTICLE_CHARS: variable({
    // What one synchronous summary can afford at true size (MAX_SUMMARY_TEXT_CHARS, docs/performance.md).
    schema: positiveIntUpTo(MAX_SUMMARY_TEXT_CHARS),
    default: String(MAX_SUMMARY_TEXT_CHARS),
    configures: 'researcher',
    description:
      'most characters of an article read, summarized and classified at once (`read: "lead"`, the default)',
  }),
  RESEARCHER_MAX_JOB_ARTICLE_CHARS: variable({
    // Below a summary job's MAX_SUMMARY_JOB_TEXT_CHARS (about nine chunks, 14 minutes at true size on two
    // vCPUs: docs/performance.md): a research job classifies the whole text on the same vCPUs while it
    // summarizes, inside a task limit of 14 minutes. About seven chunks leave that room.
    schema: positiveIntUpTo(MAX_SUMMARY_JOB_TEXT_CHARS),
    default: '30000',
    configures: 'researcher',
    description: 'most characters of an article that a job (`read: "full"`) reads, summarizes and classifies',
  }),
  RESEARCHER_STATE_MACHINE_ARN: variable({
    schema: matching(/^arn:aws[\w-]*:states:/, 'must be a state machine ARN'),
    defaultText: "unset / the stack's state machine",
    configures: 'researcher',
    description:
      'deployed, the Express workflow `/researcher` starts; unset, the same definition runs in-process',
  }),
  IMAGE_MAX_BYTES: variable({
    schema: positiveInt,
    default: String(5 * 1024 * 1024),
    configures: 'images',
    description: 'largest encoded image (413 above)',
  }),
  IMAGE_MAX_PIXELS: variable({
    schema: positiveInt,
    default: '25000000',
    configures: 'images',
    description: 'largest width × height, against decompression bombs (413 above)',
  }),
  GPU_SERVICE_URL: variable({
    schema: z.url(),
    configures: 'jobs',
    description: 'the GPU container; diffusion and BLIP-2 run in process when unset',
  }),
  GPU_SERVICE_TOKEN: variable({
    schema: nonEmpty,
    configures: 'jobs',
    description:
      'the shared secret sent to the GPU service as `Authorization: Bearer …` (local runs; the service holds the same)',
  }),
  GPU_SERVICE_TOKEN_PARAMETER: variable({
    schema: nonEmpty,
    configures: 'jobs',
    description: 'SSM SecureString holding the GPU service secret (deployed; a name without a leading slash)',
  }),
  GPU_SERVICE_TIMEOUT_SECONDS: variable({
    schema: positiveInt,
    default: '600',
    configures: 'jobs',
    description: 'longest wait for one GPU request',
  }),
  JOBS_QUEUE_URL: variable({
    schema: z.url(),
    defaultText: "unset / the stack's queue",
    configures: 'jobs',
    description: 'the SQS queue a worker consumes; jobs run in process when unset',
  }),
  JOB_HEARTBEAT_TIMEOUT_SECONDS: variable({
    schema: positiveInt,
    default: '120',
    configures: 'jobs',
    description: "when a running job's worker is declared lost (the job is retried or failed)",
  }),
  JOB_QUEUED_TIMEOUT_SECONDS: variable({
    schema: positiveInt,
    default: '900',
    configures: 'jobs',
    description: 'when a queued job that no worker took is failed (with a queue)',
  }),
  JOB_MAX_ATTEMPTS: variable({
    schema: positiveIntUpTo(10),
    default: '3',
    configures: 'jobs',
    description: 'claims a job may have (1..10): a job whose worker dies on each is failed `worker_lost`',
  }),
  GENERATE_SYNC_MAX_PIXEL_STEPS: variable({
    schema: nonNegativeInt,
    default: String(64 * 64 * 10 * 4),
    configures: 'jobs',
    description: 'largest width × height × steps × images run with `sync: true`',
  }),
  CLASSIC_SYNC_MAX_WORK: variable({
    schema: nonNegativeInt,
    default: '400',
    configures: 'jobs',
    description:
      'largest steps × images that `/diffusion/generate` and `/ebm/generate` answer at once; above, 202 and a job (0: always a job)',
  }),
  VQA_PROVIDER: variable({
    schema: z.enum(['blip2', 'gemini']),
    defaultText: '`gemini` with a Gemini key, else `blip2`',
    configures: 'VQA',
    description: 'default provider of `/qa-image-text`',
  }),
  GEMINI_API_KEY_PARAMETER: variable({
    schema: nonEmpty,
    configures: 'VQA',
    description: 'SSM SecureString holding the Gemini key (deployed)',
  }),
  GEMINI_API_KEY: variable({
    schema: nonEmpty,
    secret: true,
    configures: 'VQA',
    description: 'the Gemini key itself, for local runs only',
  }),
  GEMINI_MODEL: variable({
    schema: nonEmpty,
    default: 'gemini-2.5-flash',
    configures: 'VQA',
    description: 'the Gemini model',
  }),
  GEMINI_BASE_URL: variable({
    schema: z.url(),
    defaultText: "Google's",
    configures: 'VQA',
    description: 'the Gemini endpoint',
  }),
  S3_ENDPOINT: variable({
    schema: z.url(),
    configures: 'S3',
    description: 'an S3-compatible endpoint (the tests use s3rver)',
  }),
  S3_FORCE_PATH_STYLE: variable({
    schema: booleanFlag,
    defaultText: '`true` when `S3_ENDPOINT` is set',
    configures: 'S3',
    description: 'path-style S3 addressing',
  }),
  AWS_REGION: variable({
    schema: nonEmpty,
    default: 'us-east-1',
    defaultText: '`us-east-1` / set by Lambda',
    configures: 'S3',
    description: 'region of the S3 clients',
  }),
  POWERTOOLS_LOG_LEVEL: variable({
    schema: LogLevelSchema,
    default: 'INFO',
    configures: 'logs',
    description: 'structured JSON logs (Powertools Logger); `SILENT` in tests',
  }),
  AWS_LAMBDA_FUNCTION_NAME: variable({
    schema: z.string(),
    defaultText: 'set by Lambda',
    configures: 'platform',
    description: 'its presence (without `IS_OFFLINE`) selects the Lambda defaults',
  }),
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: variable({
    schema: positiveInt,
    defaultText: 'set by Lambda; cost estimates assume 1024 elsewhere',
    configures: 'platform',
    description:
      "the function's memory in MB, which sets its vCPUs and so the models' threads, and its cost estimates",
  }),
  IS_OFFLINE: variable({
    schema: z.string(),
    defaultText: 'set by serverless-offline',
    configures: 'platform',
    description: 'marks a local run under serverless-offline: the local defaults apply',
  }),
} as const;

/**
 * Variables read only by the scripts (`npm start`, `npm run package`) and by serverless.yml (serverless-offline,
 * deploying), never by the functions; documented, and validated where a script reads them.
 */
export const SCRIPT_VARIABLES = {
  PORT: variable({
    schema: port,
    default: '3000',
    configures: '`npm start`',
    description: "the local server's HTTP port on 127.0.0.1",
  }),
  DYNAMODB_PORT: variable({
    schema: port,
    default: '8000',
    configures: '`npm start`',
    description:
      'port of the embedded DynamoDB-compatible server, when `API_KEYS_TABLE` is set without `DYNAMODB_ENDPOINT`',
  }),
  LAMBDA_PORT: variable({
    schema: port,
    default: '3002',
    defaultText: 'a free port (`npm start`), `3002` (`osls offline start`)',
    configures: 'serverless-offline',
    description: "serverless-offline's Lambda invoke port; `npm start` always picks a free one",
  }),
  ESBUILD_WORK_FOLDER: variable({
    schema: nonEmpty,
    default: '.esbuild',
    defaultText: '`.esbuild` (`.esbuild/offline-PORT` for each local server)',
    configures: 'serverless-esbuild',
    description: 'where the functions are bundled; every local server builds into its own folder',
  }),
  STAGE: variable({
    schema: matching(/^[A-Za-z0-9-]+$/, 'must be letters, digits and -'),
    default: 'dev',
    configures: '`npm run package`',
    description: 'the stage packaged',
  }),
  LAYER_MODEL_PROFILE: variable({
    schema: z.enum(['standard', 'tiny']),
    default: 'standard',
    configures: '`npm run package`',
    description: 'the models packed into the model layers: `tiny` for a demo stack',
  }),
  TRUE_SIZE_MODEL_ROOT: variable({
    schema: nonEmpty,
    defaultText: '`~/.cache/genai-endpoints/true-size`',
    configures: '`npm run models:true-size`, `npm run bench -- --true-size`',
    description:
      'where the true-size random-weight models are written and read (gigabytes; outside the repository)',
  }),
  DOCUMENTS_BUCKET_NAME: variable({
    schema: s3Bucket,
    defaultText: '`genai-endpoints-STAGE-documents`',
    configures: 'deploy',
    description: 'the documents bucket the stack creates (bucket names are global: pick yours)',
  }),
} as const;

/** The functions' variables, each validated and defaulted: the flat view of the configuration. */
export type Environment = Values<typeof APP_VARIABLES>;
export type ScriptEnvironment = Values<typeof SCRIPT_VARIABLES>;

const pineconeKeySet = (e: Environment) => Boolean(e.PINECONE_API_KEY ?? e.PINECONE_API_KEY_PARAMETER);

/** Rules over several variables, checked (and reported with the rest) when each one they read is valid. */
const APP_RULES: readonly CrossRule<typeof APP_VARIABLES>[] = [
  {
    reads: [
      'GPU_SERVICE_URL',
      'GPU_SERVICE_TOKEN',
      'GPU_SERVICE_TOKEN_PARAMETER',
      'AWS_LAMBDA_FUNCTION_NAME',
      'IS_OFFLINE',
    ],
    check: (e) =>
      e.GPU_SERVICE_URL &&
      e.AWS_LAMBDA_FUNCTION_NAME &&
      !e.IS_OFFLINE &&
      !(e.GPU_SERVICE_TOKEN ?? e.GPU_SERVICE_TOKEN_PARAMETER)
        ? 'GPU_SERVICE_URL: a deployed function calls the GPU service with its secret; set GPU_SERVICE_TOKEN_PARAMETER'
        : undefined,
  },
  {
    reads: ['CORS_ORIGIN', 'AWS_LAMBDA_FUNCTION_NAME', 'IS_OFFLINE'],
    check: (e) =>
      e.AWS_LAMBDA_FUNCTION_NAME && !e.IS_OFFLINE && e.CORS_ORIGIN?.includes('*')
        ? "CORS_ORIGIN: a deployed function never allows every origin ('*'); name the stage's origins"
        : undefined,
  },
  {
    reads: ['PINECONE_API_KEY', 'PINECONE_API_KEY_PARAMETER', 'PINECONE_INDEX_HOST'],
    check: (e) =>
      pineconeKeySet(e) && !e.PINECONE_INDEX_HOST
        ? 'PINECONE_INDEX_HOST: required with a Pinecone API key'
        : undefined,
  },
  {
    reads: ['RAG_STORE', 'PINECONE_API_KEY', 'PINECONE_API_KEY_PARAMETER', 'PINECONE_INDEX_HOST'],
    check: (e) =>
      e.RAG_STORE === 'pinecone' && !(pineconeKeySet(e) && e.PINECONE_INDEX_HOST)
        ? 'RAG_STORE: pinecone needs PINECONE_API_KEY (or _PARAMETER) and PINECONE_INDEX_HOST'
        : undefined,
  },
  {
    reads: ['RAG_STORE', 'CHROMA_URL'],
    check: (e) =>
      e.RAG_STORE === 'chroma' && !e.CHROMA_URL ? 'RAG_STORE: chroma needs CHROMA_URL' : undefined,
  },
];

/** Lambda, unless serverless-offline runs the function (an empty variable is unset). */
export function runsOnLambda(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && !env.IS_OFFLINE;
}

/** The functions' variables, validated, with the defaults of where this process runs. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return readVariables(APP_VARIABLES, env, {
    platform: runsOnLambda(env) ? 'lambda' : 'local',
    rules: APP_RULES,
  });
}

/** The scripts' variables named, validated and defaulted (every problem at once). */
export function readScriptEnvironment<K extends keyof typeof SCRIPT_VARIABLES>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Pick<ScriptEnvironment, K> {
  const picked = Object.fromEntries(names.map((name) => [name, SCRIPT_VARIABLES[name]]));
  return readVariables(picked as Pick<typeof SCRIPT_VARIABLES, K>, env) as Pick<ScriptEnvironment, K>;
}

export type AppConfig = ReturnType<typeof loadConfig>;
export type RagConfig = AppConfig['rag'];

/** Throws a ConfigurationError naming every invalid variable (and combination) at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return appConfig(readEnvironment(env), runsOnLambda(env));
}

/** The nested view of the configuration that the code uses: the one place it is assembled. */
function appConfig(e: Environment, runningOnLambda: boolean) {
  const geminiKey = secretSource(e.GEMINI_API_KEY, e.GEMINI_API_KEY_PARAMETER);
  return readOnly({
    runningOnLambda,
    modelProfile: e.MODEL_PROFILE,
    /** Where model folders are looked up by id: the layer's /opt/models on Lambda, ./models locally. */
    modelRoot: e.MODEL_ROOT,
    /** Where models downloaded at run time are written (must be writable: /tmp on Lambda). */
    modelCacheDir: e.MODEL_CACHE_DIR ?? e.MODEL_ROOT,
    allowRemoteModels: e.MODEL_ALLOW_REMOTE,
    /** `s3://bucket/prefix` holding standard models by id (large ones that no layer can carry). */
    modelS3Uri: e.MODEL_S3_URI,
    s3: s3Settings(e),
    remoteTimeoutMs: e.MODEL_REMOTE_TIMEOUT_MS,
    /** The model hub, or a mirror of it, that remote loads and `models:fetch` download from. */
    modelHubUrl: e.MODEL_HUB_URL,
    retryAfterSeconds: e.MODEL_RETRY_AFTER_SECONDS,
    /** onnxruntime's intra-op threads: as set, else the vCPUs of the Lambda function's memory size. */
    modelThreads:
      e.MODEL_THREADS ??
      (e.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ? lambdaVcpus(e.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) : undefined),
    /** The function's memory, for cost estimates: as Lambda sets it, else serverless.yml's default. */
    functionMemoryMb: e.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? DEFAULT_FUNCTION_MEMORY_MB,
    /** Load a function's model at cold start rather than on its first request. */
    warmUp: e.MODEL_WARMUP,
    maxBodyBytes: e.MAX_BODY_BYTES,
    /** Where `"stream": true` is answered deployed (the `stream` function's URL); the same port locally. */
    streamingUrl: e.STREAMING_URL,
    /** Origins browsers may call from; never every origin on Lambda. */
    corsOrigins: e.CORS_ORIGIN,
    /** What each route does with personal data, prompt injection and toxicity (all off by default). */
    safety: e.SAFETY_POLICIES ?? parseSafetyPolicies(''),
    safetyThreshold: e.SAFETY_THRESHOLD,
    responseCacheTtlSeconds: e.RESPONSE_CACHE_TTL_SECONDS,
    auditContent: e.AUDIT_LOG_CONTENT,
    /** API keys: unset, every route is open (the local default). */
    access: e.API_KEYS_TABLE
      ? {
          table: e.API_KEYS_TABLE,
          ...(e.DYNAMODB_ENDPOINT ? { endpoint: e.DYNAMODB_ENDPOINT } : {}),
          region: e.AWS_REGION,
        }
      : undefined,
    /** Limits on uploaded images: encoded bytes, and width × height against decompression bombs. */
    images: { maxBytes: e.IMAGE_MAX_BYTES, maxPixels: e.IMAGE_MAX_PIXELS },
    vqa: {
      defaultProvider: e.VQA_PROVIDER ?? (geminiKey ? ('gemini' as const) : ('blip2' as const)),
      gemini: geminiKey ? geminiSettings(geminiKey, e) : undefined,
    },
    jobs: {
      /** SQS queue that a worker function consumes; jobs run in this process when unset. */
      queueUrl: e.JOBS_QUEUE_URL,
      /** The GPU container; images are generated in this process when unset. */
      gpuServiceUrl: e.GPU_SERVICE_URL,
      /** The GPU service's shared secret: the value itself (local runs) or its SSM parameter (AWS). */
      gpuServiceToken: secretSource(e.GPU_SERVICE_TOKEN, e.GPU_SERVICE_TOKEN_PARAMETER),
      gpuTimeoutMs: e.GPU_SERVICE_TIMEOUT_SECONDS * 1000,
      /** A running job without a heartbeat for this long has lost its worker: it is retried or failed. */
      heartbeatTimeoutMs: e.JOB_HEARTBEAT_TIMEOUT_SECONDS * 1000,
      queuedTimeoutMs: e.JOB_QUEUED_TIMEOUT_SECONDS * 1000,
      /** Claims a job may have before a job whose workers keep dying is failed. */
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      syncMaxPixelSteps: e.GENERATE_SYNC_MAX_PIXEL_STEPS,
      /** Sampler steps × images above which a classic generator's run becomes a job. */
      classicSyncMaxWork: e.CLASSIC_SYNC_MAX_WORK,
    },
    rag: ragConfig(e),
    research: {
      /** The MediaWiki Action API endpoint; `{lang}` is replaced by the requested language code. */
      wikipediaApiUrl: e.WIKIPEDIA_API_URL,
      /** Wikimedia's policy asks every client to say who it is and how to reach its operator. */
      userAgent: e.WIKIPEDIA_USER_AGENT ?? DEFAULT_WIKIPEDIA_USER_AGENT,
      timeoutMs: e.WIKIPEDIA_TIMEOUT_MS,
      maxAttempts: e.WIKIPEDIA_MAX_ATTEMPTS,
      maxArticleChars: e.RESEARCHER_MAX_ARTICLE_CHARS,
      /** What a research job (`read: "full"`) reads of an article, in the worker's fifteen minutes. */
      maxJobArticleChars: e.RESEARCHER_MAX_JOB_ARTICLE_CHARS,
      stateMachineArn: e.RESEARCHER_STATE_MACHINE_ARN,
    },
    chat: {
      ragMinScore: e.CHAT_RAG_MIN_SCORE,
      routeMinSimilarity: e.CHAT_ROUTE_MIN_SIMILARITY,
      session: {
        maxTurns: e.CHAT_SESSION_MAX_TURNS,
        maxTokens: e.CHAT_SESSION_MAX_TOKENS,
        ttlMs: e.CHAT_SESSION_TTL_SECONDS * 1000,
      },
      /**
       * Deployed functions are named this prefix plus their key in serverless.yml; /chat invokes them. Unset
       * (or under serverless-offline), /chat calls the same handlers in-process.
       */
      functionPrefix: runningOnLambda ? e.CHAT_FUNCTION_PREFIX : undefined,
    },
  });
}

function ragConfig(e: Environment) {
  const pineconeKey = secretSource(e.PINECONE_API_KEY, e.PINECONE_API_KEY_PARAMETER);
  // APP_RULES made sure that a key comes with a host.
  const pinecone: PineconeSettings | undefined =
    pineconeKey && e.PINECONE_INDEX_HOST
      ? { indexHost: e.PINECONE_INDEX_HOST, namespace: e.PINECONE_NAMESPACE, apiKey: pineconeKey }
      : undefined;
  const chroma = e.CHROMA_URL ? { url: e.CHROMA_URL, collection: e.CHROMA_COLLECTION } : undefined;
  return {
    /** Local directory for documents, the FAISS index and the registry, when no bucket is set. */
    dataDir: e.DATA_DIR,
    documentsBucket: e.DOCUMENTS_BUCKET,
    documentsPrefix: e.DOCUMENTS_PREFIX,
    registryPrefix: e.REGISTRY_PREFIX,
    faiss: {
      key: e.FAISS_INDEX_KEY,
      kind: e.FAISS_INDEX_KIND,
      storage: e.FAISS_VECTOR_STORAGE,
      ivfNlist: e.FAISS_IVF_NLIST,
      ivfNprobe: e.FAISS_IVF_NPROBE,
      ivfMinVectors: e.FAISS_IVF_MIN_VECTORS,
      refreshMs: e.FAISS_REFRESH_SECONDS * 1000,
      /** Where the index object is copied for reuse across invocations (/tmp on Lambda). */
      cacheDir: e.FAISS_CACHE_DIR ?? path.join(e.DATA_DIR, '.faiss-cache'),
    },
    chroma,
    pinecone,
    /** The store /rag-query uses when the request names none. */
    defaultStore:
      e.RAG_STORE ?? (pinecone ? ('pinecone' as const) : chroma ? ('chroma' as const) : undefined),
    minScore: e.RAG_MIN_SCORE,
    maxAnswerTokens: e.RAG_MAX_ANSWER_TOKENS,
    chunkTokens: e.CHUNK_TOKENS,
    overlapTokens: Math.min(e.CHUNK_OVERLAP_TOKENS, Math.floor(e.CHUNK_TOKENS / 2)),
    embedBatch: e.EMBED_BATCH,
  };
}

interface PineconeSettings {
  readonly indexHost: string;
  readonly namespace: string;
  /** The key itself (local runs) or the SSM SecureString parameter holding it (AWS). */
  readonly apiKey: SecretSource;
}

interface GeminiSettings {
  readonly apiKey: SecretSource;
  readonly model: string;
  readonly baseUrl?: string;
}

/** The value itself wins over the SSM parameter that would hold it. */
function secretSource(value: string | undefined, parameter: string | undefined): SecretSource | undefined {
  return value ? { value } : parameter ? { parameter } : undefined;
}

function geminiSettings(apiKey: SecretSource, e: Environment): GeminiSettings {
  return { apiKey, model: e.GEMINI_MODEL, ...(e.GEMINI_BASE_URL ? { baseUrl: e.GEMINI_BASE_URL } : {}) };
}

function s3Settings(e: Environment): { readonly endpoint?: string; readonly forcePathStyle?: boolean } {
  return {
    ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
    ...(e.S3_FORCE_PATH_STYLE === undefined ? {} : { forcePathStyle: e.S3_FORCE_PATH_STYLE }),
  };
}

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The configuration is read once and shared by everything a container builds: its type says so. */
const readOnly = <T>(value: T): DeepReadonly<T> => value as DeepReadonly<T>;
