/** models:fetch fails fast and clearly without a hub, and its upload round-trips through the S3 model store. */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadModel } from '../../scripts/fetch-models';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import { createS3ModelStore } from '../../shared/models/s3-model-store';
import { type LocalS3, startLocalS3 } from '../helpers/s3-server';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');

describe('npm run models:fetch', () => {
  let hub: http.Server;
  beforeAll(async () => {
    hub = http.createServer(() => undefined); // accepts connections, never answers
    hub.listen(0, '127.0.0.1');
    await once(hub, 'listening');
  });
  afterAll(() => {
    hub.closeAllConnections();
    hub.close();
  });

  it('fails within the remote timeout with a message that says what to do', async () => {
    const { port } = hub.address() as AddressInfo;
    const started = Date.now();
    const result = await run(process.execPath, [tsx, 'scripts/fetch-models.ts', 'sentiment'], {
      env: {
        ...process.env,
        MODEL_ROOT: mkdtempSync(path.join(os.tmpdir(), 'fetch-')),
        MODEL_HUB_URL: `http://127.0.0.1:${port}/`,
        MODEL_REMOTE_TIMEOUT_MS: '500',
      },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/could not download from http:\/\/127\.0\.0\.1/);
    expect((result as { stderr: string }).stderr).toMatch(/MODEL_HUB_URL/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses an unknown model key', async () => {
    const result = await run(process.execPath, [tsx, 'scripts/fetch-models.ts', 'no-such-model']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((result as { code: number }).code).toBe(2);
  });
});

describe('uploadModel', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3('upload-bucket');
  });
  afterAll(() => s3?.stop());

  it('uploads a model folder that the S3 model store then copies back byte for byte', async () => {
    const root = process.env.MODEL_ROOT as string;
    const { id } = MODEL_CATALOG.summarization.tiny;
    const count = await uploadModel(s3.client, `s3://${s3.bucket}/models`, root, id);
    expect(count).toBeGreaterThanOrEqual(5);

    const target = path.join(mkdtempSync(path.join(os.tmpdir(), 'roundtrip-')), id);
    const store = createS3ModelStore({ client: s3.client, uri: `s3://${s3.bucket}/models` });
    expect(await store.download(id, target)).toBe(count);
    for (const file of ['config.json', 'onnx/decoder_model_merged.onnx']) {
      const copied = readFileSync(path.join(target, file));
      const original = readFileSync(path.join(root, id, file));
      expect([file, copied.length]).toEqual([file, original.length]);
      expect(copied.equals(original)).toBe(true);
    }
  });
});

describe('npm run models:fetch -- diffusion', () => {
  it('downloads the Stable Diffusion export file by file from the hub layout, ready to load', async () => {
    const { STANDARD_DIFFUSION_MODEL } = await import('../../shared/diffusion/diffusion-model');
    const { loadStableDiffusion } = await import('../../shared/diffusion/stable-diffusion');
    const { readFile } = await import('node:fs/promises');
    const tiny = path.join(process.env.MODEL_ROOT as string, 'tiny-random/stable-diffusion');
    // A hub serving the tiny export under the standard ids (and an empty external-weights file).
    const hub = http.createServer(async (request, response) => {
      const match = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(request.url ?? '');
      const [repo, file] = [match?.[1], match?.[2]];
      const local =
        repo === STANDARD_DIFFUSION_MODEL.tokenizerFrom
          ? path.join(tiny, 'tokenizer', file ?? '')
          : path.join(tiny, file ?? '');
      const body =
        file === 'unet/weights.pb' ? Buffer.alloc(0) : await readFile(local).catch(() => undefined);
      response.writeHead(body ? 200 : 404);
      response.end(body);
    });
    hub.listen(0, '127.0.0.1');
    await once(hub, 'listening');
    const modelRoot = mkdtempSync(path.join(os.tmpdir(), 'fetch-sd-'));
    try {
      await run(process.execPath, [tsx, 'scripts/fetch-models.ts', 'diffusion'], {
        env: {
          ...process.env,
          MODEL_ROOT: modelRoot,
          MODEL_HUB_URL: `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`,
        },
      });
      const sd = await loadStableDiffusion(path.join(modelRoot, STANDARD_DIFFUSION_MODEL.id));
      const result = await sd.generate({
        prompt: 'fetched',
        negative_prompt: '',
        steps: 1,
        guidance_scale: 7.5,
        width: 64,
        height: 64,
        seed: 1,
        num_images: 1,
        scheduler: 'ddim',
      });
      expect(result.images).toHaveLength(1);
      await sd.dispose();
    } finally {
      hub.close();
    }
  });
});
