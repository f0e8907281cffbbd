/** The FAISS store on both BlobStores: search, replace, delete, ETag refresh, and concurrent writers. */
import { mkdtempSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BlobStore } from '../../shared/storage/blob-store';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import { createFaissStore } from '../../shared/vectors/faiss-store';
import { createListAssigner } from '../../shared/vectors/list-assigner';
import { versionChunkKeys } from '../../shared/vectors/vector-store';
import { type LocalS3, startLocalS3 } from '../helpers/s3-server';
import { countingGraphAssigner, records, unitVector } from '../helpers/vectors';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3('vectors');
});
afterAll(() => s3?.stop());

const flat = {
  kind: 'flat' as const,
  storage: 'float16' as const,
  ivfMinVectors: 10_000,
  ivfNprobe: 8,
  ivfNlist: 0,
};
const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));
const backends: [string, () => BlobStore][] = [
  ['local', () => createLocalBlobStore({ root: tmp('faiss-blobs-') })],
  [
    's3',
    () =>
      createS3BlobStore({
        client: s3.client,
        bucket: 'vectors',
        prefix: `run-${Math.random().toString(36).slice(2)}`,
      }),
  ],
];
const storeOn = (blobs: BlobStore, refreshMs = 0) =>
  createFaissStore({
    blobs,
    key: 'faiss/index.bin',
    cacheDir: tmp('faiss-cache-'),
    settings: flat,
    refreshMs,
  });

describe.each(backends)('FAISS store on the %s BlobStore', (_name, blobsFor) => {
  it('finds a chunk first when queried with its own vector, and honours a filter', async () => {
    const store = storeOn(blobsFor());
    await store.upsert([...records('alpha', 5), ...records('beta', 5, 16, 2)]);
    const target = records('beta', 5, 16, 2)[3];
    const [best] = await store.query(target?.vector as Float32Array, 3);
    expect(best).toMatchObject({
      documentId: 'beta',
      chunkIndex: 3,
      text: 'beta chunk 3',
      source: 'beta.txt',
    });
    // float16 storage: scores within 0.001 of the float32 inner product
    expect(best?.score).toBeCloseTo(1, 3);
    const onlyAlpha = await store.query(target?.vector as Float32Array, 3, { documentIds: ['alpha'] });
    expect(onlyAlpha.every((m) => m.documentId === 'alpha')).toBe(true);
    expect(await store.stats()).toMatchObject({ store: 'faiss', vectors: 10, dimensions: 16, index: 'flat' });
  });

  it('keeps two versions of a document side by side, lists them, and deletes one by its chunk ids', async () => {
    // Prepare
    const store = storeOn(blobsFor());
    await store.upsert(records('doc', 6));
    await store.upsert(records('doc', 2, 16, 9, 2));
    await store.upsert(records('other', 1, 16, 3));

    // Act
    const listed = await store.listChunks('doc');
    await store.deleteChunks(versionChunkKeys('doc', 1, 6));

    // Assess
    expect(listed).toHaveLength(8);
    expect(new Set(listed.map((k) => k.version))).toEqual(new Set([1, 2]));
    expect(await store.listChunks()).toEqual([
      { documentId: 'doc', version: 2, chunkIndex: 0 },
      { documentId: 'doc', version: 2, chunkIndex: 1 },
      { documentId: 'other', version: 1, chunkIndex: 0 },
    ]);
    const [best] = await store.query(records('doc', 2, 16, 9)[1]?.vector as Float32Array, 1);
    expect(best).toMatchObject({ documentId: 'doc', version: 2, chunkIndex: 1 });
    await store.deleteChunks([...versionChunkKeys('doc', 2, 2), ...versionChunkKeys('other', 1, 1)]);
    expect((await store.stats()).vectors).toBe(0);
    expect(await store.query(unitVector(16, 1), 4)).toEqual([]);
  });

  it('keeps every vector of two ingests that write at the same time from different containers', async () => {
    const blobs = blobsFor();
    const [left, right] = [storeOn(blobs), storeOn(blobs)];
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => left.upsert(records(`left-${i}`, 8, 16, 10 + i))),
      ...Array.from({ length: 4 }, (_, i) => right.upsert(records(`right-${i}`, 8, 16, 20 + i))),
    ]);
    const reader = storeOn(blobs);
    expect((await reader.stats()).vectors).toBe(64);
    for (const doc of ['left-0', 'left-3', 'right-1', 'right-2']) {
      const seed = doc.startsWith('left') ? 10 + Number(doc.at(-1)) : 20 + Number(doc.at(-1));
      const [best] = await reader.query(records(doc, 8, 16, seed)[5]?.vector as Float32Array, 1);
      expect(best).toMatchObject({ documentId: doc, chunkIndex: 5 });
    }
  });

  it('sees another container’s write once the ETag changes', async () => {
    const blobs = blobsFor();
    const reader = storeOn(blobs, 0);
    await reader.upsert(records('first', 2));
    expect((await reader.stats()).vectors).toBe(2);
    const before = reader.loadedEtag();
    await storeOn(blobs).upsert(records('second', 3, 16, 3));
    expect((await reader.stats()).vectors).toBe(5);
    expect(reader.loadedEtag()).not.toBe(before);
  });
});

describe('an IVF FAISS store', () => {
  const ivf = {
    kind: 'ivf' as const,
    storage: 'int8' as const,
    ivfMinVectors: 32,
    ivfNprobe: 8,
    ivfNlist: 8,
  };
  const ivfStore = (blobs: BlobStore, assigner: ReturnType<typeof createListAssigner>) =>
    createFaissStore({
      blobs,
      key: 'faiss/index.bin',
      cacheDir: tmp('faiss-cache-'),
      settings: ivf,
      refreshMs: 0,
      assigner,
    });

  it('keeps every vector of concurrent upserts of one container while lists are assigned on onnxruntime', async () => {
    // Prepare
    const { assigner, runs } = countingGraphAssigner(0);
    const store = ivfStore(createLocalBlobStore({ root: tmp('faiss-blobs-') }), assigner);
    await store.upsert(records('seed', 40, 16, 5));

    // Act
    await Promise.all(Array.from({ length: 4 }, (_, i) => store.upsert(records(`doc-${i}`, 6, 16, 30 + i))));

    // Assess
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(await store.stats()).toMatchObject({ vectors: 64, index: 'ivf', lists: 8 });
    for (let i = 0; i < 4; i++) {
      const [best] = await store.query(records(`doc-${i}`, 6, 16, 30 + i)[4]?.vector as Float32Array, 1);
      expect(best).toMatchObject({ documentId: `doc-${i}`, chunkIndex: 4 });
    }
  });

  it('ingests with the WASM kernel where onnxruntime cannot load, and logs it once', async () => {
    // Prepare
    const logger = { warn: vi.fn() };
    const assigner = createListAssigner({
      minScores: 0,
      logger,
      session: () => Promise.reject(new Error('onnxruntime-node: no binding for this platform')),
    });
    const store = ivfStore(createLocalBlobStore({ root: tmp('faiss-blobs-') }), assigner);

    // Act
    await store.upsert(records('seed', 40, 16, 5));
    await store.upsert(records('more', 6, 16, 7));

    // Assess
    expect(await store.stats()).toMatchObject({ vectors: 46, index: 'ivf' });
    const [best] = await store.query(records('more', 6, 16, 7)[2]?.vector as Float32Array, 1);
    expect(best).toMatchObject({ documentId: 'more', chunkIndex: 2 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});

describe('a damaged FAISS index object', () => {
  const refusal = {
    type: 'index_corrupt',
    statusCode: 500,
    message: expect.stringContaining('npm run documents:repair -- --rebuild-faiss'),
    headers: {},
  };

  it('is refused when it is empty, and never written over', async () => {
    // Prepare
    const blobs = createLocalBlobStore({ root: tmp('faiss-empty-') });
    await storeOn(blobs).upsert([...records('alpha', 3), ...records('beta', 3, 16, 2)]);
    await blobs.put('faiss/index.bin', Buffer.alloc(0));

    // Act
    const store = storeOn(blobs);
    const query = store.query(unitVector(16, 1), 3).catch((error: unknown) => error);
    const upsert = store.upsert(records('gamma', 2, 16, 3)).catch((error: unknown) => error);

    // Assess
    expect(await query).toMatchObject(refusal);
    expect(await upsert).toMatchObject(refusal);
    expect((await blobs.get('faiss/index.bin'))?.body.length).toBe(0);
  });

  it('is refused when it is truncated, a byte changed or of the first format, with an error that says it will not heal', async () => {
    for (const damage of [
      (b: Buffer) => b.subarray(0, b.length >> 1),
      (b: Buffer) => flipByte(b, b.length - 40),
      // The first format, without a header or checksum: refused with the same recovery.
      (b: Buffer) => Buffer.concat([Buffer.from('GEFAISS1'), b.subarray(48)]),
    ]) {
      // Prepare
      const blobs = createLocalBlobStore({ root: tmp('faiss-damaged-') });
      await storeOn(blobs).upsert(records('alpha', 6));
      const stored = (await blobs.get('faiss/index.bin'))?.body ?? Buffer.alloc(0);
      const damaged = damage(stored);
      await blobs.put('faiss/index.bin', damaged);

      // Act
      const store = storeOn(blobs);
      const query = await store.query(unitVector(16, 1), 3).catch((error: unknown) => error);
      const deleted = await store
        .deleteChunks([{ documentId: 'alpha', version: 1, chunkIndex: 0 }])
        .catch((e: unknown) => e);

      // Assess
      expect(query).toMatchObject(refusal);
      expect(deleted).toMatchObject(refusal);
      expect((await blobs.get('faiss/index.bin'))?.body.equals(damaged)).toBe(true);
    }
  });

  it('falls back to the stored object when the local cache copy is damaged, and rewrites the copy', async () => {
    // Prepare
    const blobs = createLocalBlobStore({ root: tmp('faiss-cache-damaged-') });
    const cacheDir = tmp('faiss-cache-');
    const options = { blobs, key: 'faiss/index.bin', cacheDir, settings: flat, refreshMs: 0 };
    await createFaissStore(options).upsert(records('alpha', 4));
    const [copy] = (await readdir(cacheDir)).filter((f) => f.endsWith('.bin'));
    const copyPath = path.join(cacheDir, copy ?? '');
    const good = await readFile(copyPath);
    await writeFile(copyPath, flipByte(good, good.length - 8));

    // Act
    const [best] = await createFaissStore(options).query(records('alpha', 4)[2]?.vector as Float32Array, 1);

    // Assess
    expect(best).toMatchObject({ documentId: 'alpha', chunkIndex: 2 });
    expect((await readFile(copyPath)).equals(good)).toBe(true);
  });
});

function flipByte(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}
