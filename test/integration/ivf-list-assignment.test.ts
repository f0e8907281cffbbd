/**
 * IVF list assignment: the WASM kernel gives each row the centroid with the largest inner product.
 */
import { describe, expect, it } from 'vitest';
import { gaussianMixture } from '../../scripts/bench/clustered-vectors';
import { assignLists, trainCentroids } from '../../shared/vectors/ivf-lists';
import { QuantizedRows } from '../../shared/vectors/quantized-rows';

const DIMENSIONS = 96;
/** Not a multiple of 4: the kernel pads the centroids. */
const NLIST = 70;
const ROWS = 34_002;

const data = gaussianMixture(ROWS, 40, 7, DIMENSIONS);
const rowOf = (row: number) => data.subarray(row * DIMENSIONS, (row + 1) * DIMENSIONS);
const centroids = trainCentroids(ROWS, DIMENSIONS, NLIST, rowOf);
const score = (row: number, list: number) => {
  let sum = 0;
  for (let d = 0; d < DIMENSIONS; d++)
    sum += (data[row * DIMENSIONS + d] as number) * (centroids[list * DIMENSIONS + d] as number);
  return sum;
};
const exactLists = Int32Array.from({ length: ROWS }, (_, row) => {
  let best = 0;
  for (let list = 1; list < NLIST; list++) if (score(row, list) > score(row, best)) best = list;
  return best;
});
const kernelLists = () => {
  const lists = new Int32Array(ROWS);
  assignLists(QuantizedRows.ofFloats(ROWS, DIMENSIONS, data), centroids, lists);
  return lists;
};

/** The rows where `a` and `b` differ, and the largest relative gap between their two lists' exact scores. */
function differences(a: Int32Array, b: Int32Array) {
  let rows = 0;
  let largestGap = 0;
  for (let row = 0; row < a.length; row++) {
    if (a[row] === b[row]) continue;
    rows++;
    const [x, y] = [score(row, a[row] as number), score(row, b[row] as number)];
    largestGap = Math.max(largestGap, Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
  }
  return { share: rows / a.length, largestGap };
}

describe('IVF list assignment', () => {
  it('gives each row, on the WASM kernel, the centroid of the largest inner product but at near ties', () => {
    // Act
    const lists = kernelLists();

    // Assess: every centroid's scores are on one scale, so a row's lists compare as inner products.
    const { share, largestGap } = differences(lists, exactLists);
    expect(share).toBeLessThan(0.005);
    expect(largestGap).toBeLessThan(0.002);
  });
});
