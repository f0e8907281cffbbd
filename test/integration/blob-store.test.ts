/** One contract for both BlobStores: the local directory and S3 (s3rver with S3's conditional writes). */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../shared/errors';
import type { BlobStore } from '../../shared/storage/blob-store';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import { type LocalS3, startLocalS3 } from '../helpers/s3-server';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3('blobs');
});
afterAll(() => s3?.stop());

const stores: [string, () => BlobStore][] = [
  ['local', () => createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'blobs-')) })],
  [
    's3',
    () =>
      createS3BlobStore({
        client: s3.client,
        bucket: 'blobs',
        prefix: `run-${Math.random().toString(36).slice(2)}`,
      }),
  ],
];

describe.each(stores)('%s BlobStore', (_name, create) => {
  it('writes, reads, lists and deletes objects with stable ETags', async () => {
    const store = create();
    const { etag } = await store.put('a/one.json', '{"n":1}');
    await store.put('a/two.json', '{"n":2}');
    await store.put('b/three.json', '{"n":3}');
    expect((await store.get('a/one.json'))?.body.toString()).toBe('{"n":1}');
    expect(await store.etag('a/one.json')).toBe(etag);
    expect(await store.list('a/')).toEqual(['a/one.json', 'a/two.json']);
    await store.delete('a/one.json');
    expect(await store.get('a/one.json')).toBeUndefined();
    expect(await store.etag('a/one.json')).toBeUndefined();
    await store.delete('a/one.json');
  });

  it('creates only once with If-None-Match', async () => {
    const store = create();
    await store.put('once', 'first', { ifNoneMatch: '*' });
    await expect(store.put('once', 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.get('once'))?.body.toString()).toBe('first');
  });

  it('replaces only the version it read with If-Match', async () => {
    const store = create();
    const { etag } = await store.put('doc', 'v1');
    const { etag: second } = await store.put('doc', 'v2', { ifMatch: etag });
    await expect(store.put('doc', 'v3', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.get('doc'))?.body.toString()).toBe('v2');
    expect((await store.get('doc'))?.etag).toBe(second);
  });

  it('lets exactly one of two racing conditional writers win', async () => {
    const store = create();
    const { etag } = await store.put('race', 'base');
    const results = await Promise.allSettled([
      store.put('race', 'left', { ifMatch: etag }),
      store.put('race', 'right', { ifMatch: etag }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });
});
