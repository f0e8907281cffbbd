/**
 * The registry: one small JSON object per document in the BlobStore, the source of truth for which version
 * of a document is committed. Every change is a conditional write (If-Match on the entry's ETag, or
 * If-None-Match for a new one), so writers of one document are serialized by the registry itself:
 *
 * - `reserve` hands a writer the next version number (monotonic, never reused);
 * - `commit` flips `committedVersion` to a written version (the commit point of an ingest), unless a newer
 *   version or a delete was committed meanwhile: then the writer lost and gets a SupersededVersionError;
 * - `tombstone` marks the document deleted under a version of its own (the commit point of a delete), so an
 *   ingest that started before the delete cannot resurrect the old text afterwards.
 */

import { DocumentBusyError, NotFoundError, PreconditionFailedError, SupersededVersionError } from '../errors';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import { VECTOR_STORE_NAMES } from '../vectors/vector-store';
import { SUPPORTED_CONTENT_TYPES } from './document-text';

/** What a committed version of a document is (what GET /documents lists). */
export const DocumentRecordSchema = z.object({
  documentId: z.string(),
  version: z.number().check(z.int(), z.minimum(1)),
  source: z.string(),
  contentType: z.enum(SUPPORTED_CONTENT_TYPES),
  chunks: z.number().check(z.int(), z.minimum(0)),
  characters: z.number().check(z.int(), z.minimum(0)),
  stores: z.array(z.enum(VECTOR_STORE_NAMES)),
  embeddingModel: z.string(),
  ingestedAt: z.string(),
  metadata: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});
export type DocumentRecord = z.output<typeof DocumentRecordSchema>;

/**
 * One registry object. `state` says what `committedVersion` is: nothing yet (`pending`: only reservations),
 * a searchable version (`committed`, described by `document`), or a delete (`deleted`).
 */
export const RegistryEntrySchema = z.object({
  documentId: z.string(),
  state: z.enum(['pending', 'committed', 'deleted']),
  committedVersion: z.number().check(z.int(), z.minimum(0)),
  /** The highest version handed to a writer. */
  reservedVersion: z.number().check(z.int(), z.minimum(0)),
  /** When that version was handed out: repair leaves younger uncommitted versions to their writer. */
  reservedAt: z.string(),
  updatedAt: z.string(),
  document: z.optional(DocumentRecordSchema),
});
export type RegistryEntry = z.output<typeof RegistryEntrySchema>;

export interface DocumentRegistry {
  read(documentId: string): Promise<{ entry: RegistryEntry; etag: string } | undefined>;
  /** The entry's current ETag, cheaper than reading it: readers use it to validate their cache. */
  etag(documentId: string): Promise<string | undefined>;
  /** Reserves the next version of a document for one writer; returns it with the entry as it was. */
  reserve(documentId: string): Promise<{ version: number; previous: RegistryEntry | undefined }>;
  /** Makes a written version the committed one; returns the entry as it was (its old version to collect). */
  commit(record: DocumentRecord): Promise<RegistryEntry>;
  /** Marks a committed document deleted; returns the entry as it was. NotFoundError when none is committed. */
  tombstone(documentId: string): Promise<RegistryEntry>;
  /** Every entry, pending and deleted ones included (for repair). */
  entries(): Promise<RegistryEntry[]>;
  /** The committed documents. */
  list(): Promise<DocumentRecord[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createDocumentRegistry(deps: {
  blobs: BlobStore;
  prefix: string;
  maxWriteAttempts?: number;
}): DocumentRegistry {
  const keyOf = (documentId: string) => `${deps.prefix}${documentId}.json`;
  const maxAttempts = deps.maxWriteAttempts ?? 200;
  const readKey = async (key: string) => {
    const object = await deps.blobs.get(key);
    if (!object) return undefined;
    const entry = RegistryEntrySchema.parse(JSON.parse(object.body.toString('utf8')));
    return { entry, etag: object.etag };
  };

  /** Applies `change` to the current entry with a conditional write, re-reading after every lost race. */
  async function update(
    documentId: string,
    change: (current: RegistryEntry | undefined) => RegistryEntry,
  ): Promise<{ previous: RegistryEntry | undefined; next: RegistryEntry }> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await readKey(keyOf(documentId));
      const next = change(current?.entry);
      try {
        await deps.blobs.put(keyOf(documentId), JSON.stringify(next), {
          contentType: 'application/json',
          ...(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' }),
        });
        return { previous: current?.entry, next };
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        await sleep(Math.random() * Math.min(50, 2 * attempt));
      }
    }
    throw new DocumentBusyError(
      `document '${documentId}' is being changed by too many requests at once; retry the request`,
      { retryAfterSeconds: 2 },
    );
  }

  const now = () => new Date().toISOString();
  const entries = async () => {
    const keys = (await deps.blobs.list(deps.prefix)).filter((key) => key.endsWith('.json'));
    const read = await Promise.all(keys.map(readKey));
    return read.flatMap((r) => (r ? [r.entry] : []));
  };

  return {
    read: (documentId) => readKey(keyOf(documentId)),
    etag: (documentId) => deps.blobs.etag(keyOf(documentId)),
    async reserve(documentId) {
      const { previous, next } = await update(documentId, (current) => ({
        documentId,
        state: current?.state ?? 'pending',
        committedVersion: current?.committedVersion ?? 0,
        reservedVersion: (current?.reservedVersion ?? 0) + 1,
        reservedAt: now(),
        updatedAt: now(),
        ...(current?.document ? { document: current.document } : {}),
      }));
      return { version: next.reservedVersion, previous };
    },
    async commit(record) {
      const { previous } = await update(record.documentId, (current) => {
        if (!current || current.reservedVersion < record.version) {
          throw new Error(`version ${record.version} of '${record.documentId}' was never reserved`);
        }
        if (current.committedVersion > record.version) {
          throw new SupersededVersionError(record.documentId, record.version, current);
        }
        return {
          ...current,
          state: 'committed',
          committedVersion: record.version,
          updatedAt: now(),
          document: record,
        };
      });
      return previous as RegistryEntry;
    },
    async tombstone(documentId) {
      const { previous } = await update(documentId, (current) => {
        if (current?.state !== 'committed') throw new NotFoundError(`No document '${documentId}'`);
        const { document: _removed, ...rest } = current;
        const version = current.reservedVersion + 1;
        return {
          ...rest,
          state: 'deleted',
          committedVersion: version,
          reservedVersion: version,
          reservedAt: now(),
          updatedAt: now(),
        };
      });
      return previous as RegistryEntry;
    },
    entries,
    async list() {
      return (await entries()).flatMap((entry) =>
        entry.state === 'committed' && entry.document ? [entry.document] : [],
      );
    },
  };
}
