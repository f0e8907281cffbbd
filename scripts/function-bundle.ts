/**
 * The esbuild options that build one function as serverless.yml does (bundled ESM for Node 20, the model
 * runtime and native modules left to the layers, lazily imported modules split into chunks beside the
 * handler): benchmarks and tests that bundle a function use these, so what they measure is what deploys.
 * The handler lands at `<outdir>/handler.mjs`.
 */
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { PROJECT_ROOT } from './local-server';
import { readServerlessConfig } from './serverless-config';

export function functionBundleOptions(functionDir: string, outdir: string): BuildOptions {
  const { exclude, minify, keepNames, splitting, chunkNames } = readServerlessConfig().custom.esbuild;
  return {
    entryPoints: [path.join(PROJECT_ROOT, 'functions', functionDir, 'handler.ts')],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: exclude,
    minify: minify ?? false,
    keepNames: keepNames ?? false,
    splitting: splitting ?? false,
    ...(chunkNames ? { chunkNames } : {}),
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  };
}
