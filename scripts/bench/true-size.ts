/**
 * `npm run bench -- --true-size`: every route at true size (random weights in the standard architectures,
 * `npm run models:true-size`), one table per route: cold start split into the model fetch from a local S3
 * server into a /tmp-like cache, the load and the first call; warm p50/p95; peak RSS and the Lambda memory it
 * implies; and each model's achieved multiply-add throughput against this machine's own MatMul peak measured
 * in the same run (before and after the routes). onnxruntime gets the threads Lambda's vCPUs allow at the
 * function's configured memory (serverless.yml), capped at this machine's cores.
 */
import { execFile } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { lambdaVcpus } from '../../shared/config/lambda-vcpus';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import { startLocalS3 } from '../../test/helpers/s3-server';
import { PROJECT_ROOT } from '../local-server';
import { readServerlessConfig } from '../serverless-config';
import { readTrueSizeManifest } from '../true-size-models/generate';
import { type MatMulPeak, measureMatMulPeak } from './matmul-peak';
import { printTable } from './stats';
import { DiffusionProbeResult } from './true-size-diffusion';
import { PROBE_MODELS, type Probe, type ProbeInput, ProbeResult } from './true-size-probe';

/** The function each probe stands for (its memory sets the threads). */
export const PROBE_FUNCTIONS: Record<Probe, { route: string; fn: string }> = {
  'hello-llm': { route: 'POST /hello-llm', fn: 'helloLlm' },
  summarize: { route: 'POST /summarize', fn: 'summarize' },
  sentiment: { route: 'POST /sentiment', fn: 'sentiment' },
  embed: { route: 'POST /embed', fn: 'embed' },
  'caption-image': { route: 'POST /caption-image', fn: 'captionImage' },
  documents: { route: 'POST /documents and POST /rag-faiss-query', fn: 'ragFaissQuery' },
};

/** Headroom over the measured peak RSS before rounding up to Lambda's next 64 MB. */
const RSS_HEADROOM = 1.2;
export const impliedMemoryMb = (peakRssMiB: number) =>
  Math.max(128, Math.ceil((peakRssMiB * 1.048576 * RSS_HEADROOM) / 64) * 64);

function machine() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  const ortVersion = (
    JSON.parse(
      readFileSync(path.join(PROJECT_ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8'),
    ) as {
      version: string;
    }
  ).version;
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    onnxruntime: ortVersion,
  };
}

async function uploadModels(root: string, ids: readonly string[]) {
  const s3 = await startLocalS3('true-size-models');
  for (const id of ids) {
    const dir = path.join(root, id);
    for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const key = `models/${id}/${path.relative(dir, file).split(path.sep).join('/')}`;
      const { size } = await fs.stat(file);
      await s3.client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
        }),
      );
    }
  }
  return s3;
}

async function child<T>(script: string, args: string[], parse: (json: unknown) => T): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return parse(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'));
}

const ms = (value: number) => (value >= 10_000 ? value.toFixed(0) : value.toFixed(1));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export interface TrueSizeOptions {
  readonly root: string;
  readonly iterations: number;
  readonly probes: readonly Probe[];
  readonly diffusion: boolean;
  readonly unetRuns: number;
  readonly summaryChars?: number;
  readonly largestIterations: number;
}

export async function benchTrueSize(options: TrueSizeOptions): Promise<void> {
  const manifest = await readTrueSizeManifest(options.root);
  if (!manifest) {
    throw new Error(`no true-size models under ${options.root}: run \`npm run models:true-size\` first`);
  }
  const host = machine();
  const config = readServerlessConfig();
  const memoryOf = (fn: string) => config.functions[fn]?.memorySize ?? config.provider.memorySize ?? 1024;
  const threadsOf = (fn: string) => Math.min(lambdaVcpus(memoryOf(fn)), host.cores);
  console.log(
    `\nTrue size: ${options.root}${manifest.scale ? ` (SCALED DOWN ${JSON.stringify(manifest.scale)}: multiply-adds are counted at true size, so throughputs are not meaningful)` : ''}`,
  );
  printTable(
    'Machine',
    ['cpu', 'cores', 'memory', 'node', 'onnxruntime-node'],
    [[host.cpu, String(host.cores), `${host.memoryGiB.toFixed(0)} GiB`, host.node, host.onnxruntime]],
  );

  const threadCounts = [...new Set(options.probes.map((p) => threadsOf(PROBE_FUNCTIONS[p].fn)))].sort();
  if (options.diffusion && !threadCounts.includes(host.cores)) threadCounts.push(host.cores);
  const before = await measureMatMulPeak(threadCounts);

  const ids = [
    ...new Set(options.probes.flatMap((p) => PROBE_MODELS[p].map((k) => MODEL_CATALOG[k].standard.id))),
  ];
  const s3 = await uploadModels(options.root, ids);
  const results: ProbeResult[] = [];
  try {
    for (const probe of options.probes) {
      const input: ProbeInput = {
        probe,
        threads: threadsOf(PROBE_FUNCTIONS[probe].fn),
        modelS3Uri: `s3://${s3.bucket}/models`,
        s3Endpoint: s3.endpoint,
        iterations: options.iterations,
        summaryChars:
          options.summaryChars ?? (await import('../../shared/summarization/schema')).MAX_SUMMARY_TEXT_CHARS,
        largestIterations: options.largestIterations,
      };
      results.push(
        await child('scripts/bench/true-size-probe.ts', [JSON.stringify(input)], (j) => ProbeResult.parse(j)),
      );
    }
  } finally {
    await s3.stop();
  }
  const diffusion = options.diffusion
    ? await child(
        'scripts/bench/true-size-diffusion.ts',
        [path.join(options.root, MODEL_CATALOG.diffusion.standard.id), String(options.unetRuns)],
        (j) => DiffusionProbeResult.parse(j),
      )
    : undefined;
  const after = await measureMatMulPeak(threadCounts);

  // The ceiling is the best this machine showed in the run (other work on a shared machine only lowers it).
  const peak = (threads: number): MatMulPeak => {
    const seen = [...before, ...after].filter((p) => p.threads === threads);
    return {
      threads,
      fp32GmacPerS: Math.max(...seen.map((p) => p.fp32GmacPerS)),
      int8GmacPerS: Math.max(...seen.map((p) => p.int8GmacPerS)),
    };
  };
  printTable(
    'MatMul peak, one 2048×2048×2048 onnxruntime MatMul (median of 7), before and after the routes',
    ['threads', 'fp32 before', 'fp32 after', 'int8 before', 'int8 after', 'peak fp32', 'peak int8'],
    threadCounts.map((t) => {
      const [b, a, p] = [before.find((x) => x.threads === t), after.find((x) => x.threads === t), peak(t)];
      return [
        String(t),
        (b?.fp32GmacPerS ?? 0).toFixed(1),
        (a?.fp32GmacPerS ?? 0).toFixed(1),
        (b?.int8GmacPerS ?? 0).toFixed(1),
        (a?.int8GmacPerS ?? 0).toFixed(1),
        `${p.fp32GmacPerS.toFixed(1)} GMAC/s`,
        `${p.int8GmacPerS.toFixed(1)} GMAC/s`,
      ];
    }),
  );

  for (const result of results) {
    const { route, fn } = PROBE_FUNCTIONS[result.probe];
    const memory = memoryOf(fn);
    const int8 = peak(result.threads).int8GmacPerS;
    const throughput = (macs: number | undefined, msValue: number) =>
      macs === undefined || !(msValue > 0)
        ? ['—', '—', '—']
        : [
            (macs / 1e9).toFixed(1),
            (macs / 1e9 / (msValue / 1000)).toFixed(1),
            `${((100 * macs) / 1e9 / (msValue / 1000) / int8).toFixed(0)}%`,
          ];
    const rows: string[][] = [
      ['cold: fetch from S3 into /tmp', '1', ms(result.fetchMs), '', mib(result.fetchedBytes), '', ''],
      ['cold: load (model runtime)', '1', ms(result.loadMs), '', '', '', ''],
    ];
    for (const row of result.rows) {
      rows.push([
        `cold: first call, ${row.name}`,
        '1',
        ms(row.firstMs),
        '',
        ...throughput(row.macs, row.firstMs),
      ]);
      if (row.warm.n > 0) {
        rows.push([
          `warm: ${row.name}`,
          String(row.warm.n),
          ms(row.warm.medianMs),
          ms(row.warm.p95Ms),
          ...throughput(row.macs, row.warm.medianMs),
        ]);
      }
    }
    rows.push(['peak RSS', '', `${result.peakRssMiB.toFixed(0)} MiB`, '', '', '', '']);
    rows.push([
      'Lambda memory implied (peak RSS + 20%)',
      '',
      `${impliedMemoryMb(result.peakRssMiB)} MB`,
      '',
      '',
      '',
      '',
    ]);
    printTable(
      `${route} (${fn}: ${memory} MB configured -> ${lambdaVcpus(memory)} vCPU; onnxruntime threads ${result.threads})`,
      ['step', 'n', 'p50 ms', 'p95 ms', 'GMAC', 'GMAC/s', `of int8 peak (${int8.toFixed(0)})`],
      rows,
    );
  }

  if (diffusion) {
    const fp32 = peak(host.cores).fp32GmacPerS;
    const unetMacs = 2 * (manifest.models.diffusion?.unetMacs ?? Number.NaN);
    const vaeMacs = manifest.models.diffusion?.vaeMacs ?? Number.NaN;
    const step = diffusion.unetStep.medianMs;
    const rest = Math.max(0, diffusion.oneStepMs - step);
    const rate = (macs: number, msValue: number) => (macs / 1e9 / (msValue / 1000)).toFixed(1);
    printTable(
      `Stable Diffusion 1.5, 512×512, CPU (${diffusion.executionProvider}, onnxruntime's own threads on ${host.cores} cores; peak RSS ${diffusion.peakRssMiB.toFixed(0)} MiB)`,
      ['step', 'n', 'p50 ms', 'p95 ms', 'GMAC', 'GMAC/s', `of fp32 peak (${fp32.toFixed(0)})`],
      [
        ['load text encoder + UNet + VAE decoder', '1', ms(diffusion.loadMs), '', '', '', ''],
        ['UNet session load alone', '1', ms(diffusion.unetLoadMs), '', '', '', ''],
        [
          'UNet step, batch 2 (guided)',
          String(diffusion.unetStep.n),
          ms(step),
          ms(diffusion.unetStep.p95Ms),
          (unetMacs / 1e9).toFixed(0),
          rate(unetMacs, step),
          `${((100 * unetMacs) / 1e9 / (step / 1000) / fp32).toFixed(0)}%`,
        ],
        ['1-step generation end to end', '1', ms(diffusion.oneStepMs), '', '', '', ''],
        [
          'text encoder ×2 + VAE decode (1-step minus one UNet step)',
          '',
          ms(rest),
          '',
          (vaeMacs / 1e9).toFixed(0),
          rate(vaeMacs, rest),
          '',
        ],
        ['25 steps, estimated (25 UNet steps + the rest)', '', ms(25 * step + rest), '', '', '', ''],
        ['50 steps, estimated', '', ms(50 * step + rest), '', '', '', ''],
        ['GPU (CUDA provider): 25 and 50 steps, peak GPU memory', '', 'not measured', '', '', '', ''],
      ],
    );
  }
  const out = path.join(PROJECT_ROOT, '.tmp', 'bench', 'true-size.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify({ host, before, after, results, diffusion, manifest }, null, 2));
  console.log(`\nraw figures: ${path.relative(PROJECT_ROOT, out)}`);
}
