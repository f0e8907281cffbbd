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

export type VectorStorage = 'float32' | 'float16' | 'int8';
export const VECTOR_STORAGES: readonly VectorStorage[] = ['float32', 'float16', 'int8'];

type Column = Float32Array | Uint16Array | Int8Array | Uint8Array;

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

  /** The columns' bytes, to write into an object. */
  sections(): Buffer[] {
    return this.columns.map((column) => Buffer.from(column.buffer, column.byteOffset, column.byteLength));
  }

  private perRow(column: number): number {
    const length = (this.columns[column] as Column).length;
    return this.count === 0 ? 0 : length / this.count;
  }

  /** Copies row `from` of `source` (same storage and dimensions) into row `to`. */
  copyRow(source: StoredVectors, from: number, to: number): void {
    this.columns.forEach((column, c) => {
      const per = this.perRow(c);
      const sourceColumn = source.columns[c] as Column;
      column.set(sourceColumn.subarray(from * per, (from + 1) * per) as never, to * per);
    });
  }

  /** Stores `vector` (float32, `dimensions` values) as row `row`. */
  writeRow(row: number, vector: Float32Array): void {
    const d = this.dimensions;
    const [first, codes, residuals] = this.columns;
    if (this.storage === 'float32') (first as Float32Array).set(vector, row * d);
    else if (this.storage === 'float16') toHalves(vector, first as Uint16Array, row * d);
    else writeRefinedCodes(vector, row, first as Float32Array, codes as Int8Array, residuals as Uint8Array);
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

/** int8 codes (largest magnitude → ±127), the row's scale, and each value's 4-bit refinement. */
function writeRefinedCodes(
  vector: Float32Array,
  row: number,
  scales: Float32Array,
  codes: Int8Array,
  residuals: Uint8Array,
): void {
  const d = vector.length;
  let max = 0;
  for (const x of vector) max = Math.max(max, Math.abs(x));
  const scale = Math.fround(max / 127);
  scales[row] = scale;
  const half = Math.ceil(d / 2);
  residuals.fill(0, row * half, (row + 1) * half);
  if (scale === 0) {
    codes.fill(0, row * d, (row + 1) * d);
    return;
  }
  for (let i = 0; i < d; i++) {
    const x = vector[i] as number;
    const code = Math.max(-127, Math.min(127, Math.round(x / scale)));
    codes[row * d + i] = code;
    const residual = Math.max(-8, Math.min(7, Math.round(((x - code * scale) / scale) * REFINE)));
    const at = row * half + (i >> 1);
    residuals[at] = (residuals[at] as number) | ((residual & 0xf) << (i & 1 ? 4 : 0));
  }
}
