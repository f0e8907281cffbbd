/**
 * `npm run package`: builds the layers, then runs the framework's `package` (offline: fake credentials, no
 * AWS call) and checks each function's unzipped code plus its layers against the 250 MB Lambda limit.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildLayers, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../layers/build';
import { readScriptEnvironment } from '../shared/config/environment';
import { PROJECT_ROOT } from './local-server';
import { startOfflineCloudFormation } from './offline-cloudformation';
import { readServerlessConfig, refName } from './serverless-config';

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
  modelsRoot: path.resolve(process.env.MODEL_ROOT ?? 'models'),
  profile: settings.LAYER_MODEL_PROFILE,
  strict: process.argv.includes('--strict'),
  verify: false,
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
  ...Object.fromEntries(
    layerResult.modelLayers.map((l) => [
      `Models${l.key.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}LambdaLayer`,
      l.bytes,
    ]),
  ),
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
let over = false;
for (const [name, fn] of Object.entries(config.functions)) {
  const code = unzippedSize(path.join(PROJECT_ROOT, '.serverless', `${name}.zip`));
  const layers = (fn.layers ?? config.provider.layers ?? []).map(refName);
  const total = code + layers.reduce((sum, layer) => sum + (layerBytes[layer] ?? 0), 0);
  over ||= total > LAMBDA_UNZIPPED_LIMIT_BYTES;
  console.log(
    `${name.padEnd(14)} code ${mb(code).padStart(9)} + layers ${layers.join(', ')} = ${mb(total)} unzipped`,
  );
}
if (over || !layerResult.ok) {
  console.error(`a function exceeds the ${mb(LAMBDA_UNZIPPED_LIMIT_BYTES)} unzipped limit`);
  process.exit(1);
}
