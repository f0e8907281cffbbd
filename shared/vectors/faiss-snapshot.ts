/**
 * One immutable FAISS snapshot: the chunks' metadata, their vectors, and the search index over them, with
 * its serialized form. Everything a writer changes produces a new snapshot; readers keep theirs.
 *
 * Object layout: "GEFAISS1", u32 metadata length, metadata JSON, float32 vectors (n × d), u64 index length,
 * index bytes (empty for a flat index, which is rebuilt from the vectors by a copy).
 */
import type * as Faiss from 'faiss-node';
import { buildIvfIndexBytes, loadFlatInnerProductIndex } from './faiss-index-codec';
import { faissNative } from './faiss-native';
import type { ChunkMatch, VectorFilter } from './vector-store';
import { matchesFilter } from './vector-store';

const MAGIC = 'GEFAISS1';

export interface ChunkMeta {
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly source: string;
  readonly text: string;
}

export type FaissIndexKind = 'flat' | 'ivf';

export interface IndexSettings {
  readonly kind: FaissIndexKind;
  /** IVF only: used once the corpus reaches this many vectors (below it a flat index is exact and fast). */
  readonly ivfMinVectors: number;
  readonly ivfNprobe: number;
  /** IVF lists; 0 picks about 4·√n. */
  readonly ivfNlist: number;
}

interface Metadata {
  readonly version: 1;
  readonly dimensions: number;
  readonly kind: FaissIndexKind;
  readonly chunks: readonly ChunkMeta[];
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

  static decode(body: Buffer): FaissSnapshot {
    if (body.length === 0) return FaissSnapshot.empty();
    if (body.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a FAISS snapshot object');
    const metaLength = body.readUInt32LE(8);
    const meta = JSON.parse(body.toString('utf8', 12, 12 + metaLength)) as Metadata;
    const vectorBytes = meta.chunks.length * meta.dimensions * 4;
    const vectorStart = 12 + metaLength;
    const vectors = new Float32Array(meta.chunks.length * meta.dimensions);
    Buffer.from(vectors.buffer).set(body.subarray(vectorStart, vectorStart + vectorBytes));
    const indexLength = Number(body.readBigUInt64LE(vectorStart + vectorBytes));
    const indexBytes = body.subarray(
      vectorStart + vectorBytes + 8,
      vectorStart + vectorBytes + 8 + indexLength,
    );
    if (meta.chunks.length === 0) return FaissSnapshot.empty();
    const index =
      meta.kind === 'ivf' && indexLength > 0
        ? faissNative().Index.fromBuffer(Buffer.from(indexBytes))
        : loadFlatInnerProductIndex(vectors, meta.dimensions);
    return new FaissSnapshot(
      meta.dimensions,
      meta.chunks,
      vectors,
      meta.kind,
      index,
      Buffer.from(indexBytes),
    );
  }

  encode(): Buffer {
    const meta: Metadata = { version: 1, dimensions: this.dimensions, kind: this.kind, chunks: this.chunks };
    const metaBytes = Buffer.from(JSON.stringify(meta));
    const header = Buffer.alloc(12);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(metaBytes.length, 8);
    const indexLength = Buffer.alloc(8);
    indexLength.writeBigUInt64LE(BigInt(this.indexBytes.length));
    const vectorBytes = Buffer.from(this.vectors.buffer, this.vectors.byteOffset, this.vectors.byteLength);
    return Buffer.concat([header, metaBytes, vectorBytes, indexLength, this.indexBytes]);
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
