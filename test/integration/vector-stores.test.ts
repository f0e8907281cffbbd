/**
 * One contract for every vector store: FAISS (native, on a local BlobStore), Chroma (a real local server)
 * and Pinecone (its client against a server speaking Pinecone's REST contract).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pinecone } from '@pinecone-database/pinecone';
import { ChromaClient } from 'chromadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-server';
import { type ChromaServer, startChromaServer } from '../../scripts/services/chroma-server';
import { VectorStoreUnavailableError } from '../../shared/errors';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { createChromaStore } from '../../shared/vectors/chroma-store';
import { createFaissStore } from '../../shared/vectors/faiss-store';
import { createPineconeStore } from '../../shared/vectors/pinecone-store';
import {
  type ChunkKey,
  chunkId,
  type VectorStore,
  versionChunkKeys,
} from '../../shared/vectors/vector-store';
import { type PineconeContractServer, startPineconeContractServer } from '../helpers/pinecone-server';
import { records } from '../helpers/vectors';

let chroma: ChromaServer;
let pinecone: PineconeContractServer;
beforeAll(async () => {
  [chroma, pinecone] = await Promise.all([
    freePort().then((port) =>
      startChromaServer({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'chroma-')), port }),
    ),
    startPineconeContractServer(),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([chroma?.stop(), pinecone?.stop()]);
});

let run = 0;
const factories: [string, () => VectorStore][] = [
  [
    'faiss',
    () =>
      createFaissStore({
        blobs: createLocalBlobStore({ root: mkdtempSync(path.join(os.tmpdir(), 'vs-faiss-')) }),
        key: 'faiss/index.bin',
        cacheDir: mkdtempSync(path.join(os.tmpdir(), 'vs-cache-')),
        settings: { kind: 'flat', storage: 'float16', ivfMinVectors: 10_000, ivfNprobe: 8, ivfNlist: 0 },
        refreshMs: 0,
      }),
  ],
  [
    'chroma',
    () =>
      createChromaStore({
        client: new ChromaClient({ host: '127.0.0.1', port: chroma.port, ssl: false }),
        collection: `corpus-${++run}`,
      }),
  ],
  [
    'pinecone',
    () =>
      createPineconeStore({
        index: new Pinecone({ apiKey: pinecone.apiKey }).index({ host: pinecone.url }),
        namespace: `ns-${++run}`,
      }),
  ],
];

describe.each(factories)('%s vector store', (name, create) => {
  it('returns a chunk first for its own vector, with its metadata and a cosine score', async () => {
    const store = create();
    await store.upsert([...records('alpha', 4), ...records('beta', 4, 16, 2)]);
    const target = records('beta', 4, 16, 2)[2];
    const matches = await store.query(target?.vector as Float32Array, 3);
    expect(matches[0]).toMatchObject({
      documentId: 'beta',
      chunkIndex: 2,
      text: 'beta chunk 2',
      source: 'beta.txt',
    });
    expect(matches[0]?.score).toBeCloseTo(1, 4);
    expect(matches).toHaveLength(3);
    expect((await store.stats()).vectors).toBe(8);
    expect((await store.stats()).store).toBe(name);
  });

  it('filters by document and by source', async () => {
    const store = create();
    await store.upsert([...records('alpha', 4), ...records('beta', 4, 16, 2)]);
    const probe = records('beta', 4, 16, 2)[0]?.vector as Float32Array;
    const alpha = await store.query(probe, 10, { documentIds: ['alpha'] });
    expect(alpha.length).toBe(4);
    expect(alpha.every((m) => m.documentId === 'alpha')).toBe(true);
    const bySource = await store.query(probe, 10, { source: 'beta.txt' });
    expect(bySource.map((m) => m.documentId)).toEqual(['beta', 'beta', 'beta', 'beta']);
  });

  it('keeps versions side by side, lists chunk ids by document and deletes chunks by id', async () => {
    // Prepare
    const store = create();
    await store.upsert(records('doc', 5));
    await store.upsert(records('doc', 2, 16, 7, 2));
    await store.upsert(records('doc', 2, 16, 7, 2));
    await store.upsert(records('doc-2', 1, 16, 8));

    // Act
    const byDocument = await store.listChunks('doc');
    await store.deleteChunks(versionChunkKeys('doc', 1, 5));

    // Assess
    expect(byDocument).toHaveLength(7);
    expect(
      byDocument
        .filter((k) => k.version === 2)
        .map((k) => k.chunkIndex)
        .sort(),
    ).toEqual([0, 1]);
    const sorted = (keys: ChunkKey[]) => [...keys].sort((a, b) => (chunkId(a) < chunkId(b) ? -1 : 1));
    expect(sorted(await store.listChunks())).toEqual([
      { documentId: 'doc', version: 2, chunkIndex: 0 },
      { documentId: 'doc', version: 2, chunkIndex: 1 },
      { documentId: 'doc-2', version: 1, chunkIndex: 0 },
    ]);
    const [best] = await store.query(records('doc', 2, 16, 7)[1]?.vector as Float32Array, 1);
    expect(best).toMatchObject({ documentId: 'doc', version: 2, chunkIndex: 1 });
    await store.deleteChunks([...versionChunkKeys('doc', 2, 2), ...versionChunkKeys('doc-2', 1, 1)]);
    expect((await store.stats()).vectors).toBe(0);
  });

  it('lists more chunks than fit one page', async () => {
    const store = create();
    await store.upsert(records('big', 230));
    expect(new Set((await store.listChunks('big')).map((k) => k.chunkIndex)).size).toBe(230);
  });
});

describe('an unreachable store', () => {
  it('fails with vector_store_unavailable naming the store', async () => {
    const port = await freePort();
    const store = createChromaStore({
      client: new ChromaClient({ host: '127.0.0.1', port, ssl: false }),
      collection: 'x',
    });
    const error = await store.query(new Float32Array(16), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorStoreUnavailableError);
    expect((error as Error).message).toMatch(/^chroma query failed/);
  });

  it('reports a rejected Pinecone API key as unavailable rather than as an empty result', async () => {
    const store = createPineconeStore({
      index: new Pinecone({ apiKey: 'wrong' }).index({ host: pinecone.url }),
      namespace: 'x',
    });
    await expect(store.query(new Float32Array(16), 1)).rejects.toBeInstanceOf(VectorStoreUnavailableError);
  });
});
