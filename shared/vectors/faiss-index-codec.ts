/**
 * Builds and patches serialized FAISS indexes directly. faiss-node's `add()` converts a JS array element by
 * element (about 300 ns a number); the serialized form of a flat index is a header and the raw float32
 * matrix, so writing it and loading it with `fromBuffer` costs a copy instead.
 *
 * Layout (faiss 1.7 `write_index`): fourcc, d (i32), ntotal (i64), two dummies (i64), is_trained (u8),
 * metric_type (i32); a flat index then has its vector as (u64 count, float32 data); an IVF index has
 * nlist (u64) and nprobe (u64) right after the header.
 */
import type * as Faiss from 'faiss-node';
import { faissNative } from './faiss-native';

const HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4;
const METRIC_INNER_PRODUCT = 0;

/** A flat inner-product index holding `vectors` (n × d, row-major) as FAISS would serialize it. */
export function flatInnerProductIndexBytes(vectors: Float32Array, dimensions: number): Buffer {
  const count = vectors.length / dimensions;
  if (!Number.isInteger(count))
    throw new Error(`vector data of ${vectors.length} floats is not a multiple of ${dimensions}`);
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

export function loadFlatInnerProductIndex(vectors: Float32Array, dimensions: number): Faiss.IndexFlatIP {
  const faiss = faissNative();
  if (vectors.length === 0) return new faiss.IndexFlatIP(dimensions);
  return faiss.IndexFlatIP.fromBuffer(flatInnerProductIndexBytes(vectors, dimensions));
}

/** Sets an IVF index's nprobe (not exposed by faiss-node) in its serialized form. */
export function withIvfNprobe(serialized: Buffer, nprobe: number): Buffer {
  const fourcc = serialized.toString('latin1', 0, 4);
  if (!fourcc.startsWith('Iw')) throw new Error(`not an IVF index (fourcc ${fourcc})`);
  const patched = Buffer.from(serialized);
  patched.writeBigUInt64LE(BigInt(nprobe), HEADER_BYTES + 8);
  return patched;
}

export function ivfNprobe(serialized: Buffer): number {
  return Number(serialized.readBigUInt64LE(HEADER_BYTES + 8));
}

/** Trains and fills an IVF-Flat inner-product index, returning it serialized with the given nprobe. */
export function buildIvfIndexBytes(
  vectors: Float32Array,
  dimensions: number,
  nlist: number,
  nprobe: number,
): Buffer {
  const faiss = faissNative();
  const index = faiss.Index.fromFactory(
    dimensions,
    `IVF${nlist},Flat`,
    faiss.MetricType.METRIC_INNER_PRODUCT,
  );
  const values = Array.from(vectors);
  index.train(values);
  index.add(values);
  return withIvfNprobe(index.toBuffer(), nprobe);
}
