/**
 * What readers may return: only chunks of the committed version of their document. Stores can hold other
 * versions for a while (a writer between writing its chunks and committing, old chunks not yet collected,
 * leftovers of a writer that died), and Pinecone shows writes late; filtering every hit by the registry
 * makes all of that invisible.
 *
 * The committed version of each document is cached with its registry entry's ETag, and the ETag is checked
 * (one HEAD per distinct document among the hits, in parallel) on every query, so the cache is never stale:
 * a reader sees a commit as soon as the commit's write has returned.
 */
import type { ChunkMatch } from '../vectors/vector-store';
import type { DocumentRegistry } from './document-registry';

export interface CommittedVersions {
  /** The matches that belong to the committed version of their document, in their order. */
  visible(matches: readonly ChunkMatch[]): Promise<ChunkMatch[]>;
}

export function createCommittedVersions(deps: { registry: DocumentRegistry }): CommittedVersions {
  const cache = new Map<string, { etag: string; version: number | undefined }>();

  async function committedVersion(documentId: string): Promise<number | undefined> {
    const etag = await deps.registry.etag(documentId);
    if (etag === undefined) {
      cache.delete(documentId);
      return undefined;
    }
    const cached = cache.get(documentId);
    if (cached?.etag === etag) return cached.version;
    const read = await deps.registry.read(documentId);
    const version = read?.entry.state === 'committed' ? read.entry.committedVersion : undefined;
    if (read) cache.set(documentId, { etag: read.etag, version });
    return version;
  }

  return {
    async visible(matches) {
      const documentIds = [...new Set(matches.map((m) => m.documentId))];
      const versions = new Map(
        await Promise.all(documentIds.map(async (id) => [id, await committedVersion(id)] as const)),
      );
      return matches.filter((m) => versions.get(m.documentId) === m.version);
    },
  };
}
