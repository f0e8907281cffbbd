/**
 * The FAISS store's approximate index: inverted lists (IVF) over spherical k-means centroids. Training and
 * assignment run on the int8 scan, so indexing 100k vectors takes well under a second (faiss-node's IVF
 * needs its `add()`, about 10 s per 100k here); a search scans the `nprobe` nearest lists only.
 */
import { bestPositions, largestMagnitude, QuantizedRows, quantizeQuery } from './quantized-rows';

/** k-means iterations and sample size per list: enough for stable lists, cheap enough for ingestion. */
const ITERATIONS = 6;
const SAMPLE_PER_LIST = 24;

/** The default number of lists for n vectors: about √n / 4, between 8 and 256 (assignment costs n·nlist·d). */
export const defaultListCount = (n: number) => Math.min(256, Math.max(8, Math.round(Math.sqrt(n) / 4)));

/** Reads row `row` as float32 into `target` (or returns a view) — the stored vectors in any precision. */
export type RowReader = (row: number, target: Float32Array) => Float32Array;

/** Rows scored against every centroid before moving on: their codes stay in the core's cache. */
const BLOCK_ROWS = 1024;

/**
 * The centroids as the kernel's queries (`stride` int16 values each), all on one scale: their scores are
 * compared with each other, so each must be proportional to the inner product itself.
 */
export function centroidQueries(centroids: Float32Array, dimensions: number, stride: number): Int16Array {
  const nlist = centroids.length / dimensions;
  const queries = new Int16Array(nlist * stride);
  const max = largestMagnitude(centroids);
  for (let list = 0; list < nlist; list++)
    quantizeQuery(
      centroids.subarray(list * dimensions, (list + 1) * dimensions),
      queries.subarray(list * stride),
      max,
    );
  return queries;
}

/**
 * Sets lists[offset + r] for every row r of `rows` to the centroid with the largest inner product. Each
 * centroid is a scan over the rows' int8 codes (the row's scale does not change which centroid wins).
 */
export function assignLists(
  rows: QuantizedRows,
  centroids: Float32Array,
  lists: Int32Array,
  offset = 0,
): void {
  const { dimensions, stride, scores, count } = rows;
  const nlist = centroids.length / dimensions;
  const queries = centroidQueries(centroids, dimensions, stride);
  const padded = Math.ceil(nlist / 4) * 4;
  if (padded <= rows.assignCapacity) {
    // The kernel takes queries four at a time: copies of the last one never win a tie against it.
    const padding = new Int16Array(padded * stride);
    padding.set(queries);
    for (let list = nlist; list < padded; list++)
      padding.copyWithin(list * stride, (nlist - 1) * stride, nlist * stride);
    rows.assign(padding, 0, count, lists, offset);
    return;
  }
  const best = new Float32Array(BLOCK_ROWS);
  for (let start = 0; start < count; start += BLOCK_ROWS) {
    const end = Math.min(count, start + BLOCK_ROWS);
    best.fill(Number.NEGATIVE_INFINITY);
    for (let list = 0; list < nlist; list++) {
      rows.setQueryCodes(queries.subarray(list * stride, (list + 1) * stride));
      rows.scan(start, end);
      for (let row = start; row < end; row++) {
        const score = scores[row] as number;
        if (score > (best[row - start] as number)) {
          best[row - start] = score;
          lists[offset + row] = list;
        }
      }
    }
  }
}

/** Spherical k-means on an evenly spread sample: unit centroids for inner-product search. */
export function trainCentroids(
  count: number,
  dimensions: number,
  nlist: number,
  readRow: RowReader,
): Float32Array {
  const sampleSize = Math.min(count, nlist * SAMPLE_PER_LIST);
  const sample = new Float32Array(sampleSize * dimensions);
  const scratch = new Float32Array(dimensions);
  for (let i = 0; i < sampleSize; i++)
    sample.set(readRow(Math.floor((i * count) / sampleSize), scratch), i * dimensions);
  const sampleRows = QuantizedRows.ofFloats(sampleSize, dimensions, sample);
  const centroids = new Float32Array(nlist * dimensions);
  for (let c = 0; c < nlist; c++) {
    const from = Math.floor((c * sampleSize) / nlist) * dimensions;
    centroids.set(sample.subarray(from, from + dimensions), c * dimensions);
  }
  const assignment = new Int32Array(sampleSize);
  const sums = new Float64Array(nlist * dimensions);
  const sizes = new Int32Array(nlist);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    assignLists(sampleRows, centroids, assignment);
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < sampleSize; i++) {
      const list = assignment[i] as number;
      sizes[list] = (sizes[list] as number) + 1;
      const offset = list * dimensions;
      for (let d = 0; d < dimensions; d++)
        sums[offset + d] = (sums[offset + d] as number) + (sample[i * dimensions + d] as number);
    }
    for (let list = 0; list < nlist; list++) {
      if (sizes[list] === 0) continue;
      let norm = 0;
      for (let d = 0; d < dimensions; d++) norm += (sums[list * dimensions + d] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dimensions; d++)
        centroids[list * dimensions + d] = (sums[list * dimensions + d] as number) / norm;
    }
  }
  return centroids;
}

/** The `nprobe` lists nearest to the (already set) query, nearest first; every list in order when nprobe ≥ nlist. */
export function probedLists(centroids: QuantizedRows, nprobe: number): Int32Array {
  const nlist = centroids.count;
  if (nprobe >= nlist) return Int32Array.from({ length: nlist }, (_, list) => list);
  centroids.scan(0, nlist);
  return bestPositions(centroids.scores, [0, nlist], nprobe);
}
