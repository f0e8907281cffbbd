import path from 'node:path';
import { defineConfig } from 'vitest/config';

export const TEST_MODEL_ROOT = path.resolve('.tmp/test-models');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: {
      MODEL_PROFILE: 'tiny',
      MODEL_ROOT: TEST_MODEL_ROOT,
      MODEL_ALLOW_REMOTE: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // No EMF records on the test output; the metrics test turns them on where it reads them.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  },
});
