/**
 * Each function's bundle holds its own route's path and nothing else: built as serverless.yml builds it,
 * then read from esbuild's metafile (which packages went in, and which modules load at import).
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { coldStartBytes } from '../../scripts/cold-start-bytes';
import { functionBundleOptions } from '../../scripts/function-bundle';
import { PROJECT_ROOT } from '../../scripts/local-server';
import { readServerlessConfig } from '../../scripts/serverless-config';

async function metafileOf(functionDir: string): Promise<Metafile> {
  const result = await build({
    ...functionBundleOptions(functionDir, path.join(PROJECT_ROOT, '.tmp', 'bundle-check')),
    write: false,
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

/**
 * The bundled modules in the files a cold start parses: the handler's output and the chunks it imports
 * statically (what the function imports lazily sits in chunks of its own, parsed with their first use).
 */
function parsedAtColdStart(meta: Metafile): Set<string> {
  const outputs = new Map(Object.entries(meta.outputs).map(([file, output]) => [path.resolve(file), output]));
  const entry = [...outputs.keys()].find((file) => file.endsWith(`${path.sep}handler.mjs`));
  const seen = new Set<string>();
  const pending = entry ? [entry] : [];
  const inputs = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const output = outputs.get(file);
    if (seen.has(file) || !output) continue;
    seen.add(file);
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      if (bytesInOutput > 0) inputs.add(input);
    for (const imported of output.imports)
      if (imported.kind === 'import-statement' && !imported.external)
        pending.push(path.resolve(imported.path));
  }
  return inputs;
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
    '/sentiment parses no AWS client and no guardrail at cold start: they load with their first use',
    async () => {
      const meta = await metafileOf('sentiment');
      const clients = [...packagesIn(meta)].filter((p) => p.startsWith('@aws-sdk/client-'));
      // Only the clients of what is configured (API keys: DynamoDB; the cache in the documents bucket: S3)...
      expect(clients.sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3']);
      // ...and reached through dynamic imports only, into chunks of their own that a cold start never parses,
      // like the guardrails' code (on only when configured).
      const parsed = parsedAtColdStart(meta);
      expect([...parsed].filter((file) => file.includes('node_modules/@aws-sdk/'))).toEqual([]);
      expect([...parsed].filter((file) => file.includes('node_modules/@smithy/'))).toEqual([]);
      for (const lazy of [
        'shared/http/access-control.ts',
        'shared/http/safety-control.ts',
        'shared/http/response-cache.ts',
        'shared/safety/pii.ts',
        'shared/access/dynamo-access-store.ts',
      ]) {
        expect(Object.keys(meta.inputs)).toContain(lazy);
        expect(parsed.has(lazy)).toBe(false);
      }
      expect(parsed.has('shared/http/guardrails.ts')).toBe(true);
      expect(staticExternals(meta).has('@huggingface/transformers')).toBe(false);
      expect(Object.keys(meta.inputs)).toContain('shared/models/model-runtime.ts');
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'npm run package reads what a cold start parses from the bundle as esbuild links it',
    async () => {
      const outdir = path.join(PROJECT_ROOT, '.tmp', 'bundle-check-written', 'sentiment');
      const result = await build({ ...functionBundleOptions('sentiment', outdir), metafile: true });
      const outputs = new Map(
        Object.entries(result.metafile.outputs).map(([file, output]) => [path.resolve(file), output]),
      );
      const handlerFile = path.join(outdir, 'handler.mjs');
      const linked = new Set<string>();
      const pending = [handlerFile];
      while (pending.length > 0) {
        const file = pending.pop() as string;
        if (linked.has(file)) continue;
        linked.add(file);
        for (const imported of outputs.get(file)?.imports ?? [])
          if (imported.kind === 'import-statement' && !imported.external)
            pending.push(path.resolve(imported.path));
      }
      const bytes = [...linked].reduce((sum, file) => sum + (outputs.get(file)?.bytes ?? 0), 0);
      // More than one file (the lazily imported code is split off), and less than every file.
      expect(linked.size).toBeGreaterThan(1);
      expect(linked.size).toBeLessThan([...outputs.keys()].filter((f) => f.endsWith('.mjs')).length);
      expect(coldStartBytes(handlerFile)).toEqual({ bytes, files: linked.size });
    },
    BUILD_TIMEOUT_MS,
  );

  it.each(['hello-llm', 'caption-image', 'classify-image', 'summarize', 'embed'])(
    '%s imports transformers.js with its model, never at cold start',
    async (functionDir) => {
      const meta = await metafileOf(functionDir);
      expect(staticExternals(meta).has('@huggingface/transformers')).toBe(false);
    },
    BUILD_TIMEOUT_MS,
  );

  it.each(['summarize', 'researcher'])(
    '%s composes its jobs with the first job it submits: no job code at cold start',
    async (functionDir) => {
      const meta = await metafileOf(functionDir);
      expect(Object.keys(meta.inputs)).toContain('shared/app/jobs.ts');
      expect(parsedAtColdStart(meta).has('shared/app/jobs.ts')).toBe(false);
      expect(parsedAtColdStart(meta).has('shared/jobs/job-service.ts')).toBe(false);
      expect(parsedAtColdStart(meta).has('shared/jobs/job-view.ts')).toBe(false);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'the job routes and the worker load the research workflow with the first research job, not at cold start',
    async () => {
      const meta = await metafileOf('jobs-get');
      expect(Object.keys(meta.inputs)).toContain('shared/app/research-jobs.ts');
      expect(parsedAtColdStart(meta).has('shared/app/research-jobs.ts')).toBe(false);
      expect(parsedAtColdStart(meta).has('shared/research/local-workflow.ts')).toBe(false);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    '/researcher parses none of the in-process workflow at cold start: deployed, the state machine runs the steps',
    async () => {
      const meta = await metafileOf('researcher');
      const parsed = parsedAtColdStart(meta);
      expect(Object.keys(meta.inputs)).toContain('shared/research/local-workflow.ts');
      expect(parsed.has('shared/research/local-workflow.ts')).toBe(false);
      expect(parsed.has('shared/research/research-steps.ts')).toBe(false);
      expect([...parsed].filter((file) => file.includes('node_modules/aws-local-stepfunctions/'))).toEqual(
        [],
      );
      expect(parsed.has('shared/research/aws-workflow.ts')).toBe(true);
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

  it.each(['documents-ingest', 'documents-delete', 'documents-s3'])(
    '%s writes FAISS lists with onnxruntime loaded at the first large assignment, not at cold start',
    async (functionDir) => {
      const meta = await metafileOf(functionDir);
      expect(Object.keys(meta.inputs)).toContain('shared/vectors/list-assigner.ts');
      expect(staticExternals(meta).has('onnxruntime-node')).toBe(false);
    },
    BUILD_TIMEOUT_MS,
  );

  it.each(['ngram-train', 'ngram-generate'])(
    '%s loads no model runtime: only its safety classifiers would, when a policy turns them on',
    async (functionDir) => {
      const meta = await metafileOf(functionDir);
      expect(parsedAtColdStart(meta).has('shared/models/model-runtime.ts')).toBe(false);
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
