/**
 * One immutable FAISS snapshot: the chunks' metadata, their vectors, and the search index over them, with
 * its serialized form. Everything a writer changes produces a new snapshot; readers keep theirs.
 *
 * Object layout: a 48-byte header ("GEFAISS", u8 format version, u64 payload length, sha256 of the payload),
 * then the payload. Format 3: u32 metadata length, metadata JSON (dimensions, storage, index kind, the
 * chunks column by column), u64 length + the vectors (stored-vectors.ts: float32, float16 or int8 codes with
 * a refinement), u64 length + the IVF
 * section (float32 centroids, u32 list offsets; empty for a flat index). An IVF snapshot keeps its rows in
 * list order, so each list is one contiguous run. Format 2 (float32 vectors, chunks as objects, a faiss
 * index) still loads, as an exact float32 index; the next write stores it in format 3. The header makes an
 * empty, truncated or altered object an error instead of an empty or wrong index.
 *
 * Search: an int8 scan of every row (or of the probed lists) picks candidates, which the stored vectors
 * re-rank exactly (see quantized-rows.ts and docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { FaissSnapshotError } from '../errors';
import * as z from '../schema';
import { assignLists, defaultListCount, probedRanges, trainCentroids } from './ivf-lists';
import { bestPositions, QuantizedRows } from './quantized-rows';
import { StoredVectors, VECTOR_STORAGES, type VectorStorage } from './stored-vectors';
import type { ChunkMatch, VectorFilter } from './vector-store';
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
  /** Rows of list l are positions offsets[l] .. offsets[l + 1] - 1. */
  readonly offsets: Uint32Array;
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

function u64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

export class FaissSnapshot {
  private readonly rows: QuantizedRows | undefined;
  private readonly centroidRows: QuantizedRows | undefined;

  private constructor(
    readonly dimensions: number,
    readonly chunks: readonly ChunkMeta[],
    /** The vectors as stored, one row per chunk. */
    readonly stored: StoredVectors,
    private readonly ivf: IvfIndex | undefined,
  ) {
    if (chunks.length === 0) return;
    this.rows = QuantizedRows.of(stored);
    if (ivf) this.centroidRows = QuantizedRows.ofFloats(ivf.offsets.length - 1, dimensions, ivf.centroids);
  }

  static empty(): FaissSnapshot {
    return new FaissSnapshot(0, [], StoredVectors.allocate('float32', 0, 0), undefined);
  }

  get kind(): FaissIndexKind {
    return this.ivf ? 'ivf' : 'flat';
  }

  get storage(): VectorStorage {
    return this.stored.storage;
  }

  /** IVF lists and probes, for stats. */
  get ivfLists(): { nlist: number; nprobe: number } | undefined {
    return this.ivf && { nlist: this.ivf.offsets.length - 1, nprobe: this.ivf.nprobe };
  }

  /** Builds the snapshot (and its index) for `chunks` with vectors stored as `stored`. */
  private static build(
    dimensions: number,
    chunks: readonly ChunkMeta[],
    stored: StoredVectors,
    settings: IndexSettings,
    prior?: { readonly ivf: IvfIndex; readonly lists: Int32Array },
  ): FaissSnapshot {
    const n = chunks.length;
    if (n === 0) return FaissSnapshot.empty();
    if (settings.kind !== 'ivf' || n < settings.ivfMinVectors)
      return new FaissSnapshot(dimensions, chunks, stored, undefined);

    const readRow = (row: number, target: Float32Array) => stored.readRow(row, target);
    const wanted = settings.ivfNlist || defaultListCount(n);
    const reuse = prior && canReuseLists(prior.ivf, n, dimensions, settings);
    const centroids = reuse ? prior.ivf.centroids : trainCentroids(n, dimensions, wanted, readRow);
    const nlist = centroids.length / dimensions;
    const lists = reuse ? prior.lists : new Int32Array(n).fill(-1);
    // Rows without a list are the new ones, at the end (withChanges appends them).
    let firstNew = n;
    while (firstNew > 0 && (lists[firstNew - 1] as number) < 0) firstNew--;
    if (firstNew < n) assignLists(QuantizedRows.of(stored.slice(firstNew, n)), centroids, lists, firstNew);

    // Rows in list order (a counting sort), so that each list is one contiguous scan.
    const offsets = new Uint32Array(nlist + 1);
    const order = countingOrder(lists, nlist, offsets);
    const ordered = StoredVectors.allocate(stored.storage, n, dimensions);
    const orderedChunks = new Array<ChunkMeta>(n);
    for (let position = 0; position < n; ) {
      // Rows that stay together (a list's rows of the previous snapshot) move in one copy.
      const first = order[position] as number;
      let run = 1;
      while (position + run < n && order[position + run] === first + run) run++;
      ordered.copyRows(stored, first, position, run);
      for (let i = 0; i < run; i++) orderedChunks[position + i] = chunks[first + i] as ChunkMeta;
      position += run;
    }
    return new FaissSnapshot(dimensions, orderedChunks, ordered, {
      centroids,
      offsets,
      nprobe: settings.ivfNprobe,
      trainedFor: reuse ? prior.ivf.trainedFor : n,
    });
  }

  /**
   * A new snapshot with the chunks `keep` accepts and `added`, stored as `settings` says; the IVF lists of
   * kept rows are reused, new rows are assigned to the existing centroids.
   */
  withChanges(keep: (meta: ChunkMeta) => boolean, added: readonly AddedChunk[], settings: IndexSettings) {
    const dimensions = added[0]?.vector.length ?? this.dimensions;
    if (this.size > 0 && added.length > 0 && dimensions !== this.dimensions) {
      throw new Error(
        `the index holds ${this.dimensions}-dimensional vectors and the new chunks have ${dimensions}: ` +
          'the embedding model changed; re-ingest into a new index location',
      );
    }
    const keptRows: number[] = [];
    this.chunks.forEach((meta, row) => {
      if (keep(meta)) keptRows.push(row);
    });
    const n = keptRows.length + added.length;
    const stored = StoredVectors.allocate(settings.storage, n, dimensions);
    const chunks: ChunkMeta[] = keptRows.map((row) => this.chunks[row] as ChunkMeta);
    const sameStorage = this.storage === settings.storage && this.dimensions === dimensions;
    const scratch = new Float32Array(dimensions);
    for (let i = 0; i < keptRows.length; ) {
      // Kept rows come in runs (a change removes a few documents): one copy per run.
      let run = 1;
      while (i + run < keptRows.length && keptRows[i + run] === (keptRows[i] as number) + run) run++;
      if (sameStorage) stored.copyRows(this.stored, keptRows[i] as number, i, run);
      else
        for (let j = i; j < i + run; j++)
          stored.writeRows(j, this.stored.readRow(keptRows[j] as number, scratch));
      i += run;
    }
    const addedVectors = new Float32Array(added.length * dimensions);
    added.forEach(({ vector }, i) => {
      if (vector.length !== dimensions) throw new Error('chunks of one upsert have different dimensions');
      addedVectors.set(vector, i * dimensions);
    });
    let prior: { ivf: IvfIndex; lists: Int32Array } | undefined;
    let addedOrder: Uint32Array | undefined;
    if (this.ivf && dimensions === this.dimensions) {
      const lists = new Int32Array(n).fill(-1);
      const listOf = this.listOfRow();
      keptRows.forEach((row, i) => {
        lists[i] = listOf[row] as number;
      });
      if (added.length > 0 && canReuseLists(this.ivf, n, dimensions, settings)) {
        // New rows get their lists now and are written list by list: next to the kept rows of their list,
        // each list then moves in two copies instead of one per new row.
        const addedLists = new Int32Array(added.length);
        assignLists(
          QuantizedRows.ofFloats(added.length, dimensions, addedVectors),
          this.ivf.centroids,
          addedLists,
        );
        addedOrder = countingOrder(addedLists, this.ivf.offsets.length - 1);
        addedOrder.forEach((i, at) => {
          lists[keptRows.length + at] = addedLists[i] as number;
        });
      }
      prior = { ivf: this.ivf, lists };
    }
    const ordered = addedOrder ? new Float32Array(addedVectors.length) : addedVectors;
    addedOrder?.forEach((i, at) => {
      ordered.set(addedVectors.subarray(i * dimensions, (i + 1) * dimensions), at * dimensions);
    });
    for (let at = 0; at < added.length; at++) chunks.push((added[addedOrder?.[at] ?? at] as AddedChunk).meta);
    stored.writeRows(keptRows.length, ordered);
    return FaissSnapshot.build(dimensions, chunks, stored, settings, prior);
  }

  private listOfRow(): Int32Array {
    const lists = new Int32Array(this.size);
    const offsets = this.ivf?.offsets ?? new Uint32Array([0, this.size]);
    for (let l = 0; l + 1 < offsets.length; l++) lists.fill(l, offsets[l], offsets[l + 1]);
    return lists;
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
  static fromParts(dimensions: number, chunks: ChunkMeta[], stored: StoredVectors, ivf?: IvfIndex) {
    return chunks.length === 0 ? FaissSnapshot.empty() : new FaissSnapshot(dimensions, chunks, stored, ivf);
  }

  encode(): Buffer {
    const meta: Metadata = {
      dimensions: this.dimensions,
      storage: this.storage,
      kind: this.kind,
      chunks: {
        documentId: this.chunks.map((c) => c.documentId),
        version: this.chunks.map((c) => c.version),
        chunkIndex: this.chunks.map((c) => c.chunkIndex),
        source: this.chunks.map((c) => c.source),
        text: this.chunks.map((c) => c.text),
      },
      ...(this.ivf && {
        ivf: {
          nlist: this.ivf.offsets.length - 1,
          nprobe: this.ivf.nprobe,
          trainedFor: this.ivf.trainedFor,
        },
      }),
    };
    const metaBytes = Buffer.from(JSON.stringify(meta));
    const metaLength = Buffer.alloc(4);
    metaLength.writeUInt32LE(metaBytes.length);
    const vectorParts = this.stored.sections();
    const vectorLength = vectorParts.reduce((sum, part) => sum + part.length, 0);
    const ivfParts = this.ivf ? [bytesOf(this.ivf.centroids), bytesOf(this.ivf.offsets)] : [];
    const ivfLength = ivfParts.reduce((sum, part) => sum + part.length, 0);
    const payload = Buffer.concat([
      metaLength,
      metaBytes,
      u64(vectorLength),
      ...vectorParts,
      u64(ivfLength),
      ...ivfParts,
    ]);
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

  /** The stored vector of `row` as float32 (decoded when stored in another precision). */
  vectorOf(row: number): Float32Array {
    return this.stored.readRow(row, new Float32Array(this.dimensions)).slice();
  }

  /** The best `topK` chunks; `probes` overrides the IVF lists probed (`Infinity`: every list, exact). */
  search(query: Float32Array, topK: number, filter?: VectorFilter, probes?: number): ChunkMatch[] {
    if (this.size === 0 || !this.rows) return [];
    if (query.length !== this.dimensions) {
      throw new Error(`query has ${query.length} dimensions; the index has ${this.dimensions}`);
    }
    if (filter && (filter.documentIds || filter.source !== undefined))
      return this.exactFilteredSearch(query, topK, filter);
    const k = Math.min(topK, this.size);
    const rows = this.rows;
    let ranges = [0, this.size];
    if (this.ivf && this.centroidRows) {
      this.centroidRows.setQuery(query);
      ranges = probedRanges(this.centroidRows, this.ivf.offsets, probes ?? this.ivf.nprobe);
    }
    rows.setQuery(query);
    for (let r = 0; r < ranges.length; r += 2) rows.scan(ranges[r] as number, ranges[r + 1] as number);
    const candidates = bestPositions(rows.scores, ranges, Math.max(k * RERANK_FACTOR, MIN_CANDIDATES));
    const scratch = new Float32Array(this.dimensions);
    const scored = Array.from(candidates, (row) => ({
      row,
      score: dot(this.stored.readRow(row, scratch), query),
    }));
    return scored
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map(({ row, score }) => ({ ...(this.chunks[row] as ChunkMeta), score }));
  }

  /** A filtered query scans only the matching rows exactly: no candidate the filter would drop is fetched. */
  private exactFilteredSearch(query: Float32Array, topK: number, filter: VectorFilter): ChunkMatch[] {
    const scratch = new Float32Array(this.dimensions);
    const scored: ChunkMatch[] = [];
    this.chunks.forEach((chunk, row) => {
      if (!matchesFilter(chunk, filter)) return;
      scored.push({ ...chunk, score: dot(this.stored.readRow(row, scratch), query) });
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, topK);
  }
}

/** Whether an IVF index's centroids still fit a corpus of n vectors (else they are trained again). */
function canReuseLists(ivf: IvfIndex, n: number, dimensions: number, settings: IndexSettings): boolean {
  const nlist = ivf.offsets.length - 1;
  return (
    settings.kind === 'ivf' &&
    n >= settings.ivfMinVectors &&
    ivf.centroids.length === nlist * dimensions &&
    (settings.ivfNlist === 0 || settings.ivfNlist === nlist) &&
    n < 2 * ivf.trainedFor &&
    4 * n > ivf.trainedFor
  );
}

/** Rows sorted by list, stable (a counting sort); fills `offsets` (nlist + 1) with where each list starts. */
function countingOrder(lists: Int32Array, nlist: number, offsets = new Uint32Array(nlist + 1)): Uint32Array {
  offsets.fill(0);
  for (const list of lists) offsets[list + 1] = (offsets[list + 1] as number) + 1;
  for (let l = 0; l < nlist; l++) offsets[l + 1] = (offsets[l + 1] as number) + (offsets[l] as number);
  const next = offsets.slice(0, nlist);
  const order = new Uint32Array(lists.length);
  lists.forEach((list, row) => {
    order[next[list] as number] = row;
    next[list] = (next[list] as number) + 1;
  });
  return order;
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
  const chunks = Array.from({ length: n }, (_, i) => ({
    documentId: documentId[i] as string,
    version: version[i] as number,
    chunkIndex: chunkIndex[i] as number,
    source: source[i] as string,
    text: text[i] as string,
  }));
  let ivf: IvfIndex | undefined;
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
  return FaissSnapshot.fromParts(dimensions, chunks, stored, ivf);
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
  return FaissSnapshot.fromParts(meta.dimensions, meta.chunks, vectors);
}
