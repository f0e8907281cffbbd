/**
 * The repair pass: makes every vector store hold exactly the committed version of every committed document.
 * It deletes chunks whose version is not committed (leftovers of writers that failed, lost a race or were
 * killed, and old versions whose collection failed), re-writes committed versions a store is missing from
 * their stored text, and removes the stored text of versions that are not committed.
 *
 * Versions between a document's committed and reserved version that were reserved less than `graceMs` ago
 * belong to a writer that may still be running: repair leaves them alone, so it can run beside live traffic.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EmbeddingService } from '../embeddings/embedding-service';
import type { FaissStore } from '../vectors/faiss-store';
import {
  type ChunkKey,
  type ChunkRecord,
  chunkId,
  type VectorStore,
  type VectorStoreName,
  versionChunkKeys,
} from '../vectors/vector-store';
import type { DocumentRecord, DocumentRegistry, RegistryEntry } from './document-registry';
import type { DocumentVersionStore } from './document-versions';
import { embedChunks } from './ingestion-service';

export interface RepairDependencies {
  readonly registry: DocumentRegistry;
  readonly versions: DocumentVersionStore;
  readonly stores: readonly VectorStore[];
  readonly embeddings: EmbeddingService;
  readonly embedBatch: number;
  readonly logger?: Logger;
}

export interface RepairOptions {
  /** Report what would change, change nothing. */
  readonly dryRun?: boolean;
  /** Uncommitted versions reserved more recently than this are left to their writer (default 15 minutes). */
  readonly graceMs?: number;
  /** Rewrite this FAISS index from the committed versions' stored text, without reading it first. */
  readonly rebuildFaiss?: FaissStore;
  readonly now?: () => number;
}

export interface VersionChange {
  readonly store: VectorStoreName;
  readonly documentId: string;
  readonly version: number;
  readonly chunks: number;
}

export interface RepairReport {
  readonly dryRun: boolean;
  /** Chunks deleted because their version is not committed (or past the committed version's end). */
  readonly removed: VersionChange[];
  /** Committed chunks a store was missing, written again. */
  readonly rewritten: VersionChange[];
  /** The FAISS index rebuilt from stored text, when asked for. */
  rebuilt?: { readonly documents: number; readonly chunks: number };
  /** Stored texts of versions that are not committed, deleted. */
  readonly textsRemoved: { documentId: string; version: number }[];
  /** Versions left alone because their writer may still be running. */
  readonly inFlight: { documentId: string; version: number }[];
  /** What could not be repaired, and why. */
  readonly problems: string[];
}

const DEFAULT_REPAIR_GRACE_MS = 15 * 60 * 1000;

/** Groups keys by (document, version), for a readable report. */
function byVersion(store: VectorStoreName, keys: readonly ChunkKey[]): VersionChange[] {
  const counts = new Map<string, VersionChange>();
  for (const key of keys) {
    const id = `${key.documentId}#${key.version}`;
    const seen = counts.get(id);
    counts.set(id, {
      store,
      documentId: key.documentId,
      version: key.version,
      chunks: (seen?.chunks ?? 0) + 1,
    });
  }
  return [...counts.values()];
}

export async function repairDocuments(
  deps: RepairDependencies,
  options: RepairOptions = {},
): Promise<RepairReport> {
  const dryRun = options.dryRun ?? false;
  const now = options.now?.() ?? Date.now();
  const graceMs = options.graceMs ?? DEFAULT_REPAIR_GRACE_MS;
  const entries = new Map<string, RegistryEntry>(
    (await deps.registry.entries()).map((e) => [e.documentId, e]),
  );
  const committed = new Map<string, DocumentRecord>();
  for (const entry of entries.values()) {
    if (entry.state === 'committed' && entry.document) committed.set(entry.documentId, entry.document);
  }
  const isInFlight = (documentId: string, version: number) => {
    const entry = entries.get(documentId);
    return (
      entry !== undefined &&
      version > entry.committedVersion &&
      version <= entry.reservedVersion &&
      now - Date.parse(entry.reservedAt) < graceMs
    );
  };
  const isCommitted = (key: ChunkKey) => {
    const document = committed.get(key.documentId);
    return document?.version === key.version && key.chunkIndex < document.chunks;
  };

  const report: RepairReport = {
    dryRun,
    removed: [],
    rewritten: [],
    textsRemoved: [],
    inFlight: [],
    problems: [],
  };
  const inFlight = new Set<string>();

  const embedded = new Map<string, Promise<ChunkRecord[] | undefined>>();
  /** The committed version's chunks, embedded again from its stored text (once per document). */
  const recordsOf = (document: DocumentRecord) => {
    const cached = embedded.get(document.documentId);
    if (cached) return cached;
    const records = (async () => {
      const stored = await deps.versions.get(document.documentId, document.version);
      if (!stored || stored.chunks.length !== document.chunks) {
        report.problems.push(
          `${document.documentId} v${document.version}: its stored text is ${stored ? 'inconsistent' : 'missing'}; ingest the document again`,
        );
        return undefined;
      }
      const { documentId, version, source } = document;
      return (
        await embedChunks(deps.embeddings, deps.embedBatch, { documentId, version, source }, stored.chunks)
      ).records;
    })();
    embedded.set(document.documentId, records);
    return records;
  };

  if (options.rebuildFaiss) {
    const all: ChunkRecord[] = [];
    for (const document of committed.values()) all.push(...((await recordsOf(document)) ?? []));
    if (!dryRun) await options.rebuildFaiss.rebuild(all);
    report.rebuilt = { documents: committed.size, chunks: all.length };
  }

  for (const store of deps.stores) {
    try {
      const held = await store.listChunks();
      const stray = held.filter((key) => {
        if (isCommitted(key)) return false;
        if (!isInFlight(key.documentId, key.version)) return true;
        inFlight.add(`${key.documentId}#${key.version}`);
        return false;
      });
      if (stray.length > 0 && !dryRun) await store.deleteChunks(stray);
      report.removed.push(...byVersion(store.name, stray));

      const heldIds = new Set(held.map(chunkId));
      for (const document of committed.values()) {
        const expected = versionChunkKeys(document.documentId, document.version, document.chunks);
        const missing = new Set(expected.map(chunkId).filter((id) => !heldIds.has(id)));
        if (missing.size === 0) continue;
        const records = await recordsOf(document);
        if (!records) continue;
        if (!dryRun) await store.upsert(records.filter((r) => missing.has(chunkId(r))));
        report.rewritten.push({
          store: store.name,
          documentId: document.documentId,
          version: document.version,
          chunks: missing.size,
        });
      }
    } catch (error) {
      report.problems.push(`${store.name}: ${(error as Error).message}`);
    }
  }

  for (const stored of await deps.versions.list()) {
    if (committed.get(stored.documentId)?.version === stored.version) continue;
    if (isInFlight(stored.documentId, stored.version)) continue;
    if (!dryRun) await deps.versions.delete(stored.documentId, stored.version);
    report.textsRemoved.push(stored);
  }
  for (const id of inFlight) {
    const [documentId = '', version = '0'] = id.split('#');
    report.inFlight.push({ documentId, version: Number(version) });
  }
  deps.logger?.info('documents repaired', { ...report });
  return report;
}

/** The report as lines a person reads: one per change, then a summary. */
export function describeRepair(report: RepairReport): string[] {
  const verb = report.dryRun ? 'would ' : '';
  const lines = [
    ...(report.rebuilt
      ? [
          `faiss: ${verb}rebuild the index from ${report.rebuilt.documents} committed documents (${report.rebuilt.chunks} chunks)`,
        ]
      : []),
    ...report.removed.map(
      (c) => `${c.store}: ${verb}delete ${c.chunks} chunks of ${c.documentId} v${c.version} (not committed)`,
    ),
    ...report.rewritten.map(
      (c) =>
        `${c.store}: ${verb}write ${c.chunks} missing chunks of ${c.documentId} v${c.version} (committed)`,
    ),
    ...report.textsRemoved.map((t) => `texts: ${verb}delete the text of ${t.documentId} v${t.version}`),
    ...report.inFlight.map(
      (t) => `left alone: ${t.documentId} v${t.version} (a writer may still be running)`,
    ),
    ...report.problems.map((p) => `problem: ${p}`),
  ];
  const changes = report.removed.length + report.rewritten.length + report.textsRemoved.length;
  lines.push(
    changes === 0 && !report.rebuilt && report.problems.length === 0
      ? 'documents: every store holds exactly the committed versions'
      : `documents: ${changes} ${report.dryRun ? 'changes needed' : 'changes made'}, ${report.problems.length} problems`,
  );
  return lines;
}
