/**
 * IVF list assignment during ingestion. Scoring every new row against every centroid is most of an add's
 * index work (n · nlist · d multiply-adds): large assignments run as one onnxruntime graph (assign-graph.ts,
 * MLAS's int8 matrix product, about 2.5 times the WASM kernel's speed on one thread), small ones on the
 * WASM `assign` kernel, which also serves wherever onnxruntime-node cannot load (logged once, never an error).
 *
 * The graph scores with int8 centroids, the kernel with int16 ones: where the graph's two best lists are
 * within REFINE of each other, the row's codes score those two again with the kernel's int16 centroids, so
 * both paths pick the same list but at three-way near ties.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { loadOnce } from '../load-once';
import { createOnnxSession, onnxRuntime } from '../models/onnx-sessions';
import { assignGraph } from './assign-graph';
import { assignLists, centroidQueries } from './ivf-lists';
import type { QuantizedRows } from './quantized-rows';

/**
 * Row × list scores below which the WASM kernel assigns: about 30 ms of its work, about what opening the
 * graph's session costs (once per process) or a first run at a new shape.
 */
export const ONNX_MIN_SCORES = 1 << 21;
/** Rows per run of the graph: its [rows × lists] intermediates stay a few MB. */
export const ONNX_BATCH_ROWS = 16_384;
/** onnxruntime's threads: one, as the kernel, on a function's one or two vCPUs. */
const THREADS = 1;
/** Relative gap of the graph's two best scores under which the int16 centroids decide (int8 ones err ~0.3 %). */
const REFINE = 0.01;

/** The graph's inputs for one batch: row codes + 128 [rows, stride], centroid codes [stride, nlist], scales. */
export interface AssignBatch {
  readonly rows: Uint8Array;
  readonly count: number;
  readonly stride: number;
  readonly codes: Int8Array;
  readonly scales: Float32Array;
}

/** Each row's two best scores and their lists, best first (the lower list first among equal scores). */
export interface AssignedBatch {
  readonly top: Float32Array;
  readonly lists: Int32Array;
}

/** A session of the assignment graph. */
export interface AssignSession {
  run(batch: AssignBatch): Promise<AssignedBatch>;
}

export interface ListAssigner {
  /** Sets lists[offset + r] for every row r of `rows` to the centroid with the largest inner product. */
  assign(rows: QuantizedRows, centroids: Float32Array, lists: Int32Array, offset?: number): Promise<void>;
}

export interface ListAssignerOptions {
  /** The graph's session; the process's shared one when absent. */
  readonly session?: () => Promise<AssignSession>;
  /** Where the fallback to the kernel is told, once (the console when absent). */
  readonly logger?: Pick<Logger, 'warn'>;
  /** Row × list scores from which the graph assigns (ONNX_MIN_SCORES). */
  readonly minScores?: number;
}

/** Opens the assignment graph on the CPU (a GPU would spend more moving the rows than scoring them). */
async function openAssignSession(): Promise<AssignSession> {
  const { session } = await createOnnxSession(assignGraph(), {
    executionProviders: ['cpu'],
    intraOpThreads: THREADS,
    name: 'the IVF assignment graph',
  });
  const { Tensor } = await onnxRuntime();
  return {
    async run({ rows, count, stride, codes, scales }) {
      const nlist = scales.length;
      const { top, list } = await session.run({
        rows: new Tensor('uint8', rows, [count, stride]),
        codes: new Tensor('int8', codes, [stride, nlist]),
        scale: new Tensor('float32', scales, [nlist]),
      });
      return { top: top?.data as Float32Array, lists: list?.data as Int32Array };
    },
  };
}

/** The session of this process, opened at its first large assignment; a failed open is tried again later. */
export const processAssignSession: () => Promise<AssignSession> = loadOnce(openAssignSession);

/** The centroids as the graph reads them: int8 codes column by column (`stride` rows), one scale each. */
function quantizedCentroids(centroids: Float32Array, dimensions: number, stride: number) {
  const nlist = centroids.length / dimensions;
  const codes = new Int8Array(stride * nlist);
  const scales = new Float32Array(nlist);
  for (let list = 0; list < nlist; list++) {
    let max = 0;
    for (let d = 0; d < dimensions; d++)
      max = Math.max(max, Math.abs(centroids[list * dimensions + d] as number));
    const factor = max > 0 ? 127 / max : 0;
    scales[list] = max / 127;
    for (let d = 0; d < dimensions; d++)
      codes[d * nlist + list] = Math.round((centroids[list * dimensions + d] as number) * factor);
  }
  return { codes, scales };
}

/** Row codes + 128 (the graph's uint8 rows with zero point 128); rows are 16-byte aligned, so four at a time. */
function shiftedCodes(codes: Int8Array, target: Uint8Array): Uint8Array {
  const words = codes.length / 4;
  const from = new Uint32Array(codes.buffer, codes.byteOffset, words);
  const to = new Uint32Array(target.buffer, target.byteOffset, words);
  for (let i = 0; i < words; i++) to[i] = (from[i] as number) ^ 0x80808080;
  return target.subarray(0, codes.length);
}

/** The row's list: the graph's best, or where its two best are near, the better of them on int16 centroids. */
function bestOfTwo(
  { top, lists }: AssignedBatch,
  row: number,
  codes: Int8Array,
  queries: Int16Array,
  stride: number,
): number {
  const first = lists[2 * row] as number;
  const second = lists[2 * row + 1] as number;
  const best = top[2 * row] as number;
  if (best - (top[2 * row + 1] as number) > REFINE * Math.abs(best)) return first;
  let a = 0;
  let b = 0;
  for (let d = 0, at = row * stride; d < stride; d++, at++) {
    const code = codes[at] as number;
    a += code * (queries[first * stride + d] as number);
    b += code * (queries[second * stride + d] as number);
  }
  return b > a || (b === a && second < first) ? second : first;
}

/**
 * An assigner: the WASM kernel for small assignments, the graph for large ones until the graph first fails
 * to open or to run (told once), the kernel for every assignment after that.
 */
export function createListAssigner(options: ListAssignerOptions = {}): ListAssigner {
  const session = options.session ?? processAssignSession;
  const minScores = options.minScores ?? ONNX_MIN_SCORES;
  const logger: Pick<Logger, 'warn'> = options.logger ?? { warn: (...args) => console.warn(...args) };

  /** Set by the graph's first failure: this assigner then leaves onnxruntime to the kernel for good. */
  let graphFailed = false;

  /** The graph's session and runs, the only calls whose failure sends the rows to the kernel. */
  const onGraph = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      logger.warn('onnxruntime cannot assign IVF lists: the WASM kernel assigns them', {
        error: error as Error,
      });
      graphFailed = true;
      return undefined;
    }
  };

  /** Assigns every row on the graph, or answers false (nothing assigned) when the graph fails. */
  async function assignOnGraph(
    rows: QuantizedRows,
    centroids: Float32Array,
    lists: Int32Array,
    offset: number,
  ): Promise<boolean> {
    const graph = await onGraph(session);
    if (!graph) return false;
    const { count, dimensions, stride } = rows;
    const { codes, scales } = quantizedCentroids(centroids, dimensions, stride);
    const queries = centroidQueries(centroids, dimensions, stride);
    const buffer = new Uint8Array(Math.min(count, ONNX_BATCH_ROWS) * stride);
    for (let start = 0; start < count; start += ONNX_BATCH_ROWS) {
      const end = Math.min(count, start + ONNX_BATCH_ROWS);
      const rowCodes = rows.codes(start, end);
      const batch = shiftedCodes(rowCodes, buffer);
      const best = await onGraph(() => graph.run({ rows: batch, count: end - start, stride, codes, scales }));
      if (!best) return false;
      for (let row = 0; row < end - start; row++)
        lists[offset + start + row] = bestOfTwo(best, row, rowCodes, queries, stride);
    }
    return true;
  }

  return {
    async assign(rows, centroids, lists, offset = 0) {
      const nlist = centroids.length / rows.dimensions;
      const small = nlist < 2 || rows.count * nlist < minScores;
      if (small || graphFailed || !(await assignOnGraph(rows, centroids, lists, offset)))
        assignLists(rows, centroids, lists, offset);
    },
  };
}

/** The assigner of callers that pass none: the process's session, no logger. */
export const defaultListAssigner = createListAssigner();
