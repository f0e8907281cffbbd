/**
 * FAISS over a BlobStore (S3 in AWS, a local directory by default). The whole store is one object: readers
 * load it once (from a /tmp copy when its ETag still matches) and reload when the ETag changes; writers
 * read-modify-write it with a conditional put and retry on conflict, so two concurrent ingests both land.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  FaissSnapshotError,
  IndexCorruptError,
  PreconditionFailedError,
  VectorStoreUnavailableError,
} from '../errors';
import type { BlobStore } from '../storage/blob-store';
import { FaissSnapshot, type IndexSettings } from './faiss-snapshot';
import { createListAssigner, type ListAssigner } from './list-assigner';
import { type ChunkKey, type ChunkRecord, chunkId, storeCall, type VectorStore } from './vector-store';

/** What an operator runs when the stored index cannot be read. */
const FAISS_RECOVERY =
  'Rebuild it from the committed documents with `npm run documents:repair -- --rebuild-faiss`.';

export interface FaissStoreOptions {
  readonly blobs: BlobStore;
  /** The object holding the index. */
  readonly key: string;
  /** Local copy of the object, reused across cold starts of one container (/tmp on Lambda). */
  readonly cacheDir: string;
  readonly settings: IndexSettings;
  /** How long a loaded snapshot is trusted before its ETag is checked again. */
  readonly refreshMs: number;
  readonly maxWriteAttempts?: number;
  readonly logger?: Logger;
  /** How new rows find their IVF lists (onnxruntime for large adds, the WASM kernel for small ones). */
  readonly assigner?: ListAssigner;
}

export interface FaissStore extends VectorStore {
  /** The ETag of the snapshot in memory (undefined before the first load or for an empty store). */
  loadedEtag(): string | undefined;
  /**
   * Replaces the whole index with exactly these chunks, without reading the stored object: the one write
   * allowed over an index that cannot be read (repair's --rebuild-faiss).
   */
  rebuild(records: readonly ChunkRecord[]): Promise<void>;
}

interface Loaded {
  readonly snapshot: FaissSnapshot;
  readonly etag: string | undefined;
  readonly checkedAt: number;
}

/**
 * Whether a stored chunk is none of `keys` (whose ids are `ids`): most chunks belong to other documents and
 * are told apart without building their id.
 */
function notAmong(keys: readonly ChunkKey[], ids: ReadonlySet<string>): (chunk: ChunkKey) => boolean {
  const documents = new Set(keys.map((key) => key.documentId));
  return (chunk) => !documents.has(chunk.documentId) || !ids.has(chunkId(chunk));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createFaissStore(options: FaissStoreOptions): FaissStore {
  const { blobs, key, settings } = options;
  const maxAttempts = options.maxWriteAttempts ?? 12;
  const assigner = options.assigner ?? createListAssigner({ logger: options.logger });
  const cacheBase = path.join(
    options.cacheDir,
    `faiss-${createHash('sha256').update(`${blobs.location}|${key}`).digest('hex').slice(0, 16)}`,
  );
  let loaded: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;
  /** Writes of this container, one after the other: they would only make each other retry. */
  let writes: Promise<unknown> = Promise.resolve();

  /** The stored object as a snapshot; an object that cannot be decoded is an IndexCorruptError. */
  function decodeStored(body: Buffer): FaissSnapshot {
    try {
      return FaissSnapshot.decode(body);
    } catch (error) {
      if (!(error instanceof FaissSnapshotError)) throw error;
      options.logger?.error('FAISS index object cannot be read', { key, problem: error.message });
      throw new IndexCorruptError('faiss', error.message, FAISS_RECOVERY);
    }
  }

  async function readCache(etag: string): Promise<Buffer | undefined> {
    const cachedEtag = await fs.readFile(`${cacheBase}.etag`, 'utf8').catch(() => undefined);
    return cachedEtag === etag ? fs.readFile(`${cacheBase}.bin`).catch(() => undefined) : undefined;
  }

  async function writeCache(body: Buffer, etag: string): Promise<void> {
    try {
      await fs.mkdir(options.cacheDir, { recursive: true });
      const temporary = `${cacheBase}.${randomUUID()}.tmp`;
      await fs.writeFile(temporary, body);
      await fs.rename(temporary, `${cacheBase}.bin`);
      await fs.writeFile(`${cacheBase}.etag`, etag);
    } catch (error) {
      options.logger?.warn('FAISS cache copy not written', { error: error as Error });
    }
  }

  /** Loads the current object, from the local copy when its ETag still matches. */
  async function load(knownEtag?: string): Promise<Loaded> {
    const etag = knownEtag ?? (await blobs.etag(key));
    if (etag === undefined)
      return { snapshot: FaissSnapshot.empty(), etag: undefined, checkedAt: Date.now() };
    const cached = await readCache(etag);
    if (cached) {
      try {
        return { snapshot: FaissSnapshot.decode(cached), etag, checkedAt: Date.now() };
      } catch (error) {
        if (!(error instanceof FaissSnapshotError)) throw error;
        options.logger?.warn('FAISS cache copy damaged, reading the stored object', {
          problem: error.message,
        });
      }
    }
    const object = await blobs.get(key);
    if (!object) return { snapshot: FaissSnapshot.empty(), etag: undefined, checkedAt: Date.now() };
    const snapshot = decodeStored(object.body);
    await writeCache(object.body, object.etag);
    return { snapshot, etag: object.etag, checkedAt: Date.now() };
  }

  /** The snapshot to read from: loaded once, reloaded when the object's ETag has changed. */
  async function current(): Promise<FaissSnapshot> {
    if (loaded && Date.now() - loaded.checkedAt < options.refreshMs) return loaded.snapshot;
    loading ??= (async () => {
      try {
        const etag = await blobs.etag(key);
        const next = loaded && etag === loaded.etag ? { ...loaded, checkedAt: Date.now() } : await load(etag);
        loaded = next;
        return next;
      } finally {
        loading = undefined;
      }
    })();
    return (await loading).snapshot;
  }

  /** Runs one write of this container after the previous one, whatever became of it. */
  function queued(write: () => Promise<void>): Promise<void> {
    const run = writes.then(write, write);
    writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Read-modify-write with a conditional put; a lost race re-reads and re-applies the change. An object that
   * cannot be decoded stops it: nothing is ever written over an index that could not be read. The change is
   * async (list assignment on onnxruntime) and runs inside the queue: the next write of this container starts
   * only once this one is put or has failed, and a write of another container shows as a conflict.
   */
  type Change = (snapshot: FaissSnapshot) => Promise<FaissSnapshot | undefined>;
  const mutate = (change: Change) => queued(() => mutateNow(change));

  async function mutateNow(change: Change): Promise<void> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const { base, etag: baseEtag } = await writeBase();
      const next = await change(base);
      if (!next) return;
      const body = next.encode();
      try {
        const { etag } = await blobs.put(
          key,
          body,
          baseEtag ? { ifMatch: baseEtag, contentType: 'application/octet-stream' } : { ifNoneMatch: '*' },
        );
        loaded = { snapshot: next, etag, checkedAt: Date.now() };
        await writeCache(body, etag);
        return;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        options.logger?.info('FAISS write conflict, retrying', { attempt });
        await sleep(Math.random() * 25 * attempt);
      }
    }
    throw new VectorStoreUnavailableError(
      `faiss: the index kept changing under ${maxAttempts} write attempts; retry the request`,
      { retryAfterSeconds: 2 },
    );
  }

  /**
   * The snapshot a write starts from: the one in memory while the object is still that version (decoding a
   * large index costs far more than the change), else the object as stored.
   */
  async function writeBase(): Promise<{ base: FaissSnapshot; etag: string | undefined }> {
    const etag = await blobs.etag(key);
    if (etag !== undefined && loaded?.etag === etag) return { base: loaded.snapshot, etag };
    const object = await blobs.get(key);
    return object
      ? { base: decodeStored(object.body), etag: object.etag }
      : { base: FaissSnapshot.empty(), etag: undefined };
  }

  function withChanges(
    base: FaissSnapshot,
    keep: (chunk: ChunkKey) => boolean,
    added: readonly ChunkRecord[],
  ) {
    return base.withChanges(
      keep,
      added.map(({ documentId, version, chunkIndex, source, text, vector }) => ({
        meta: { documentId, version, chunkIndex, source, text },
        vector,
      })),
      settings,
      assigner,
    );
  }

  return {
    name: 'faiss',
    loadedEtag: () => loaded?.etag,
    upsert: (records) =>
      storeCall('faiss', 'upsert', async () => {
        if (records.length === 0) return;
        const replaced = new Set(records.map(chunkId));
        await mutate((base) => withChanges(base, notAmong(records, replaced), records));
      }),
    query: (vector, topK, filter) =>
      storeCall('faiss', 'query', async () => (await current()).search(vector, topK, filter)),
    listChunks: (documentId) => storeCall('faiss', 'list', async () => (await current()).keys(documentId)),
    deleteChunks: (keys) =>
      storeCall('faiss', 'delete', async () => {
        if (keys.length === 0) return;
        const keep = notAmong(keys, new Set(keys.map(chunkId)));
        await mutate(async (base) => {
          const next = await withChanges(base, keep, []);
          return next.size < base.size ? next : undefined;
        });
      }),
    rebuild: (records) =>
      storeCall('faiss', 'rebuild', () =>
        queued(async () => {
          const next = await withChanges(FaissSnapshot.empty(), () => false, records);
          const body = next.encode();
          const { etag } = await blobs.put(key, body, { contentType: 'application/octet-stream' });
          loaded = { snapshot: next, etag, checkedAt: Date.now() };
          await writeCache(body, etag);
        }),
      ),
    stats: () =>
      storeCall('faiss', 'stats', async () => {
        const snapshot = await current();
        return {
          store: 'faiss' as const,
          vectors: snapshot.size,
          dimensions: snapshot.dimensions || undefined,
          index: snapshot.kind,
          storage: snapshot.storage,
          ...(snapshot.ivfLists && { lists: snapshot.ivfLists.nlist, probes: snapshot.ivfLists.nprobe }),
          location: `${blobs.location}${key}`,
        };
      }),
  };
}
