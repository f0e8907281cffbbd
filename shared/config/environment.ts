/**
 * Configuration from environment variables, validated once at cold start. Defaults differ between a Lambda
 * container (standard models from the layer, caches under /tmp) and a local run (auto profile, ./models).
 */
import path from 'node:path';
import { z } from 'zod';

export const MODEL_PROFILES = ['standard', 'tiny', 'auto'] as const;
export type ModelProfile = (typeof MODEL_PROFILES)[number];

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

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
  CORS_ORIGIN: z.string().min(1).default('*'),
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
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
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
  };
}
