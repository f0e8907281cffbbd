/** The whole graph over the tiny models, storing into a fresh temporary folder, with FAISS as the only store. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AppDependencies, createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import { silentLogger } from '../../test/helpers/dependencies';

export function faissOnlyDependencies(modelRoot: string): AppDependencies {
  return createDependencies(
    loadConfig({
      ...process.env,
      MODEL_PROFILE: 'tiny',
      MODEL_ROOT: modelRoot,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bench-data-')),
      CHROMA_URL: '',
      PINECONE_API_KEY: '',
      PINECONE_INDEX_HOST: '',
    }),
    { logger: silentLogger() },
  );
}
