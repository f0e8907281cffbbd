/**
 * `npm run bench [-- --quick]`: prints performance figures as tables. Goals live here, not in timed tests.
 */
import { parseArgs } from 'node:util';
import { benchSentiment } from './bench/sentiment';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;

console.log(`genai-endpoints benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
await benchSentiment({
  iterations: quick ? 50 : 300,
  httpIterations: quick ? 30 : 200,
  coldRuns: quick ? 3 : 10,
});
