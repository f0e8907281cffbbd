/**
 * The consistency invariant as an assertion: every store holds exactly the chunks of the committed version
 * of every committed document, and nothing else; and the text of every committed version is stored.
 */
import { expect } from 'vitest';
import type { DocumentRegistry } from '../../shared/rag/document-registry';
import type { DocumentVersionStore } from '../../shared/rag/document-versions';
import { chunkId, type VectorStore, versionChunkKeys } from '../../shared/vectors/vector-store';

export async function expectStoresMatchRegistry(deps: {
  registry: DocumentRegistry;
  versions: DocumentVersionStore;
  stores: readonly VectorStore[];
}): Promise<void> {
  const committed = await deps.registry.list();
  const expected = committed
    .flatMap((d) => versionChunkKeys(d.documentId, d.version, d.chunks).map(chunkId))
    .sort();
  const held: Record<string, string[]> = {};
  for (const store of deps.stores) held[store.name] = (await store.listChunks()).map(chunkId).sort();
  expect(held).toEqual(Object.fromEntries(deps.stores.map((s) => [s.name, expected])));
  for (const document of committed) {
    const stored = await deps.versions.get(document.documentId, document.version);
    expect(stored?.chunks.length, `stored text of ${document.documentId} v${document.version}`).toBe(
      document.chunks,
    );
  }
}
