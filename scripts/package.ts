/**
 * `npm run package [-- --models DIR] [--strict] [--unzipped-limit-mb N]`: builds the layers from the models
 * under DIR (MODEL_ROOT or ./models; point it at the true-size models to check real sizes), runs the
 * framework's `package` (offline: fake credentials, no AWS call), then checks every function against Lambda's
 * limits (scripts/deployment-limits.ts): code plus layers unzipped, layers per function, the models it copies
 * from the model bucket against its ephemeral storage, and the GPU image's models. Exits 1 when anything is
 * over; `--unzipped-limit-mb` lowers the unzipped limit (to see the check fail).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildLayers } from '../layers/build';
import { readScriptEnvironment } from '../shared/config/environment';
import { MODEL_CATALOG, ONNX_MODEL_KEYS } from '../shared/models/catalog';
import { coldStartBytes } from './cold-start-bytes';
import {
  functionFootprints,
  functionViolations,
  imageViolations,
  LAMBDA_LIMITS,
  modelLayerName,
  tmpBytes,
  unzippedBytes,
} from './deployment-limits';
import { PROJECT_ROOT } from './local-server';
import { startOfflineCloudFormation } from './offline-cloudformation';
import { readServerlessConfig } from './serverless-config';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    strict: { type: 'boolean', default: false },
    'unzipped-limit-mb': { type: 'string' },
  },
});
const modelsRoot = path.resolve(values.models ?? process.env.MODEL_ROOT ?? 'models');
const limits = {
  ...LAMBDA_LIMITS,
  ...(values['unzipped-limit-mb']
    ? { unzippedBytes: Number(values['unzipped-limit-mb']) * 1024 * 1024 }
    : {}),
};

async function folderBytes(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

async function runInherited(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
) {
  const child = spawn(command, args, { ...options, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} exited with ${code}`);
}

const settings = readScriptEnvironment(['STAGE', 'LAYER_MODEL_PROFILE']);
const layerResult = await buildLayers({
  modelsRoot,
  profile: settings.LAYER_MODEL_PROFILE,
  strict: values.strict,
  verify: false,
  unzippedLimitBytes: limits.unzippedBytes,
});

const stage = settings.STAGE;
const cloudFormation = await startOfflineCloudFormation(`genai-endpoints-${stage}`);
try {
  await runInherited(
    process.execPath,
    [path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLY00000',
        AWS_SECRET_ACCESS_KEY: 'package-only-fake-secret',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
        SLS_TELEMETRY_DISABLED: '1',
      },
    },
  );
} finally {
  cloudFormation.close();
}

/** Unzipped size of a zip, from its central directory (`unzip -Z -t` would need a system package). */
function unzippedSize(file: string): number {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    total += zip.readUInt32LE(offset + 24);
    offset +=
      46 + zip.readUInt16LE(offset + 28) + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return total;
}

const config = readServerlessConfig();
const layerBytes: Record<string, number> = {
  ModelRuntimeLambdaLayer: layerResult.runtimeBytes,
  FaissLambdaLayer: layerResult.faissBytes,
  ...Object.fromEntries(layerResult.modelLayers.map((l) => [modelLayerName(l.key), l.bytes])),
};
const modelBytes = Object.fromEntries(
  await Promise.all(
    Object.entries(MODEL_CATALOG).map(async ([key, entry]) => [
      key,
      await folderBytes(path.join(modelsRoot, entry[settings.LAYER_MODEL_PROFILE].id)),
    ]),
  ),
) as Record<keyof typeof MODEL_CATALOG, number>;
const footprints = functionFootprints(config, {
  code: (name) => unzippedSize(path.join(PROJECT_ROOT, '.serverless', `${name}.zip`)),
  layer: (name) => layerBytes[name] ?? 0,
  model: (key) => modelBytes[key],
});
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const problems: string[] = [];
for (const f of footprints) {
  const tmp = f.bucketModels.length
    ? `; /tmp ${mb(tmpBytes(f))} of ${f.ephemeralMb} MB (${f.bucketModels.map((m) => m.key).join(', ')})`
    : '';
  const handlerFile = path.join(
    PROJECT_ROOT,
    '.esbuild',
    '.build',
    path.dirname(config.functions[f.name]?.handler ?? ''),
    'handler.mjs',
  );
  const parsed = existsSync(handlerFile) ? coldStartBytes(handlerFile) : undefined;
  const atStart = parsed
    ? ` (parsed at cold start ${(parsed.bytes / 1024).toFixed(0)} KiB in ${parsed.files} files)`
    : '';
  console.log(
    `${f.name.padEnd(20)} code ${mb(f.codeBytes).padStart(9)} ${atStart} + layers ${f.layers.map((l) => l.name).join(', ')} = ${mb(unzippedBytes(f))} unzipped${tmp}`,
  );
  problems.push(...functionViolations(f, limits));
  if (values.strict)
    for (const m of f.bucketModels)
      if (m.bytes === 0) problems.push(`${f.name}: ${m.key} is missing under ${modelsRoot}`);
}
// The GPU image carries the onnxruntime models (baked in with BAKE_MODELS=1) beside a runtime like the layer's.
const gpuModels = ONNX_MODEL_KEYS.reduce((sum, key) => sum + modelBytes[key], 0);
console.log(
  `GPU image: models ${mb(gpuModels)} + runtime ${mb(layerResult.runtimeBytes)} (CUDA base image not counted)`,
);
problems.push(...imageViolations('GPU image', gpuModels + layerResult.runtimeBytes, limits));
if (problems.length > 0 || !layerResult.ok) {
  for (const problem of problems) console.error(`OVER A LIMIT: ${problem}`);
  if (!layerResult.ok) console.error('the layer build failed (see above)');
  process.exit(1);
}
console.log('every function fits its limits');
