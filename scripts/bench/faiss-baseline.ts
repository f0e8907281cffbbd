/**
 * faiss-node's flat inner-product index as the benchmark's baseline: the FAISS store searched through it
 * until its own SIMD scan replaced it (docs/performance.md has both side by side).
 *
 * The index is loaded from its serialized form, which for a flat index is a header and the raw float32 matrix
 * (faiss 1.7 `write_index`: fourcc, d (i32), ntotal (i64), two dummies (i64), is_trained (u8), metric_type
 * (i32), then (u64 count, float32 data)): faiss-node's `add()` converts a JS array element by element.
 */
import { createRequire } from 'node:module';
import type * as Faiss from 'faiss-node';

const HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4;
const METRIC_INNER_PRODUCT = 0;

/** faiss-node, or undefined when its native binding is missing (`npm run faiss:build` makes it). */
export function loadFaissNode(): typeof Faiss | undefined {
  try {
    return createRequire(import.meta.url)('faiss-node') as typeof Faiss;
  } catch {
    return undefined;
  }
}

/** A flat inner-product index holding `vectors` (n × d, row-major) as FAISS would serialize it. */
export function flatInnerProductIndexBytes(vectors: Float32Array, dimensions: number): Buffer {
  const count = vectors.length / dimensions;
  const buffer = Buffer.alloc(HEADER_BYTES + 8 + vectors.byteLength);
  buffer.write('IxFI', 0, 'latin1');
  buffer.writeInt32LE(dimensions, 4);
  buffer.writeBigInt64LE(BigInt(count), 8);
  buffer.writeBigInt64LE(1n << 20n, 16);
  buffer.writeBigInt64LE(1n << 20n, 24);
  buffer.writeUInt8(1, 32);
  buffer.writeInt32LE(METRIC_INNER_PRODUCT, 33);
  buffer.writeBigUInt64LE(BigInt(vectors.length), HEADER_BYTES);
  Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength).copy(buffer, HEADER_BYTES + 8);
  return buffer;
}
