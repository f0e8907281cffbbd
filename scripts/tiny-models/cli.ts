/** `npm run models:tiny [-- --root DIR] [keys...]`: writes the tiny random-weight models. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { modelKeysFromArguments } from '../model-keys-argument';
import { generateTinyComponentModels, generateTinyModels } from './generate';

const { values, positionals } = parseArgs({
  options: { root: { type: 'string', default: process.env.MODEL_ROOT ?? 'models' } },
  allowPositionals: true,
});
const keys = modelKeysFromArguments(positionals);
const root = path.resolve(values.root);
const components = positionals.length === 0 ? await generateTinyComponentModels(root) : [];
for (const model of [...(await generateTinyModels(root, keys)), ...components]) {
  console.log(
    `${model.id.padEnd(28)} ${(model.bytes / 1024).toFixed(0).padStart(5)} KiB  ${model.ms.toFixed(0)} ms  ${model.dir}`,
  );
}
