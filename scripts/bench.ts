/**
 * `npm run bench [-- --quick] [-- --only cold-start,sentiment,local-load,vectors,vision,ingest-size]`: prints performance
 * figures as tables. Goals live here, not in timed tests. `--scale` adds 1,000,000 vectors to `vectors`.
 */
import { parseArgs } from 'node:util';
import { benchColdStart } from './bench/cold-start';
import { benchIngestSize } from './bench/ingest-size';
import { benchLocalLoad } from './bench/local-load';
import { benchSentiment } from './bench/sentiment';
import { benchIngestion, benchVectorsAtScale } from './bench/vectors';
import { benchVision } from './bench/vision';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    scale: { type: 'boolean', default: false },
  },
});
const sections = new Set(
  (values.only ?? 'cold-start,sentiment,local-load,vectors,vision,ingest-size').split(','),
);
const quick = values.quick;

console.log(`genai-endpoints benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
if (sections.has('cold-start')) {
  await benchColdStart({ runs: quick ? 3 : 7 });
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
