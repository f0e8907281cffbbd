/**
 * IVF list assignment: the WASM kernel and the onnxruntime graph both give each row the centroid with the
 * largest inner product, the graph for large assignments, the kernel for small ones and wherever
 * onnxruntime cannot load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gaussianMixture } from '../../scripts/bench/clustered-vectors';
import { createOnnxSession } from '../../shared/models/onnx-sessions';
import { assignGraph } from '../../shared/vectors/assign-graph';
import { assignLists, trainCentroids } from '../../shared/vectors/ivf-lists';
import {
  createListAssigner,
  ONNX_BATCH_ROWS,
  ONNX_MIN_SCORES,
  processAssignSession,
} from '../../shared/vectors/list-assigner';
import { QuantizedRows } from '../../shared/vectors/quantized-rows';
import { countingGraphSession } from '../helpers/vectors';

const DIMENSIONS = 96;
/** Not a multiple of 4: the kernel pads the centroids, the graph does not. */
const NLIST = 70;
/** More than two of the graph's batches. */
const ROWS = 2 * ONNX_BATCH_ROWS + 1234;
if (ROWS * NLIST < ONNX_MIN_SCORES) throw new Error('the rows must be enough for the graph');

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

  it('agrees with the kernel on onnxruntime, batch by batch, but at near ties', async () => {
    // Prepare
    const { runs, session } = countingGraphSession();
    const assigner = createListAssigner({ session });
    const lists = new Int32Array(ROWS + 3).fill(-1);

    // Act
    await assigner.assign(QuantizedRows.ofFloats(ROWS, DIMENSIONS, data), centroids, lists, 3);

    // Assess
    expect(runs).toEqual([ONNX_BATCH_ROWS, ONNX_BATCH_ROWS, 1234]);
    expect([...lists.subarray(0, 3)]).toEqual([-1, -1, -1]);
    const assigned = lists.subarray(3);
    const { share, largestGap } = differences(assigned, kernelLists());
    expect(share).toBeLessThan(0.005);
    expect(largestGap).toBeLessThan(0.01);
    expect(differences(assigned, exactLists).share).toBeLessThan(0.005);
  });

  it('assigns on the kernel when onnxruntime cannot load, and says so once', async () => {
    // Prepare
    const logger = { warn: vi.fn() };
    const session = vi.fn(() => Promise.reject(new Error('onnxruntime-node: no binding for this platform')));
    const assigner = createListAssigner({ session, logger });
    const rows = QuantizedRows.ofFloats(ROWS, DIMENSIONS, data);
    const first = new Int32Array(ROWS);
    const second = new Int32Array(ROWS);

    // Act
    await assigner.assign(rows, centroids, first);
    await assigner.assign(rows, centroids, second);

    // Assess: after the failure, the assigner does not try onnxruntime again.
    expect(session).toHaveBeenCalledTimes(1);
    expect(first).toEqual(kernelLists());
    expect(second).toEqual(first);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(/WASM kernel/);
  });

  it('assigns on the kernel when a run of the graph fails, and runs it no more', async () => {
    // Prepare
    const logger = { warn: vi.fn() };
    const run = vi.fn(() => Promise.reject(new Error('onnxruntime: out of memory')));
    const assigner = createListAssigner({ session: async () => ({ run }), logger });
    const rows = QuantizedRows.ofFloats(ROWS, DIMENSIONS, data);
    const first = new Int32Array(ROWS);
    const second = new Int32Array(ROWS);

    // Act
    await assigner.assign(rows, centroids, first);
    await assigner.assign(rows, centroids, second);

    // Assess
    expect(run).toHaveBeenCalledTimes(1);
    expect(first).toEqual(kernelLists());
    expect(second).toEqual(first);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('keeps the kernel for an assignment too small to be worth a session', async () => {
    // Prepare
    const session = vi.fn(processAssignSession);
    const assigner = createListAssigner({ session });
    const count = Math.ceil(ONNX_MIN_SCORES / NLIST) - 1;
    const rows = QuantizedRows.ofFloats(count, DIMENSIONS, data.subarray(0, count * DIMENSIONS));
    const lists = new Int32Array(count);

    // Act
    await assigner.assign(rows, centroids, lists);

    // Assess
    expect(session).not.toHaveBeenCalled();
    expect(lists).toEqual(kernelLists().subarray(0, count));
  });

  it('writes a graph that onnxruntime opens and ONNX checks', async () => {
    // Act
    const bytes = assignGraph();
    const { session } = await createOnnxSession(bytes, { executionProviders: ['cpu'] });

    // Assess
    expect(session.inputNames).toEqual(['rows', 'codes', 'scale']);
    expect(session.outputNames).toEqual(['top', 'list']);
    await session.release();
    // ONNX's own checker too, where Python's onnx is installed (.ci/run installs Debian's python3-onnx, so
    // CI always runs it; elsewhere the suite says it did not).
    const python = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
    if (python.status !== 0) {
      expect(process.env.CI, 'CI installs python3-onnx: the checker must run there').toBeFalsy();
      console.warn('ivf-list-assignment: no python3-onnx, so the ONNX checker does not check the graph');
      return;
    }
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'assign-graph-')), 'assign.onnx');
    writeFileSync(file, bytes);
    const check = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file],
      { encoding: 'utf8' },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
