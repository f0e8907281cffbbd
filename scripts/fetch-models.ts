/**
 * `npm run models:fetch [-- keys... | diffusion] [--upload s3://bucket/prefix]`: downloads the standard models for a
 * deployment into MODEL_ROOT (./models), where `layer:build` packs the small ones; `--upload` copies the
 * large ones (catalog `source: 's3'`) to the stack's model bucket. Needs access to the model hub (or a
 * mirror in MODEL_HUB_URL); without it, it fails within MODEL_REMOTE_TIMEOUT_MS instead of hanging.
 */
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../shared/config/environment';
import { STANDARD_DIFFUSION_MODEL } from '../shared/diffusion/diffusion-model';
import { MODEL_CATALOG, type ModelKey } from '../shared/models/catalog';
import { createTransformersPipelineFactory } from '../shared/models/pipeline-factory';
import { createS3Client, parseS3Uri } from '../shared/storage/s3-client';
import { modelKeysFromArguments } from './model-keys-argument';
import { createProgress } from './progress';

/** Uploads a model folder to `<uri>/<id>/...`, config.json last so that a reader never sees half a model. */
export async function uploadModel(
  client: S3Client,
  uri: string,
  modelRoot: string,
  id: string,
): Promise<number> {
  const { bucket, prefix } = parseS3Uri(uri);
  const dir = path.join(modelRoot, id);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort((a, b) => Number(a === 'config.json') - Number(b === 'config.json'));
  const sizes = files.map((file) => statSync(path.join(dir, file)).size);
  const progress = createProgress({
    label: `upload ${id}`,
    unit: 'bytes',
    total: sizes.reduce((a, b) => a + b, 0),
  });
  for (const [i, file] of files.entries()) {
    const full = path.join(dir, file);
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix ? `${prefix}/` : ''}${id}/${file}`,
        Body: createReadStream(full),
        ContentLength: sizes[i],
      }),
    );
    progress.advance(sizes[i]);
  }
  progress.finish();
  return files.length;
}

async function fetchStandardModels(options: {
  keys: readonly ModelKey[];
  modelRoot: string;
  remoteTimeoutMs: number;
  hubUrl?: string;
}): Promise<void> {
  const createPipeline = createTransformersPipelineFactory({
    remoteTimeoutMs: options.remoteTimeoutMs,
    ...(options.hubUrl ? { remoteHost: options.hubUrl } : {}),
  });
  for (const key of options.keys) {
    const { task, standard } = MODEL_CATALOG[key];
    const started = performance.now();
    const progress = createProgress({ label: standard.id, unit: 'bytes' });
    const loaded = await createPipeline({
      task,
      location: standard.id,
      revision: standard.revision,
      dtype: standard.dtype,
      cacheDir: options.modelRoot,
      remote: true,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.finish();
    await loaded.dispose();
    console.log(
      `${standard.id} (${standard.dtype}) ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

/**
 * Downloads the Stable Diffusion ONNX export file by file (it is no transformers.js pipeline) into a staging
 * folder renamed into place, plus the CLIP tokenizer in transformers.js's format.
 */
async function fetchDiffusionModel(options: {
  modelRoot: string;
  remoteTimeoutMs: number;
  hubUrl?: string;
}): Promise<void> {
  const hub = (options.hubUrl ?? 'https://huggingface.co/').replace(/\/+$/, '');
  const model = STANDARD_DIFFUSION_MODEL;
  const target = path.join(options.modelRoot, model.id);
  const staging = `${target}.partial-${process.pid}`;
  const download = async (repo: string, file: string, to: string) => {
    const response = await fetch(`${hub}/${repo}/resolve/${model.revision}/${file}`, {
      signal: AbortSignal.timeout(
        file.endsWith('.pb') || file.endsWith('.onnx') ? 30 * 60_000 : options.remoteTimeoutMs,
      ),
    });
    if (!response.ok || !response.body) throw new Error(`${repo}/${file}: HTTP ${response.status}`);
    await mkdir(path.dirname(to), { recursive: true });
    const length = Number(response.headers.get('content-length'));
    const progress = createProgress({
      label: `${repo}/${file}`,
      unit: 'bytes',
      ...(length > 0 ? { total: length } : {}),
    });
    const body = Readable.fromWeb(response.body as never);
    body.on('data', (chunk: Buffer) => progress.advance(chunk.length));
    await pipeline(body, createWriteStream(to));
    progress.finish();
  };
  try {
    for (const file of model.files) await download(model.id, file, path.join(staging, file));
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      await download(model.tokenizerFrom, file, path.join(staging, 'tokenizer', file));
    }
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    console.log(`${model.id} ready in ${target}`);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

if (import.meta.filename === process.argv[1]) {
  const { values, positionals } = parseArgs({
    options: { upload: { type: 'string' } },
    allowPositionals: true,
  });
  const diffusion = positionals.length === 0 || positionals.includes('diffusion');
  const keys =
    positionals.length > 0 && positionals.every((p) => p === 'diffusion')
      ? []
      : modelKeysFromArguments(positionals.filter((p) => p !== 'diffusion'));
  const config = loadConfig();
  const hub = config.modelHubUrl ?? 'https://huggingface.co/';
  try {
    await fetchStandardModels({
      keys,
      modelRoot: config.modelRoot,
      remoteTimeoutMs: config.remoteTimeoutMs,
      ...(config.modelHubUrl ? { hubUrl: config.modelHubUrl } : {}),
    });
    if (diffusion) {
      await fetchDiffusionModel({
        modelRoot: config.modelRoot,
        remoteTimeoutMs: config.remoteTimeoutMs,
        ...(config.modelHubUrl ? { hubUrl: config.modelHubUrl } : {}),
      });
    }
  } catch (error) {
    const cause =
      error instanceof Error
        ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}`
        : String(error);
    console.error(
      `models:fetch could not download from ${hub}: ${cause}\n` +
        'Run it on a machine with internet access, or point MODEL_HUB_URL at a mirror of the hub.',
    );
    process.exit(1);
  }
  if (values.upload) {
    const client = createS3Client(config.s3);
    for (const key of keys.filter((k) => MODEL_CATALOG[k].standard.source === 's3')) {
      const { id } = MODEL_CATALOG[key].standard;
      const count = await uploadModel(client, values.upload, config.modelRoot, id);
      console.log(`uploaded ${id}: ${count} files to ${values.upload.replace(/\/$/, '')}/${id}/`);
    }
  }
}
