/**
 * Errors that say what went wrong and nothing more: storage failures are 503 `storage_unavailable` naming
 * the operation and the key (never the data directory), keys that leave the store are 422, and a body full
 * of unknown keys gets a short 422.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as captionImage } from '../../functions/caption-image/handler';
import { createHandler as generateImage } from '../../functions/generate-image/handler';
import { createHandler as qaImageText } from '../../functions/qa-image-text/handler';
import type { AppDependencies } from '../../shared/app/dependencies';
import { StorageUnavailableError } from '../../shared/errors';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { gradient } from '../helpers/images';
import { internalsIn } from '../helpers/leaks';

type ErrorBody = {
  error: { type: string; message: string; details?: { path: string; message: string }[]; request_id: string };
};

const created: AppDependencies[] = [];
const depsWith = (dataDir: string, env: Record<string, string> = {}) => {
  const deps = testDependencies({ DATA_DIR: dataDir, ...env });
  created.push(deps);
  return deps;
};
afterAll(async () => {
  await Promise.all(
    created.flatMap((d) => [d.runtime.dispose(), ...Object.values(d.vqaProviders).map((p) => p?.dispose())]),
  );
});

/**
 * A data directory that cannot be written: a read-only folder, or, where permissions do not stop writes (the
 * tests run as root), a path whose parent is a regular file.
 */
function unwritableDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'read-only-'));
  chmodSync(dir, 0o555);
  try {
    writeFileSync(path.join(dir, 'probe'), '');
  } catch {
    return dir;
  }
  rmSync(path.join(dir, 'probe'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  return path.join(file, 'data');
}

describe('a data directory that cannot be written', () => {
  it('answers POST /generate-image with 503 storage_unavailable that names the key, not the directory', async () => {
    const dataDir = unwritableDataDir();
    const handler = generateImage(depsWith(dataDir));
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/generate-image', {
        body: { prompt: 'a lighthouse', steps: 1, width: 64, height: 64 },
      }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.body.error.type).toBe('storage_unavailable');
    expect(response.body.error.message).toMatch(/jobs\/[0-9a-f-]{36}\.json/);
    expect(internalsIn(JSON.stringify(response.body), [dataDir])).toEqual([]);
  });

  it('makes the local store throw StorageUnavailableError with the detail kept as its cause', async () => {
    const dataDir = unwritableDataDir();
    const store = createLocalBlobStore({ root: dataDir });
    const failure = await store.put('documents/a.txt', 'hello').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    const error = failure as StorageUnavailableError;
    expect(error.message).toMatch(/documents\/a\.txt/);
    expect(error.message).not.toContain(dataDir);
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('image_s3_key outside the store', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keys-'));
  const deps = depsWith(dataDir);
  const escapes = [
    '../../etc/passwd',
    '/etc/passwd',
    'images/../../../etc/passwd',
    'images/./a.png',
    'images//a.png',
    'images\\..\\a.png',
    'images/a.png\u0000',
  ];

  for (const [route, handler] of [
    ['/caption-image', captionImage(deps)],
    ['/qa-image-text', qaImageText(deps)],
  ] as const) {
    it(`answers ${route} with 422 naming image_s3_key`, async () => {
      writeFileSync(path.join(dataDir, 'outside.png'), await gradient('png'));
      for (const key of escapes) {
        const response = await invoke<ErrorBody>(
          handler,
          httpEvent('POST', route, { body: { image_s3_key: key, question: 'what is it?' } }),
        );
        expect(response.statusCode, key).toBe(422);
        expect(response.body.error.details?.map((d) => d.path)).toEqual(['image_s3_key']);
      }
    });
  }

  it('refuses such keys in the local store itself, as 422, before touching the disk', async () => {
    const store = createLocalBlobStore({ root: dataDir });
    for (const key of ['../outside.png', '/etc/passwd', 'a/../../b']) {
      const failure = await store.get(key).catch((error: unknown) => error);
      expect(failure, key).toMatchObject({ statusCode: 422, type: 'validation_error' });
      expect((failure as Error).message).not.toContain(dataDir);
    }
  });
});

describe('a body full of unknown keys', () => {
  it('gets a 422 that reports them once and stays short', async () => {
    const deps = depsWith(mkdtempSync(path.join(os.tmpdir(), 'unknown-keys-')));
    const body: Record<string, unknown> = { prompt: 'a lighthouse' };
    for (let i = 0; i < 20_000; i++) body[`k${i}`] = 1;
    const response = await invoke<ErrorBody>(
      generateImage(deps),
      httpEvent('POST', '/generate-image', { body }),
    );
    expect(response.statusCode).toBe(422);
    const text = JSON.stringify(response.body);
    expect(text.length).toBeLessThan(16 * 1024);
    expect(text.split('"k19"').length - 1).toBeLessThanOrEqual(1);
    expect(text).toMatch(/and 19995 more/);
  });
});
