/**
 * Vectors at scale: 384-dimensional clustered unit vectors (scripts/bench/clustered-vectors.ts), per size and
 * storage (float32, float16): the snapshot object's size, build and encode time, cold load from a local S3
 * server, exact and IVF search latency with recall@10 against a float32 scan, and the index work of adding
 * 100k vectors; beside them, in the same run, the floors: a C AVX2 scan, a plain JS Float32Array scan,
 * faiss-node's flat index, and the int8 SIMD scan alone. Then ingestion throughput with the tiny embedder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import {
  type AddedChunk,
  FaissSnapshot,
  type IndexSettings,
  type VectorStorage,
} from '../../shared/vectors/faiss-snapshot';
import { createFaissStore } from '../../shared/vectors/faiss-store';
import { QuantizedRows } from '../../shared/vectors/quantized-rows';
import { startLocalS3 } from '../../test/helpers/s3-server';
import { PROJECT_ROOT } from '../local-server';
import { generateTinyModels } from '../tiny-models/generate';
import { seededRandom } from '../tiny-models/onnx-graph';
import { faissOnlyDependencies } from './bench-dependencies';
import { cScanFloor } from './c-scan-floor';
import { exactTopK, gaussianMixture, queriesNear, recallAt } from './clustered-vectors';
import { flatInnerProductIndexBytes, loadFaissNode } from './faiss-baseline';
import { printTable, summarize } from './stats';

const DIMENSIONS = 384;
const K = 10;
/** The deployment's defaults (shared/config/environment.ts): IVF from 200k vectors, 16 lists probed. */
const DEFAULTS = { kind: 'ivf', ivfMinVectors: 200_000, ivfNprobe: 16, ivfNlist: 0 } as const;
const STORAGES: readonly VectorStorage[] = ['float32', 'float16', 'int8'];

const median = (samples: readonly number[]) => summarize(samples).medianMs;
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const msText = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** The result, the wall-clock ms and the process's CPU ms (which other processes on the machine do not inflate as much). */
const time = <T>(work: () => T): [T, number, number] => {
  const started = performance.now();
  const cpuStarted = cpuMs();
  const result = work();
  return [result, performance.now() - started, cpuMs() - cpuStarted];
};

/** `time` of async work (the index updates: large list assignments run on onnxruntime). */
const timeUpdate = async <T>(work: () => Promise<T>): Promise<[T, number, number]> => {
  const started = performance.now();
  const cpuStarted = cpuMs();
  const result = await work();
  return [result, performance.now() - started, cpuMs() - cpuStarted];
};

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

const chunkAt = (i: number) => ({
  documentId: `doc-${Math.floor(i / 20)}`,
  version: 1,
  chunkIndex: i % 20,
  source: 'bench',
  text: `chunk ${i}`,
});
const added = (data: Float32Array, from: number, to: number, offset = 0): AddedChunk[] =>
  Array.from({ length: to - from }, (_, i) => ({
    meta: chunkAt(offset + from + i),
    vector: data.subarray((from + i) * DIMENSIONS, (from + i + 1) * DIMENSIONS),
  }));
/** The row a match came from (its chunk was made by chunkAt). */
const rowOf = (match: { documentId: string; chunkIndex: number }) =>
  Number(match.documentId.slice(4)) * 20 + match.chunkIndex;

/** Median latency and recall@10 of `search` over the queries, interleaved with the other searches. */
function measureSearches(
  queries: readonly Float32Array[],
  truth: readonly number[][],
  searches: Record<string, (q: Float32Array) => number[]>,
) {
  const names = Object.keys(searches);
  const samples = new Map(names.map((name) => [name, [] as number[]]));
  const found = new Map(names.map((name) => [name, [] as number[][]]));
  for (const q of queries) {
    for (const name of names) {
      const [rows, ms] = time(() => (searches[name] as (q: Float32Array) => number[])(q));
      samples.get(name)?.push(ms);
      found.get(name)?.push(rows);
    }
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      { p50: median(samples.get(name) ?? []), recall: recallAt(truth, found.get(name) ?? []) },
    ]),
  );
}

export async function benchVectorsAtScale(options: { sizes: number[]; queries: (n: number) => number }) {
  const s3 = await startLocalS3('bench');
  const blobs = createS3BlobStore({ client: s3.client, bucket: 'bench' });
  const floorRows: string[][] = [];
  const rows: string[][] = [];
  try {
    for (const n of options.sizes) {
      const data = gaussianMixture(n, Math.max(10, Math.round(n / 500)), 7);
      const queries = queriesNear(data, options.queries(n), 11);
      // The truth is a plain JS scan of the float32 matrix, which is also the JS floor.
      const jsTimes: number[] = [];
      const truth = queries.map((q) => {
        const [rows, ms] = time(() => exactTopK(data, q, K));
        jsTimes.push(ms);
        return rows;
      });

      // Floors, side by side: C AVX2 float32 scan, JS scan, faiss-node flat, the int8 SIMD scan alone.
      const floorQueries = queries.slice(0, 20);
      const cFloor = cScanFloor(data, floorQueries);
      const faiss = n <= 200_000 ? loadFaissNode() : undefined;
      let faissP50 = 'skipped (over 200k)';
      if (faiss) {
        const flat = faiss.IndexFlatIP.fromBuffer(flatInnerProductIndexBytes(data, DIMENSIONS));
        faissP50 = msText(median(floorQueries.map((q) => time(() => flat.search(Array.from(q), K))[1])));
      } else if (n <= 200_000) faissP50 = 'skipped (no faiss-node binding)';
      const int8 = QuantizedRows.ofFloats(n, DIMENSIONS, data);
      const int8Scan = (q: Float32Array) => {
        int8.setQuery(q);
        int8.scan(0, n);
      };
      for (const q of floorQueries.slice(0, 3)) int8Scan(q);
      const int8P50 = median(floorQueries.map((q) => time(() => int8Scan(q))[1]));
      floorRows.push([
        String(n),
        typeof cFloor === 'number' ? msText(cFloor) : cFloor,
        msText(median(jsTimes)),
        faissP50,
        msText(int8P50),
      ]);

      // Per storage: build (the deployment's defaults), encode, store; exact and IVF search; adding 100k.
      const keys = new Map<VectorStorage, string>();
      const objectBytes = new Map<VectorStorage, number>();
      const perStorage = new Map<VectorStorage, string[]>();
      for (const storage of STORAGES) {
        const settings: IndexSettings = { ...DEFAULTS, storage };
        // The input records are made before each clock starts: the columns time the index work alone.
        const all = added(data, 0, n);
        const [snapshot, buildMs, buildCpuMs] = await timeUpdate(() =>
          FaissSnapshot.empty().withChanges(() => false, all, settings),
        );
        const [body, encodeMs] = time(() => snapshot.encode());
        const key = `faiss/${n}-${storage}.bin`;
        await blobs.put(key, body);
        keys.set(storage, key);
        objectBytes.set(storage, body.length);
        // Below the IVF size the deployment's index is exact; an IVF one is built to measure it anyway.
        const ivf =
          snapshot.kind === 'ivf'
            ? snapshot
            : await FaissSnapshot.empty().withChanges(() => false, all, {
                ...settings,
                ivfMinVectors: 0,
              });
        const searches = measureSearches(queries, truth, {
          exact: (q) => snapshot.search(q, K, undefined, Number.POSITIVE_INFINITY).map(rowOf),
          ivf: (q) => ivf.search(q, K).map(rowOf),
        });
        // Index work of adding 100k vectors: to an empty store at 100k; at 1M, to the snapshot without its
        // last 100k rows (its IVF lists kept, as an ingest finds them).
        const extra = Math.min(100_000, n);
        const base =
          n > extra
            ? await snapshot.withChanges((meta) => rowOf(meta) < n - extra, [], settings)
            : FaissSnapshot.empty();
        const extraRows = added(data, n - extra, n);
        const [grown, addMs, addCpuMs] = await timeUpdate(() =>
          base.withChanges(() => true, extraRows, settings),
        );
        const [, grownEncodeMs] = time(() => grown.encode());
        const lists = ivf.ivfLists;
        perStorage.set(storage, [
          String(n),
          storage,
          snapshot.kind,
          (body.length / 2 ** 20).toFixed(1),
          `${seconds(buildMs)} (${seconds(buildCpuMs)})`,
          seconds(encodeMs),
          '',
          msText(searches.exact?.p50 ?? Number.NaN),
          (searches.exact?.recall ?? 0).toFixed(4),
          `${msText(searches.ivf?.p50 ?? Number.NaN)} (${lists?.nlist}/${lists?.nprobe})`,
          (searches.ivf?.recall ?? 0).toFixed(4),
          `${seconds(addMs)} (${seconds(addCpuMs)}) + ${seconds(grownEncodeMs)}${extra < 100_000 ? ` [${extra}]` : ''}`,
        ]);
      }

      // Cold loads, interleaved: a fresh container reads the object from S3 (no /tmp copy) and decodes it.
      const loads = new Map<VectorStorage, number[]>(STORAGES.map((s) => [s, []]));
      for (let round = 0; round < 3; round++) {
        for (const storage of STORAGES) {
          const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'));
          const store = createFaissStore({
            blobs,
            key: keys.get(storage) as string,
            cacheDir,
            settings: { ...DEFAULTS, storage },
            refreshMs: 60_000,
          });
          const [, ms] = await timeAsync(() => store.stats());
          loads.get(storage)?.push(ms);
          rmSync(cacheDir, { recursive: true, force: true });
        }
      }
      for (const storage of STORAGES) {
        const row = perStorage.get(storage) as string[];
        row[6] = seconds(median(loads.get(storage) ?? []));
        rows.push(row);
      }
      const f32Bytes = objectBytes.get('float32') ?? 0;
      const f32Load = median(loads.get('float32') ?? []);
      for (const storage of STORAGES.filter((s) => s !== 'float32')) {
        const size = f32Bytes / (objectBytes.get(storage) ?? 1);
        const load = f32Load / median(loads.get(storage) ?? []);
        console.log(
          `  ${n}: ${storage} object ${size.toFixed(2)}x smaller, cold load ${load.toFixed(2)}x faster`,
        );
      }
    }
  } finally {
    await s3.stop();
  }
  console.log(`\nMachine: ${machineLine()}`);
  printTable(
    `Exact search floors, k=${K}, one query at a time (median ms, 20 queries)`,
    [
      'vectors',
      'C AVX2 float32 scan',
      'JS Float32Array scan',
      'faiss-node IndexFlatIP',
      'int8 SIMD scan alone',
    ],
    floorRows,
  );
  printTable(
    `FAISS snapshot at scale (384-d clustered unit vectors; recall@10 against the float32 scan)`,
    [
      'vectors',
      'storage',
      'index',
      'object MiB',
      'build s (CPU s)',
      'encode s',
      'cold load s',
      'exact p50 ms',
      'exact recall',
      'IVF p50 ms (lists/probed)',
      'IVF recall',
      'add 100k s: index (CPU) + encode',
    ],
    rows,
  );
}

async function timeAsync<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

export async function benchIngestion(documents: number) {
  const modelRoot = path.join(PROJECT_ROOT, '.tmp', 'bench-models');
  await generateTinyModels(modelRoot, ['embeddings']);
  const deps = faissOnlyDependencies(modelRoot);
  const random = seededRandom(5);
  const words =
    'the keeper lit lamp every evening ships used light to find harbour storms were strong waves high'.split(
      ' ',
    );
  const sentence = () =>
    `${Array.from({ length: 12 }, () => words[Math.floor(random() * words.length)]).join(' ')}.`;
  const texts = Array.from({ length: documents }, () => Array.from({ length: 40 }, sentence).join(' '));
  await deps.documents.ingest({
    documentId: 'warmup',
    content: texts[0] as string,
    contentType: 'text/plain',
  });
  let chunks = 0;
  const t0 = performance.now();
  for (const [i, content] of texts.entries()) {
    chunks += (await deps.documents.ingest({ documentId: `doc-${i}`, content, contentType: 'text/plain' }))
      .chunks;
  }
  const elapsed = (performance.now() - t0) / 1000;
  printTable(
    'Ingestion with the tiny embedder into FAISS on the local BlobStore',
    ['documents', 'chunks', 'seconds', 'chunks/s'],
    [[String(documents), String(chunks), elapsed.toFixed(2), (chunks / elapsed).toFixed(0)]],
  );
  await deps.runtime.dispose();
}
