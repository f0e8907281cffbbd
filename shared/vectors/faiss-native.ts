/**
 * faiss-node, loaded on first use: functions that never touch the FAISS index neither carry its layer nor
 * pay for loading it, and a missing native binding becomes a clear 503 instead of a crash at import.
 */
import { createRequire } from 'node:module';
import type * as Faiss from 'faiss-node';
import { VectorStoreUnavailableError } from '../errors';

export type FaissModule = typeof Faiss;

let loaded: FaissModule | undefined;

export function faissNative(): FaissModule {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)('faiss-node') as FaissModule;
    } catch (error) {
      throw new VectorStoreUnavailableError(
        `faiss: faiss-node has no working native binding (${(error as Error).message.split('\n')[0]}); ` +
          'run `npm run faiss:build` (it needs: apt-get install -y libfaiss-dev libopenblas-dev cmake patchelf)',
        { retryAfterSeconds: 300, cause: error },
      );
    }
  }
  return loaded;
}
