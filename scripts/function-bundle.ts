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
  const { exclude, minify, keepNames } = readServerlessConfig().custom.esbuild;
  return {
    entryPoints: [path.join(PROJECT_ROOT, 'functions', functionDir, 'handler.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: exclude,
    minify: minify ?? false,
    keepNames: keepNames ?? false,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  };
}
