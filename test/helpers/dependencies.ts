import { Logger } from '@aws-lambda-powertools/logger';
import { type AppDependencies, createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import type { PipelineFactory } from '../../shared/models/pipeline-factory';
import type { VectorStore } from '../../shared/vectors/vector-store';

export const silentLogger = () => new Logger({ serviceName: 'test', logLevel: 'SILENT' });

/** Dependencies over the tiny generated models (the test environment's configuration). */
export function testDependencies(
  env: NodeJS.ProcessEnv = {},
  overrides: {
    createPipeline?: PipelineFactory;
    decorateVectorStore?: (store: VectorStore) => VectorStore;
  } = {},
): AppDependencies {
  return createDependencies(loadConfig({ ...process.env, ...env }), { logger: silentLogger(), ...overrides });
}
