/** The registry's versions: handed out once each, committed only forward, deletes as tombstones. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SupersededVersionError } from '../../shared/errors';
import { createDocumentRegistry, type DocumentRecord } from '../../shared/rag/document-registry';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';

const registryOn = () =>
  createDocumentRegistry({
    blobs: createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'registry-')) }),
    prefix: 'registry/',
  });

const record = (documentId: string, version: number): DocumentRecord => ({
  documentId,
  version,
  source: documentId,
  contentType: 'text/plain',
  chunks: 1,
  characters: 10,
  stores: ['faiss'],
  embeddingModel: 'tiny-random/bert',
  ingestedAt: new Date().toISOString(),
});

describe('the document registry', () => {
  it('hands every concurrent writer its own version', async () => {
    // Prepare
    const registry = registryOn();

    // Act
    const reserved = await Promise.all(Array.from({ length: 20 }, () => registry.reserve('doc')));

    // Assess
    expect(reserved.map((r) => r.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await registry.list()).toEqual([]);
    expect((await registry.read('doc'))?.entry).toMatchObject({ state: 'pending', reservedVersion: 20 });
  });

  it('commits only forward: an older version committed after a newer one is refused', async () => {
    // Prepare
    const registry = registryOn();
    const older = await registry.reserve('doc');
    const newer = await registry.reserve('doc');
    await registry.commit(record('doc', newer.version));

    // Act
    const refused = await registry.commit(record('doc', older.version)).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(SupersededVersionError);
    expect(refused).toMatchObject({ statusCode: 409, type: 'document_superseded' });
    expect((await registry.list()).map((d) => d.version)).toEqual([newer.version]);
  });

  it('deletes with a tombstone that an ingest begun before it cannot undo', async () => {
    // Prepare
    const registry = registryOn();
    await registry.commit(record('doc', (await registry.reserve('doc')).version));
    const inFlight = await registry.reserve('doc');

    // Act
    const previous = await registry.tombstone('doc');
    const late = await registry.commit(record('doc', inFlight.version)).catch((error: unknown) => error);
    const again = await registry.tombstone('doc').catch((error: unknown) => error);

    // Assess
    expect(previous).toMatchObject({ state: 'committed', committedVersion: 1 });
    expect(late).toBeInstanceOf(SupersededVersionError);
    expect(again).toMatchObject({ statusCode: 404 });
    expect(await registry.list()).toEqual([]);
    expect((await registry.read('doc'))?.entry).toMatchObject({ state: 'deleted', committedVersion: 3 });
    const next = await registry.reserve('doc');
    await registry.commit(record('doc', next.version));
    expect((await registry.list()).map((d) => d.version)).toEqual([4]);
  });
});
