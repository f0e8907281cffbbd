/** Standard models too large for a layer are copied from S3 into the cache; tested against s3rver. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import { createModelRuntime } from '../../shared/models/model-runtime';
import { createTransformersPipelineFactory } from '../../shared/models/pipeline-factory';
import { createS3ModelStore } from '../../shared/models/s3-model-store';
import { silentLogger } from '../helpers/dependencies';
import { type LocalS3, startLocalS3 } from '../helpers/s3-server';

const standardId = MODEL_CATALOG.sentiment.standard.id;
let s3: LocalS3;

/**
 * Uploads the tiny sentiment model laid out as the standard one (its id, its quantized file name): the same
 * contract, so the same code path runs.
 */
async function uploadModel(prefix: string) {
  const source = path.join(process.env.MODEL_ROOT as string, MODEL_CATALOG.sentiment.tiny.id);
  for (const file of readdirSync(source, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const full = path.join(file.parentPath, file.name);
    const relative = path
      .relative(source, full)
      .split(path.sep)
      .join('/')
      .replace('model.onnx', 'model_quantized.onnx');
    const key = `${prefix}/${standardId}/${relative}`;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: readFileSync(full) }));
  }
}

function runtimeFor(cacheDir: string, uri: string) {
  return createModelRuntime({
    profile: 'standard',
    modelRoot: mkdtempSync(path.join(os.tmpdir(), 'empty-root-')),
    cacheDir,
    allowRemote: false,
    retryAfterSeconds: 30,
    createPipeline: createTransformersPipelineFactory({ remoteTimeoutMs: 1_000 }),
    modelStore: createS3ModelStore({ client: s3.client, uri }),
    logger: silentLogger(),
  });
}

beforeAll(async () => {
  s3 = await startLocalS3('models-bucket');
  await uploadModel('models');
});
afterAll(() => s3?.stop());

describe('S3 model store', () => {
  it('copies a standard model from S3 into the cache on first use and serves it', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'model-cache-'));
    const runtime = runtimeFor(cacheDir, `s3://${s3.bucket}/models`);
    const model = await runtime.load('sentiment');
    expect(model).toMatchObject({ id: standardId, profile: 'standard' });
    const [result] = (await model.pipeline('copied from s3')) as { label: string }[];
    expect(['NEGATIVE', 'POSITIVE']).toContain(result?.label);
    expect(existsSync(path.join(cacheDir, standardId, 'onnx/model_quantized.onnx'))).toBe(true);
    expect(readdirSync(cacheDir, { recursive: true }).some((f) => String(f).includes('.partial-'))).toBe(
      false,
    );
    await runtime.dispose();
  });

  it('reuses the cached copy without asking S3 again', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'model-cache-'));
    await runtimeFor(cacheDir, `s3://${s3.bucket}/models`).load('sentiment');
    const offline = runtimeFor(cacheDir, 's3://no-such-bucket/models');
    await expect(offline.load('sentiment')).resolves.toMatchObject({ id: standardId });
    await offline.dispose();
  });

  it('says how to upload a model that is not in the bucket, leaving no partial folder', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'model-cache-'));
    const runtime = runtimeFor(cacheDir, `s3://${s3.bucket}/elsewhere`);
    await expect(runtime.load('sentiment')).rejects.toThrow(
      /models:fetch -- --upload s3:\/\/models-bucket\/elsewhere/,
    );
    expect(readdirSync(cacheDir, { recursive: true })).toEqual([]);
  });
});
