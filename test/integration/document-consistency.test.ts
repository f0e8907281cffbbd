/**
 * Documents stay consistent across the registry and every vector store: concurrent writers of one id, a
 * store that fails, and a writer killed mid-ingest never leave the stores on different versions, and never
 * let a reader see a version that is not committed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as remove } from '../../functions/documents-delete/handler';
import { createHandler as ingest } from '../../functions/documents-ingest/handler';
import { createHandler as list } from '../../functions/documents-list/handler';
import { createHandler as ragFaissQuery } from '../../functions/rag-faiss-query/handler';
import { freePort, PROJECT_ROOT } from '../../scripts/local-server';
import { type ChromaServer, startChromaServer } from '../../scripts/services/chroma-server';
import type { AppDependencies } from '../../shared/app/dependencies';
import { checkDocumentsOnStart } from '../../shared/app/document-repair';
import { repairDocuments } from '../../shared/rag/repair-documents';
import type { VectorStore } from '../../shared/vectors/vector-store';
import { testDependencies } from '../helpers/dependencies';
import { expectStoresMatchRegistry } from '../helpers/document-invariant';
import { httpEvent, invoke } from '../helpers/events';
import { type FaultPoint, faultyStore } from '../helpers/faulty-store';
import { PAUSED_LINE, type PausePoint } from '../helpers/pausing-blob-store';

let chroma: ChromaServer;
let collection = 0;
const created: AppDependencies[] = [];
beforeAll(async () => {
  chroma = await startChromaServer({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'consistency-chroma-')),
    port: await freePort(),
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(created.map((d) => d.runtime.dispose()));
  await chroma?.stop();
});

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** Dependencies over FAISS on a local directory and a Chroma collection of their own (or a dead Chroma). */
function corpus(
  options: {
    dataDir?: string;
    collection?: string;
    chromaDown?: boolean;
    decorate?: (store: VectorStore) => VectorStore;
  } = {},
) {
  const dataDir = options.dataDir ?? tmp('consistency-data-');
  const deps = testDependencies(
    {
      DATA_DIR: dataDir,
      CHROMA_URL: options.chromaDown ? 'http://127.0.0.1:9' : chroma.url,
      CHROMA_COLLECTION: options.collection ?? `consistency-${++collection}`,
      PINECONE_API_KEY: '',
      PINECONE_INDEX_HOST: '',
      RAG_STORE: 'chroma',
      FAISS_REFRESH_SECONDS: '0',
      // One sentence a chunk, so a version has several chunks and a write can fail half-way through them.
      CHUNK_TOKENS: '24',
      CHUNK_OVERLAP_TOKENS: '0',
    },
    options.decorate ? { decorateVectorStore: options.decorate } : {},
  );
  created.push(deps);
  return { deps, dataDir, collection: deps.config.rag.chroma?.collection ?? '' };
}

const post = (handler: ReturnType<typeof ingest>, route: string, body: unknown) =>
  invoke(handler, httpEvent('POST', route, { body }));
const deleteEvent = (id: string) => ({ ...httpEvent('DELETE', `/documents/${id}`), pathParameters: { id } });

/** Text whose every chunk names its variant, in a number of sentences that depends on the variant. */
const variantText = (variant: number) =>
  Array.from(
    { length: 1 + (variant % 4) },
    (_, i) => `Variant ${variant} says the lamp was lit at ${i + 6} o'clock in the evening.`,
  ).join(' ');
const variantsIn = (texts: readonly string[]) =>
  new Set(texts.flatMap((t) => [...t.matchAll(/Variant (\d+)/g)].map((m) => Number(m[1]))));

/** Every chunk text a store returns for a document (a filtered query with a generous top k). */
async function textsIn(deps: AppDependencies, store: VectorStore, documentId: string) {
  const probe = (await deps.embeddings.embed(['probe'])).vectors[0] as Float32Array;
  return (await store.query(probe, 200, { documentIds: [documentId] })).map((m) => m.text);
}

async function listed(deps: AppDependencies) {
  const response = await invoke(list(deps), httpEvent('GET', '/documents'));
  return response.body.documents as { document_id: string; metadata?: Record<string, unknown> }[];
}

async function faissAnswers(deps: AppDependencies, question: string) {
  const response = await post(ragFaissQuery(deps), '/rag-faiss-query', { question, top_k: 20 });
  return (response.body.sources as { document_id: string; text: string }[]) ?? [];
}

/** The invariant over a corpus's own registry, stored texts and stores. */
async function expectConsistent(deps: AppDependencies) {
  await expectStoresMatchRegistry({
    registry: deps.registry,
    versions: deps.documentVersions,
    stores: await deps.vectorStores.all(),
  });
}

/** Repair over a corpus, with no grace for writers that may still run (none does in these tests). */
async function repair(deps: AppDependencies, options: { rebuildFaiss?: boolean } = {}) {
  return repairDocuments(
    {
      registry: deps.registry,
      versions: deps.documentVersions,
      stores: await deps.vectorStores.all(),
      embeddings: deps.embeddings,
      embedBatch: deps.config.rag.embedBatch,
    },
    { graceMs: 0, ...(options.rebuildFaiss ? { rebuildFaiss: deps.vectorStores.faissIndex() } : {}) },
  );
}

/** Three containers over the same bucket and Chroma collection, as Lambda scales out, with store jitter. */
function containers(maxDelayMs: number) {
  const jitter = (store: VectorStore) => faultyStore(store, { delayMs: () => Math.random() * maxDelayMs });
  const first = corpus({ decorate: jitter });
  const more = () => corpus({ dataDir: first.dataDir, collection: first.collection, decorate: jitter }).deps;
  return [first.deps, more(), more()] as const;
}

describe('concurrent writers', () => {
  it('of one document leave the registry and every store on one and the same version', async () => {
    // Prepare
    const all = containers(250);
    const [deps] = all;
    await post(ingest(deps), '/documents', { id: 'log', text: variantText(0), metadata: { variant: 0 } });

    // Act
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(ingest(all[i % 3] as AppDependencies), '/documents', {
          id: 'log',
          text: variantText(i + 1),
          metadata: { variant: i + 1 },
        }),
      ),
    );

    // Assess
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses).toContain(200);
    for (const status of statuses) expect([200, 409, 503]).toContain(status);
    const [record] = await listed(deps);
    const versions: Record<string, number[]> = { registry: [Number(record?.metadata?.variant)] };
    for (const store of await deps.vectorStores.all()) {
      versions[store.name] = [...variantsIn(await textsIn(deps, store, 'log'))];
    }
    const committed = versions.registry;
    expect(versions).toEqual({ registry: committed, faiss: committed, chroma: committed });
    // Commits only move forward: the last one is the highest version any writer was told is committed.
    const newest = Math.max(
      ...responses.filter((r) => r.statusCode === 200).map((r) => r.body.version as number),
    );
    expect((await deps.registry.read('log'))?.entry.committedVersion).toBe(newest);
    for (const r of responses.filter((r) => r.statusCode === 409)) {
      expect(r.body.error).toMatchObject({ type: 'document_superseded' });
    }
    await expectConsistent(deps);
  }, 120_000);

  it('of different documents, with deletes interleaved, leave every store equal to the registry', async () => {
    // Prepare
    const all = containers(60);
    const [deps] = all;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // Act
    const ingests = Array.from({ length: 30 }, (_, i) =>
      post(ingest(all[i % 3] as AppDependencies), '/documents', { id: `doc-${i}`, text: variantText(i) }),
    );
    const deletes = Array.from({ length: 10 }, async (_, i) => {
      await sleep(Math.random() * 1_500);
      return invoke(remove(all[(i + 1) % 3] as AppDependencies), deleteEvent(`doc-${i * 3}`));
    });
    const [ingested, deleted] = await Promise.all([Promise.all(ingests), Promise.all(deletes)]);

    // Assess
    for (const r of ingested) expect([201, 200, 409, 503]).toContain(r.statusCode);
    for (const r of deleted) expect([200, 404]).toContain(r.statusCode);
    const gone = new Set(deleted.flatMap((r, i) => (r.statusCode === 200 ? [`doc-${i * 3}`] : [])));
    const expected = ingested
      .map((r, i) => ({ status: r.statusCode, id: `doc-${i}` }))
      .filter(({ status, id }) => status < 300 && !gone.has(id))
      .map(({ id }) => id)
      .sort();
    expect((await listed(deps)).map((d) => d.document_id).sort()).toEqual(expected);
    await expectConsistent(deps);
  }, 120_000);
});

describe('a store that is down', () => {
  it('fails a re-ingest without changing what any store answers', async () => {
    // Prepare
    const up = corpus();
    await post(ingest(up.deps), '/documents', { id: 'log', text: variantText(1), metadata: { variant: 1 } });
    const down = corpus({ dataDir: up.dataDir, chromaDown: true });

    // Act
    const response = await post(ingest(down.deps), '/documents', { id: 'log', text: variantText(2) });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(variantsIn(await textsIn(up.deps, up.deps.vectorStores.faiss(), 'log'))).toEqual(new Set([1]));
    expect(variantsIn((await faissAnswers(up.deps, variantText(2))).map((s) => s.text))).toEqual(
      new Set([1]),
    );
  });

  it('either deletes a document everywhere readers look, or leaves it whole', async () => {
    // Prepare
    const up = corpus();
    await post(ingest(up.deps), '/documents', { id: 'log', text: variantText(1) });
    const down = corpus({ dataDir: up.dataDir, chromaDown: true });

    // Act
    const response = await invoke(remove(down.deps), deleteEvent('log'));

    // Assess
    const stillListed = (await listed(up.deps)).some((d) => d.document_id === 'log');
    const answered = (await faissAnswers(up.deps, variantText(1))).some((s) => s.document_id === 'log');
    if (response.statusCode === 200)
      expect({ stillListed, answered }).toEqual({ stillListed: false, answered: false });
    else
      expect({ status: response.statusCode, stillListed, answered }).toEqual({
        status: 503,
        stillListed: true,
        answered: true,
      });
    await repair(up.deps);
    await expectConsistent(up.deps);
  });
});

describe('a store failing mid-way', () => {
  const points: FaultPoint[] = ['before', 'during', 'after'];
  const cases = (['faiss', 'chroma'] as const).flatMap((store) =>
    points.map((when) => [store, when] as const),
  );

  /** A corpus holding version 1 of 'log', whose `store` fails as told from now on. */
  async function failingCorpus(store: 'faiss' | 'chroma', operation: string, when: FaultPoint) {
    const faulty: ReturnType<typeof faultyStore>[] = [];
    const { deps } = corpus({
      decorate: (s) => {
        const wrapped = faultyStore(s);
        if (s.name === store) faulty.push(wrapped);
        return wrapped;
      },
    });
    await post(ingest(deps), '/documents', { id: 'log', text: variantText(1), metadata: { variant: 1 } });
    await post(ingest(deps), '/documents', {
      id: 'other',
      text: 'The harbour master keeps the tide tables.',
    });
    for (const s of faulty) s.faults.rules = [{ operation, when, times: 1 }];
    return deps;
  }

  /** The variants readers are answered with for the document (through the committed-version filter). */
  const answeredVariants = async (deps: AppDependencies) =>
    variantsIn(
      (await faissAnswers(deps, variantText(2))).filter((s) => s.document_id === 'log').map((s) => s.text),
    );

  it.each(cases)(
    '%s failing %s an upsert fails the re-ingest and keeps the old version whole',
    async (store, when) => {
      // Prepare
      const deps = await failingCorpus(store, 'upsert', when);

      // Act
      const response = await post(ingest(deps), '/documents', {
        id: 'log',
        text: variantText(2),
        metadata: { variant: 2 },
      });

      // Assess
      expect(response.statusCode).toBe(503);
      expect((await listed(deps)).find((d) => d.document_id === 'log')?.metadata).toEqual({ variant: 1 });
      expect(await answeredVariants(deps)).toEqual(new Set([1]));
      await repair(deps);
      await expectConsistent(deps);
    },
  );

  it.each(cases)(
    '%s failing %s collecting the old version still commits the new one, and repair collects it',
    async (store, when) => {
      // Prepare
      const deps = await failingCorpus(store, 'deleteChunks', when);

      // Act
      const response = await post(ingest(deps), '/documents', {
        id: 'log',
        text: variantText(2),
        metadata: { variant: 2 },
      });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(await answeredVariants(deps)).toEqual(new Set([2]));
      const report = await repair(deps);
      if (when !== 'after') {
        expect(report.removed).toContainEqual(
          expect.objectContaining({ store, documentId: 'log', version: 1 }),
        );
      }
      await expectConsistent(deps);
    },
  );

  it.each(cases)(
    '%s failing %s a delete still deletes the document for every reader',
    async (store, when) => {
      // Prepare
      const deps = await failingCorpus(store, 'deleteChunks', when);

      // Act
      const response = await invoke(remove(deps), deleteEvent('log'));

      // Assess
      expect(response.statusCode).toBe(200);
      expect((await listed(deps)).map((d) => d.document_id)).toEqual(['other']);
      expect(await answeredVariants(deps)).toEqual(new Set());
      await repair(deps);
      await expectConsistent(deps);
    },
  );

  it('that was down while a document was committed gets the committed version back from repair', async () => {
    // Prepare: chunks of the committed version lost by the store after the commit
    const { deps } = corpus();
    await post(ingest(deps), '/documents', { id: 'log', text: variantText(3) });
    const [record] = await deps.registry.list();
    const chroma = await deps.vectorStores.external('chroma');
    await chroma.deleteChunks(await chroma.listChunks('log'));

    // Act
    const report = await repair(deps);

    // Assess
    expect(report.rewritten).toEqual([
      { store: 'chroma', documentId: 'log', version: record?.version, chunks: record?.chunks },
    ]);
    await expectConsistent(deps);
  });
});

/** Runs the ingest child until it pauses at `point` (then SIGKILLs it) or finishes. */
async function ingestInChild(dataDir: string, documents: { id: string; text: string }[], point?: PausePoint) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/ingest-child.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      CHROMA_URL: '',
      PINECONE_API_KEY: '',
      PINECONE_INDEX_HOST: '',
      RAG_STORE: '',
      INGEST_DOCUMENTS: JSON.stringify(documents),
      ...(point ? { PAUSE_AT: JSON.stringify(point) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<'killed' | 'done'>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(PAUSED_LINE)) child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && output.includes('DONE')) resolve('done');
      else reject(new Error(`ingest child exited with ${code ?? signal}:\n${output}`));
    });
  });
}

const readerOf = (dataDir: string) => {
  const reader = testDependencies({ DATA_DIR: dataDir, CHROMA_URL: '', FAISS_REFRESH_SECONDS: '0' });
  created.push(reader);
  return reader;
};

describe('a writer killed mid-ingest', () => {
  it('leaves nothing a reader can see that the registry does not list', async () => {
    // Prepare
    const dataDir = tmp('consistency-killed-');

    // Act
    const outcome = await ingestInChild(dataDir, [{ id: 'orphan', text: variantText(3) }], {
      key: '^faiss/',
      occurrence: 1,
      when: 'after',
    });

    // Assess
    expect(outcome).toBe('killed');
    const reader = readerOf(dataDir);
    expect(await listed(reader)).toEqual([]);
    expect(await faissAnswers(reader, variantText(3))).toEqual([]);
    await repair(reader);
    await expectConsistent(reader);
    expect((await reader.vectorStores.faiss().stats()).vectors).toBe(0);
  }, 60_000);

  // The child ingests 'log' (variant 1), 'other', then 'log' again (variant 2), and is killed during the
  // second ingest of 'log'; each write below is one step of it.
  it.each([
    ['after its version was reserved', { key: '^registry/log\\.json$', occurrence: 3, when: 'after' }, 1],
    ['after its text was stored', { key: '^registry-versions/log/v2', occurrence: 1, when: 'after' }, 1],
    ['after FAISS took its chunks', { key: '^faiss/', occurrence: 3, when: 'after' }, 1],
    [
      'after the commit, before collecting',
      { key: '^registry/log\\.json$', occurrence: 4, when: 'after' },
      2,
    ],
    ['while collecting the old version', { key: '^faiss/', occurrence: 4, when: 'before' }, 2],
  ] as const)(
    '%s: readers see one version, and repair brings every store back to it',
    async (_step, point, variant) => {
      // Prepare
      const dataDir = tmp('consistency-killed-');

      // Act
      const outcome = await ingestInChild(
        dataDir,
        [
          { id: 'log', text: variantText(1) },
          { id: 'other', text: 'The harbour master keeps the tide tables.' },
          { id: 'log', text: variantText(2) },
        ],
        point,
      );

      // Assess
      expect(outcome).toBe('killed');
      const reader = readerOf(dataDir);
      expect((await listed(reader)).map((d) => d.document_id).sort()).toEqual(['log', 'other']);
      const answered = (await faissAnswers(reader, variantText(2))).filter((s) => s.document_id === 'log');
      expect(variantsIn(answered.map((s) => s.text))).toEqual(new Set([variant]));
      await repair(reader);
      await expectConsistent(reader);
      expect(variantsIn(await textsIn(reader, reader.vectorStores.faiss(), 'log'))).toEqual(
        new Set([variant]),
      );
    },
    60_000,
  );
});

describe('repair', () => {
  it('rebuilds a FAISS index that cannot be read from the committed versions, by command', async () => {
    // Prepare
    const { deps, dataDir } = corpus();
    await post(ingest(deps), '/documents', { id: 'log', text: variantText(1) });
    await post(ingest(deps), '/documents', { id: 'log', text: variantText(2) });
    await post(ingest(deps), '/documents', {
      id: 'other',
      text: 'The harbour master keeps the tide tables.',
    });
    await deps.blobs.put(deps.config.rag.faiss.key, Buffer.alloc(0));
    const refused = await post(ragFaissQuery(deps), '/rag-faiss-query', { question: variantText(2) });

    // Act
    const output = await runRepairCommand(['--rebuild-faiss'], {
      DATA_DIR: dataDir,
      CHROMA_URL: deps.config.rag.chroma?.url ?? '',
      CHROMA_COLLECTION: deps.config.rag.chroma?.collection ?? '',
    });

    // Assess
    expect(refused.statusCode).toBe(500);
    expect(refused.body.error).toMatchObject({
      type: 'index_corrupt',
      message: expect.stringContaining('npm run documents:repair -- --rebuild-faiss'),
    });
    expect(refused.headers['retry-after']).toBeUndefined();
    expect(output.code).toBe(0);
    expect(output.text).toMatch(/faiss: rebuild the index from 2 committed documents/);
    const answered = await faissAnswers(deps, variantText(2));
    expect(variantsIn(answered.filter((s) => s.document_id === 'log').map((s) => s.text))).toEqual(
      new Set([2]),
    );
    await expectConsistent(deps);
  }, 60_000);

  it('runs when the local server starts, and says what it did', async () => {
    // Prepare: a writer died after writing FAISS
    const dataDir = tmp('consistency-start-');
    await ingestInChild(dataDir, [{ id: 'orphan', text: variantText(3) }], {
      key: '^faiss/',
      occurrence: 1,
      when: 'after',
    });
    const lines: string[] = [];

    // Act
    await checkDocumentsOnStart(
      {
        ...process.env,
        DATA_DIR: dataDir,
        CHROMA_URL: '',
        PINECONE_API_KEY: '',
        PINECONE_INDEX_HOST: '',
        RAG_STORE: '',
      },
      (line) => lines.push(line),
    );

    // Assess: the orphan was reserved moments ago, so its writer might still run: left alone, and said so
    expect(lines).toContainEqual(expect.stringMatching(/^left alone: orphan v1/));
    expect((await readerOf(dataDir).vectorStores.faiss().stats()).vectors).toBeGreaterThan(0);
  }, 60_000);
});

async function runRepairCommand(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/repair-documents.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PINECONE_API_KEY: '', PINECONE_INDEX_HOST: '', RAG_STORE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, text };
}
