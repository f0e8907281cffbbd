/** IEEE 754 half precision, the compact storage of the FAISS snapshot's vectors. */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The nearest float16 (round to nearest even), saturating at ±65504; subnormals are kept. */
export function toHalf(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa ? sign | 0x7e00 : sign | 0x7bff;
  const half = exponent - 127 + 15;
  if (half >= 0x1f) return sign | 0x7bff;
  if (half <= 0) {
    if (half < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - half;
    const rounded = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rounded + (remainder > halfway || (remainder === halfway && rounded & 1) ? 1 : 0));
  }
  const rounded = (half << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  const up = remainder > 0x1000 || (remainder === 0x1000 && rounded & 1) ? 1 : 0;
  return sign | Math.min(rounded + up, 0x7bff);
}

let table: Float32Array | undefined;

/** Every float16's value, indexed by its bits (256 KiB, built on first use). */
export function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) {
      const exponent = (bits >>> 10) & 0x1f;
      const mantissa = bits & 0x3ff;
      const magnitude =
        exponent === 0
          ? mantissa * 2 ** -24
          : exponent === 0x1f
            ? mantissa
              ? Number.NaN
              : Number.POSITIVE_INFINITY
            : (1 + mantissa / 1024) * 2 ** (exponent - 15);
      table[bits] = bits & 0x8000 ? -magnitude : magnitude;
    }
  }
  return table;
}

/**
 * `values` as float16 bits into `target` at `offset`. Normal numbers (all but the tiniest and largest) take
 * a fast path that rounds half away from zero; the rest go through `toHalf`.
 */
export function toHalves(
  values: Float32Array,
  target: Uint16Array = new Uint16Array(values.length),
  offset = 0,
): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const word = bits[i] as number;
    const magnitude = word & 0x7fffffff;
    target[offset + i] =
      magnitude >= 0x38800000 && magnitude < 0x477fe000
        ? ((word >>> 16) & 0x8000) | (((magnitude + 0x1000) >>> 13) - 0x1c000)
        : toHalf(values[i] as number);
  }
  return target;
}

export function fromHalves(halves: Uint16Array): Float32Array {
  const values = halfTable();
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = values[halves[i] as number] as number;
  return out;
}
