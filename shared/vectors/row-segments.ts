/**
 * The rows of a FAISS snapshot as immutable segments that successive snapshots share: a write adds one
 * segment for its new rows and marks the rows it deletes in its own copy of a segment's dead-row flags, so its
 * index work grows with what it changes, not with the index (copying a million kept rows into every new
 * snapshot cost more than the rest of a write together; docs/performance.md).
 *
 * Each segment holds its stored vectors, their scan codes and their chunks, sorted by IVF list (one list for a
 * flat index). A snapshot's order is list by list, and within a list segment by segment, oldest first: the
 * order one contiguous index built by the same writes would have, which is also the order of the object.
 * Small segments merge as they come (up to MERGE_LIMIT rows), and a segment with more than DEAD_LIMIT of its
 * rows deleted is written again without them, so a write never copies more than a bounded share of the index.
 */
import { type ChunkColumns, ChunkColumnsBuilder } from './chunk-columns';
import type { ChunkMeta } from './faiss-snapshot';
import { QuantizedRows } from './quantized-rows';
import { StoredVectors, type VectorStorage } from './stored-vectors';
import type { ChunkKey } from './vector-store';

/** The largest segment that merging produces: a merge copies at most this many rows. */
const MERGE_LIMIT = 1 << 17;
/** The share of deleted rows above which a segment is compacted. */
const DEAD_LIMIT = 0.25;

export class Segment {
  /** The scan codes, in a memory of their own (only the segment's scores and query change in it). */
  readonly rows: QuantizedRows;

  constructor(
    readonly stored: StoredVectors,
    readonly chunks: ChunkColumns,
    /** Rows of list l are offsets[l] .. offsets[l + 1] - 1. */
    readonly offsets: Uint32Array,
  ) {
    this.rows = QuantizedRows.of(stored);
  }

  get count(): number {
    return this.chunks.count;
  }
}

/** A segment as one snapshot holds it. */
export interface Part {
  readonly segment: Segment;
  /** 1 for each deleted row (undefined when none is); never changed once a snapshot holds it. */
  readonly dead: Uint8Array | undefined;
  readonly live: number;
}

export const wholePart = (segment: Segment): Part => ({ segment, dead: undefined, live: segment.count });

/**
 * The part without the live rows that `keep` rejects; the same part when it keeps them all. `keep` sees each
 * chunk through one view that moves from row to row (no object a row): it must not hold on to it.
 */
export function withoutRejected(part: Part, keep: (chunk: ChunkKey) => boolean): Part {
  const { chunks } = part.segment;
  const key = chunks.keyView();
  let dead = part.dead;
  let live = part.live;
  for (let row = 0; row < chunks.count; row++) {
    key.row = row;
    if (dead?.[row] || keep(key)) continue;
    if (dead === part.dead) dead = part.dead ? part.dead.slice() : new Uint8Array(chunks.count);
    (dead as Uint8Array)[row] = 1;
    live--;
  }
  return dead === part.dead ? part : { segment: part.segment, dead, live };
}

/** Calls `visit` for each run of live rows in the snapshot's order: list by list, then part by part. */
export function forEachRun(
  parts: readonly Part[],
  nlist: number,
  visit: (list: number, part: number, from: number, to: number) => void,
): void {
  for (let list = 0; list < nlist; list++)
    for (let p = 0; p < parts.length; p++) {
      const { segment, dead } = parts[p] as Part;
      const from = segment.offsets[list] as number;
      const to = segment.offsets[list + 1] as number;
      if (!dead) {
        if (to > from) visit(list, p, from, to);
        continue;
      }
      for (let start = from; start < to; ) {
        while (start < to && dead[start]) start++;
        let end = start;
        while (end < to && !dead[end]) end++;
        if (end > start) visit(list, p, start, end);
        start = end;
      }
    }
}

/**
 * The live rows of `parts` in the snapshot's order, stored as `storage`, with room for `extra` rows after
 * them, and how many rows each list has.
 */
export function gatherRows(
  parts: readonly Part[],
  nlist: number,
  storage: VectorStorage,
  dimensions: number,
  extra = 0,
): { stored: StoredVectors; chunks: ChunkColumnsBuilder; listSizes: Uint32Array } {
  const live = parts.reduce((sum, part) => sum + part.live, 0);
  const stored = StoredVectors.allocate(storage, live + extra, dimensions);
  const chunks = new ChunkColumnsBuilder(live + extra);
  const listSizes = new Uint32Array(nlist);
  const scratch = new Float32Array(dimensions);
  forEachRun(parts, nlist, (list, p, from, to) => {
    const segment = (parts[p] as Part).segment;
    const at = chunks.filled;
    if (segment.stored.storage === storage) stored.copyRows(segment.stored, from, at, to - from);
    else
      for (let row = from; row < to; row++)
        stored.writeRows(at + row - from, segment.stored.readRow(row, scratch));
    chunks.copy(segment.chunks, from, to);
    listSizes[list] = (listSizes[list] as number) + to - from;
  });
  return { stored, chunks, listSizes };
}

/** One segment with the live rows of `parts` (merged, compacted, or converted to `storage`). */
export function mergedSegment(parts: readonly Part[], nlist: number, storage: VectorStorage): Segment {
  const first = (parts[0] as Part).segment.stored;
  const { stored, chunks, listSizes } = gatherRows(parts, nlist, storage, first.dimensions);
  const offsets = new Uint32Array(nlist + 1);
  for (let l = 0; l < nlist; l++) offsets[l + 1] = (offsets[l] as number) + (listSizes[l] as number);
  return new Segment(stored, chunks.done(), offsets);
}

/** A segment of `stored` and `chunks` with their rows sorted by `lists` (stable); one list when undefined. */
export function sortedSegment(
  stored: StoredVectors,
  chunks: ChunkColumns,
  lists: Int32Array | undefined,
  nlist: number,
): Segment {
  const n = chunks.count;
  if (!lists) return new Segment(stored, chunks, Uint32Array.of(0, n));
  const offsets = new Uint32Array(nlist + 1);
  const order = countingOrder(lists, nlist, offsets);
  const ordered = StoredVectors.allocate(stored.storage, n, stored.dimensions);
  for (let position = 0; position < n; ) {
    // Rows that are already together move in one copy.
    const first = order[position] as number;
    let run = 1;
    while (position + run < n && order[position + run] === first + run) run++;
    ordered.copyRows(stored, first, position, run);
    position += run;
  }
  return new Segment(ordered, chunks.permuted(order), offsets);
}

/** A segment of new rows, put in list order as they are stored. */
export function addedSegment(
  storage: VectorStorage,
  chunks: readonly ChunkMeta[],
  vectors: readonly Float32Array[],
  lists: Int32Array | undefined,
  nlist: number,
): Segment {
  const n = chunks.length;
  const stored = StoredVectors.allocate(storage, n, vectors[0]?.length ?? 0);
  const offsets = new Uint32Array(nlist + 1);
  let order: Uint32Array | undefined;
  if (lists) order = countingOrder(lists, nlist, offsets);
  else offsets[1] = n;
  const columns = new ChunkColumnsBuilder(n);
  for (let at = 0; at < n; at++) {
    const { documentId, version, chunkIndex, source, text } = chunks[
      order ? (order[at] as number) : at
    ] as ChunkMeta;
    columns.push(documentId, version, chunkIndex, source, text);
  }
  stored.writeRows(0, order ? Array.from(order, (row) => vectors[row] as Float32Array) : vectors);
  return new Segment(stored, columns.done(), offsets);
}

/**
 * The parts of a new snapshot, tidied: a segment mostly deleted is compacted, and the newest segments merge
 * while the older of two is at most twice the newer and the result stays within MERGE_LIMIT, so a stream of
 * small writes leaves a few segments of growing size (each row copied a few times), never one per write.
 */
export function tidyParts(parts: readonly Part[], nlist: number): Part[] {
  const tidy = parts
    .filter((part) => part.live > 0)
    .map((part) =>
      part.segment.count - part.live > DEAD_LIMIT * part.segment.count
        ? wholePart(mergedSegment([part], nlist, part.segment.stored.storage))
        : part,
    );
  while (tidy.length >= 2) {
    const last = tidy[tidy.length - 1] as Part;
    const previous = tidy[tidy.length - 2] as Part;
    if (previous.live > 2 * last.live || previous.live + last.live > MERGE_LIMIT) break;
    tidy.splice(-2, 2, wholePart(mergedSegment([previous, last], nlist, last.segment.stored.storage)));
  }
  return tidy;
}

/** Rows sorted by list, stable (a counting sort); fills `offsets` (nlist + 1) with where each list starts. */
export function countingOrder(
  lists: Int32Array,
  nlist: number,
  offsets = new Uint32Array(nlist + 1),
): Uint32Array {
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
