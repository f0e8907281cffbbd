/**
 * FAISS snapshots: compact (float16) storage, the int8 scan with exact re-ranking, the automatic IVF index,
 * and objects of the previous format.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactTopK, gaussianMixture, queriesNear, recallAt } from '../../scripts/bench/clustered-vectors';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { type ChunkMeta, FaissSnapshot, type IndexSettings } from '../../shared/vectors/faiss-snapshot';
import { createFaissStore } from '../../shared/vectors/faiss-store';
import { records } from '../helpers/vectors';

const DIMENSIONS = 64;
const flat16: IndexSettings = {
  kind: 'flat',
  storage: 'float16',
  ivfMinVectors: 1_000_000,
  ivfNprobe: 8,
  ivfNlist: 0,
};
const chunksFor = (n: number): ChunkMeta[] =>
  Array.from({ length: n }, (_, i) => ({
    documentId: 'd',
    version: 1,
    chunkIndex: i,
    source: 's',
    text: `t${i}`,
  }));
const snapshotOf = (data: Float32Array, settings: IndexSettings) =>
  FaissSnapshot.empty().withChanges(
    () => false,
    chunksFor(data.length / DIMENSIONS).map((meta, i) => ({
      meta,
      vector: data.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS),
    })),
    settings,
  );
const rowsFound = (snapshot: FaissSnapshot, queries: Float32Array[]) =>
  queries.map((q) => snapshot.search(q, 10).map((m) => m.chunkIndex));

describe('a FAISS snapshot', () => {
  const data = gaussianMixture(3000, 12, 7, DIMENSIONS);
  const queries = queriesNear(data, 40, 11, DIMENSIONS);
  const truth = queries.map((q) => exactTopK(data, q, 10));

  it.each([
    ['float16', 2],
    ['int8', 1.5 + 4 / DIMENSIONS],
  ] as const)('stores %s vectors in %d bytes a value and round-trips them', (storage, bytesPerValue) => {
    // Prepare
    const compact = snapshotOf(data, { ...flat16, storage });
    const full = snapshotOf(data, { ...flat16, storage: 'float32' });

    // Act
    const decoded = FaissSnapshot.decode(compact.encode());

    // Assess
    expect(decoded.storage).toBe(storage);
    // Only the vector section differs (and the storage's name in the metadata).
    expect(full.encode().length - compact.encode().length).toBe(
      data.length * (4 - bytesPerValue) + 'float32'.length - storage.length,
    );
    expect(rowsFound(decoded, queries)).toEqual(rowsFound(compact, queries));
    const error = decoded.vectorOf(5).map((x, d) => Math.abs(x - (data[5 * DIMENSIONS + d] ?? 0)));
    expect(Math.max(...error)).toBeLessThan(2e-4);
  });

  it.each(['float16', 'int8'] as const)(
    'finds the exact top 10 with %s storage (recall ≥ 0.99), with scores re-ranked from the vectors',
    (storage) => {
      // Act
      const snapshot = snapshotOf(data, { ...flat16, storage });
      const matches = queries.map((q) => snapshot.search(q, 10));

      // Assess
      expect(recallAt(truth, rowsFound(snapshot, queries))).toBeGreaterThanOrEqual(0.99);
      for (const [i, [first]] of matches.entries()) {
        const row = first?.chunkIndex ?? -1;
        const exact = (queries[i] as Float32Array).reduce(
          (sum, x, d) => sum + x * (data[row * DIMENSIONS + d] ?? 0),
          0,
        );
        expect(Math.abs((first?.score ?? 0) - exact)).toBeLessThan(1e-3);
      }
    },
  );

  it('switches to an IVF index at the configured size, with recall ≥ 0.95, and keeps it through a change', () => {
    // Prepare
    const ivf: IndexSettings = {
      kind: 'ivf',
      storage: 'int8',
      ivfMinVectors: 3000,
      ivfNprobe: 4,
      ivfNlist: 16,
    };

    // Act
    const below = snapshotOf(data.subarray(0, 2999 * DIMENSIONS), ivf);
    const at = snapshotOf(data, ivf);
    const decoded = FaissSnapshot.decode(at.encode());
    const grown = decoded.withChanges(
      () => true,
      records('new', 3, DIMENSIONS, 5).map((r) => ({ meta: r, vector: r.vector })),
      ivf,
    );

    // Assess
    expect(below.kind).toBe('flat');
    expect(snapshotOf(data, { ...ivf, kind: 'flat' }).kind).toBe('flat');
    expect(at.kind).toBe('ivf');
    expect(decoded.kind).toBe('ivf');
    expect(decoded.ivfLists).toEqual({ nlist: 16, nprobe: 4 });
    expect(recallAt(truth, rowsFound(decoded, queries))).toBeGreaterThanOrEqual(0.95);
    expect(grown.kind).toBe('ivf');
    expect(grown.size).toBe(3003);
    const newest = records('new', 3, DIMENSIONS, 5)[2];
    expect(grown.search(newest?.vector as Float32Array, 1)[0]).toMatchObject({
      documentId: 'new',
      chunkIndex: 2,
    });
    expect(recallAt(truth, rowsFound(grown, queries))).toBeGreaterThanOrEqual(0.95);
  });

  it('falls back to exact search when a change takes the corpus below the IVF size', () => {
    const ivf: IndexSettings = {
      kind: 'ivf',
      storage: 'float32',
      ivfMinVectors: 3000,
      ivfNprobe: 4,
      ivfNlist: 16,
    };
    const smaller = snapshotOf(data, ivf).withChanges((meta) => meta.chunkIndex !== 7, [], ivf);
    expect(smaller.kind).toBe('flat');
    expect(recallAt(truth, rowsFound(smaller, queries))).toBeGreaterThanOrEqual(0.97);
  });

  it('refuses an IVF section whose lists do not cover the rows, even under a valid checksum', () => {
    const ivf: IndexSettings = {
      kind: 'ivf',
      storage: 'float16',
      ivfMinVectors: 100,
      ivfNprobe: 4,
      ivfNlist: 8,
    };
    const body = snapshotOf(data.subarray(0, 500 * DIMENSIONS), ivf).encode();
    const damaged = Buffer.from(body);
    damaged.writeUInt32LE(499, damaged.length - 4); // the last list offset
    expect(() => FaissSnapshot.decode(withChecksum(damaged))).toThrow(/IVF lists do not cover/);
  });
});

describe('a FAISS index object of the previous format (2)', () => {
  const vectors = records('old', 6);
  const legacy = legacyObject(
    16,
    vectors.map(({ documentId, version, chunkIndex, source, text }) => ({
      documentId,
      version,
      chunkIndex,
      source,
      text,
    })),
    vectors.map((r) => r.vector),
  );

  it('loads as an exact float32 index', () => {
    const snapshot = FaissSnapshot.decode(legacy);
    expect(snapshot).toMatchObject({ size: 6, storage: 'float32', kind: 'flat' });
    const [best] = snapshot.search(vectors[4]?.vector as Float32Array, 1);
    expect(best).toMatchObject({ documentId: 'old', chunkIndex: 4 });
    expect(best?.score).toBeCloseTo(1, 5);
  });

  it('is served by the store, and the next write stores it in the current format', async () => {
    // Prepare
    const blobs = createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'faiss-legacy-')) });
    await blobs.put('faiss/index.bin', legacy);
    const store = createFaissStore({
      blobs,
      key: 'faiss/index.bin',
      cacheDir: mkdtempSync(path.join(os.tmpdir(), 'faiss-cache-')),
      settings: flat16,
      refreshMs: 0,
    });

    // Act
    const [before] = await store.query(vectors[2]?.vector as Float32Array, 1);
    await store.upsert(records('new', 2, 16, 3));

    // Assess
    expect(before).toMatchObject({ documentId: 'old', chunkIndex: 2 });
    const stored = (await blobs.get('faiss/index.bin'))?.body ?? Buffer.alloc(0);
    expect(stored.readUInt8(7)).toBe(3);
    expect(await store.stats()).toMatchObject({ vectors: 8, storage: 'float16' });
    const [after] = await store.query(vectors[2]?.vector as Float32Array, 1);
    expect(after).toMatchObject({ documentId: 'old', chunkIndex: 2 });
  });
});

/** A format-2 object as the previous version wrote it (a flat index: no faiss bytes). */
function legacyObject(dimensions: number, chunks: ChunkMeta[], vectors: Float32Array[]): Buffer {
  const meta = Buffer.from(JSON.stringify({ dimensions, kind: 'flat', chunks }));
  const metaLength = Buffer.alloc(4);
  metaLength.writeUInt32LE(meta.length);
  const data = Buffer.concat(vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
  const payload = Buffer.concat([metaLength, meta, data, Buffer.alloc(8)]);
  const header = Buffer.alloc(48);
  header.write('GEFAISS', 0, 'latin1');
  header.writeUInt8(2, 7);
  header.writeBigUInt64LE(BigInt(payload.length), 8);
  return withChecksum(Buffer.concat([header, payload]));
}

function withChecksum(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  createHash('sha256').update(copy.subarray(48)).digest().copy(copy, 16);
  return copy;
}
