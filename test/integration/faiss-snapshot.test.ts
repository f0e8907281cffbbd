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
import type { ListAssigner } from '../../shared/vectors/list-assigner';
import type { ChunkKey } from '../../shared/vectors/vector-store';
import { countingGraphAssigner, records } from '../helpers/vectors';

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
const snapshotOf = (data: Float32Array, settings: IndexSettings, assigner?: ListAssigner) =>
  FaissSnapshot.empty().withChanges(
    () => false,
    chunksFor(data.length / DIMENSIONS).map((meta, i) => ({
      meta,
      vector: data.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS),
    })),
    settings,
    assigner,
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
  ] as const)(
    'stores %s vectors in %d bytes a value and round-trips them',
    async (storage, bytesPerValue) => {
      // Prepare
      const compact = await snapshotOf(data, { ...flat16, storage });
      const full = await snapshotOf(data, { ...flat16, storage: 'float32' });

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
    },
  );

  it.each(['float16', 'int8'] as const)(
    'finds the exact top 10 with %s storage (recall ≥ 0.99), with scores re-ranked from the vectors',
    async (storage) => {
      // Act
      const snapshot = await snapshotOf(data, { ...flat16, storage });
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

  it.each([
    ['the WASM kernel', Number.POSITIVE_INFINITY],
    ['onnxruntime', 0],
  ])(
    'switches to an IVF index at the configured size, with recall ≥ 0.95, and keeps it through a change (lists assigned on %s)',
    async (_, minScores) => {
      // Prepare
      const ivf: IndexSettings = {
        kind: 'ivf',
        storage: 'int8',
        ivfMinVectors: 3000,
        ivfNprobe: 4,
        ivfNlist: 16,
      };

      const { assigner, runs } = countingGraphAssigner(minScores);

      // Act
      const below = await snapshotOf(data.subarray(0, 2999 * DIMENSIONS), ivf, assigner);
      const at = await snapshotOf(data, ivf, assigner);
      const decoded = FaissSnapshot.decode(at.encode());
      const grown = await decoded.withChanges(
        () => true,
        records('new', 3, DIMENSIONS, 5).map((r) => ({ meta: r, vector: r.vector })),
        ivf,
        assigner,
      );

      // Assess
      expect(runs).toEqual(minScores === 0 ? [3000, 3] : []);
      expect(below.kind).toBe('flat');
      expect((await snapshotOf(data, { ...ivf, kind: 'flat' })).kind).toBe('flat');
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
    },
  );

  it('falls back to exact search when a change takes the corpus below the IVF size', async () => {
    const ivf: IndexSettings = {
      kind: 'ivf',
      storage: 'float32',
      ivfMinVectors: 3000,
      ivfNprobe: 4,
      ivfNlist: 16,
    };
    const smaller = await (await snapshotOf(data, ivf)).withChanges((meta) => meta.chunkIndex !== 7, [], ivf);
    expect(smaller.kind).toBe('flat');
    expect(recallAt(truth, rowsFound(smaller, queries))).toBeGreaterThanOrEqual(0.97);
  });

  it('refuses an IVF section whose lists do not cover the rows, even under a valid checksum', async () => {
    const ivf: IndexSettings = {
      kind: 'ivf',
      storage: 'float16',
      ivfMinVectors: 100,
      ivfNprobe: 4,
      ivfNlist: 8,
    };
    const body = (await snapshotOf(data.subarray(0, 500 * DIMENSIONS), ivf)).encode();
    const damaged = Buffer.from(body);
    damaged.writeUInt32LE(499, damaged.length - 4); // the last list offset
    expect(() => FaissSnapshot.decode(withChecksum(damaged))).toThrow(/IVF lists do not cover/);
  });
});

describe('a FAISS snapshot written to many times', () => {
  const ivf: IndexSettings = {
    kind: 'ivf',
    storage: 'int8',
    ivfMinVectors: 1000,
    ivfNprobe: 4,
    ivfNlist: 16,
  };
  const data = gaussianMixture(4000, 12, 7, DIMENSIONS);
  const queries = queriesNear(data, 20, 11, DIMENSIONS);
  const texts = ['plain', 'déjà vu', '灯台守', 'a 🚢 in the storm', ''];
  const rows = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({
      meta: {
        documentId: `d${Math.floor((from + i) / 10)}`,
        version: 1,
        chunkIndex: (from + i) % 10,
        source: (from + i) % 3 === 0 ? 'manual' : 'wiki',
        text: `${texts[(from + i) % texts.length]} ${from + i}`,
      },
      vector: data.subarray((from + i) * DIMENSIONS, (from + i + 1) * DIMENSIONS),
    }));
  const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
  const found = (snapshot: FaissSnapshot) =>
    queries.map((q) => snapshot.search(q, 10).map((m) => `${m.documentId}/${m.chunkIndex}:${m.score}`));
  const byDocument = (documentIds: string[]) => ({ documentIds });
  /** Adds in batches of growing and shrinking size, and deletes whole documents between them. */
  const changes: [(key: ChunkKey) => boolean, number, number][] = [
    [() => true, 0, 1500],
    [() => true, 1500, 1510],
    [() => true, 1510, 1530],
    [(key) => !['d3', 'd40', 'd151'].includes(key.documentId), 1530, 1570],
    [() => true, 1570, 1571],
    [() => true, 1571, 1700],
    // More than a quarter of the first segment: it is compacted.
    [(key) => Number(key.documentId.slice(1)) % 2 === 0, 1700, 1720],
    [() => true, 1720, 2400],
    [(key) => key.chunkIndex !== 4, 2400, 2410],
  ];

  it('gives the object and the results of a snapshot decoded after every write', async () => {
    // Prepare
    let grown = FaissSnapshot.empty();
    let rebuilt = FaissSnapshot.empty();

    // Act
    for (const [keep, from, to] of changes) {
      grown = await grown.withChanges(keep, rows(from, to), ivf);
      rebuilt = FaissSnapshot.decode((await rebuilt.withChanges(keep, rows(from, to), ivf)).encode());
    }

    // Assess
    expect(grown.kind).toBe('ivf');
    expect(grown.size).toBe(rebuilt.size);
    expect(sha(grown.encode())).toBe(sha(rebuilt.encode()));
    expect(found(grown)).toEqual(found(rebuilt));
    expect(grown.chunks).toEqual(rebuilt.chunks);
    const filter = byDocument(['d2', 'd160']);
    expect(grown.search(queries[0] as Float32Array, 5, filter)).toEqual(
      rebuilt.search(queries[0] as Float32Array, 5, filter),
    );
    expect(grown.search(queries[1] as Float32Array, 5, { source: 'manual' })).toEqual(
      rebuilt.search(queries[1] as Float32Array, 5, { source: 'manual' }),
    );
    expect(grown.chunks.map((c) => c.text)).toContain('a 🚢 in the storm 2403');
    expect(FaissSnapshot.decode(grown.encode()).chunks).toEqual(grown.chunks);
  });

  it('leaves a snapshot that readers hold exactly as it was, whatever is written after it', async () => {
    // Prepare
    let held = FaissSnapshot.empty();
    for (const [keep, from, to] of changes.slice(0, 6))
      held = await held.withChanges(keep, rows(from, to), ivf);
    const before = { body: sha(held.encode()), found: found(held), chunks: held.chunks.slice() };

    // Act: two writers start from the same snapshot, and one of them goes on.
    const first = await held.withChanges((key) => key.documentId !== 'd1', rows(1700, 1900), ivf);
    const second = await held.withChanges((key) => key.chunkIndex !== 0, rows(2000, 2001), ivf);
    const later = await first.withChanges(
      (key) => Number(key.documentId.slice(1)) % 3 !== 0,
      rows(1900, 3000),
      ivf,
    );

    // Assess
    expect(sha(held.encode())).toBe(before.body);
    expect(found(held)).toEqual(before.found);
    expect(held.chunks).toEqual(before.chunks);
    expect(first.size).toBe(held.size - 10 + 200);
    expect(second.size).toBe(held.size - held.chunks.filter((c) => c.chunkIndex === 0).length + 1);
    expect(sha(second.encode())).toBe(
      sha(
        (
          await FaissSnapshot.decode(held.encode()).withChanges(
            (key) => key.chunkIndex !== 0,
            rows(2000, 2001),
            ivf,
          )
        ).encode(),
      ),
    );
    expect(later.size).toBeGreaterThan(first.size);
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
