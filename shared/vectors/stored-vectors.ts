/**
 * The vectors of a FAISS snapshot as they are stored in its object, row-major, in one of three precisions:
 * - `float32`: 4 bytes a value, exact;
 * - `float16`: 2 bytes a value (relative error 2^-11);
 * - `int8`: 8-bit scalar codes with one float32 scale per row (the scan reads them as they are, with no
 *   work at load) plus a 4-bit refinement of each value's rounding error, 1.5 bytes a value: re-ranking
 *   with both is as precise as float16 (absolute error below 1.5e-4 for unit vectors).
 * Each is a list of columns (one typed array each, a fixed number of elements per row), so copying, reordering
 * and serializing rows is the same for all three.
 */
import { halfTable, toHalves } from './float16';
import { instantiateKernels, type SimdKernels } from './simd-kernels';

export type VectorStorage = 'float32' | 'float16' | 'int8';
export const VECTOR_STORAGES: readonly VectorStorage[] = ['float32', 'float16', 'int8'];

type Column = Float32Array | Uint16Array | Int8Array | Uint8Array;

/** float32 rows: one row-major array, or one array a row (as the caller has them: no copy to join them). */
export type FloatRows = Float32Array | readonly Float32Array[];

/** How many rows `rows` holds, and row `i` of them. */
export const rowCount = (rows: FloatRows, dimensions: number) =>
  rows instanceof Float32Array ? rows.length / dimensions : rows.length;
export const rowAt = (rows: FloatRows, i: number, dimensions: number): Float32Array =>
  rows instanceof Float32Array
    ? rows.subarray(i * dimensions, (i + 1) * dimensions)
    : (rows[i] as Float32Array);

/** Refinement steps per code step: the residual is stored in 4 bits, -8..7. */
const REFINE = 16;

export class StoredVectors {
  private constructor(
    readonly storage: VectorStorage,
    readonly count: number,
    readonly dimensions: number,
    /** float32/float16: [values]; int8: [scales, codes, residuals (two per byte)]. */
    readonly columns: readonly Column[],
  ) {}

  static allocate(storage: VectorStorage, count: number, dimensions: number): StoredVectors {
    const columns: Column[] =
      storage === 'float32'
        ? [new Float32Array(count * dimensions)]
        : storage === 'float16'
          ? [new Uint16Array(count * dimensions)]
          : [
              new Float32Array(count),
              new Int8Array(count * dimensions),
              new Uint8Array(count * Math.ceil(dimensions / 2)),
            ];
    return new StoredVectors(storage, count, dimensions, columns);
  }

  /** The bytes of each column, in the order `fromBytes` reads them. */
  static byteLength(storage: VectorStorage, count: number, dimensions: number): number {
    if (storage === 'float32') return count * dimensions * 4;
    if (storage === 'float16') return count * dimensions * 2;
    return count * (4 + dimensions + Math.ceil(dimensions / 2));
  }

  /** Copies the columns out of `bytes` (an object's bytes need not be aligned for typed arrays). */
  static fromBytes(storage: VectorStorage, count: number, dimensions: number, bytes: Buffer): StoredVectors {
    if (bytes.length !== StoredVectors.byteLength(storage, count, dimensions))
      throw new Error('the vector section has the wrong size');
    const stored = StoredVectors.allocate(storage, count, dimensions);
    let at = 0;
    for (const column of stored.columns) {
      Buffer.from(column.buffer, column.byteOffset, column.byteLength).set(
        bytes.subarray(at, at + column.byteLength),
      );
      at += column.byteLength;
    }
    return stored;
  }

  /** Rows [from, to) as a view (no copy). */
  slice(from: number, to: number): StoredVectors {
    return new StoredVectors(
      this.storage,
      to - from,
      this.dimensions,
      this.columns.map((column, c) => column.subarray(from * this.perRow(c), to * this.perRow(c))),
    );
  }

  /** The columns' bytes, to write into an object. */
  sections(): Buffer[] {
    return this.columns.map((column) => Buffer.from(column.buffer, column.byteOffset, column.byteLength));
  }

  /** The bytes of rows [from, to) of column `column` (a view), for writing rows in another order. */
  rowBytes(column: number, from: number, to: number): Buffer {
    const values = this.columns[column] as Column;
    const per = this.perRow(column) * values.BYTES_PER_ELEMENT;
    return Buffer.from(values.buffer, values.byteOffset + from * per, (to - from) * per);
  }

  private perRow(column: number): number {
    if (this.storage === 'int8' && column !== 1) return column === 0 ? 1 : Math.ceil(this.dimensions / 2);
    return this.dimensions;
  }

  /** Copies `count` rows of `source` (same storage and dimensions) from row `from` to row `to`. */
  copyRows(source: StoredVectors, from: number, to: number, count = 1): void {
    for (let c = 0; c < this.columns.length; c++) {
      const column = this.columns[c] as Column;
      const per = this.perRow(c);
      const sourceColumn = source.columns[c] as Column;
      if (per * count === 1) column[to] = sourceColumn[from] as number;
      else column.set(sourceColumn.subarray(from * per, (from + count) * per) as never, to * per);
    }
  }

  /** Stores `vectors` as rows `row`, `row + 1`, … */
  writeRows(row: number, vectors: FloatRows): void {
    const d = this.dimensions;
    const [first, codes, residuals] = this.columns;
    if (this.storage !== 'int8' && !(vectors instanceof Float32Array))
      for (const [i, vector] of vectors.entries()) this.writeRows(row + i, vector);
    else if (this.storage === 'float32') (first as Float32Array).set(vectors as Float32Array, row * d);
    else if (this.storage === 'float16') toHalves(vectors as Float32Array, first as Uint16Array, row * d);
    else
      refinedEncoder(d).encode(
        vectors,
        row,
        first as Float32Array,
        codes as Int8Array,
        residuals as Uint8Array,
      );
  }

  /** Row `row` as float32: a view for float32 storage, decoded into `target` otherwise. */
  readRow(row: number, target: Float32Array): Float32Array {
    const d = this.dimensions;
    const [first, codes, residuals] = this.columns;
    if (this.storage === 'float32') return (first as Float32Array).subarray(row * d, (row + 1) * d);
    if (this.storage === 'float16') {
      const values = halfTable();
      const halves = first as Uint16Array;
      for (let i = 0; i < d; i++) target[i] = values[halves[row * d + i] as number] as number;
      return target;
    }
    const scale = (first as Float32Array)[row] as number;
    const codeColumn = codes as Int8Array;
    const residualColumn = residuals as Uint8Array;
    const half = Math.ceil(d / 2);
    for (let i = 0; i < d; i++) {
      const packed = residualColumn[row * half + (i >> 1)] as number;
      const residual = ((i & 1 ? packed >> 4 : packed & 0xf) << 28) >> 28;
      target[i] = scale * ((codeColumn[row * d + i] as number) + residual / REFINE);
    }
    return target;
  }
}

const BATCH = 256;

/**
 * Encodes float32 rows as int8 codes, scales and 4-bit refinements with the SIMD `quantize` kernel, a batch
 * of rows at a time through a staging memory (rows padded to a multiple of 32 values).
 */
class RefinedEncoder {
  private readonly stride: number;
  private readonly kernels: SimdKernels;
  private readonly staging: Float32Array;
  private readonly codes: Int8Array;
  private readonly scales: Float32Array;
  private readonly residuals: Uint8Array;

  constructor(readonly dimensions: number) {
    const stride = Math.ceil(Math.max(dimensions, 1) / 32) * 32;
    this.stride = stride;
    const stagingBytes = BATCH * stride * 4;
    const codesAt = stagingBytes;
    const scalesAt = codesAt + BATCH * stride;
    const residualsAt = scalesAt + BATCH * 4;
    this.kernels = instantiateKernels(residualsAt + (BATCH * stride) / 2);
    const buffer = this.kernels.memory.buffer;
    this.staging = new Float32Array(buffer, 0, BATCH * stride);
    this.codes = new Int8Array(buffer, codesAt, BATCH * stride);
    this.scales = new Float32Array(buffer, scalesAt, BATCH);
    this.residuals = new Uint8Array(buffer, residualsAt, (BATCH * stride) / 2);
  }

  encode(vectors: FloatRows, row: number, scales: Float32Array, codes: Int8Array, residuals: Uint8Array) {
    const { dimensions: d, stride } = this;
    const count = rowCount(vectors, d);
    const half = Math.ceil(d / 2);
    for (let start = 0; start < count; start += BATCH) {
      const rows = Math.min(BATCH, count - start);
      if (stride === d && vectors instanceof Float32Array)
        this.staging.set(vectors.subarray(start * d, (start + rows) * d));
      else
        for (let i = 0; i < rows; i++) {
          this.staging.fill(0, i * stride + d, (i + 1) * stride);
          this.staging.set(rowAt(vectors, start + i, d), i * stride);
        }
      const codesAt = this.codes.byteOffset;
      this.kernels.quantize(0, rows, stride, codesAt, this.scales.byteOffset, this.residuals.byteOffset);
      const to = row + start;
      scales.set(this.scales.subarray(0, rows), to);
      if (stride === d) {
        codes.set(this.codes.subarray(0, rows * d), to * d);
        residuals.set(this.residuals.subarray(0, rows * half), to * half);
      } else
        for (let i = 0; i < rows; i++) {
          codes.set(this.codes.subarray(i * stride, i * stride + d), (to + i) * d);
          residuals.set(this.residuals.subarray((i * stride) / 2, (i * stride) / 2 + half), (to + i) * half);
        }
    }
  }
}

let encoder: RefinedEncoder | undefined;
const refinedEncoder = (dimensions: number) => {
  if (encoder?.dimensions !== dimensions) encoder = new RefinedEncoder(dimensions);
  return encoder;
};
