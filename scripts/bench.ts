/**
 * `npm run bench [-- --quick] [-- --only cold-start,sentiment,local-load,vectors,vision,ingest-size,streaming]`: prints performance
 * figures as tables. Goals live here, not in timed tests. `--scale` adds 1,000,000 vectors to `vectors`.
 *
 * `npm run bench -- --true-size [--only hello-llm,summarize,sentiment,embed,caption-image,documents,diffusion]
 * [--iterations N] [--summary-chars N] [--root DIR]`: every route on the true-size models (see
 * scripts/bench/true-size.ts and docs/performance.md).
 */
import { parseArgs } from 'node:util';
import { benchColdStart } from './bench/cold-start';
import { benchIngestSize } from './bench/ingest-size';
import { benchLocalLoad } from './bench/local-load';
import { benchSentiment } from './bench/sentiment';
import { benchStreaming } from './bench/streaming';
import { benchTrueSize } from './bench/true-size';
import { PROBES, type Probe } from './bench/true-size-probe';
import { benchIngestion, benchVectorsAtScale } from './bench/vectors';
import { benchVision } from './bench/vision';
import { defaultTrueSizeRoot } from './true-size-models/generate';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'true-size': { type: 'boolean', default: false },
    iterations: { type: 'string', default: '5' },
    'unet-runs': { type: 'string', default: '2' },
    'summary-chars': { type: 'string' },
    'largest-iterations': { type: 'string', default: '0' },
    root: { type: 'string' },
    scale: { type: 'boolean', default: false },
  },
});

if (values['true-size']) {
  const chosen = (values.only ?? [...PROBES, 'diffusion'].join(',')).split(',');
  const unknown = chosen.filter(
    (name) => name !== 'diffusion' && !(PROBES as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    console.error(
      `unknown section ${unknown.join(', ')}; choose from ${[...PROBES, 'diffusion'].join(', ')}`,
    );
    process.exit(2);
  }
  console.log(
    `genai-endpoints true-size benchmarks — node ${process.version}, ${process.platform}/${process.arch}`,
  );
  await benchTrueSize({
    root: values.root ?? defaultTrueSizeRoot(),
    iterations: Number(values.iterations),
    probes: PROBES.filter((p): p is Probe => chosen.includes(p)),
    diffusion: chosen.includes('diffusion'),
    unetRuns: Number(values['unet-runs']),
    ...(values['summary-chars'] ? { summaryChars: Number(values['summary-chars']) } : {}),
    largestIterations: Number(values['largest-iterations']),
  });
  process.exit(0);
}
const sections = new Set(
  (values.only ?? 'cold-start,sentiment,local-load,vectors,vision,ingest-size,streaming').split(','),
);
const quick = values.quick;

console.log(`genai-endpoints benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
if (sections.has('cold-start')) {
  await benchColdStart({ runs: quick ? 3 : 11 });
}
if (sections.has('sentiment')) {
  await benchSentiment({
    iterations: quick ? 50 : 300,
    httpIterations: quick ? 30 : 200,
    coldRuns: quick ? 3 : 10,
  });
}
if (sections.has('local-load')) {
  await benchLocalLoad({ requests: quick ? 100 : 500, concurrency: 20 });
}
if (sections.has('vectors')) {
  await benchVectorsAtScale({
    sizes: quick ? [10_000] : values.scale ? [100_000, 1_000_000] : [100_000],
    queries: (n) => (n >= 1_000_000 ? 50 : 200),
  });
  await benchIngestion(quick ? 10 : 40);
}
if (sections.has('vision')) {
  await benchVision({ runs: quick ? 3 : 10 });
}
if (sections.has('ingest-size')) {
  await benchIngestSize(quick ? [100_000, 1_000_000] : undefined);
}
if (sections.has('streaming')) {
  await benchStreaming({ runs: quick ? 5 : 20, maxTokens: 128 });
}
