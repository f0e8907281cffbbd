/**
 * The esbuild options that build one function as serverless.yml does (bundled ESM for Node 20, the model
 * runtime and native modules left to the layers): benchmarks and tests that bundle a function use these,
 * so what they measure is what deploys.
 */
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { PROJECT_ROOT } from './local-server';
import { readServerlessConfig } from './serverless-config';

export function functionBundleOptions(functionDir: string): BuildOptions {
  return {
    entryPoints: [path.join(PROJECT_ROOT, 'functions', functionDir, 'handler.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: readServerlessConfig().custom.esbuild.exclude,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  };
}
