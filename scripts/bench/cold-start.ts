/**
 * Whole-process cold starts, each function against its yardstick, interleaved in one run: a fresh Node
 * process imports the function's bundle (built as serverless.yml builds it) and answers one request; the
 * yardstick process does the least that answer needs. `/health` is held against a hello-world handler;
 * each model route against the raw transformers.js path (import the library, load the same tiny models,
 * run them once). Reported: the bytes the cold start parses (the handler and the chunks it imports
 * statically), median time from process start to the answer, median peak RSS (also with V8's young
 * generation fixed on both sides, see FIXED_YOUNG_GENERATION), and the median of the pairs' ratios (each
 * function run beside its yardstick, so that a busy moment weighs on both sides of a pair).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { httpEvent, lambdaContext } from '../../test/helpers/events';
import { gradient } from '../../test/helpers/images';
import { functionBundleOptions } from '../function-bundle';
import { PROJECT_ROOT } from '../local-server';
import { generateTinyModels } from '../tiny-models/generate';
import { printTable, quantile } from './stats';

interface RawStep {
  readonly task: string;
  readonly model: string;
  /** JavaScript that runs the loaded pipeline `p` once (`image` is a RawImage where needed). */
  readonly run: string;
}

interface Case {
  readonly route: string;
  readonly functionDir: string;
  readonly event: unknown;
  /** The yardstick: a hello-world handler (undefined), or the pipelines the route runs. */
  readonly raw?: readonly RawStep[];
}

const BENCH_DIR = path.join(PROJECT_ROOT, '.tmp', 'bench', 'cold-start');
const MODEL_ROOT = path.join(PROJECT_ROOT, '.tmp', 'bench-models');
const TEXT = 'the service was great and the food was lovely';

async function cases(): Promise<Case[]> {
  const png = await gradient('png');
  const json = (route: string, body: unknown) => httpEvent('POST', route, { body });
  return [
    { route: 'GET /health', functionDir: 'health', event: httpEvent('GET', '/health') },
    {
      route: 'POST /sentiment',
      functionDir: 'sentiment',
      event: json('/sentiment', { text: TEXT }),
      raw: [
        {
          task: 'text-classification',
          model: 'distilbert-sst2',
          run: `await p([${JSON.stringify(TEXT)}], { top_k: null })`,
        },
      ],
    },
    {
      route: 'POST /embed',
      functionDir: 'embed',
      event: json('/embed', { texts: [TEXT] }),
      raw: [
        {
          task: 'feature-extraction',
          model: 'bert',
          run: `await p([${JSON.stringify(TEXT)}], { pooling: 'mean', normalize: true })`,
        },
      ],
    },
    {
      route: 'POST /hello-llm',
      functionDir: 'hello-llm',
      event: json('/hello-llm', { prompt: TEXT, max_new_tokens: 8 }),
      raw: [
        {
          task: 'text-generation',
          model: 'gpt2',
          run: `await p(${JSON.stringify(TEXT)}, { max_new_tokens: 8, do_sample: false })`,
        },
      ],
    },
    {
      route: 'POST /summarize',
      functionDir: 'summarize',
      event: json('/summarize', { text: `${TEXT}. ${TEXT}.`, max_length: 16, min_length: 1 }),
      raw: [
        {
          task: 'summarization',
          model: 'bart',
          run: `await p(${JSON.stringify(`${TEXT}. ${TEXT}.`)}, { max_length: 16, min_length: 1 })`,
        },
      ],
    },
    {
      route: 'POST /caption-image',
      functionDir: 'caption-image',
      event: httpEvent('POST', '/caption-image', {
        rawBody: png.toString('base64'),
        isBase64Encoded: true,
        headers: { 'content-type': 'image/png' },
      }),
      raw: [{ task: 'image-to-text', model: 'vit-gpt2', run: 'await p(image, { max_new_tokens: 20 })' }],
    },
  ];
}

/** Bytes of the handler and of the chunks it imports statically: what a cold start parses. */
function bytesLoadedAtStart(meta: Metafile, handlerFile: string): number {
  const outputs = new Map(Object.entries(meta.outputs).map(([file, output]) => [path.resolve(file), output]));
  const seen = new Set<string>();
  const pending = [handlerFile];
  let bytes = 0;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const output = outputs.get(file);
    if (seen.has(file) || !output) continue;
    seen.add(file);
    bytes += output.bytes;
    for (const imported of output.imports)
      if (imported.kind === 'import-statement' && !imported.external)
        pending.push(path.resolve(imported.path));
  }
  return bytes;
}

async function bundle(functionDir: string): Promise<{ file: string; bytes: number }> {
  const outdir = path.join(BENCH_DIR, functionDir, 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({ ...functionBundleOptions(functionDir, outdir), metafile: true });
  const file = path.join(outdir, 'handler.mjs');
  return { file, bytes: bytesLoadedAtStart(result.metafile, file) };
}

const PEAK = `Number(/VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024`;
const PRELUDE = `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);`;

function functionProbe(bundleFile: string, event: unknown): string {
  const context = { ...lambdaContext('bench'), getRemainingTimeInMillis: undefined };
  return `${PRELUDE}
const { handler } = await import(${JSON.stringify(bundleFile)});
const response = await handler(${JSON.stringify(event)}, ${JSON.stringify(context)});
if (response.statusCode !== 200) throw new Error('answered ' + response.statusCode + ' ' + response.body);
console.log(JSON.stringify({ ms: performance.now(), peakMiB: ${PEAK} }));
`;
}

function yardstickProbe(raw: readonly RawStep[] | undefined): string {
  if (!raw) {
    return `${PRELUDE}
const handler = async () => ({ statusCode: 200, body: JSON.stringify({ status: 'ok' }) });
await handler({}, {});
console.log(JSON.stringify({ ms: performance.now(), peakMiB: ${PEAK} }));
`;
  }
  const image = raw.some((step) => step.run.includes('image'))
    ? `const image = await RawImage.fromBlob(new Blob([require('node:fs').readFileSync(${JSON.stringify(path.join(BENCH_DIR, 'photo.png'))})]));`
    : '';
  const steps = raw
    .map(
      (
        step,
      ) => `{ const p = await pipeline(${JSON.stringify(step.task)}, ${JSON.stringify(path.join(MODEL_ROOT, 'tiny-random', step.model))}, { local_files_only: true, dtype: 'fp32', device: 'cpu' });
  ${step.run}; }`,
    )
    .join('\n');
  return `${PRELUDE}
const { pipeline, RawImage } = await import('@huggingface/transformers');
${image}
${steps}
console.log(JSON.stringify({ ms: performance.now(), peakMiB: ${PEAK} }));
`;
}

/**
 * V8 grows its young generation (the semi-spaces) from 1 MiB towards 16 MiB as a run's survivors ask; whether
 * a short process ends its run at 8 or 16 MiB flips on a few MiB of survivors, and shows as a 16 MiB step
 * in its peak. Run a second time with the young generation fixed at its largest on both sides, a pair's
 * peaks differ by what the function keeps, not by where V8 happened to stop growing it.
 */
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

interface ProbeResult {
  readonly ms: number;
  readonly peakMiB: number;
}

function runProbe(file: string, nodeFlags: readonly string[] = []): ProbeResult {
  const out = execFileSync(process.execPath, [...nodeFlags, file], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      MODEL_PROFILE: 'tiny',
      MODEL_ROOT,
      // As deployed: on Lambda a function loads its model while its container starts (MODEL_WARMUP's
      // Lambda default), so the first request finds the load under way rather than starting it.
      MODEL_WARMUP: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      DATA_DIR: path.join(BENCH_DIR, 'data'),
    },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

export async function benchColdStart(options: { runs: number }): Promise<void> {
  mkdirSync(BENCH_DIR, { recursive: true });
  await generateTinyModels(MODEL_ROOT);
  writeFileSync(path.join(BENCH_DIR, 'photo.png'), await gradient('png'));
  const rows: string[][] = [];
  for (const item of await cases()) {
    const { file, bytes } = await bundle(item.functionDir);
    const probe = path.join(BENCH_DIR, item.functionDir, 'probe.mjs');
    const yardstick = path.join(BENCH_DIR, item.functionDir, 'yardstick.mjs');
    writeFileSync(probe, functionProbe(file, item.event));
    writeFileSync(yardstick, yardstickProbe(item.raw));
    runProbe(probe); // warm the file cache for both
    runProbe(yardstick);
    const ours: ProbeResult[] = [];
    const theirs: ProbeResult[] = [];
    const oursFixed: ProbeResult[] = [];
    const theirsFixed: ProbeResult[] = [];
    for (let i = 0; i < options.runs; i++) {
      ours.push(runProbe(probe));
      theirs.push(runProbe(yardstick));
      oursFixed.push(runProbe(probe, FIXED_YOUNG_GENERATION));
      theirsFixed.push(runProbe(yardstick, FIXED_YOUNG_GENERATION));
    }
    const [ms, baseMs] = [median(ours.map((r) => r.ms)), median(theirs.map((r) => r.ms))];
    const ratio = median(ours.map((r, i) => r.ms / (theirs[i] as { ms: number }).ms));
    const [peak, basePeak] = [median(ours.map((r) => r.peakMiB)), median(theirs.map((r) => r.peakMiB))];
    const [fixedPeak, fixedBasePeak] = [
      median(oursFixed.map((r) => r.peakMiB)),
      median(theirsFixed.map((r) => r.peakMiB)),
    ];
    rows.push([
      item.route,
      item.raw ? 'raw transformers.js' : 'hello-world',
      `${(bytes / 1024).toFixed(0)} KiB`,
      ms.toFixed(0),
      baseMs.toFixed(0),
      `${ratio.toFixed(2)}x`,
      peak.toFixed(0),
      basePeak.toFixed(0),
      signed(peak - basePeak),
      `${fixedPeak.toFixed(0)} / ${fixedBasePeak.toFixed(0)}`,
      signed(fixedPeak - fixedBasePeak),
    ]);
  }
  printTable(
    `Cold start, whole process (node start to first answer), tiny models, ${options.runs} interleaved pairs, medians`,
    [
      'function',
      'yardstick',
      'parsed at start',
      'ms',
      'yardstick ms',
      'ratio (median of pairs)',
      'peak MiB',
      'yardstick MiB',
      'Δ MiB',
      'peak MiB, young generation fixed (ours / yardstick)',
      'Δ MiB, fixed',
    ],
    rows,
  );
}
