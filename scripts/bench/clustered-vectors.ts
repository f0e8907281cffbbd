/**
 * Clustered unit vectors for measuring search: a Gaussian mixture (random centres, σ = 0.35 per coordinate
 * before normalizing), and queries drawn near stored points, as real questions land near real passages.
 * Random vectors have no structure, so an approximate index's recall on them means nothing.
 */
import { seededRandom } from '../tiny-models/onnx-graph';

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

/** n unit vectors (n × dimensions, row-major) around `clusters` random centres. */
export function gaussianMixture(n: number, clusters: number, seed: number, dimensions = 384): Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: clusters }, () =>
    Float32Array.from({ length: dimensions }, () => gaussian(random)),
  );
  const data = new Float32Array(n * dimensions);
  const point = new Float32Array(dimensions);
  for (let i = 0; i < n; i++) {
    const centre = centres[Math.floor(random() * clusters)] as Float32Array;
    for (let d = 0; d < dimensions; d++) point[d] = (centre[d] as number) + 0.35 * gaussian(random);
    normalizeInto(data, i * dimensions, point);
  }
  return data;
}

/** `count` unit queries, each a stored row plus a little noise (σ = 0.02 per coordinate). */
export function queriesNear(
  data: Float32Array,
  count: number,
  seed: number,
  dimensions = 384,
): Float32Array[] {
  const random = seededRandom(seed);
  const n = data.length / dimensions;
  return Array.from({ length: count }, () => {
    const row = Math.floor(random() * n);
    const q = new Float32Array(dimensions);
    const noisy = Float32Array.from(
      data.subarray(row * dimensions, (row + 1) * dimensions),
      (x) => x + 0.02 * gaussian(random),
    );
    normalizeInto(q, 0, noisy);
    return q;
  });
}

/** The exact top-k rows by inner product (a plain float32 scan): the truth recall is measured against. */
export function exactTopK(data: Float32Array, query: Float32Array, k: number): number[] {
  const dimensions = query.length;
  const n = data.length / dimensions;
  const bestScores: number[] = [];
  const bestRows: number[] = [];
  for (let row = 0; row < n; row++) {
    let dot = 0;
    const base = row * dimensions;
    for (let d = 0; d < dimensions; d++) dot += (data[base + d] as number) * (query[d] as number);
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

/** Mean fraction of each truth list found in the matching result list. */
export const recallAt = (truth: readonly number[][], found: readonly number[][]) =>
  truth.reduce((sum, t, i) => sum + t.filter((x) => (found[i] ?? []).includes(x)).length / t.length, 0) /
  truth.length;
