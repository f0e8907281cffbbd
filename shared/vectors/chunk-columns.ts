/**
 * The chunks of a FAISS segment column by column, with no object per chunk. A million chunk objects (and
 * their strings) made every full collection of the heap cost about half a second, and a write of 100k
 * vectors allocates enough memory to cause one or two; in columns the heap holds a few arrays instead.
 * Document ids and sources are indexes into a table of their distinct values, texts are UTF-8 in one buffer;
 * a chunk becomes an object only when it is returned.
 */
import type { ChunkMeta } from './faiss-snapshot';
import type { ChunkKey } from './vector-store';

export class ChunkColumns {
  constructor(
    /** Distinct document ids and sources. */
    private readonly names: readonly string[],
    private readonly documentIds: Uint32Array,
    private readonly sources: Uint32Array,
    private readonly versions: Float64Array,
    private readonly chunkIndexes: Float64Array,
    private readonly texts: Buffer,
    /** Row r's text is bytes textStarts[r] .. textStarts[r + 1] - 1 of `texts`. */
    private readonly textStarts: Float64Array,
  ) {}

  static of(chunks: readonly ChunkMeta[]): ChunkColumns {
    const builder = new ChunkColumnsBuilder(chunks.length);
    for (const { documentId, version, chunkIndex, source, text } of chunks)
      builder.push(documentId, version, chunkIndex, source, text);
    return builder.done();
  }

  /** The rows in the order `order` gives (row i of the result is row order[i] of these). */
  permuted(order: Uint32Array): ChunkColumns {
    const n = order.length;
    const documentIds = new Uint32Array(n);
    const sources = new Uint32Array(n);
    const versions = new Float64Array(n);
    const chunkIndexes = new Float64Array(n);
    const textStarts = new Float64Array(n + 1);
    const texts = Buffer.allocUnsafe(this.textStarts[this.count] as number);
    for (let i = 0; i < n; i++) {
      const row = order[i] as number;
      documentIds[i] = this.documentIds[row] as number;
      sources[i] = this.sources[row] as number;
      versions[i] = this.versions[row] as number;
      chunkIndexes[i] = this.chunkIndexes[row] as number;
      const start = this.textStarts[row] as number;
      const end = this.textStarts[row + 1] as number;
      textStarts[i + 1] = (textStarts[i] as number) + this.texts.copy(texts, textStarts[i], start, end);
    }
    return new ChunkColumns(
      this.names,
      documentIds,
      sources,
      versions,
      chunkIndexes,
      texts.subarray(0, textStarts[n]),
      textStarts,
    );
  }

  get count(): number {
    return this.documentIds.length;
  }

  documentId(row: number): string {
    return this.names[this.documentIds[row] as number] as string;
  }

  source(row: number): string {
    return this.names[this.sources[row] as number] as string;
  }

  text(row: number): string {
    return this.texts.toString('utf8', this.textStarts[row], this.textStarts[row + 1]);
  }

  key(row: number): ChunkKey {
    return {
      documentId: this.documentId(row),
      version: this.versions[row] as number,
      chunkIndex: this.chunkIndexes[row] as number,
    };
  }

  /** A key that reads row `row` of these columns, whichever `row` is set to. */
  keyView(): ChunkKey & { row: number } {
    const columns = this;
    return {
      row: 0,
      get documentId() {
        return columns.documentId(this.row);
      },
      get version() {
        return columns.versions[this.row] as number;
      },
      get chunkIndex() {
        return columns.chunkIndexes[this.row] as number;
      },
    };
  }

  meta(row: number): ChunkMeta {
    return { ...this.key(row), source: this.source(row), text: this.text(row) };
  }

  /** @internal for ChunkColumnsBuilder.copy */
  parts() {
    const { names, documentIds, sources, versions, chunkIndexes, texts, textStarts } = this;
    return { names, documentIds, sources, versions, chunkIndexes, texts, textStarts };
  }
}

/** Fills the columns of `capacity` rows, from chunk values or from rows of other columns. */
export class ChunkColumnsBuilder {
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  private readonly remaps = new Map<readonly string[], Int32Array>();
  private readonly documentIds: Uint32Array;
  private readonly sources: Uint32Array;
  private readonly versions: Float64Array;
  private readonly chunkIndexes: Float64Array;
  private readonly textStarts: Float64Array;
  private texts = Buffer.allocUnsafe(1024);
  private count = 0;

  /** Rows filled so far. */
  get filled(): number {
    return this.count;
  }

  constructor(readonly capacity: number) {
    this.documentIds = new Uint32Array(capacity);
    this.sources = new Uint32Array(capacity);
    this.versions = new Float64Array(capacity);
    this.chunkIndexes = new Float64Array(capacity);
    this.textStarts = new Float64Array(capacity + 1);
  }

  private nameAt(name: string): number {
    let index = this.nameIndex.get(name);
    if (index === undefined) {
      index = this.names.push(name) - 1;
      this.nameIndex.set(name, index);
    }
    return index;
  }

  private reserve(bytes: number): void {
    const end = this.textStarts[this.count] as number;
    if (end + bytes <= this.texts.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.texts.length, end + bytes));
    this.texts.copy(grown, 0, 0, end);
    this.texts = grown;
  }

  push(documentId: string, version: number, chunkIndex: number, source: string, text: string): void {
    const row = this.count;
    this.documentIds[row] = this.nameAt(documentId);
    this.sources[row] = this.nameAt(source);
    this.versions[row] = version;
    this.chunkIndexes[row] = chunkIndex;
    this.reserve(text.length * 3);
    const start = this.textStarts[row] as number;
    this.textStarts[row + 1] = start + this.texts.write(text, start, 'utf8');
    this.count++;
  }

  /** Appends rows [from, to) of `columns`. */
  copy(columns: ChunkColumns, from: number, to: number): void {
    const source = columns.parts();
    let remap = this.remaps.get(source.names);
    if (!remap) {
      remap = new Int32Array(source.names.length).fill(-1);
      this.remaps.set(source.names, remap);
    }
    const rename = (index: number) => {
      const known = (remap as Int32Array)[index] as number;
      if (known >= 0) return known;
      const renamed = this.nameAt(source.names[index] as string);
      (remap as Int32Array)[index] = renamed;
      return renamed;
    };
    const at = this.count;
    for (let row = from; row < to; row++) {
      this.documentIds[at + row - from] = rename(source.documentIds[row] as number);
      this.sources[at + row - from] = rename(source.sources[row] as number);
    }
    this.versions.set(source.versions.subarray(from, to), at);
    this.chunkIndexes.set(source.chunkIndexes.subarray(from, to), at);
    const textFrom = source.textStarts[from] as number;
    const textTo = source.textStarts[to] as number;
    this.reserve(textTo - textFrom);
    const start = this.textStarts[at] as number;
    source.texts.copy(this.texts, start, textFrom, textTo);
    for (let row = from; row < to; row++)
      this.textStarts[at + row - from + 1] = start + (source.textStarts[row + 1] as number) - textFrom;
    this.count += to - from;
  }

  done(): ChunkColumns {
    if (this.count !== this.capacity) throw new Error(`${this.count} chunks of ${this.capacity} were filled`);
    const textBytes = this.textStarts[this.count] as number;
    return new ChunkColumns(
      this.names,
      this.documentIds,
      this.sources,
      this.versions,
      this.chunkIndexes,
      // A copy that fits: the builder's buffer has room to spare.
      Buffer.from(this.texts.subarray(0, textBytes)),
      this.textStarts,
    );
  }
}
