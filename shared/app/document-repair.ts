/**
 * The repair pass over a deployment's own registry and stores, as configured: what `npm run
 * documents:repair` runs, and what `npm start` runs once the local stores are up.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type AppConfig, loadConfig } from '../config/environment';
import {
  describeRepair,
  type RepairOptions,
  type RepairReport,
  repairDocuments,
} from '../rag/repair-documents';
import { createDependencies } from './dependencies';

export async function repairConfiguredDocuments(
  config: AppConfig,
  options: Omit<RepairOptions, 'rebuildFaiss'> & { rebuildFaiss?: boolean } = {},
  logger?: Logger,
): Promise<RepairReport> {
  const deps = createDependencies(config, logger ? { logger } : {});
  try {
    return await repairDocuments(
      {
        registry: deps.registry,
        versions: deps.documentVersions,
        stores: await deps.vectorStores.all(),
        embeddings: deps.embeddings,
        embedBatch: config.rag.embedBatch,
      },
      { ...options, rebuildFaiss: options.rebuildFaiss ? deps.vectorStores.faissIndex() : undefined },
    );
  } finally {
    await deps.runtime.dispose();
  }
}

/**
 * Brings the stores back to the registry's committed versions when the local server starts (after a crash
 * or with a store that was down), printing what it did. It never stops the start: a failure is printed
 * with the command that repairs by hand.
 */
export async function checkDocumentsOnStart(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void = console.log,
): Promise<void> {
  try {
    const report = await repairConfiguredDocuments(loadConfig(env));
    for (const line of describeRepair(report)) print(line);
  } catch (error) {
    print(
      `WARNING: documents not checked (${(error as Error).message.split('\n')[0]}); ` +
        'run `npm run documents:repair` once the stores are reachable',
    );
  }
}
