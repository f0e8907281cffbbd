/**
 * `npm run layer:build`: assembles the Lambda layers under layers/.build and checks the 250 MB limit.
 *
 * - `runtime/nodejs/node_modules`: transformers.js, onnxruntime-node and sharp with their production
 *   dependencies, for linux-x64 only (other platforms' binaries, browser bundles, maps and typings pruned).
 * - `models-<key>/models/<id>`: one layer per model that ships in a layer (catalog `source: 'layer'`), mounted
 *   at /opt/models. Large models (`source: 's3'`) are not layered; they are copied from S3 at cold start.
 *
 * Options: --models-root DIR (default MODEL_ROOT or ./models), --profile standard|tiny (which catalog models
 * to pack; tiny for a demo deployment), --strict (fail when a model is missing), --verify (load the packed
 * runtime in a child process and run a model through it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_CATALOG, MODEL_KEYS, type ModelKey } from '../shared/models/catalog';
import * as z from '../shared/schema';

export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const LAYER_BUILD_DIR = path.join(PROJECT_ROOT, 'layers', '.build');

/** Packages the functions leave out of their bundles (serverless.yml `custom.esbuild.exclude`), and the files /docs serves. */
const RUNTIME_ROOTS = ['@huggingface/transformers', 'onnxruntime-node', 'sharp', 'swagger-ui-dist'];
/** Its own layer: only the functions that touch the FAISS index carry its 40 MB. */
const FAISS_ROOTS = ['faiss-node'];
/**
 * Not needed at run time: onnxruntime-web is browser-only (transformers.js's Node build bundles what it
 * uses of it); the others only build or download faiss-node's binding at install time.
 */
const SKIPPED_PACKAGES = new Set(['onnxruntime-web', 'prebuild-install', 'node-addon-api', 'cmake-js']);

const PRUNED = [
  /\/onnxruntime-node\/bin\/napi-v\d+\/(?:darwin|win32)(?:\/|$)/,
  /\/onnxruntime-node\/bin\/napi-v\d+\/linux\/arm64(?:\/|$)/,
  /\/@huggingface\/transformers\/dist\/(?:transformers\.(?:web\.)?(?:min\.)?js|ort-wasm[^/]*)$/,
  /\/@huggingface\/transformers\/(?:types|src)(?:\/|$)/,
  /\.(?:map|d\.ts|d\.mts|d\.cts|md)$/,
  // swagger-ui-dist: /docs serves its bundle and styles, not the ES builds.
  /\/swagger-ui-dist\/swagger-ui-es-bundle[^/]*$/,
  // faiss-node: keep the compiled binding and the libraries copied beside it, not the build tree.
  /\/faiss-node\/build\/(?!Release(?:\/|$))/,
  /\/faiss-node\/(?:deps|src|test|examples)(?:\/|$)/,
];

/** The fields of a package.json that say what else a package needs. */
const PackageManifest = z.object({
  dependencies: z.optional(z.record(z.string(), z.string())),
  optionalDependencies: z.optional(z.record(z.string(), z.string())),
});

/** Resolves `name` the way Node does from `fromDir`: the nearest node_modules up the tree. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** The installed production dependency closure of some packages (optional ones only when installed). */
function dependencyClosure(roots: readonly string[], projectRoot = PROJECT_ROOT): string[] {
  const found = new Set<string>();
  const visit = (name: string, fromDir: string, optional: boolean) => {
    if (SKIPPED_PACKAGES.has(name)) return;
    const dir = resolvePackageDir(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`runtime dependency '${name}' is not installed: run npm ci`);
    }
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = PackageManifest.parse(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const root of roots) visit(root, projectRoot, false);
  return [...found].sort();
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Copies `packages` (directories under node_modules) into a layer's nodejs/node_modules, pruned. */
async function buildPackageLayer(outDir: string, packages: readonly string[]): Promise<string[]> {
  const nodeModules = path.join(PROJECT_ROOT, 'node_modules');
  const target = path.join(outDir, 'nodejs', 'node_modules');
  for (const dir of packages) {
    const relative = path.relative(nodeModules, dir);
    await fs.cp(dir, path.join(target, relative), {
      recursive: true,
      filter: (source) => !PRUNED.some((pattern) => pattern.test(source.split(path.sep).join('/'))),
    });
  }
  return packages.map((dir) => path.relative(nodeModules, dir));
}

async function buildRuntimeLayers(runtimeDir: string, faissDir: string) {
  const runtime = dependencyClosure(RUNTIME_ROOTS);
  if (!runtime.some((dir) => dir.endsWith(path.join('@img', 'sharp-linux-x64')))) {
    throw new Error(
      'sharp has no linux-x64 binary installed: run `npm install --os=linux --cpu=x64 sharp` first',
    );
  }
  const inRuntime = new Set(runtime);
  const faissPackages = dependencyClosure(FAISS_ROOTS).filter((dir) => !inRuntime.has(dir));
  return {
    runtime: await buildPackageLayer(runtimeDir, runtime),
    faiss: await buildPackageLayer(faissDir, faissPackages),
  };
}

interface ModelLayer {
  readonly key: ModelKey;
  readonly id: string;
  readonly dir: string;
  readonly present: boolean;
}

async function buildModelLayers(
  outDir: string,
  modelsRoot: string,
  profile: 'standard' | 'tiny',
): Promise<ModelLayer[]> {
  const layers: ModelLayer[] = [];
  for (const key of MODEL_KEYS) {
    const entry = MODEL_CATALOG[key];
    if (entry.standard.source !== 'layer') continue;
    const id = entry[profile].id;
    const dir = path.join(outDir, `models-${key}`);
    const source = path.join(modelsRoot, id);
    const present = existsSync(path.join(source, 'config.json'));
    await fs.mkdir(path.join(dir, 'models'), { recursive: true });
    if (present) await fs.cp(source, path.join(dir, 'models', id), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'models', `${key}.manifest.json`),
      JSON.stringify({ key, id, profile, present, builtAt: new Date().toISOString() }, null, 2),
    );
    layers.push({ key, id, dir, present });
  }
  return layers;
}

/**
 * Runs a model through the packed runtime in a child process, from a copy outside the project so that
 * nothing can resolve from the project's own node_modules: a package the pruning broke fails here.
 */
async function verifyRuntimeLayer(layerDirs: readonly string[], modelDir: string): Promise<void> {
  const sandbox = await fs.mkdtemp(path.join(os.tmpdir(), 'layer-verify-'));
  try {
    // Lambda extracts every layer of a function into /opt; the sandbox merges them the same way.
    for (const dir of layerDirs) await fs.cp(dir, sandbox, { recursive: true });
    const probe = path.join(sandbox, 'nodejs', 'verify-layer.mjs');
    await fs.writeFile(
      probe,
      `import { pipeline } from '@huggingface/transformers';
import sharp from 'sharp';
import faiss from 'faiss-node';
const index = new faiss.IndexFlatIP(2);
index.add([1, 0, 0, 1]);
if (index.search([0, 1], 1).labels[0] !== 1) throw new Error('faiss-node search is wrong');
const run = await pipeline('text-classification', ${JSON.stringify(modelDir)}, { dtype: 'fp32', local_files_only: true });
const [out] = await run('the layer works');
if (!out?.label) throw new Error('no label from the packed runtime');
const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();
console.log('verified packed runtime: ' + JSON.stringify(out) + ', sharp png ' + png.length + ' bytes, faiss search ok');
`,
    );
    execFileSync(process.execPath, [probe], { stdio: 'inherit', cwd: sandbox });
  } finally {
    await fs.rm(sandbox, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function buildLayers(options: {
  modelsRoot: string;
  profile: 'standard' | 'tiny';
  strict: boolean;
  verify: boolean;
  /** Lambda's 250 MB unless a check wants to see it fail. */
  unzippedLimitBytes?: number;
}): Promise<{
  ok: boolean;
  runtimeBytes: number;
  faissBytes: number;
  modelLayers: (ModelLayer & { bytes: number })[];
}> {
  await fs.rm(LAYER_BUILD_DIR, { recursive: true, force: true });
  const runtimeDir = path.join(LAYER_BUILD_DIR, 'runtime');
  const faissDir = path.join(LAYER_BUILD_DIR, 'faiss');
  const packages = await buildRuntimeLayers(runtimeDir, faissDir);
  const models = await buildModelLayers(LAYER_BUILD_DIR, options.modelsRoot, options.profile);
  const runtimeBytes = await directorySize(runtimeDir);
  const faissBytes = await directorySize(faissDir);
  const modelLayers = await Promise.all(
    models.map(async (m) => ({ ...m, bytes: await directorySize(m.dir) })),
  );

  console.log(
    `runtime layer: ${packages.runtime.length} packages, ${mb(runtimeBytes)} unzipped (${runtimeBytes} bytes)`,
  );
  console.log(
    `faiss layer: ${packages.faiss.length} packages, ${mb(faissBytes)} unzipped (${faissBytes} bytes)`,
  );
  let ok = true;
  const limit = options.unzippedLimitBytes ?? LAMBDA_UNZIPPED_LIMIT_BYTES;
  for (const layer of modelLayers) {
    // The heaviest use of a model layer: beside the runtime and FAISS layers (the RAG functions).
    const total = runtimeBytes + faissBytes + layer.bytes;
    const fits = total <= limit;
    ok &&= fits;
    const state = layer.present ? '' : ` (MISSING: run npm run models:fetch)`;
    console.log(
      `models-${layer.key}: ${layer.id} ${mb(layer.bytes)}${state}; runtime + faiss + model = ${mb(total)} of ${mb(limit)} ${fits ? 'ok' : 'OVER THE LIMIT'}`,
    );
    if (!layer.present && options.strict) ok = false;
  }
  if (options.verify) {
    const sentiment = modelLayers.find((l) => l.key === 'sentiment' && l.present);
    const tinyDir = path.join(options.modelsRoot, MODEL_CATALOG.sentiment.tiny.id);
    const modelDir = sentiment ? path.join(sentiment.dir, 'models', sentiment.id) : tinyDir;
    await verifyRuntimeLayer([runtimeDir, faissDir], modelDir);
  }
  return { ok, runtimeBytes, faissBytes, modelLayers };
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      'models-root': { type: 'string', default: process.env.MODEL_ROOT ?? 'models' },
      profile: { type: 'string', default: 'standard' },
      strict: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
    },
  });
  if (values.profile !== 'standard' && values.profile !== 'tiny') {
    console.error(`--profile must be standard or tiny, got ${values.profile}`);
    process.exit(2);
  }
  const result = await buildLayers({
    modelsRoot: path.resolve(values['models-root']),
    profile: values.profile,
    strict: values.strict,
    verify: values.verify,
  });
  if (!result.ok) {
    console.error(
      'layer build failed: a function would exceed the Lambda size limit, or a model is missing (--strict)',
    );
    process.exit(1);
  }
}
