/**
 * The GPU service's configuration, declared as the functions' is (shared/config): each variable once, with
 * its schema, default and description; invalid values stop the service at start, all named at once.
 * infra/gpu/README.md's table is generated from these declarations (`npm run docs:config`).
 */

import { LogLevelSchema, MODEL_PROFILES } from '../../shared/config/environment';
import { readVariables, type Values, variable } from '../../shared/config/variables';
import * as z from '../../shared/schema';

const positiveInt = z.coerce.number().check(z.int(), z.positive());

export const GPU_VARIABLES = {
  PORT: variable({
    schema: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65_535)),
    default: '8080',
    configures: 'HTTP',
    description: 'the port the service listens on',
  }),
  HOST: variable({
    schema: z.string().check(z.minLength(1)),
    default: '0.0.0.0',
    configures: 'HTTP',
    description:
      'the address it binds: every interface by default, which needs a secret; without one it refuses to start unless this is a loopback address (`127.0.0.1`)',
  }),
  GPU_SERVICE_TOKEN: variable({
    schema: z.string().check(z.minLength(16, 'use a secret of at least 16 characters')),
    configures: 'HTTP',
    description:
      'the shared secret every request but `GET /health` must send as `Authorization: Bearer …` (401 otherwise)',
  }),
  GPU_SERVICE_TOKEN_PARAMETER: variable({
    schema: z.string().check(z.minLength(1)),
    configures: 'HTTP',
    description: 'SSM SecureString holding that secret (read at start when `GPU_SERVICE_TOKEN` is unset)',
  }),
  MODEL_PROFILE: variable({
    schema: z.enum(MODEL_PROFILES),
    default: 'standard',
    configures: 'models',
    description: '`standard` (SD 1.5, BLIP-2 flan-t5-xl), `tiny` (the generated test models) or `auto`',
  }),
  MODEL_ROOT: variable({
    schema: z.string().check(z.minLength(1)),
    default: '/models',
    configures: 'models',
    description: 'where the model folders are (mount them here)',
  }),
  GENERATION_MAX_BODY_BYTES: variable({
    schema: positiveInt,
    default: String(64 * 1024),
    configures: 'requests',
    description: 'body limit of `POST /v1/images/generations` (413 above it)',
  }),
  VQA_MAX_BODY_BYTES: variable({
    schema: positiveInt,
    default: String(8 * 1024 * 1024),
    configures: 'requests',
    description: 'body limit of `POST /v1/vqa`, whose image comes base64-encoded (413 above it)',
  }),
  POWERTOOLS_LOG_LEVEL: variable({
    schema: LogLevelSchema,
    default: 'INFO',
    configures: 'logs',
    description: 'structured JSON logs (Powertools Logger)',
  }),
} as const;

export type GpuConfig = Values<typeof GPU_VARIABLES>;

/** The service's variables, validated and defaulted; a ConfigurationError names every invalid one. */
export function loadGpuConfig(env: NodeJS.ProcessEnv = process.env): GpuConfig {
  return readVariables(GPU_VARIABLES, env);
}
