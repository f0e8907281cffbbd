/**
 * `npm run models:true-size [-- --root DIR] [--only key,...] [--scale-down N]`: writes random-weight models in
 * the standard models' exact architectures (gigabytes) outside the repository, for the true-size benchmarks
 * and packaging checks; never run by `npm test` except scaled down.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from '../progress';
import { TRUE_SIZE_KEYS, type TrueSizeKey } from './configs';
import { defaultTrueSizeRoot, generateTrueSizeModels } from './generate';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    only: { type: 'string' },
    'scale-down': { type: 'string' },
  },
});
const keys = (values.only?.split(',') ?? [...TRUE_SIZE_KEYS]) as TrueSizeKey[];
const unknown = keys.filter((key) => !(TRUE_SIZE_KEYS as readonly string[]).includes(key));
if (unknown.length > 0) {
  console.error(`unknown model ${unknown.join(', ')}; choose from ${TRUE_SIZE_KEYS.join(', ')}`);
  process.exit(2);
}
const divisor = values['scale-down'] ? Number(values['scale-down']) : undefined;
const root = path.resolve(values.root ?? defaultTrueSizeRoot());
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
let total = 0;
console.log(`writing true-size models under ${root}`);
// models done, the rate and the time left, on a terminal only (the per-model lines below are the result)
const progress = createProgress({ label: 'true-size models', total: keys.length, unit: 'items' });
await generateTrueSizeModels(root, keys, {
  ...(divisor ? { scale: { widthDivisor: divisor, maxLayers: 2 } } : {}),
  log: (model) => {
    total += model.bytes;
    progress.advance();
    console.log(
      `${model.key.padEnd(16)} ${model.id.padEnd(56)} ${mib(model.bytes).padStart(12)}  ${(model.ms / 1000).toFixed(1)} s`,
    );
  },
});
progress.finish();
console.log(`wrote ${mib(total)} (${total} bytes) under ${root}`);
