/**
 * Vector search on clustered data (a Gaussian mixture of unit vectors; queries drawn near stored points, as
 * real questions land near real passages): build time, search latency and QPS for the flat index, the IVF
 * index (with its recall@10 against flat) and a plain Float32Array scan; FAISS index load time from a local
 * S3 server; and ingestion throughput with the tiny embedder.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import {
  buildIvfIndexBytes,
  flatInnerProductIndexBytes,
  withIvfNprobe,
} from '../../shared/vectors/faiss-index-codec';
import { faissNative } from '../../shared/vectors/faiss-native';
import { FaissSnapshot } from '../../shared/vectors/faiss-snapshot';
import { createFaissStore } from '../../shared/vectors/faiss-store';
import { startLocalS3 } from '../../test/helpers/s3-server';
import { PROJECT_ROOT } from '../local-server';
import { generateTinyModels } from '../tiny-models/generate';
import { seededRandom } from '../tiny-models/onnx-graph';
import { faissOnlyDependencies } from './bench-dependencies';
import { ms, printTable, summarize } from './stats';

const DIMENSIONS = 384;
const K = 10;

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function normalizeInto(target: Float32Array, offset: number, source: Float32Array): void {
  let norm = 0;
  for (const x of source) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < source.length; i++) target[offset + i] = (source[i] as number) / norm;
}

/** n unit vectors around `clusters` random centres (σ = 0.35 per coordinate before normalizing, relative). */
function gaussianMixture(n: number, clusters: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: clusters }, () =>
    Float32Array.from({ length: DIMENSIONS }, () => gaussian(random)),
  );
  const data = new Float32Array(n * DIMENSIONS);
  const point = new Float32Array(DIMENSIONS);
  for (let i = 0; i < n; i++) {
    const centre = centres[Math.floor(random() * clusters)] as Float32Array;
    for (let d = 0; d < DIMENSIONS; d++) point[d] = (centre[d] as number) + 0.35 * gaussian(random);
    normalizeInto(data, i * DIMENSIONS, point);
  }
  return data;
}

function queriesNear(data: Float32Array, count: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const n = data.length / DIMENSIONS;
  return Array.from({ length: count }, () => {
    const row = Math.floor(random() * n);
    const q = new Float32Array(DIMENSIONS);
    const noisy = Float32Array.from(
      data.subarray(row * DIMENSIONS, (row + 1) * DIMENSIONS),
      (x) => x + 0.02 * gaussian(random),
    );
    normalizeInto(q, 0, noisy);
    return q;
  });
}

/** The baseline: a plain scan of the Float32Array with a top-k insertion list. */
function scanTopK(data: Float32Array, query: Float32Array, k: number): number[] {
  const n = data.length / DIMENSIONS;
  const bestScores: number[] = [];
  const bestRows: number[] = [];
  for (let row = 0; row < n; row++) {
    let dot = 0;
    const base = row * DIMENSIONS;
    for (let d = 0; d < DIMENSIONS; d++) dot += (data[base + d] as number) * (query[d] as number);
    if (bestScores.length < k || dot > (bestScores[bestScores.length - 1] as number)) {
      let at = bestScores.length;
      while (at > 0 && (bestScores[at - 1] as number) < dot) at--;
      bestScores.splice(at, 0, dot);
      bestRows.splice(at, 0, row);
      if (bestScores.length > k) {
        bestScores.pop();
        bestRows.pop();
      }
    }
  }
  return bestRows;
}

function timeSearch(queries: readonly Float32Array[], search: (q: Float32Array) => number[]) {
  const results: number[][] = [];
  const samples: number[] = [];
  const started = performance.now();
  for (const q of queries) {
    const t0 = performance.now();
    results.push(search(q));
    samples.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  return { results, latency: summarize(samples), qps: queries.length / seconds };
}

const recallAt = (truth: number[][], found: number[][]) =>
  truth.reduce((sum, t, i) => sum + t.filter((x) => (found[i] ?? []).includes(x)).length / t.length, 0) /
  truth.length;

export async function benchVectorSearch(options: {
  sizes: number[];
  queries: (n: number) => number;
  measureAdd: boolean;
}) {
  const faiss = faissNative();
  const rows: string[][] = [];
  const buildRows: string[][] = [];
  for (const n of options.sizes) {
    const data = gaussianMixture(n, Math.max(10, Math.round(n / 500)), 7);
    const queries = queriesNear(data, options.queries(n), 11);

    let t0 = performance.now();
    const flat = faiss.IndexFlatIP.fromBuffer(flatInnerProductIndexBytes(data, DIMENSIONS));
    const flatBuildMs = performance.now() - t0;
    let addMs = Number.NaN;
    if (options.measureAdd) {
      const viaAdd = new faiss.IndexFlatIP(DIMENSIONS);
      const array = Array.from(data);
      t0 = performance.now();
      viaAdd.add(array);
      addMs = performance.now() - t0;
    }
    const nlist = Math.max(16, Math.round(Math.sqrt(n)));
    t0 = performance.now();
    const ivfBytes = buildIvfIndexBytes(data, DIMENSIONS, nlist, 16);
    const ivfBuildMs = performance.now() - t0;
    buildRows.push([
      String(n),
      ms(flatBuildMs),
      Number.isNaN(addMs) ? 'not measured' : ms(addMs),
      `${ms(ivfBuildMs)} (nlist ${nlist})`,
    ]);

    const flatRun = timeSearch(queries, (q) => flat.search(Array.from(q), K).labels);
    const row = (label: string, run: ReturnType<typeof timeSearch>) => [
      String(n),
      label,
      ms(run.latency.medianMs),
      ms(run.latency.p95Ms),
      run.qps.toFixed(0),
      recallAt(flatRun.results, run.results).toFixed(3),
    ];
    rows.push(row('FAISS flat (exact)', flatRun));
    for (const nprobe of [4, 16]) {
      const ivf = faiss.Index.fromBuffer(withIvfNprobe(ivfBytes, nprobe));
      rows.push(
        row(
          `FAISS IVF${nlist} nprobe ${nprobe}`,
          timeSearch(queries, (q) => ivf.search(Array.from(q), K).labels),
        ),
      );
    }
    rows.push(
      row(
        'JS Float32Array scan',
        timeSearch(queries, (q) => scanTopK(data, q, K)),
      ),
    );
  }
  printTable(
    'Index build (384-d clustered unit vectors)',
    ['vectors', 'flat via fromBuffer ms', 'flat via add() ms', 'IVF train+add ms'],
    buildRows,
  );
  printTable(
    `Search, k=${K}, one query at a time`,
    ['vectors', 'index', 'median ms', 'p95 ms', 'QPS', 'recall@10 vs flat'],
    rows,
  );
}

export async function benchFaissLoadFromS3(n: number) {
  const s3 = await startLocalS3('bench');
  try {
    const data = gaussianMixture(n, Math.round(n / 500), 3);
    const chunks = Array.from({ length: n }, (_, i) => ({
      documentId: `doc-${Math.floor(i / 20)}`,
      version: 1,
      chunkIndex: i % 20,
      source: 'bench',
      text: `chunk ${i}`,
    }));
    const snapshot = FaissSnapshot.build(DIMENSIONS, chunks, data, {
      kind: 'flat',
      ivfMinVectors: Number.MAX_SAFE_INTEGER,
      ivfNprobe: 1,
      ivfNlist: 0,
    });
    const body = snapshot.encode();
    const blobs = createS3BlobStore({ client: s3.client, bucket: 'bench' });
    await blobs.put('faiss/index.bin', body);
    const settings = { kind: 'flat' as const, ivfMinVectors: 1e9, ivfNprobe: 1, ivfNlist: 0 };
    /** A fresh container's first read: through `cacheDir`, empty or holding a copy from an earlier one. */
    const coldLoad = async (cacheDir: string) => {
      const store = createFaissStore({
        blobs,
        key: 'faiss/index.bin',
        cacheDir,
        settings,
        refreshMs: 60_000,
      });
      const t0 = performance.now();
      await store.stats();
      return performance.now() - t0;
    };
    const samples: number[] = [];
    for (let i = 0; i < 3; i++)
      samples.push(await coldLoad(mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'))));
    const warmCache = mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'));
    await coldLoad(warmCache);
    const fromTmp = await coldLoad(warmCache);
    printTable(
      'FAISS index load (cold container)',
      ['vectors', 'object MB', 'from local S3 median ms', 'from the /tmp copy ms'],
      [[String(n), (body.length / 1024 / 1024).toFixed(1), ms(summarize(samples).medianMs), ms(fromTmp)]],
    );
  } finally {
    await s3.stop();
  }
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
  const seconds = (performance.now() - t0) / 1000;
  printTable(
    'Ingestion with the tiny embedder into FAISS on the local BlobStore',
    ['documents', 'chunks', 'seconds', 'chunks/s'],
    [[String(documents), String(chunks), seconds.toFixed(2), (chunks / seconds).toFixed(0)]],
  );
  await deps.runtime.dispose();
}
