import { generateTinyComponentModels, generateTinyModels } from '../../scripts/tiny-models/generate';
import { TEST_MODEL_ROOT } from '../../vitest.config';

/** Generates the tiny models once per test run (tens of milliseconds). */
export default async function setup() {
  await generateTinyModels(TEST_MODEL_ROOT);
  await generateTinyComponentModels(TEST_MODEL_ROOT);
}
