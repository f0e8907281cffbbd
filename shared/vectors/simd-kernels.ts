/**
 * The scan kernels of the FAISS store, as a WebAssembly module with 128-bit SIMD, assembled here from its
 * instructions (no compiler, no binary in the repository, no native build: it runs wherever Node runs).
 *
 * faiss-node cannot reach the memory-bandwidth floor on these machines: Debian's faiss is built without
 * AVX2 and the binding copies every vector through a JS array (docs/performance.md has the figures). An
 * int8 scan reads a quarter of the bytes of a float32 one, so it beats the float32 floor, and the stored
 * vectors re-rank its candidates exactly.
 *
 * Four kernels, on byte offsets into one memory (rows padded with zeros to `stride`, a multiple of 16):
 * - `scan(codes, rows, stride, query, scales, out)`: out[r] = scales[r] · Σ codes[r][j] · query[j]
 *   (codes int8, query int16, sums int32);
 * - `quantize(src, rows, stride, codes, scales, residuals)`: float32 rows to int8 codes with one scale per
 *   row (max |x| maps to 127), and when `residuals` is not 0 each value's rounding error in 4 bits;
 * - `halfToFloat(src, count, dst)`: float16 to float32 (count a multiple of 8; subnormals become 0, which
 *   the int8 codes could not tell apart from 0 anyway);
 * - `assign(codes, pairs, stride, queries, quads, scales, lists)`: for each row, the query (of several) with
 *   the best `scan` score: the IVF list of a new row.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest ? byte | 0x80 : byte);
  } while (rest);
  return bytes;
}

function sleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const simd = (op: number) => [0xfd, ...uleb(op)];

// The instructions the kernels use.
const get = (local: number) => [0x20, ...uleb(local)];
const set = (local: number) => [0x21, ...uleb(local)];
const i32 = (value: number) => [0x41, ...sleb(value)];
const add = [0x6a];
const mul = [0x6c];
const shl = [0x74];
const shrU = [0x76];
const ifThen = [0x04, 0x40];
const tee = (local: number) => [0x22, ...uleb(local)];
const ltU = [0x49];
const block = [0x02, 0x40];
const loop = [0x03, 0x40];
const end = [0x0b];
const br = (depth: number) => [0x0c, ...uleb(depth)];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const f32Load = [0x2a, 0x02, 0x00];
const f32Store = [0x38, 0x02, 0x00];
const f32ConvertI32 = [0xb2];
const f32Mul = [0x94];
const f32Div = [0x95];
const f32Max = [0x97];
const f32Gt = [0x5e];
const f32Const = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatLE(value);
  return [0x43, ...bytes];
};
const select = [0x1b];
const load = (offset = 0) => [...simd(0x00), 0x00, ...uleb(offset)];
const store = (offset = 0) => [...simd(0x0b), 0x00, ...uleb(offset)];
const i32x4Splat = simd(0x11);
const f32x4Splat = simd(0x13);
const i32x4Lane = (lane: number) => [...simd(0x1b), lane];
const f32x4Lane = (lane: number) => [...simd(0x1f), lane];
const i32x4Eq = simd(0x37);
const and = simd(0x4e);
const andNot = simd(0x4f);
const or = simd(0x50);
const i8x16NarrowI16 = simd(0x65);
const i8x16NarrowI16U = simd(0x66);
const f32x4Nearest = simd(0x6a);
const i16x8NarrowI32 = simd(0x85);
const i16x8NarrowI32U = simd(0x86);
const i16x8ExtendLow = simd(0x87);
const i16x8ExtendHigh = simd(0x88);
const i32x4ExtendLowU = simd(0xa9);
const i32x4ExtendHighU = simd(0xaa);
const i32x4Shl = simd(0xab);
const i32x4ShrU = simd(0xad);
const i32x4Add = simd(0xae);
const i32x4Dot = simd(0xba);
const f32x4Abs = simd(0xe0);
const f32x4Mul = simd(0xe6);
const f32x4Max = simd(0xe9);
const i32x4Sub = simd(0xb1);
const i32x4MinS = simd(0xb6);
const i32x4TruncSat = simd(0xf8);
const f32x4Add = simd(0xe4);
const f32x4Sub = simd(0xe5);
const splatI32 = (value: number) => [...i32(value), ...i32x4Splat];
const f32x4Splat1p5x2p23 = [...f32Const(12582912), ...f32x4Splat];
const zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];

/** scan(codes 0, rows 1, stride 2, query 3, scales 4, out 5); locals: end 6, j 7, acc 8, v 9. */
const scanBody = [
  ...get(0),
  ...get(1),
  ...get(2),
  ...mul,
  ...add,
  ...set(6),
  ...block,
  ...loop,
  ...get(0),
  ...get(6),
  ...ltU,
  0x45, // i32.eqz: past the last row
  ...brIf(1),
  ...zero,
  ...set(8),
  ...i32(0),
  ...set(7),
  ...loop,
  ...get(0),
  ...get(7),
  ...add,
  ...load(),
  ...set(9),
  ...get(8),
  ...get(9),
  ...i16x8ExtendLow,
  ...get(3),
  ...get(7),
  ...i32(1),
  ...shl,
  ...add,
  ...load(),
  ...i32x4Dot,
  ...i32x4Add,
  ...get(9),
  ...i16x8ExtendHigh,
  ...get(3),
  ...get(7),
  ...i32(1),
  ...shl,
  ...add,
  ...load(16),
  ...i32x4Dot,
  ...i32x4Add,
  ...set(8),
  ...get(7),
  ...i32(16),
  ...add,
  ...set(7),
  ...get(7),
  ...get(2),
  ...ltU,
  ...brIf(0),
  ...end,
  ...get(5),
  ...get(8),
  ...i32x4Lane(0),
  ...get(8),
  ...i32x4Lane(1),
  ...add,
  ...get(8),
  ...i32x4Lane(2),
  ...add,
  ...get(8),
  ...i32x4Lane(3),
  ...add,
  ...f32ConvertI32,
  ...get(4),
  ...f32Load,
  ...f32Mul,
  ...f32Store,
  ...get(0),
  ...get(2),
  ...add,
  ...set(0),
  ...get(4),
  ...i32(4),
  ...add,
  ...set(4),
  ...get(5),
  ...i32(4),
  ...add,
  ...set(5),
  ...br(0),
  ...end,
  ...end,
];

/**
 * quantize(src 0, rows 1, stride 2, codes 3, scales 4, residuals 5); locals: end 6, j 7, max 8 (v128),
 * m 9 (f32), inv 10 (v128), q 11 (v128), pair 12 (v128). With residuals ≠ 0 (stride a multiple of 32), each
 * value's rounding error in sixteenths of a step (-8..7) is packed two to a byte at residuals, stride / 2
 * bytes a row.
 */
const scaledAt = (offset: number) => [
  ...get(0),
  ...get(7),
  ...i32(2),
  ...shl,
  ...add,
  ...load(offset),
  ...get(10),
  ...f32x4Mul,
];
const quarter = (offset: number) => [
  ...scaledAt(offset),
  // round to nearest even by adding 1.5·2^23: the integer lands in the low mantissa bits
  ...f32x4Splat1p5x2p23,
  ...f32x4Add,
  ...splatI32(0x4b400000),
  ...i32x4Sub,
];
/** Four values' residuals as int32 lanes, -8..7. */
const residual4 = (offset: number) => [
  ...scaledAt(offset),
  ...tee(11),
  ...get(11),
  ...f32x4Nearest,
  ...f32x4Sub,
  ...f32Const(16),
  ...f32x4Splat,
  ...f32x4Mul,
  ...f32x4Nearest,
  ...i32x4TruncSat,
  ...splatI32(7),
  ...i32x4MinS,
];
/** Eight values' residuals packed into the low byte of four int32 lanes. */
const packed8 = (offset: number) => [
  ...residual4(offset),
  ...residual4(offset + 16),
  ...i16x8NarrowI32,
  ...tee(12),
  ...splatI32(0xf),
  ...and,
  ...get(12),
  ...i32(12),
  ...i32x4ShrU,
  ...splatI32(0xf0),
  ...and,
  ...or,
];
const quantizeBody = [
  ...get(3),
  ...get(1),
  ...get(2),
  ...mul,
  ...add,
  ...set(6),
  ...block,
  ...loop,
  ...get(3),
  ...get(6),
  ...ltU,
  0x45,
  ...brIf(1),
  // the row's largest magnitude
  ...zero,
  ...set(8),
  ...i32(0),
  ...set(7),
  ...loop,
  ...get(8),
  ...get(0),
  ...get(7),
  ...i32(2),
  ...shl,
  ...add,
  ...load(),
  ...f32x4Abs,
  ...f32x4Max,
  ...set(8),
  ...get(7),
  ...i32(4),
  ...add,
  ...set(7),
  ...get(7),
  ...get(2),
  ...ltU,
  ...brIf(0),
  ...end,
  ...get(8),
  ...f32x4Lane(0),
  ...get(8),
  ...f32x4Lane(1),
  ...f32Max,
  ...get(8),
  ...f32x4Lane(2),
  ...f32Max,
  ...get(8),
  ...f32x4Lane(3),
  ...f32Max,
  ...set(9),
  // scale = m / 127; codes = nearest(x · 127 / m), or 0 for a zero row
  ...get(4),
  ...get(9),
  ...f32Const(127),
  ...f32Div,
  ...f32Store,
  ...f32Const(127),
  ...get(9),
  ...f32Div,
  ...f32Const(0),
  ...get(9),
  ...f32Const(0),
  ...f32Gt,
  ...select,
  ...f32x4Splat,
  ...set(10),
  ...i32(0),
  ...set(7),
  ...loop,
  ...get(3),
  ...get(7),
  ...add,
  ...quarter(0),
  ...quarter(16),
  ...i16x8NarrowI32,
  ...quarter(32),
  ...quarter(48),
  ...i16x8NarrowI32,
  ...i8x16NarrowI16,
  ...store(),
  ...get(7),
  ...i32(16),
  ...add,
  ...set(7),
  ...get(7),
  ...get(2),
  ...ltU,
  ...brIf(0),
  ...end,
  // the residuals, 32 values (16 bytes) at a time
  ...get(5),
  ...ifThen,
  ...i32(0),
  ...set(7),
  ...loop,
  ...get(5),
  ...get(7),
  ...i32(1),
  ...shrU,
  ...add,
  ...packed8(0),
  ...packed8(32),
  ...i16x8NarrowI32U,
  ...packed8(64),
  ...packed8(96),
  ...i16x8NarrowI32U,
  ...i8x16NarrowI16U,
  ...store(),
  ...get(7),
  ...i32(32),
  ...add,
  ...set(7),
  ...get(7),
  ...get(2),
  ...ltU,
  ...brIf(0),
  ...end,
  ...get(5),
  ...get(2),
  ...i32(1),
  ...shrU,
  ...add,
  ...set(5),
  ...end,
  ...get(0),
  ...get(2),
  ...i32(2),
  ...shl,
  ...add,
  ...set(0),
  ...get(3),
  ...get(2),
  ...add,
  ...set(3),
  ...get(4),
  ...i32(4),
  ...add,
  ...set(4),
  ...br(0),
  ...end,
  ...end,
];

/** halfToFloat(src 0, count 1, dst 2); locals: end 3, v 4, u 5. */
const halfLanes = (extend: number[], offset: number) => [
  ...get(2),
  ...get(4),
  ...extend,
  ...set(5),
  // magnitude: (h & 0x7fff) << 13, rebased from exponent bias 15 to 127
  ...get(5),
  ...splatI32(0x7fff),
  ...and,
  ...i32(13),
  ...i32x4Shl,
  ...splatI32(0x38000000),
  ...i32x4Add,
  // zero where the exponent is 0 (zero and subnormals)
  ...get(5),
  ...splatI32(0x7c00),
  ...and,
  ...zero,
  ...i32x4Eq,
  ...andNot,
  // sign
  ...get(5),
  ...splatI32(0x8000),
  ...and,
  ...i32(16),
  ...i32x4Shl,
  ...or,
  ...store(offset),
];
const halfToFloatBody = [
  ...get(0),
  ...get(1),
  ...i32(1),
  ...shl,
  ...add,
  ...set(3),
  ...block,
  ...loop,
  ...get(0),
  ...get(3),
  ...ltU,
  0x45,
  ...brIf(1),
  ...get(0),
  ...load(),
  ...set(4),
  ...halfLanes(i32x4ExtendLowU, 0),
  ...halfLanes(i32x4ExtendHighU, 16),
  ...get(0),
  ...i32(16),
  ...add,
  ...set(0),
  ...get(2),
  ...i32(32),
  ...add,
  ...set(2),
  ...br(0),
  ...end,
  ...end,
];

/**
 * assign(codes 0, pairs 1, stride 2, queries 3, quads 4, scales 5, lists 6): for each of `pairs` pairs of
 * rows, the index of the query (of quads · 4, int16, `stride` values each) whose score, computed as `scan`
 * computes it, is the largest (the first of equal ones), stored as an int32 per row at `lists`. Two rows
 * against four queries at a time: each code and query vector loaded serves four or two products.
 * Locals: i32 codesEnd 7, j 8, c 9, q0..q3 10-13, list0 14, list1 15, j2 16, stride2 17, qstep 18;
 * f32 best0 19, best1 20, s 21; v128 xl 22, xh 23, yl 24, yh 25, acc0..7 26-33, tmp 34.
 */
const ACC = 26;
const TMP = 34;
const accumulate = (row: number, query: number) => [
  ...get(ACC + row * 4 + query),
  ...get(22 + row * 2),
  ...get(TMP),
  ...i32x4Dot,
  ...i32x4Add,
  ...set(ACC + row * 4 + query),
];
const accumulateHigh = (row: number, query: number) => [
  ...get(ACC + row * 4 + query),
  ...get(23 + row * 2),
  ...get(TMP),
  ...i32x4Dot,
  ...i32x4Add,
  ...set(ACC + row * 4 + query),
];
const queryVectors = (query: number) => [
  ...get(10 + query),
  ...get(16),
  ...add,
  ...load(),
  ...set(TMP),
  ...accumulate(0, query),
  ...accumulate(1, query),
  ...get(10 + query),
  ...get(16),
  ...add,
  ...load(16),
  ...set(TMP),
  ...accumulateHigh(0, query),
  ...accumulateHigh(1, query),
];
const keepBest = (row: number, query: number) => [
  ...get(ACC + row * 4 + query),
  ...i32x4Lane(0),
  ...get(ACC + row * 4 + query),
  ...i32x4Lane(1),
  ...add,
  ...get(ACC + row * 4 + query),
  ...i32x4Lane(2),
  ...add,
  ...get(ACC + row * 4 + query),
  ...i32x4Lane(3),
  ...add,
  ...f32ConvertI32,
  ...get(5),
  0x2a,
  0x02,
  row * 4,
  ...f32Mul,
  ...tee(21),
  ...get(19 + row),
  ...f32Gt,
  ...ifThen,
  ...get(21),
  ...set(19 + row),
  ...get(9),
  ...i32(query),
  ...add,
  ...set(14 + row),
  ...end,
];
const assignBody = [
  ...get(2),
  ...i32(1),
  ...shl,
  ...tee(17),
  ...i32(2),
  ...shl,
  ...set(18),
  ...get(0),
  ...get(1),
  ...get(17),
  ...mul,
  ...add,
  ...set(7),
  ...get(4),
  ...i32(2),
  ...shl,
  ...set(4),
  ...block,
  ...loop,
  ...get(0),
  ...get(7),
  ...ltU,
  0x45,
  ...brIf(1),
  ...f32Const(Number.NEGATIVE_INFINITY),
  ...set(19),
  ...f32Const(Number.NEGATIVE_INFINITY),
  ...set(20),
  ...i32(0),
  ...set(14),
  ...i32(0),
  ...set(15),
  ...i32(0),
  ...set(9),
  ...get(3),
  ...tee(10),
  ...get(17),
  ...add,
  ...tee(11),
  ...get(17),
  ...add,
  ...tee(12),
  ...get(17),
  ...add,
  ...set(13),
  ...block,
  ...loop,
  ...get(9),
  ...get(4),
  ...ltU,
  0x45,
  ...brIf(1),
  ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((acc) => [...zero, ...set(ACC + acc)]),
  ...i32(0),
  ...set(8),
  ...loop,
  ...get(0),
  ...get(8),
  ...add,
  ...load(),
  ...tee(TMP),
  ...i16x8ExtendLow,
  ...set(22),
  ...get(TMP),
  ...i16x8ExtendHigh,
  ...set(23),
  ...get(0),
  ...get(2),
  ...add,
  ...get(8),
  ...add,
  ...load(),
  ...tee(TMP),
  ...i16x8ExtendLow,
  ...set(24),
  ...get(TMP),
  ...i16x8ExtendHigh,
  ...set(25),
  ...get(8),
  ...i32(1),
  ...shl,
  ...set(16),
  ...[0, 1, 2, 3].flatMap(queryVectors),
  ...get(8),
  ...i32(16),
  ...add,
  ...tee(8),
  ...get(2),
  ...ltU,
  ...brIf(0),
  ...end,
  ...[0, 1, 2, 3].flatMap((query) => keepBest(0, query)),
  ...[0, 1, 2, 3].flatMap((query) => keepBest(1, query)),
  ...get(9),
  ...i32(4),
  ...add,
  ...set(9),
  ...[10, 11, 12, 13].flatMap((local) => [...get(local), ...get(18), ...add, ...set(local)]),
  ...br(0),
  ...end,
  ...end,
  ...get(6),
  ...get(14),
  0x36,
  0x02,
  0x00,
  ...get(6),
  ...get(15),
  0x36,
  0x02,
  0x04,
  ...get(0),
  ...get(17),
  ...add,
  ...set(0),
  ...get(5),
  ...i32(8),
  ...add,
  ...set(5),
  ...get(6),
  ...i32(8),
  ...add,
  ...set(6),
  ...br(0),
  ...end,
  ...end,
];

const locals = (groups: [number, number][]) => vec(groups.map(([count, type]) => [...uleb(count), type]));
const body = (localGroups: [number, number][], code: number[]) => {
  const content = [...locals(localGroups), ...code, ...end];
  return [...uleb(content.length), ...content];
};
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text, 'latin1')];

const MODULE_BYTES = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(
    1,
    vec([
      [0x60, ...vec(new Array(6).fill([I32])), 0x00],
      [0x60, ...vec(new Array(3).fill([I32])), 0x00],
      [0x60, ...vec(new Array(7).fill([I32])), 0x00],
    ]),
  ),
  ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
  ...section(3, vec([[0], [0], [1], [2]])),
  ...section(
    7,
    vec([
      [...name('scan'), 0x00, 0],
      [...name('quantize'), 0x00, 1],
      [...name('halfToFloat'), 0x00, 2],
      [...name('assign'), 0x00, 3],
    ]),
  ),
  ...section(
    10,
    vec([
      body(
        [
          [2, I32],
          [2, V128],
        ],
        scanBody,
      ),
      body(
        [
          [2, I32],
          [1, V128],
          [1, 0x7d],
          [3, V128],
        ],
        quantizeBody,
      ),
      body(
        [
          [1, I32],
          [2, V128],
        ],
        halfToFloatBody,
      ),
      body(
        [
          [12, I32],
          [3, 0x7d],
          [13, V128],
        ],
        assignBody,
      ),
    ]),
  ),
]);

/** The part of the WebAssembly JS API used here (@types/node 20 does not declare it). */
interface ScanMemory {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => ScanMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export interface SimdKernels {
  readonly memory: ScanMemory;
  scan(codes: number, rows: number, stride: number, query: number, scales: number, out: number): void;
  quantize(src: number, rows: number, stride: number, codes: number, scales: number, residuals: number): void;
  halfToFloat(src: number, count: number, dst: number): void;
  assign(
    codes: number,
    pairs: number,
    stride: number,
    queries: number,
    quads: number,
    scales: number,
    lists: number,
  ): void;
}

let compiled: object | undefined;

/** A kernel instance over a fresh memory of at least `bytes` bytes (each owns its memory; none grows). */
export function instantiateKernels(bytes: number): SimdKernels {
  compiled ??= new wasm.Module(MODULE_BYTES);
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) throw new Error(`the vectors need ${bytes} bytes: more than one 4 GiB scan memory`);
  const memory = new wasm.Memory({ initial: pages });
  const exports = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as Omit<
    SimdKernels,
    'memory'
  >;
  return {
    memory,
    scan: exports.scan,
    quantize: exports.quantize,
    halfToFloat: exports.halfToFloat,
    assign: exports.assign,
  };
}
