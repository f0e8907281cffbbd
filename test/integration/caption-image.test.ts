/** POST /caption-image with every input form and every rejection, on the tiny vision-encoder-decoder. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/caption-image/handler';
import type { AppDependencies } from '../../shared/app/dependencies';
import { sniffImageFormat } from '../../shared/vision/image-input';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { gradient, multipart, solidPng } from '../helpers/images';

const created: AppDependencies[] = [];
const depsWith = (env: Record<string, string> = {}) => {
  const deps = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'caption-')), ...env });
  created.push(deps);
  return deps;
};
afterAll(() => Promise.all(created.map((d) => d.runtime.dispose())));

const binaryEvent = (body: Buffer, contentType: string) =>
  httpEvent('POST', '/caption-image', {
    rawBody: body.toString('base64'),
    isBase64Encoded: true,
    headers: { 'content-type': contentType },
  });
type Caption = { caption: string; model: { id: string; profile: string }; timing_ms: number };
type ErrorBody = { error: { type: string; message: string; details?: { path: string; message: string }[] } };

describe('POST /caption-image', () => {
  const deps = depsWith();
  const handler = createHandler(deps);

  it('captions a multipart upload, a raw body, base64 JSON and an S3 key alike', async () => {
    const png = await gradient('png');
    const form = multipart([{ name: 'image', value: png, filename: 'photo.png', type: 'image/png' }]);
    await deps.blobs.put('images/photo.png', png);
    const responses = await Promise.all([
      invoke<Caption>(handler, binaryEvent(form.body, form.contentType)),
      invoke<Caption>(handler, binaryEvent(png, 'image/png')),
      invoke<Caption>(
        handler,
        httpEvent('POST', '/caption-image', { body: { image_base64: png.toString('base64') } }),
      ),
      invoke<Caption>(
        handler,
        httpEvent('POST', '/caption-image', { body: { image_s3_key: 'images/photo.png' } }),
      ),
    ]);
    for (const r of responses) expect(r.statusCode).toBe(200);
    const captions = responses.map((r) => r.body.caption);
    expect(new Set(captions).size).toBe(1);
    expect(captions[0]?.length).toBeGreaterThan(0);
    expect(responses[0]?.body.model).toEqual({ id: 'tiny-random/vit-gpt2', profile: 'tiny' });
  });

  it('reads JPEG, WebP and GIF, whatever the Content-Type claims', async () => {
    for (const format of ['jpeg', 'webp', 'gif'] as const) {
      const bytes = await gradient(format);
      expect(sniffImageFormat(bytes)).toBe(format);
      const response = await invoke<Caption>(handler, binaryEvent(bytes, 'image/png'));
      expect(response.statusCode, format).toBe(200);
    }
  });

  it('takes max_new_tokens from a multipart field or the query string', async () => {
    const form = multipart([
      { name: 'image', value: await gradient('png'), filename: 'a.png', type: 'image/png' },
      { name: 'max_new_tokens', value: '2' },
    ]);
    const short = await invoke<Caption>(handler, binaryEvent(form.body, form.contentType));
    expect(short.statusCode).toBe(200);
    const bad = await invoke<ErrorBody>(handler, {
      ...binaryEvent(await gradient('png'), 'image/png'),
      queryStringParameters: { max_new_tokens: '500' },
    });
    expect(bad.statusCode).toBe(422);
  });

  it('takes max_new_tokens alike from a form field, the query string and a JSON number', async () => {
    // Prepare
    const png = await gradient('png');
    const form = multipart([
      { name: 'image', value: png, filename: 'a.png', type: 'image/png' },
      { name: 'max_new_tokens', value: '1' },
    ]);
    // Act
    const responses = await Promise.all([
      invoke<Caption>(handler, binaryEvent(form.body, form.contentType)),
      invoke<Caption>(handler, {
        ...binaryEvent(png, 'image/png'),
        queryStringParameters: { max_new_tokens: '1' },
      }),
      invoke<Caption>(
        handler,
        httpEvent('POST', '/caption-image', {
          body: { image_base64: png.toString('base64'), max_new_tokens: 1 },
        }),
      ),
      invoke<Caption>(handler, binaryEvent(png, 'image/png')),
    ]);
    // Assess
    const [viaForm, viaQuery, viaJson, byDefault] = responses.map((r) => r.body.caption);
    for (const r of responses) expect(r.statusCode).toBe(200);
    expect(viaQuery).toBe(viaForm);
    expect(viaJson).toBe(viaForm);
    expect(byDefault).not.toBe(viaForm);
  });

  it('refuses a field given both in the query string and in the body (422), whatever their values', async () => {
    // Prepare
    const png = await gradient('png');
    const form = multipart([
      { name: 'image', value: png, filename: 'a.png', type: 'image/png' },
      { name: 'max_new_tokens', value: '2' },
    ]);
    const query = { queryStringParameters: { max_new_tokens: '2' } };
    // Act
    const responses = await Promise.all([
      invoke<ErrorBody>(handler, { ...binaryEvent(form.body, form.contentType), ...query }),
      invoke<ErrorBody>(handler, {
        ...httpEvent('POST', '/caption-image', {
          body: { image_base64: png.toString('base64'), max_new_tokens: 3 },
        }),
        ...query,
      }),
    ]);
    // Assess
    for (const response of responses) {
      expect(response.statusCode).toBe(422);
      expect(response.body.error.details).toEqual([
        { path: 'max_new_tokens', message: 'given both as a query parameter and in the body; send it once' },
      ]);
    }
  });

  it('refuses bytes that are not an image even with an image Content-Type (415)', async () => {
    const response = await invoke<ErrorBody>(
      handler,
      binaryEvent(Buffer.from('%PDF-1.7 not an image'), 'image/png'),
    );
    expect(response.statusCode).toBe(415);
    expect(response.body.error.type).toBe('unsupported_media_type');
  });

  it('refuses an image over the byte limit (413)', async () => {
    const small = createHandler(depsWith({ IMAGE_MAX_BYTES: '1000' }));
    const big = await gradient('png', 200, 200);
    expect(big.length).toBeGreaterThan(1000);
    const raw = await invoke<ErrorBody>(small, binaryEvent(big, 'image/png'));
    const form = multipart([{ name: 'image', value: big, filename: 'big.png', type: 'image/png' }]);
    const viaForm = await invoke<ErrorBody>(small, binaryEvent(form.body, form.contentType));
    expect([raw.statusCode, viaForm.statusCode]).toEqual([413, 413]);
  });

  it('refuses a small file that decodes to too many pixels (413) before decoding it', async () => {
    const bomb = await solidPng(6000, 6000);
    expect(bomb.length).toBeLessThan(500_000);
    const response = await invoke<ErrorBody>(handler, binaryEvent(bomb, 'image/png'));
    expect(response.statusCode).toBe(413);
    expect(response.body.error.message).toMatch(/6000×6000 pixels/);
  });

  it('answers 422 for a corrupt image, a form without an image, both JSON forms and an unknown key', async () => {
    const png = await gradient('png');
    const corrupt = await invoke(handler, binaryEvent(png.subarray(0, 40), 'image/png'));
    const form = multipart([{ name: 'photo', value: png, filename: 'a.png', type: 'image/png' }]);
    const noImage = await invoke(handler, binaryEvent(form.body, form.contentType));
    const both = await invoke(
      handler,
      httpEvent('POST', '/caption-image', { body: { image_base64: 'aGk=', image_s3_key: 'x' } }),
    );
    const missing = await invoke(
      handler,
      httpEvent('POST', '/caption-image', { body: { image_s3_key: 'images/none.png' } }),
    );
    expect([corrupt.statusCode, noImage.statusCode, both.statusCode, missing.statusCode]).toEqual([
      422, 422, 422, 422,
    ]);
  });

  it('refuses a truncated image whose header reads well (422), before loading the model', async () => {
    // Prepare: fresh dependencies, so that nothing has loaded the captioning model yet
    const fresh = depsWith();
    const png = await gradient('png');
    // Act
    const truncated = await invoke<ErrorBody>(
      createHandler(fresh),
      binaryEvent(png.subarray(0, png.length - 60), 'image/png'),
    );
    // Assess
    expect(truncated.statusCode).toBe(422);
    expect(truncated.body.error.details?.[0]?.message).toMatch(/^the png image cannot be decoded/);
    expect(fresh.runtime.status().find((s) => s.key === 'captioning')?.state).toBe('not_loaded');
  });

  it('answers 415 for a body that is neither an image, a form nor JSON', async () => {
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/caption-image', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }),
    );
    expect(response.statusCode).toBe(415);
  });
});
