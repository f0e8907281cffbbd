/**
 * /sentiment on the tiny model at four depths: the raw pipeline call, the handler invoked in-process, an HTTP
 * call through the local server (serverless-offline), and the cold start of the bundled function in a fresh
 * process (module import to first response).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { createHandler } from '../../functions/sentiment/handler';
import { createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import * as z from '../../shared/schema';
import { silentLogger } from '../../test/helpers/dependencies';
import { httpEvent, lambdaContext } from '../../test/helpers/events';
import { functionBundleOptions } from '../function-bundle';
import { PROJECT_ROOT, startLocalServer } from '../local-server';
import { generateTinyModels } from '../tiny-models/generate';
import { type LatencySummary, ms, printTable, summarize, timeIt } from './stats';

/** The line the cold-start probe prints. */
const ColdStartSample = z.object({ importMs: z.number(), firstResponseMs: z.number() });

const TEXT = 'the service was great and the food was lovely';

async function coldStarts(
  modelRoot: string,
  runs: number,
): Promise<{ importMs: LatencySummary; firstResponseMs: LatencySummary }> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  const bundleDir = path.join(PROJECT_ROOT, '.tmp', 'bench', 'sentiment-bundle');
  await build(functionBundleOptions('sentiment', bundleDir));
  const outfile = path.join(bundleDir, 'handler.mjs');
  const probe = path.join(outDir, 'cold-start.mjs');
  const event = httpEvent('POST', '/sentiment', { body: { text: TEXT } });
  writeFileSync(
    probe,
    `const t0 = performance.now();
const { handler } = await import(${JSON.stringify(outfile)});
const t1 = performance.now();
const response = await handler(${JSON.stringify(event)}, ${JSON.stringify({ ...lambdaContext(), getRemainingTimeInMillis: undefined })});
const t2 = performance.now();
if (response.statusCode !== 200) throw new Error('cold start answered ' + response.statusCode + ' ' + response.body);
console.log(JSON.stringify({ importMs: t1 - t0, firstResponseMs: t2 - t0 }));
`,
  );
  const importMs: number[] = [];
  const firstResponseMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [probe], {
      env: { ...process.env, MODEL_PROFILE: 'tiny', MODEL_ROOT: modelRoot, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      encoding: 'utf8',
    });
    const sample = ColdStartSample.parse(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
    importMs.push(sample.importMs);
    firstResponseMs.push(sample.firstResponseMs);
  }
  return { importMs: summarize(importMs), firstResponseMs: summarize(firstResponseMs) };
}

export async function benchSentiment(options: {
  iterations: number;
  httpIterations: number;
  coldRuns: number;
}) {
  const modelRoot = path.join(PROJECT_ROOT, '.tmp', 'bench-models');
  await generateTinyModels(modelRoot, ['sentiment']);
  const env = { MODEL_PROFILE: 'tiny', MODEL_ROOT: modelRoot, POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const deps = createDependencies(loadConfig({ ...process.env, ...env }), { logger: silentLogger() });

  const model = await deps.runtime.load('sentiment');
  const raw = await timeIt(() => model.pipeline([TEXT], { top_k: null }), options.iterations);

  const handler = createHandler(deps);
  const inProcess = await timeIt(
    () => handler(httpEvent('POST', '/sentiment', { body: { text: TEXT } }), lambdaContext()),
    options.iterations,
  );

  const server = await startLocalServer({ env });
  let http: LatencySummary;
  try {
    http = await timeIt(async () => {
      const response = await fetch(`${server.url}/sentiment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: TEXT }),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      await response.arrayBuffer();
    }, options.httpIterations);
  } finally {
    await server.stop();
  }
  await deps.runtime.dispose();

  const cold = await coldStarts(modelRoot, options.coldRuns);
  printTable(
    `/sentiment on ${model.id} (one text; ${options.iterations} calls in-process, ${options.httpIterations} over HTTP, ${options.coldRuns} cold starts)`,
    ['measure', 'n', 'median ms', 'p95 ms'],
    [
      ['raw pipeline call', String(raw.n), ms(raw.medianMs), ms(raw.p95Ms)],
      ['handler, in-process', String(inProcess.n), ms(inProcess.medianMs), ms(inProcess.p95Ms)],
      ['HTTP via local server', String(http.n), ms(http.medianMs), ms(http.p95Ms)],
      [
        'cold start: module import',
        String(cold.importMs.n),
        ms(cold.importMs.medianMs),
        ms(cold.importMs.p95Ms),
      ],
      [
        'cold start: import to first response',
        String(cold.firstResponseMs.n),
        ms(cold.firstResponseMs.medianMs),
        ms(cold.firstResponseMs.p95Ms),
      ],
    ],
  );
}
