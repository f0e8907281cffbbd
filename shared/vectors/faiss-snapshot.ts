/**
 * One immutable FAISS snapshot: the chunks' metadata, their vectors, and the search index over them, with
 * its serialized form. Everything a writer changes produces a new snapshot; readers keep theirs. In memory
 * the rows are segments that a new snapshot shares with the one it was made from (row-segments.ts), so a
 * change costs what it adds or deletes, not the size of the index.
 *
 * Object layout: a 48-byte header ("GEFAISS", u8 format version, u64 payload length, sha256 of the payload),
 * then the payload. Format 3: u32 metadata length, metadata JSON (dimensions, storage, index kind, the
 * chunks column by column), u64 length + the vectors (stored-vectors.ts: float32, float16 or int8 codes with
 * a refinement), u64 length + the IVF
 * section (float32 centroids, u32 list offsets; empty for a flat index). The object holds the rows in list
 * order, so each list is one contiguous run (decoded, one segment). Format 2 (float32 vectors, chunks as objects, a faiss
 * index) still loads, as an exact float32 index; the next write stores it in format 3. The header makes an
 * empty, truncated or altered object an error instead of an empty or wrong index.
 *
 * Search: an int8 scan of every row (or of the probed lists, in every segment) picks candidates, which the
 * stored vectors re-rank exactly (see quantized-rows.ts and docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { FaissSnapshotError } from '../errors';
import * as z from '../schema';
import { ChunkColumns, ChunkColumnsBuilder } from './chunk-columns';
import { defaultListCount, probedLists, trainCentroids } from './ivf-lists';
import { defaultListAssigner, type ListAssigner } from './list-assigner';
import { BestScores, QuantizedRows } from './quantized-rows';
import {
  addedSegment,
  forEachRun,
  gatherRows,
  mergedSegment,
  type Part,
  Segment,
  sortedSegment,
  tidyParts,
  wholePart,
  withoutRejected,
} from './row-segments';
import { StoredVectors, VECTOR_STORAGES, type VectorStorage } from './stored-vectors';
import type { ChunkKey, ChunkMatch, VectorFilter } from './vector-store';
import { matchesFilter } from './vector-store';

const MAGIC = 'GEFAISS';
const FORMAT_VERSION = 3;
const LEGACY_FORMAT_VERSION = 2;
const HEADER_BYTES = 7 + 1 + 8 + 32;
/** Candidates re-ranked per result (at least MIN_CANDIDATES): recall@10 ≥ 0.99 against float32 search. */
const RERANK_FACTOR = 8;
const MIN_CANDIDATES = 64;

const ChunkMetaSchema = z.object({
  documentId: z.string(),
  version: z.number().check(z.int(), z.minimum(0)),
  chunkIndex: z.number().check(z.int(), z.minimum(0)),
  source: z.string(),
  text: z.string(),
});
export type ChunkMeta = z.output<typeof ChunkMetaSchema>;

export type FaissIndexKind = 'flat' | 'ivf';
export type { VectorStorage } from './stored-vectors';

export interface IndexSettings {
  /** `ivf`: an IVF index once the corpus reaches `ivfMinVectors` (below it the scan is exact and fast). */
  readonly kind: FaissIndexKind;
  readonly storage: VectorStorage;
  readonly ivfMinVectors: number;
  readonly ivfNprobe: number;
  /** IVF lists; 0 picks about √n / 4 (8 to 256). */
  readonly ivfNlist: number;
}

const LegacyMetadataSchema = z.object({
  dimensions: z.number().check(z.int(), z.minimum(0)),
  kind: z.enum(['flat', 'ivf']),
  chunks: z.array(ChunkMetaSchema),
});

const count = z.number().check(z.int(), z.minimum(0));
const MetadataSchema = z.object({
  dimensions: count,
  storage: z.enum(VECTOR_STORAGES),
  kind: z.enum(['flat', 'ivf']),
  chunks: z.object({
    documentId: z.array(z.string()),
    version: z.array(count),
    chunkIndex: z.array(count),
    source: z.array(z.string()),
    text: z.array(z.string()),
  }),
  ivf: z.optional(
    z.object({
      nlist: z.number().check(z.int(), z.minimum(1)),
      nprobe: z.number().check(z.int(), z.minimum(1)),
      trainedFor: count,
    }),
  ),
});
type Metadata = z.output<typeof MetadataSchema>;

interface IvfIndex {
  readonly centroids: Float32Array;
  /** The centroids as a scan: a query's nearest lists. */
  readonly centroidRows: QuantizedRows;
  readonly nprobe: number;
  /** The corpus size the centroids were trained at: they are trained again once it doubles or quarters. */
  readonly trainedFor: number;
}

/** A new chunk and its vector. */
export interface AddedChunk {
  readonly meta: ChunkMeta;
  readonly vector: Float32Array;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

/** The format version and payload of a snapshot object, once its header, length and checksum are verified. */
function verifiedPayload(body: Buffer): { format: number; payload: Buffer } {
  if (body.length === 0) throw new FaissSnapshotError('the object is empty');
  if (body.length < HEADER_BYTES || body.toString('latin1', 0, 7) !== MAGIC) {
    throw new FaissSnapshotError('the object is not a FAISS snapshot');
  }
  const format = body.readUInt8(7);
  if (format !== FORMAT_VERSION && format !== LEGACY_FORMAT_VERSION) {
    throw new FaissSnapshotError(
      `snapshot format ${format === 0x31 ? '1' : format} is not supported (this version reads ` +
        `${LEGACY_FORMAT_VERSION} and ${FORMAT_VERSION})`,
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
  return { format, payload };
}

/** A copy of `length` bytes at `offset` as a typed array (the object's bytes may be unaligned). */
function copyOut<T extends Float32Array | Uint32Array>(
  make: (length: number) => T,
  payload: Buffer,
  offset: number,
  bytes: number,
): T {
  const target = make(bytes / make(0).BYTES_PER_ELEMENT);
  if (offset + bytes > payload.length) throw new Error('a section runs past the end');
  Buffer.from(target.buffer, target.byteOffset, target.byteLength).set(
    payload.subarray(offset, offset + bytes),
  );
  return target;
}

const bytesOf = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

export class FaissSnapshot {
  /** The live chunks. */
  readonly size: number;

  private constructor(
    readonly dimensions: number,
    readonly storage: VectorStorage,
    /** The rows, in segments that other snapshots may share (row-segments.ts). */
    private readonly parts: readonly Part[],
    private readonly ivf: IvfIndex | undefined,
  ) {
    this.size = parts.reduce((sum, part) => sum + part.live, 0);
  }

  static empty(): FaissSnapshot {
    return new FaissSnapshot(0, 'float32', [], undefined);
  }

  get kind(): FaissIndexKind {
    return this.ivf ? 'ivf' : 'flat';
  }

  /** IVF lists and probes, for stats. */
  get ivfLists(): { nlist: number; nprobe: number } | undefined {
    return this.ivf && { nlist: this.ivf.centroidRows.count, nprobe: this.ivf.nprobe };
  }

  private get nlist(): number {
    return this.ivf ? this.ivf.centroidRows.count : 1;
  }

  /** The chunks in the order of the rows (list by list for an IVF index), made on each call. */
  get chunks(): ChunkMeta[] {
    const chunks: ChunkMeta[] = [];
    forEachRun(this.parts, this.nlist, (_, p, from, to) => {
      const segment = (this.parts[p] as Part).segment;
      for (let row = from; row < to; row++) chunks.push(segment.chunks.meta(row));
    });
    return chunks;
  }

  /** The keys of the chunks (of one document, or all), without their texts. */
  keys(documentId?: string): ChunkKey[] {
    const keys: ChunkKey[] = [];
    forEachRun(this.parts, this.nlist, (_, p, from, to) => {
      const { chunks } = (this.parts[p] as Part).segment;
      for (let row = from; row < to; row++)
        if (documentId === undefined || chunks.documentId(row) === documentId) keys.push(chunks.key(row));
    });
    return keys;
  }

  /**
   * A new snapshot with the chunks `keep` accepts and `added`, stored as `settings` says. Its index work is
   * that of the change: new rows join the existing IVF lists in a segment of their own, deleted rows are
   * marked, and the kept rows stay in the segments this snapshot shares with the new one. Everything is built
   * again only when the centroids are (the corpus doubled or quartered, or crossed the IVF size). Async: large
   * list assignments run on onnxruntime (list-assigner.ts); this snapshot is never changed meanwhile.
   */
  async withChanges(
    keep: (chunk: ChunkKey) => boolean,
    added: readonly AddedChunk[],
    settings: IndexSettings,
    assigner: ListAssigner = defaultListAssigner,
  ): Promise<FaissSnapshot> {
    const dimensions = added[0]?.vector.length ?? this.dimensions;
    if (this.size > 0 && added.length > 0 && dimensions !== this.dimensions) {
      throw new Error(
        `the index holds ${this.dimensions}-dimensional vectors and the new chunks have ${dimensions}: ` +
          'the embedding model changed; re-ingest into a new index location',
      );
    }
    const addedVectors = added.map(({ vector }) => {
      if (vector.length !== dimensions) throw new Error('chunks of one upsert have different dimensions');
      return vector;
    });
    const addedChunks = added.map(({ meta }) => meta);
    const { storage } = settings;
    const nlist = this.nlist;
    let parts = this.parts.map((part) => withoutRejected(part, keep)).filter((part) => part.live > 0);
    if (storage !== this.storage)
      parts = parts.map((part) => wholePart(mergedSegment([part], nlist, storage)));
    const n = parts.reduce((sum, part) => sum + part.live, 0) + added.length;
    if (n === 0) return FaissSnapshot.empty();

    const wantsIvf = settings.kind === 'ivf' && n >= settings.ivfMinVectors;
    const reused = this.ivf && wantsIvf && canReuseLists(this.ivf, n, dimensions, settings);
    if (wantsIvf !== Boolean(this.ivf) || (wantsIvf && !reused)) {
      const { stored, chunks } = gatherRows(parts, nlist, storage, dimensions, added.length);
      stored.writeRows(chunks.filled, addedVectors);
      for (const { documentId, version, chunkIndex, source, text } of addedChunks)
        chunks.push(documentId, version, chunkIndex, source, text);
      return FaissSnapshot.built(dimensions, chunks.done(), stored, settings, assigner);
    }
    const ivf = reused && this.ivf ? { ...this.ivf, nprobe: settings.ivfNprobe } : undefined;
    if (added.length > 0) {
      let lists: Int32Array | undefined;
      if (ivf) {
        lists = new Int32Array(added.length);
        const rows = QuantizedRows.ofFloats(added.length, dimensions, addedVectors);
        await assigner.assign(rows, ivf.centroids, lists);
      }
      parts.push(wholePart(addedSegment(storage, addedChunks, addedVectors, lists, nlist)));
    }
    return new FaissSnapshot(dimensions, storage, tidyParts(parts, nlist), ivf);
  }

  /** A snapshot of `stored` in one segment, with an IVF index trained for it when `settings` want one. */
  private static async built(
    dimensions: number,
    chunks: ChunkColumns,
    stored: StoredVectors,
    settings: IndexSettings,
    assigner: ListAssigner,
  ): Promise<FaissSnapshot> {
    const n = chunks.count;
    if (settings.kind !== 'ivf' || n < settings.ivfMinVectors)
      return FaissSnapshot.fromSegment(dimensions, new Segment(stored, chunks, Uint32Array.of(0, n)));
    const readRow = (row: number, target: Float32Array) => stored.readRow(row, target);
    const wanted = settings.ivfNlist || defaultListCount(n);
    const centroids = trainCentroids(n, dimensions, wanted, readRow);
    const nlist = centroids.length / dimensions;
    const lists = new Int32Array(n);
    await assigner.assign(QuantizedRows.of(stored), centroids, lists);
    return FaissSnapshot.fromSegment(dimensions, sortedSegment(stored, chunks, lists, nlist), {
      centroids,
      centroidRows: QuantizedRows.ofFloats(nlist, dimensions, centroids),
      nprobe: settings.ivfNprobe,
      trainedFor: n,
    });
  }

  private static fromSegment(dimensions: number, segment: Segment, ivf?: IvfIndex): FaissSnapshot {
    if (segment.count === 0) return FaissSnapshot.empty();
    return new FaissSnapshot(dimensions, segment.stored.storage, [wholePart(segment)], ivf);
  }

  /** Decodes a stored object; throws FaissSnapshotError for anything but an intact snapshot. */
  static decode(body: Buffer): FaissSnapshot {
    const { format, payload } = verifiedPayload(body);
    try {
      return format === LEGACY_FORMAT_VERSION ? decodeLegacy(payload) : decodeCurrent(payload);
    } catch (error) {
      if (error instanceof FaissSnapshotError) throw error;
      throw new FaissSnapshotError(`the content is malformed: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  /** @internal used by decode */
  static fromParts(
    dimensions: number,
    chunks: ChunkColumns,
    stored: StoredVectors,
    ivf?: { centroids: Float32Array; offsets: Uint32Array; nprobe: number; trainedFor: number },
  ) {
    const offsets = ivf?.offsets ?? Uint32Array.of(0, chunks.count);
    return FaissSnapshot.fromSegment(
      dimensions,
      new Segment(stored, chunks, offsets),
      ivf && {
        centroids: ivf.centroids,
        centroidRows: QuantizedRows.ofFloats(offsets.length - 1, dimensions, ivf.centroids),
        nprobe: ivf.nprobe,
        trainedFor: ivf.trainedFor,
      },
    );
  }

  /** The object's bytes, written once into one buffer: each segment's rows go straight to their place. */
  encode(): Buffer {
    const nlist = this.nlist;
    const columns: Metadata['chunks'] = { documentId: [], version: [], chunkIndex: [], source: [], text: [] };
    forEachRun(this.parts, nlist, (_, p, from, to) => {
      const { chunks } = (this.parts[p] as Part).segment;
      for (let row = from; row < to; row++) {
        const { documentId, version, chunkIndex } = chunks.key(row);
        columns.documentId.push(documentId);
        columns.version.push(version);
        columns.chunkIndex.push(chunkIndex);
        columns.source.push(chunks.source(row));
        columns.text.push(chunks.text(row));
      }
    });
    const meta: Metadata = {
      dimensions: this.dimensions,
      storage: this.storage,
      kind: this.kind,
      chunks: columns,
      ...(this.ivf && {
        ivf: { nlist, nprobe: this.ivf.nprobe, trainedFor: this.ivf.trainedFor },
      }),
    };
    const metaBytes = Buffer.from(JSON.stringify(meta));
    const vectorLength = StoredVectors.byteLength(this.storage, this.size, this.dimensions);
    const ivfLength = this.ivf ? this.ivf.centroids.byteLength + (nlist + 1) * 4 : 0;
    const body = Buffer.allocUnsafe(HEADER_BYTES + 4 + metaBytes.length + 8 + vectorLength + 8 + ivfLength);
    let at = HEADER_BYTES;
    at = body.writeUInt32LE(metaBytes.length, at);
    at += metaBytes.copy(body, at);
    at = body.writeBigUInt64LE(BigInt(vectorLength), at);
    const offsets = new Uint32Array(nlist + 1);
    const vectorColumns = this.parts[0]?.segment.stored.columns.length ?? 0;
    for (let column = 0; column < vectorColumns; column++)
      forEachRun(this.parts, nlist, (list, p, from, to) => {
        const bytes = (this.parts[p] as Part).segment.stored.rowBytes(column, from, to);
        body.set(bytes, at);
        at += bytes.length;
        if (column === 0) offsets[list + 1] = (offsets[list + 1] as number) + to - from;
      });
    for (let l = 0; l < nlist; l++) offsets[l + 1] = (offsets[l + 1] as number) + (offsets[l] as number);
    at = body.writeBigUInt64LE(BigInt(ivfLength), at);
    if (this.ivf) {
      body.set(bytesOf(this.ivf.centroids), at);
      body.set(bytesOf(offsets), at + this.ivf.centroids.byteLength);
    }
    body.write(MAGIC, 0, 'latin1');
    body.writeUInt8(FORMAT_VERSION, 7);
    body.writeBigUInt64LE(BigInt(body.length - HEADER_BYTES), 8);
    sha256(body.subarray(HEADER_BYTES)).copy(body, 16);
    return body;
  }

  /** The stored vector of the chunk at `row` of `chunks`, as float32 (decoded when stored in another precision). */
  vectorOf(row: number): Float32Array {
    const target = new Float32Array(this.dimensions);
    let seen = 0;
    forEachRun(this.parts, this.nlist, (_, p, from, to) => {
      if (row >= seen && row < seen + to - from)
        target.set((this.parts[p] as Part).segment.stored.readRow(from + row - seen, target));
      seen += to - from;
    });
    return target;
  }

  /** The best `topK` chunks; `probes` overrides the IVF lists probed (`Infinity`: every list, exact). */
  search(query: Float32Array, topK: number, filter?: VectorFilter, probes?: number): ChunkMatch[] {
    if (this.size === 0) return [];
    if (query.length !== this.dimensions) {
      throw new Error(`query has ${query.length} dimensions; the index has ${this.dimensions}`);
    }
    if (filter && (filter.documentIds || filter.source !== undefined))
      return this.exactFilteredSearch(query, topK, filter);
    const k = Math.min(topK, this.size);
    let lists: ArrayLike<number> = [0];
    if (this.ivf) {
      this.ivf.centroidRows.setQuery(query);
      lists = probedLists(this.ivf.centroidRows, probes ?? this.ivf.nprobe);
    }
    // Candidates are ids: the row within its segment plus the rows of the segments before it.
    const bases: number[] = [];
    let base = 0;
    for (const { segment } of this.parts) {
      segment.rows.setQuery(query);
      bases.push(base);
      base += segment.count;
    }
    const best = new BestScores(Math.max(k * RERANK_FACTOR, MIN_CANDIDATES));
    for (let i = 0; i < lists.length; i++) {
      const list = lists[i] as number;
      this.parts.forEach(({ segment, dead }, p) => {
        const from = segment.offsets[list] as number;
        const to = segment.offsets[list + 1] as number;
        segment.rows.scan(from, to);
        best.offer(segment.rows.scores, from, to, bases[p], dead);
      });
    }
    const scratch = new Float32Array(this.dimensions);
    const scored = Array.from(best.ids(), (id) => {
      let p = bases.length - 1;
      while ((bases[p] as number) > id) p--;
      const { segment } = this.parts[p] as Part;
      const row = id - (bases[p] as number);
      return {
        segment,
        row,
        score: dot(segment.stored.readRow(row, scratch), query),
      };
    });
    return scored
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map(({ segment, row, score }) => ({ ...segment.chunks.meta(row), score }));
  }

  /** A filtered query scans only the matching rows exactly: no candidate the filter would drop is fetched. */
  private exactFilteredSearch(query: Float32Array, topK: number, filter: VectorFilter): ChunkMatch[] {
    const scratch = new Float32Array(this.dimensions);
    const scored: ChunkMatch[] = [];
    forEachRun(this.parts, this.nlist, (_, p, from, to) => {
      const { chunks, stored } = (this.parts[p] as Part).segment;
      for (let row = from; row < to; row++) {
        if (matchesFilter({ documentId: chunks.documentId(row), source: chunks.source(row) }, filter))
          scored.push({ ...chunks.meta(row), score: dot(stored.readRow(row, scratch), query) });
      }
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, topK);
  }
}

/** Whether an IVF index's centroids still fit a corpus of n vectors (else they are trained again). */
function canReuseLists(ivf: IvfIndex, n: number, dimensions: number, settings: IndexSettings): boolean {
  const nlist = ivf.centroidRows.count;
  return (
    settings.kind === 'ivf' &&
    n >= settings.ivfMinVectors &&
    ivf.centroids.length === nlist * dimensions &&
    (settings.ivfNlist === 0 || settings.ivfNlist === nlist) &&
    n < 2 * ivf.trainedFor &&
    4 * n > ivf.trainedFor
  );
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function decodeCurrent(payload: Buffer): FaissSnapshot {
  const metaLength = payload.readUInt32LE(0);
  const meta = MetadataSchema.parse(JSON.parse(payload.toString('utf8', 4, 4 + metaLength)));
  const { documentId, version, chunkIndex, source, text } = meta.chunks;
  const n = documentId.length;
  if ([version, chunkIndex, source, text].some((column) => column.length !== n))
    throw new Error('the chunk columns have different lengths');
  const { dimensions } = meta;
  let at = 4 + metaLength;
  const vectorLength = Number(payload.readBigUInt64LE(at));
  at += 8;
  if (at + vectorLength > payload.length) throw new Error('the vector section runs past the end');
  const stored = StoredVectors.fromBytes(
    meta.storage,
    n,
    dimensions,
    payload.subarray(at, at + vectorLength),
  );
  at += vectorLength;
  const ivfLength = Number(payload.readBigUInt64LE(at));
  at += 8;
  if (at + ivfLength !== payload.length) throw new Error('section lengths do not add up');
  const chunks = new ChunkColumnsBuilder(n);
  for (let i = 0; i < n; i++)
    chunks.push(
      documentId[i] as string,
      version[i] as number,
      chunkIndex[i] as number,
      source[i] as string,
      text[i] as string,
    );
  let ivf: Parameters<typeof FaissSnapshot.fromParts>[3];
  if (meta.kind === 'ivf') {
    if (!meta.ivf) throw new Error('an IVF snapshot without its lists');
    const { nlist, nprobe, trainedFor } = meta.ivf;
    const centroidBytes = nlist * dimensions * 4;
    if (ivfLength !== centroidBytes + (nlist + 1) * 4) throw new Error('the IVF section has the wrong size');
    const centroids = copyOut((length) => new Float32Array(length), payload, at, centroidBytes);
    const offsets = copyOut(
      (length) => new Uint32Array(length),
      payload,
      at + centroidBytes,
      (nlist + 1) * 4,
    );
    for (let l = 0; l < nlist; l++)
      if ((offsets[l] as number) > (offsets[l + 1] as number))
        throw new Error('the IVF lists are out of order');
    if (offsets[0] !== 0 || offsets[nlist] !== n) throw new Error('the IVF lists do not cover the rows');
    ivf = { centroids, offsets, nprobe, trainedFor };
  }
  return FaissSnapshot.fromParts(dimensions, chunks.done(), stored, ivf);
}

/** Format 2: chunks as objects, float32 vectors, then a faiss index that the scan no longer needs. */
function decodeLegacy(payload: Buffer): FaissSnapshot {
  const metaLength = payload.readUInt32LE(0);
  const meta = LegacyMetadataSchema.parse(JSON.parse(payload.toString('utf8', 4, 4 + metaLength)));
  const vectorBytes = meta.chunks.length * meta.dimensions * 4;
  const vectorStart = 4 + metaLength;
  const n = meta.chunks.length;
  const vectors = StoredVectors.fromBytes(
    'float32',
    n,
    meta.dimensions,
    payload.subarray(vectorStart, vectorStart + vectorBytes),
  );
  const indexLength = Number(payload.readBigUInt64LE(vectorStart + vectorBytes));
  if (vectorStart + vectorBytes + 8 + indexLength !== payload.length)
    throw new Error('section lengths do not add up');
  return FaissSnapshot.fromParts(meta.dimensions, ChunkColumns.of(meta.chunks), vectors);
}
