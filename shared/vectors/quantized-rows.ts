/**
 * Vectors as int8 codes (one scale per row) in a SIMD scan memory: the first, approximate pass of every
 * FAISS search. Codes are derived from the stored vectors when a snapshot loads, never stored themselves.
 */
import { instantiateKernels, type SimdKernels } from './simd-kernels';
import { type FloatRows, rowAt, type StoredVectors } from './stored-vectors';

/** Rows quantized per call of the kernel (the staging area's size). */
const BATCH = 256;
/** The query's int16 range: products of 127·2047 summed over 8,000 dimensions still fit an int32. */
const QUERY_RANGE = 2047;

/** Rows per call of `assign` (even). */
const ASSIGN_ROWS = 256;

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

export class QuantizedRows {
  private readonly queryAt: number;
  private readonly stagingAt: number;
  private readonly halvesAt: number;
  private readonly scalesAt: number;
  private readonly outAt: number;
  private readonly codesAt: number;
  private readonly kernels: SimdKernels;
  /** Per-query score of every position, valid for the ranges scanned last. */
  readonly scores: Float32Array;

  private constructor(
    readonly count: number,
    readonly dimensions: number,
  ) {
    const stride = align(Math.max(dimensions, 1));
    this.stride = stride;
    this.queryAt = 0;
    this.stagingAt = align(stride * 2);
    this.halvesAt = this.stagingAt + BATCH * stride * 4;
    this.scalesAt = this.halvesAt + BATCH * stride * 2;
    this.outAt = this.scalesAt + align(count * 4);
    this.codesAt = this.outAt + align(count * 4);
    // One row more than `count`, left zero: `assign` takes rows two at a time.
    this.kernels = instantiateKernels(this.codesAt + (count + 1) * stride);
    this.scores = new Float32Array(this.kernels.memory.buffer, this.outAt, count);
  }

  /** The rows of `stored`: its own codes for int8 storage, quantized from float32 or float16 otherwise. */
  static of(stored: StoredVectors): QuantizedRows {
    const rows = new QuantizedRows(stored.count, stored.dimensions);
    const [first, codes] = stored.columns;
    if (stored.storage === 'int8') rows.copyCodes(first as Float32Array, codes as Int8Array);
    else rows.fill(first as Float32Array | Uint16Array);
    return rows;
  }

  /** Quantizes `count` float32 rows of `dimensions` values. */
  static ofFloats(count: number, dimensions: number, values: FloatRows): QuantizedRows {
    const rows = new QuantizedRows(count, dimensions);
    rows.fill(values);
    return rows;
  }

  private copyCodes(scales: Float32Array, codes: Int8Array): void {
    const { stride, dimensions, count } = this;
    const buffer = this.kernels.memory.buffer;
    new Float32Array(buffer, this.scalesAt, count).set(scales);
    const target = new Int8Array(buffer, this.codesAt, count * stride);
    if (stride === dimensions) target.set(codes);
    else
      for (let row = 0; row < count; row++)
        target.set(codes.subarray(row * dimensions, (row + 1) * dimensions), row * stride);
  }

  readonly stride: number;
  private queryCodes: Int16Array | undefined;

  private fill(stored: FloatRows | Uint16Array): void {
    const { stride, dimensions, kernels } = this;
    const buffer = kernels.memory.buffer;
    const half = stored instanceof Uint16Array;
    const staging = new Float32Array(buffer, this.stagingAt, BATCH * stride);
    const halves = new Uint16Array(buffer, this.halvesAt, BATCH * stride);
    for (let start = 0; start < this.count; start += BATCH) {
      const rows = Math.min(BATCH, this.count - start);
      const target = half ? halves : staging;
      if (half || stored instanceof Float32Array) {
        const source = stored.subarray(start * dimensions, (start + rows) * dimensions);
        if (stride === dimensions) target.set(source);
        else
          for (let i = 0; i < rows; i++)
            target.set(source.subarray(i * dimensions, (i + 1) * dimensions), i * stride);
      } else for (let i = 0; i < rows; i++) staging.set(rowAt(stored, start + i, dimensions), i * stride);
      if (half) kernels.halfToFloat(this.halvesAt, rows * stride, this.stagingAt);
      kernels.quantize(
        this.stagingAt,
        rows,
        stride,
        this.codesAt + start * stride,
        this.scalesAt + start * 4,
        0,
      );
    }
  }

  /** Quantizes the query into the scan memory; call before `scan`. */
  setQuery(query: Float32Array): void {
    this.queryCodes ??= new Int16Array(this.kernels.memory.buffer, this.queryAt, this.stride);
    quantizeQuery(query, this.queryCodes);
  }

  /** Sets a query already quantized by `quantizeQuery` (`stride` values). */
  setQueryCodes(codes: Int16Array): void {
    this.queryCodes ??= new Int16Array(this.kernels.memory.buffer, this.queryAt, this.stride);
    this.queryCodes.set(codes);
  }

  /** The most queries `assign` takes at once. */
  get assignCapacity(): number {
    return 2 * BATCH;
  }

  /**
   * Sets lists[offset + r] for rows r in [from, to) to the index of the best-scoring of `queries` (quantized
   * by `quantizeQuery`, `stride` values each, at most `assignCapacity`; a multiple of 4); the first of equal
   * scores, as a scan per query followed by a comparison would pick.
   */
  assign(queries: Int16Array, from: number, to: number, lists: Int32Array, offset: number): void {
    const { stride } = this;
    if (to <= from) return;
    const count = queries.length / stride;
    if (count % 4 !== 0 || count > this.assignCapacity)
      throw new Error('assign takes up to 512 queries, 4 by 4');
    const buffer = this.kernels.memory.buffer;
    new Int16Array(buffer, this.stagingAt, queries.length).set(queries);
    // Calls of a few rows each: a long call would run to its end in the baseline compiler's code.
    for (let start = from; start < to; start += ASSIGN_ROWS)
      this.kernels.assign(
        this.codesAt + start * stride,
        Math.ceil(Math.min(ASSIGN_ROWS, to - start) / 2),
        stride,
        this.stagingAt,
        count / 4,
        this.scalesAt + start * 4,
        this.outAt + start * 4,
      );
    lists.set(new Int32Array(buffer, this.outAt + from * 4, to - from), offset + from);
  }

  /**
   * The int8 codes of rows [from, to), `stride` values a row (zeros past `dimensions`): a view of the scan
   * memory, for a reader that scores the rows elsewhere (onnxruntime's list assignment, list-assigner.ts).
   */
  codes(from: number, to: number): Int8Array {
    const { stride } = this;
    return new Int8Array(this.kernels.memory.buffer, this.codesAt + from * stride, (to - from) * stride);
  }

  /** Scores positions [from, to) against the current query into `scores` (proportional to inner products). */
  scan(from: number, to: number): void {
    if (to <= from) return;
    const { stride } = this;
    this.kernels.scan(
      this.codesAt + from * stride,
      to - from,
      stride,
      this.queryAt,
      this.scalesAt + from * 4,
      this.outAt + from * 4,
    );
  }
}

/**
 * A query as the scan reads it: int16 values, `max` (the query's largest magnitude by default) mapped to
 * QUERY_RANGE. Queries whose scores are compared with each other share one `max`: a score is then
 * proportional to the inner product itself, not to the inner product over each query's own largest value.
 */
export function quantizeQuery(query: Float32Array, target: Int16Array, max = largestMagnitude(query)): void {
  const factor = max > 0 ? QUERY_RANGE / max : 0;
  for (let i = 0; i < query.length; i++) target[i] = Math.round((query[i] as number) * factor);
}

/** The largest |x| of `values`. */
export function largestMagnitude(values: Float32Array): number {
  let max = 0;
  for (const x of values) max = Math.max(max, Math.abs(x));
  return max;
}

/**
 * The best `capacity` scores offered so far with their ids: a min-heap of the best, which most scores fail
 * to enter. Scores come range by range, from one scan memory or several.
 */
export class BestScores {
  private readonly heapScores: Float32Array;
  private readonly heapIds: Int32Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.heapScores = new Float32Array(capacity);
    this.heapIds = new Int32Array(capacity);
  }

  /** Offers positions [from, to) of `scores` as ids `idBase + position`, but those that `dead` marks. */
  offer(scores: Float32Array, from: number, to: number, idBase = 0, dead?: Uint8Array): void {
    const { heapScores, heapIds, capacity } = this;
    for (let position = from; position < to; position++) {
      if (dead && dead[position] !== 0) continue;
      const score = scores[position] as number;
      if (this.size < capacity) {
        let i = this.size++;
        heapScores[i] = score;
        heapIds[i] = idBase + position;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if ((heapScores[parent] as number) <= (heapScores[i] as number)) break;
          const s = heapScores[i] as number;
          heapScores[i] = heapScores[parent] as number;
          heapScores[parent] = s;
          const p = heapIds[i] as number;
          heapIds[i] = heapIds[parent] as number;
          heapIds[parent] = p;
          i = parent;
        }
      } else if (score > (heapScores[0] as number)) {
        heapScores[0] = score;
        heapIds[0] = idBase + position;
        this.siftDown();
      }
    }
  }

  private siftDown(): void {
    const { heapScores, heapIds, size } = this;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child =
        right < size && (heapScores[right] as number) < (heapScores[left] as number) ? right : left;
      if ((heapScores[child] as number) >= (heapScores[i] as number)) return;
      const s = heapScores[i] as number;
      const p = heapIds[i] as number;
      heapScores[i] = heapScores[child] as number;
      heapIds[i] = heapIds[child] as number;
      heapScores[child] = s;
      heapIds[child] = p;
      i = child;
    }
  }

  /** The ids kept, best first. */
  ids(): Int32Array {
    const { heapScores, heapIds } = this;
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (a, b) => (heapScores[b] as number) - (heapScores[a] as number),
    );
    return Int32Array.from(order, (i) => heapIds[i] as number);
  }
}

/** The positions of the `count` best scores within `ranges` ([from, to) pairs), best first. */
export function bestPositions(scores: Float32Array, ranges: readonly number[], count: number): Int32Array {
  const best = new BestScores(count);
  for (let r = 0; r + 1 < ranges.length; r += 2)
    best.offer(scores, ranges[r] as number, ranges[r + 1] as number);
  return best.ids();
}
