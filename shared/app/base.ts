/**
 * What every function has: its configuration, read and validated once per container, and its logger.
 * Everything else a function uses it composes itself from `shared/app`'s factories, so that its bundle
 * holds only its own route's path.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type AppConfig, loadConfig } from '../config/environment';

export const SERVICE_NAME = 'genai-endpoints';

export interface BaseDependencies {
  readonly config: AppConfig;
  readonly logger: Logger;
}

/** The container's configuration and logger (a function's cold start calls this once). */
export function baseDependencies(env: NodeJS.ProcessEnv = process.env): BaseDependencies {
  return { config: loadConfig(env), logger: new Logger({ serviceName: SERVICE_NAME }) };
}
