/** `npm run models:tiny [-- --root DIR] [keys...]`: writes the tiny random-weight models. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_KEYS, type ModelKey } from '../../shared/models/catalog';
import { generateTinyModels } from './generate';

const { values, positionals } = parseArgs({
  options: { root: { type: 'string', default: process.env.MODEL_ROOT ?? 'models' } },
  allowPositionals: true,
});
const unknown = positionals.filter((p) => !(MODEL_KEYS as readonly string[]).includes(p));
if (unknown.length > 0) {
  console.error(`unknown model key(s): ${unknown.join(', ')}; known: ${MODEL_KEYS.join(', ')}`);
  process.exit(2);
}
const keys = positionals.length > 0 ? (positionals as ModelKey[]) : MODEL_KEYS;
const root = path.resolve(values.root);
for (const model of await generateTinyModels(root, keys)) {
  console.log(
    `${model.id.padEnd(28)} ${(model.bytes / 1024).toFixed(0).padStart(5)} KiB  ${model.ms.toFixed(0)} ms  ${model.dir}`,
  );
}
