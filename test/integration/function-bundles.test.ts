/**
 * Each function's bundle holds its own route's path and nothing else: built as serverless.yml builds it,
 * then read from esbuild's metafile (which packages went in, and which modules load at import).
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { functionBundleOptions } from '../../scripts/function-bundle';
import { PROJECT_ROOT } from '../../scripts/local-server';
import { readServerlessConfig } from '../../scripts/serverless-config';

async function metafileOf(functionDir: string): Promise<Metafile> {
  const result = await build({
    ...functionBundleOptions(functionDir),
    write: false,
    outdir: path.join(PROJECT_ROOT, '.tmp', 'bundle-check'),
    metafile: true,
  });
  return result.metafile;
}

/** The npm packages bundled into the function. */
const packagesIn = (meta: Metafile) =>
  new Set(
    Object.keys(meta.inputs).flatMap((file) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
      return match?.[1] ? [match[1]] : [];
    }),
  );

/** External modules the bundle imports statically, i.e. loads at cold start. */
const staticExternals = (meta: Metafile) =>
  new Set(
    Object.values(meta.outputs).flatMap((output) =>
      output.imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path),
    ),
  );

/** The bundled modules that add bytes to the output (esbuild also lists those it tree-shook away). */
const bundledFiles = (meta: Metafile) =>
  Object.values(meta.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file, input]) => ({ file, bytes: input.bytesInOutput })),
  );

/** The modules an entry loads when it is imported: followed through static imports, not dynamic ones. */
function staticallyReachable(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of meta.inputs[file]?.imports ?? [])
      if (imported.kind !== 'dynamic-import' && !imported.external) pending.push(imported.path);
  }
  return seen;
}

/** zod's validators are tree-shaken: a bundle holds the few a route uses, never zod's full API or its locales. */
const ZOD_BUDGET_BYTES = 120_000;
/** One esbuild build per test: over a minute on a busy two-core machine. */
const BUILD_TIMEOUT_MS = 180_000;

describe('function bundles', () => {
  it(
    '/health carries no model runtime, no AWS client and no vector store',
    async () => {
      const meta = await metafileOf('health');
      const packages = [...packagesIn(meta)];
      expect(packages.filter((p) => p.startsWith('@aws-sdk') || p.startsWith('@smithy'))).toEqual([]);
      expect(packages).not.toContain('chromadb');
      expect(packages).not.toContain('@pinecone-database/pinecone');
      expect([...staticExternals(meta)].filter((p) => !p.startsWith('node:'))).toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    '/sentiment loads no AWS client at cold start: the API keys and cache clients load with their first use',
    async () => {
      const meta = await metafileOf('sentiment');
      const clients = [...packagesIn(meta)].filter((p) => p.startsWith('@aws-sdk/client-'));
      // Only the clients of what is configured (API keys: DynamoDB; the cache in the documents bucket: S3)...
      expect(clients.sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3']);
      // ...and reached through dynamic imports only: none of them is evaluated when the function starts.
      const atColdStart = staticallyReachable(meta, 'functions/sentiment/handler.ts');
      expect([...atColdStart].filter((file) => file.includes('node_modules/@aws-sdk/'))).toEqual([]);
      expect(atColdStart.has('shared/http/access-control.ts')).toBe(true);
      expect(atColdStart.has('shared/access/dynamo-access-store.ts')).toBe(false);
      expect(staticExternals(meta).has('@huggingface/transformers')).toBe(false);
      expect(Object.keys(meta.inputs)).toContain('shared/models/model-runtime.ts');
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    '/rag-faiss-query carries no Chroma or Pinecone client',
    async () => {
      const packages = packagesIn(await metafileOf('rag-faiss-query'));
      expect(packages).not.toContain('chromadb');
      expect(packages).not.toContain('@pinecone-database/pinecone');
      expect(packages).toContain('@aws-sdk/client-s3');
    },
    BUILD_TIMEOUT_MS,
  );

  it.each(['ngram-train', 'ngram-generate'])(
    '%s carries no model runtime',
    async (functionDir) => {
      const meta = await metafileOf(functionDir);
      expect(Object.keys(meta.inputs)).not.toContain('shared/models/model-runtime.ts');
      expect([...staticExternals(meta)].filter((p) => !p.startsWith('node:'))).toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  it.each(['health', 'sentiment', 'generate-image', 'chat', 'rag-query'])(
    '%s carries only the validators it uses (zod/mini, no zod API or locales)',
    async (functionDir) => {
      const meta = await metafileOf(functionDir);
      const zod = bundledFiles(meta).filter(({ file }) => file.includes('node_modules/zod/'));
      const zodFiles = zod.map(({ file }) => file);
      expect(zodFiles.length).toBeGreaterThan(0);
      expect(
        zodFiles.filter(
          (file) =>
            file.includes('/classic/') || (file.includes('/locales/') && !/\/(en|index)\.js$/.test(file)),
        ),
      ).toEqual([]);
      expect(zod.reduce((sum, { bytes }) => sum + bytes, 0)).toBeLessThan(ZOD_BUDGET_BYTES);
    },
    BUILD_TIMEOUT_MS,
  );
});

describe('the model bucket', () => {
  const functions = Object.values(readServerlessConfig().functions).map((fn) => ({
    dir: fn.handler.split('/')[1] as string,
    bucketVariable: fn.environment?.MODEL_S3_URI !== undefined,
  }));

  it('is composed by every function that serverless.yml gives MODEL_S3_URI', async () => {
    const given = functions.filter((fn) => fn.bucketVariable);
    expect(given.map((fn) => fn.dir)).toEqual(
      expect.arrayContaining(['hello-llm', 'summarize', 'caption-image']),
    );
    const missing: string[] = [];
    for (const fn of given) {
      if (!Object.keys((await metafileOf(fn.dir)).inputs).includes('shared/app/model-bucket.ts'))
        missing.push(fn.dir);
    }
    expect(missing).toEqual([]);
  }, 600_000);
});
