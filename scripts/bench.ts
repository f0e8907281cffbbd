/**
 * `npm run bench [-- --quick] [-- --only cold-start,sentiment,local-load,vectors,vision,ingest-size,streaming]`: prints performance
 * figures as tables. Goals live here, not in timed tests.
 */
import { parseArgs } from 'node:util';
import { benchColdStart } from './bench/cold-start';
import { benchIngestSize } from './bench/ingest-size';
import { benchLocalLoad } from './bench/local-load';
import { benchSentiment } from './bench/sentiment';
import { benchStreaming } from './bench/streaming';
import { benchFaissLoadFromS3, benchIngestion, benchVectorSearch } from './bench/vectors';
import { benchVision } from './bench/vision';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const sections = new Set(
  (values.only ?? 'cold-start,sentiment,local-load,vectors,vision,ingest-size,streaming').split(','),
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
  await benchVectorSearch({
    sizes: quick ? [10_000] : [10_000, 100_000],
    queries: (n) => (n >= 100_000 ? 50 : 200),
    measureAdd: true,
  });
  await benchFaissLoadFromS3(quick ? 10_000 : 100_000);
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
