/**
 * One immutable FAISS snapshot: the chunks' metadata, their vectors, and the search index over them, with
 * its serialized form. Everything a writer changes produces a new snapshot; readers keep theirs.
 *
 * Object layout: a 48-byte header ("GEFAISS", u8 format version, u64 payload length, sha256 of the payload),
 * then the payload: u32 metadata length, metadata JSON, float32 vectors (n × d), u64 index length, index
 * bytes (empty for a flat index, which is rebuilt from the vectors by a copy). The header makes an empty,
 * truncated or altered object an error instead of an empty or wrong index.
 */
import { createHash } from 'node:crypto';
import type * as Faiss from 'faiss-node';
import { FaissSnapshotError, VectorStoreUnavailableError } from '../errors';
import * as z from '../schema';
import { buildIvfIndexBytes, loadFlatInnerProductIndex } from './faiss-index-codec';
import { faissNative } from './faiss-native';
import type { ChunkMatch, VectorFilter } from './vector-store';
import { matchesFilter } from './vector-store';

const MAGIC = 'GEFAISS';
const FORMAT_VERSION = 2;
const HEADER_BYTES = 7 + 1 + 8 + 32;

const ChunkMetaSchema = z.object({
  documentId: z.string(),
  version: z.number().check(z.int(), z.minimum(0)),
  chunkIndex: z.number().check(z.int(), z.minimum(0)),
  source: z.string(),
  text: z.string(),
});
export type ChunkMeta = z.output<typeof ChunkMetaSchema>;

export type FaissIndexKind = 'flat' | 'ivf';

export interface IndexSettings {
  readonly kind: FaissIndexKind;
  /** IVF only: used once the corpus reaches this many vectors (below it a flat index is exact and fast). */
  readonly ivfMinVectors: number;
  readonly ivfNprobe: number;
  /** IVF lists; 0 picks about 4·√n. */
  readonly ivfNlist: number;
}

const MetadataSchema = z.object({
  dimensions: z.number().check(z.int(), z.minimum(0)),
  kind: z.enum(['flat', 'ivf']),
  chunks: z.array(ChunkMetaSchema),
});
type Metadata = z.output<typeof MetadataSchema>;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

/** The payload of a snapshot object, once its header, length and checksum are verified. */
function verifiedPayload(body: Buffer): Buffer {
  if (body.length === 0) throw new FaissSnapshotError('the object is empty');
  if (body.length < HEADER_BYTES || body.toString('latin1', 0, 7) !== MAGIC) {
    throw new FaissSnapshotError('the object is not a FAISS snapshot');
  }
  const format = body.readUInt8(7);
  if (format !== FORMAT_VERSION) {
    throw new FaissSnapshotError(
      `snapshot format ${format === 0x31 ? '1' : format} is not supported (this version reads ${FORMAT_VERSION})`,
    );
  }
  const length = Number(body.readBigUInt64LE(8));
  if (body.length - HEADER_BYTES !== length) {
    throw new FaissSnapshotError(
      `the object is truncated or padded: ${body.length - HEADER_BYTES} payload bytes, ${length} expected`,
    );
  }
  const payload = body.subarray(HEADER_BYTES);
  if (!sha256(payload).equals(body.subarray(16, HEADER_BYTES))) {
    throw new FaissSnapshotError('the checksum does not match the content');
  }
  return payload;
}

export class FaissSnapshot {
  private constructor(
    readonly dimensions: number,
    readonly chunks: readonly ChunkMeta[],
    readonly vectors: Float32Array,
    readonly kind: FaissIndexKind,
    private readonly index: Faiss.Index | undefined,
    /** The serialized index (empty for flat: it is rebuilt from the vectors). */
    readonly indexBytes: Buffer,
  ) {}

  static empty(): FaissSnapshot {
    return new FaissSnapshot(0, [], new Float32Array(0), 'flat', undefined, Buffer.alloc(0));
  }

  /** Builds the snapshot (and its index) for `chunks` with `vectors`. */
  static build(
    dimensions: number,
    chunks: readonly ChunkMeta[],
    vectors: Float32Array,
    settings: IndexSettings,
  ) {
    if (chunks.length === 0) return FaissSnapshot.empty();
    const useIvf = settings.kind === 'ivf' && chunks.length >= settings.ivfMinVectors;
    if (!useIvf) {
      return new FaissSnapshot(
        dimensions,
        chunks,
        vectors,
        'flat',
        loadFlatInnerProductIndex(vectors, dimensions),
        Buffer.alloc(0),
      );
    }
    const nlist = settings.ivfNlist || Math.max(1, Math.round(4 * Math.sqrt(chunks.length)));
    const bytes = buildIvfIndexBytes(vectors, dimensions, nlist, settings.ivfNprobe);
    return new FaissSnapshot(
      dimensions,
      chunks,
      vectors,
      'ivf',
      faissNative().Index.fromBuffer(bytes),
      bytes,
    );
  }

  /** Decodes a stored object; throws FaissSnapshotError for anything but an intact snapshot. */
  static decode(body: Buffer): FaissSnapshot {
    const payload = verifiedPayload(body);
    try {
      const metaLength = payload.readUInt32LE(0);
      const meta = MetadataSchema.parse(JSON.parse(payload.toString('utf8', 4, 4 + metaLength)));
      const vectorBytes = meta.chunks.length * meta.dimensions * 4;
      const vectorStart = 4 + metaLength;
      const vectors = new Float32Array(meta.chunks.length * meta.dimensions);
      Buffer.from(vectors.buffer).set(payload.subarray(vectorStart, vectorStart + vectorBytes));
      const indexLength = Number(payload.readBigUInt64LE(vectorStart + vectorBytes));
      const indexStart = vectorStart + vectorBytes + 8;
      if (indexStart + indexLength !== payload.length) throw new Error('section lengths do not add up');
      const indexBytes = Buffer.from(payload.subarray(indexStart));
      if (meta.chunks.length === 0) return FaissSnapshot.empty();
      const index =
        meta.kind === 'ivf' && indexLength > 0
          ? faissNative().Index.fromBuffer(indexBytes)
          : loadFlatInnerProductIndex(vectors, meta.dimensions);
      return new FaissSnapshot(meta.dimensions, meta.chunks, vectors, meta.kind, index, indexBytes);
    } catch (error) {
      // A FAISS binding that cannot load is the machine's problem, not the object's.
      if (error instanceof FaissSnapshotError || error instanceof VectorStoreUnavailableError) throw error;
      throw new FaissSnapshotError(`the content is malformed: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  encode(): Buffer {
    const meta: Metadata = { dimensions: this.dimensions, kind: this.kind, chunks: [...this.chunks] };
    const metaBytes = Buffer.from(JSON.stringify(meta));
    const metaLength = Buffer.alloc(4);
    metaLength.writeUInt32LE(metaBytes.length);
    const indexLength = Buffer.alloc(8);
    indexLength.writeBigUInt64LE(BigInt(this.indexBytes.length));
    const vectorBytes = Buffer.from(this.vectors.buffer, this.vectors.byteOffset, this.vectors.byteLength);
    const payload = Buffer.concat([metaLength, metaBytes, vectorBytes, indexLength, this.indexBytes]);
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt8(FORMAT_VERSION, 7);
    header.writeBigUInt64LE(BigInt(payload.length), 8);
    sha256(payload).copy(header, 16);
    return Buffer.concat([header, payload]);
  }

  get size(): number {
    return this.chunks.length;
  }

  vectorOf(row: number): Float32Array {
    return this.vectors.subarray(row * this.dimensions, (row + 1) * this.dimensions);
  }

  search(query: Float32Array, topK: number, filter?: VectorFilter): ChunkMatch[] {
    if (this.size === 0 || !this.index) return [];
    if (query.length !== this.dimensions) {
      throw new Error(`query has ${query.length} dimensions; the index has ${this.dimensions}`);
    }
    if (filter && (filter.documentIds || filter.source !== undefined))
      return this.exactFilteredSearch(query, topK, filter);
    const k = Math.min(topK, this.size);
    const { labels, distances } = this.index.search(Array.from(query), k);
    const matches: ChunkMatch[] = [];
    labels.forEach((label, i) => {
      const chunk = this.chunks[label];
      if (label >= 0 && chunk) matches.push({ ...chunk, score: distances[i] ?? 0 });
    });
    return matches;
  }

  /** A filtered query scans only the matching rows exactly: no candidate the filter would drop is fetched. */
  private exactFilteredSearch(query: Float32Array, topK: number, filter: VectorFilter): ChunkMatch[] {
    const scored: ChunkMatch[] = [];
    this.chunks.forEach((chunk, row) => {
      if (!matchesFilter(chunk, filter)) return;
      const vector = this.vectorOf(row);
      let dot = 0;
      for (let i = 0; i < vector.length; i++) dot += (vector[i] as number) * (query[i] as number);
      scored.push({ ...chunk, score: dot });
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, topK);
  }
}
